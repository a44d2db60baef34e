"""Each bad input and attack of issue #20 gets a clear message and changes nothing."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import func, inspect, text
from sqlmodel import select
from web_helpers import PASSWORD, csrf_of

from c2m.db import session_scope
from c2m.models import ImportBatch, ReplanRun, SalesSignal
from c2m.users import User, delete_user

SALES = "date,room_id,sku,clicks,carts,orders\n2026-11-20,douyin-01,TS-01-BLK-M,100,10,4\n"


def _batches(web) -> int:
    with web.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(ImportBatch)).scalar_one()


def _kept_files(web) -> list[str]:
    if not web.upload_dir.exists():
        return []
    return [p.name for p in web.upload_dir.rglob("*") if p.is_file()]


def _check(client, csrf, name, content, kind="sales", **form):
    files = [("files", (name, content, "text/csv"))]
    data = {"csrf_token": csrf, "kind": kind, **form}
    return client.post("/imports/check", data=data, files=files)


def _refusal(page: str) -> str:
    found = re.search(r'id="refused">(.*?)</div>', page, re.S)
    assert found, page[-1000:]
    return found.group(1)


def test_an_upload_over_the_size_limit_is_refused_whole(db_url, make_web):
    web = make_web(db_url, max_upload_bytes=1000)
    client, csrf = web.login("merchandiser")
    small_over = _check(client, csrf, "sales.csv", SALES + "x" * 2000)
    assert small_over.status_code == 400
    assert "larger than the upload limit" in _refusal(small_over.text)
    # Far over: refused while the body streams in, before any form parsing.
    big = _check(client, csrf, "sales.csv", b"a" * (3 << 20))
    assert big.status_code == 413
    assert "larger than the limit" in big.text
    assert _batches(web) == 0 and _kept_files(web) == []


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 << 20))
    return buffer.getvalue()


def test_binaries_archives_and_zip_bombs_are_refused(web):
    client, csrf = web.login("merchandiser")
    cases = {
        "bomb.xlsx": (_bomb(), "zip bomb"),
        "photo.csv": (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)), "binary file"),
        "archive.csv": (_bomb(), "zip archive"),
        "old.xlsx": (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "not an .xlsx workbook"),
        "old.csv": (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "old Excel .xls"),
        "dump.csv": (b"\x1f\x8b\x08\0" + b"\0" * 50, "compressed archive"),
        "program.exe": (b"MZ\x90\0", "not a CSV or .xlsx export"),
    }
    for name, (content, words) in cases.items():
        response = _check(client, csrf, name, content, kind="auto")
        assert response.status_code == 400, name
        assert words in _refusal(response.text), name
    assert _batches(web) == 0 and _kept_files(web) == []


def _raw_upload(client, csrf: str, filename: bytes):
    """A multipart body written by hand: a client library would escape the name."""
    b = b"c2mboundary"
    body = (
        b"--" + b + b'\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + csrf.encode() + b"\r\n--" + b
        + b'\r\nContent-Disposition: form-data; name="files"; filename="' + filename
        + b'"\r\nContent-Type: text/csv\r\n\r\n' + SALES.encode() + b"\r\n--" + b + b"--\r\n"
    )  # fmt: skip
    headers = {"content-type": "multipart/form-data; boundary=c2mboundary"}
    return client.post("/imports/check", content=body, headers=headers)


def test_file_names_with_a_path_or_a_nul_are_refused(web):
    client, csrf = web.login("merchandiser")
    for name in ("../sales.csv", "..\\sales.csv", "/etc/passwd.csv", ".hidden.csv"):
        response = _check(client, csrf, name, SALES)
        assert response.status_code == 400, name
        assert "holds a path" in _refusal(response.text), name
    response = _raw_upload(client, csrf, b"sales\x00.csv")
    assert response.status_code == 400
    assert "NUL or control character" in _refusal(response.text)
    assert _batches(web) == 0 and _kept_files(web) == []
    assert not (web.upload_dir.parent / "sales.csv").exists()


def test_a_form_without_its_csrf_token_changes_nothing(web):
    client, csrf = web.login("admin")
    files = [("files", ("sales.csv", SALES, "text/csv"))]
    for token in (None, "", "forged", csrf[:-1]):
        data = {"kind": "sales"} if token is None else {"kind": "sales", "csrf_token": token}
        response = client.post("/imports/check", data=data, files=files)
        assert response.status_code == 403
        assert "security token" in response.text
        added = {"name": "intruder", "role": "admin", "password": "long enough"}
        if token is not None:
            added["csrf_token"] = token
        assert client.post("/users/add", data=added).status_code == 403
    # another session's token does not work either
    _other, other_csrf = web.login("planner")
    response = client.post("/users/add", data={**added, "csrf_token": other_csrf})
    assert response.status_code == 403
    with session_scope(web.engine) as session:
        assert session.get(User, "intruder") is None
    assert _batches(web) == 0 and _kept_files(web) == []


def test_the_login_form_needs_its_token_too(web):
    client = web.client()
    client.get("/login")
    response = client.post("/login", data={"name": "admin", "password": PASSWORD})
    assert response.status_code == 403
    assert "c2m_session" not in response.cookies


def test_a_deleted_users_session_ends_at_once(web):
    client, csrf = web.login("planner")
    assert client.get("/plan").status_code == 200
    admin, admin_csrf = web.login("admin")
    removed = admin.post("/users/remove", data={"name": "planner", "csrf_token": admin_csrf})
    assert removed.status_code == 200  # back on the users page
    assert "planner" not in re.findall(r"<td>([^<]+)</td><td>planner", removed.text)
    page = client.get("/plan", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    form = client.post("/nights/replan", data={"csrf_token": csrf})
    assert form.status_code == 401
    assert "session has ended" in form.text
    with session_scope(web.engine) as session:
        assert session.exec(select(ReplanRun)).all() == []
    # a user of the same name created again does not revive the old cookie
    admin.post(
        "/users/add",
        data={"name": "planner", "role": "planner", "password": PASSWORD, "csrf_token": admin_csrf},
    )
    assert client.get("/plan", follow_redirects=False).status_code == 303


def test_a_user_removed_from_the_command_line_is_out_too(web):
    client, _csrf = web.login("merchandiser")
    with session_scope(web.engine) as session:
        delete_user(session, "merchandiser")
    assert client.get("/imports", follow_redirects=False).status_code == 303


def test_a_merchandiser_cannot_replan_download_or_manage_users(web):
    client, csrf = web.login("merchandiser")
    for path in ("/plan/1/work_orders.csv", "/plan/1/report.html", "/users"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "needs the" in response.text
    response = client.post("/nights/replan", data={"csrf_token": csrf})
    assert response.status_code == 403
    with session_scope(web.engine) as session:
        assert session.exec(select(ReplanRun)).all() == []


SCRIPT = "<script>alert(1)</script>"


def test_markup_in_sku_room_and_file_names_is_shown_escaped(web):
    client, csrf = web.login("merchandiser")
    content = (
        "date,room_id,sku,clicks,carts,orders\n"
        f'2026-11-20,"{SCRIPT}","{SCRIPT}",100,10,4\n'
        f'2026-11-21,douyin-01,"{SCRIPT}",100,10,-4\n'
    )
    name = "<script>alert(2).csv"
    checked = _check(client, csrf, name, content)
    assert checked.status_code == 200
    for page in (checked.text,):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;script&gt;alert(2).csv" in page
    form = {
        "csrf_token": csrf,
        "sha256": re.search(r'name="sha256" value="([0-9a-f]{64})"', checked.text).group(1),
        "name": name,
        "kind": "sales",
    }
    done = client.post("/imports/commit", data=form)
    assert done.status_code == 200
    history = client.get("/imports").text
    for page in (done.text, history):
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(2).csv" in page
    with web.engine.connect() as connection:
        rooms = connection.execute(select(SalesSignal.room_id)).scalars().all()
    assert rooms == [SCRIPT]  # stored as sent: escaping is the page's job


SQL = "x'; DROP TABLE app_user; --"


def test_sql_metacharacters_in_every_field_are_only_text(web):
    client = web.client()
    token = csrf_of(client.get("/login").text)
    for name, password in ((SQL, "x"), ("admin' --", "x"), ("admin", "' OR '1'='1")):
        response = client.post(
            "/login", data={"name": name, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401
    admin, csrf = web.login("admin")
    assert admin.post("/users/add", data={
        "name": SQL, "role": "admin", "password": PASSWORD, "csrf_token": csrf
    }).status_code == 400  # fmt: skip
    assert admin.post("/users/add", data={
        "name": "ok", "role": SQL, "password": PASSWORD, "csrf_token": csrf
    }).status_code == 400  # fmt: skip
    assert admin.post("/users/remove", data={"name": SQL, "csrf_token": csrf}).status_code == 404
    assert _check(admin, csrf, "sales.csv", SALES, kind=SQL).status_code == 400
    sneaky = SALES.replace("douyin-01", SQL.replace(",", ";"))
    assert _check(admin, csrf, "sales.csv", sneaky, room=SQL).status_code == 200
    commit = {"csrf_token": csrf, "sha256": SQL, "name": "sales.csv", "kind": "sales"}
    assert admin.post("/imports/commit", data=commit).status_code == 409
    for query in (f"/plan?plan_id={SQL}", f"/plan?day={SQL}", f"/plan?line={SQL}"):
        assert admin.get(query).status_code in (200, 400), query
    with session_scope(web.engine) as session:
        names = sorted(u.name for u in session.exec(select(User)).all())
    assert names == ["admin", "merchandiser", "planner"]
    tables = set(inspect(web.engine).get_table_names())
    assert {"app_user", "sales_signal", "import_batch", "plan"} <= tables
    assert _batches(web) == 0


def test_failed_logins_are_rate_limited(web):
    client = web.client()
    token = csrf_of(client.get("/login").text)
    for _ in range(5):
        wrong = client.post("/login", data={"name": "admin", "password": "no", "csrf_token": token})
        assert wrong.status_code == 401
    right = client.post("/login", data={"name": "admin", "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429
    assert "too many failed logins" in right.text
    assert "c2m_session" not in client.cookies
    # the same address trying another name is held back too
    other = client.post(
        "/login", data={"name": "planner", "password": PASSWORD, "csrf_token": token}
    )
    assert other.status_code == 429


def test_the_login_never_redirects_off_the_site(web):
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client = web.client()
        token = csrf_of(client.get("/login").text)
        response = client.post(
            "/login",
            data={"name": "admin", "password": PASSWORD, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/", target


def test_no_stack_trace_reaches_the_browser(web):
    client, _csrf = web.login("planner")
    with web.engine.begin() as connection:
        connection.execute(text("DROP TABLE replan_run"))
    response = client.get("/nights")
    assert response.status_code == 500
    assert "internal error (reference" in response.text
    for leak in ("Traceback", "sqlalchemy", "replan_run", 'File "'):
        assert leak not in response.text
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "no such page" in missing.text
    bad = client.get("/plan?plan_id=abc")
    assert bad.status_code == 400 and "plan_id" in bad.text


def test_cookies_are_httponly_samesite_and_secure_when_configured(tmp_path, make_web):
    for secure in (False, True):
        web = make_web(f"sqlite:///{tmp_path / f'secure-{secure}.db'}", secure_cookies=secure)
        client = web.client()
        if secure:  # a browser sends Secure cookies only over https
            client.base_url = "https://testserver"
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"name": "admin", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        cookie = next(
            c for c in response.headers.get_list("set-cookie") if c.startswith("c2m_session=")
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert ("Secure" in cookie) == secure


def test_the_upload_limit_and_login_limit_come_from_the_configs_web_table(
    sqlite_url, make_web, tmp_path
):
    from c2m.config import DEFAULT_CONFIG

    custom = tmp_path / "factory.toml"
    custom.write_text(
        DEFAULT_CONFIG.read_text(encoding="utf-8")
        + "\n[web]\nmax_upload_mb = 0.001\nlogin_attempts = 2\n",
        encoding="utf-8",
    )
    web = make_web(sqlite_url, config_path=custom)
    client, csrf = web.login("merchandiser")
    response = _check(client, csrf, "sales.csv", SALES + "x" * 2000)
    assert response.status_code == 400
    assert "larger than the upload limit of 0.001 MB" in _refusal(response.text)
    other = web.client()
    token = csrf_of(other.get("/login").text)
    for status in (401, 401, 429):
        tried = other.post("/login", data={"name": "admin", "password": "no", "csrf_token": token})
        assert tried.status_code == status


def test_the_login_limiter_forgets_old_failures_and_stays_small():
    from c2m_web.security import LoginLimiter

    now = [0.0]
    limiter = LoginLimiter(attempts=2, window_seconds=60, clock=lambda: now[0])
    limiter.failed("ip:a", "name:x")
    limiter.failed("ip:a", "name:y")
    assert limiter.wait_seconds("ip:a", "name:z") == 60
    now[0] = 30
    assert limiter.wait_seconds("ip:b", "name:x") == 0  # one failure for x: still allowed
    assert limiter.wait_seconds("ip:a") == 30
    now[0] = 61
    assert limiter.wait_seconds("ip:a") == 0
    limiter.MAX_KEYS = 3
    for index in range(10):
        limiter.failed(f"name:{index}")
        now[0] += 61
    assert len(limiter._failures) <= 4


def test_dry_run_files_nobody_imported_are_pruned_after_a_day(tmp_path):
    import os

    from c2m_web.uploads import prune, receive

    kept = receive(io.BytesIO(SALES.encode()), "sales.csv", tmp_path, 10_000)
    fresh = receive(io.BytesIO(b"date,sku\n"), "other.csv", tmp_path, 10_000)
    day_old = kept.path.parent.stat().st_mtime - 25 * 3600
    os.utime(kept.path.parent, (day_old, day_old))
    prune(tmp_path)
    assert not kept.path.exists() and fresh.path.exists()
