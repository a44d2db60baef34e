"""Does ``c2m serve`` hold up for a workshop's morning? (issue 20)

    python benchmarks/serve_load.py [--seconds 60] [--browsers 20] [--uploaders 5] [--db URL]

Starts one uvicorn process on 127.0.0.1 (the real ``c2m_web`` app, as ``c2m serve`` runs
it) on a fresh SQLite file unless ``--db`` names a database (e.g. ``demo.db`` after ``make
demo``, to browse a real plan). ``--browsers`` threads, each logged in as its own user, open
the upload, plan and nights pages in turn; ``--uploaders`` threads each upload a live-sales
export of their own (new rows: a room per uploader and round), dry run then import, for
``--seconds``. Every request's status and time is recorded.

Then the database is counted: the rows the imports said they added must all be in
``sales_signal`` (none lost), each key once (none duplicated), and the batches' own counts
must add up to the same number. Prints one JSON object: requests, errors, page time
percentiles (p50, p95, max), uploads and rows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
PASSWORD = "load-test-password"
PAGES = ("/imports", "/plan", "/nights")
ROOM_PREFIX = "load-"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')

_SERVER = """
import sys, uvicorn
from pathlib import Path
from c2m_web import WebSettings, create_app
app = create_app(WebSettings(db_url=sys.argv[1], upload_dir=Path(sys.argv[3])))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _add_users(db_url: str, names: list[str]) -> None:
    import c2m.users
    from c2m.db import open_engine, session_scope

    engine = open_engine(db_url)
    with session_scope(engine) as session:
        for index, name in enumerate(names):
            if session.get(c2m.users.User, name) is None:
                role = "planner" if index % 2 else "merchandiser"
                c2m.users.add_user(session, name, role, PASSWORD)


def _login(base: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=120)
    token = _TOKEN.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    if response.status_code != 303:
        raise RuntimeError(f"login of {name} failed: HTTP {response.status_code}")
    return client, _TOKEN.search(client.get("/nights").text).group(1)


def _sales_csv(room: str, rows: int, seed: int) -> bytes:
    rng = random.Random(seed)
    lines = ["date,room_id,sku,clicks,carts,orders,rank,price"]
    for k in range(rows):
        day = f"2026-11-{1 + k % 28:02d}"
        clicks = rng.randint(50, 5000)
        carts = clicks // 10
        lines.append(
            f"{day},{room},LOAD-{k // 28:04d}-M,{clicks},{carts},{carts // 3},{k % 50 + 1},59"
        )
    return ("\n".join(lines) + "\n").encode()


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: list[float] = []
        self.errors: list[str] = []
        self.uploads = 0
        self.rows_said = 0

    def page(self, seconds: float, status: int, what: str) -> None:
        with self.lock:
            self.times.append(seconds)
            if status >= 400:
                self.errors.append(f"{what}: HTTP {status}")


class Start:
    """Everyone logs in first (argon2 takes a while), then the clock starts for all at once."""

    def __init__(self, parties: int, seconds: float) -> None:
        self.stop = 0.0
        self.seconds = seconds
        self.barrier = threading.Barrier(parties, action=self._go)

    def _go(self) -> None:
        self.began = time.monotonic()
        self.stop = self.began + self.seconds

    def wait(self) -> float:
        self.barrier.wait(timeout=600)
        return self.stop

    def fail(self) -> None:
        """A user who could not log in releases the others (they fail with BrokenBarrier)."""
        self.barrier.abort()


def _browse(base: str, name: str, start: Start, rec: Recorder) -> None:
    try:
        client, _csrf = _login(base, name)
        stop = start.wait()
        while time.monotonic() < stop:
            path = random.choice(PAGES)
            began = time.perf_counter()
            response = client.get(path)
            rec.page(time.perf_counter() - began, response.status_code, path)
    except Exception as exc:  # a refused connection or timeout is a result, not a crash
        start.fail()
        with rec.lock:
            rec.errors.append(f"{name}: {type(exc).__name__}: {exc}")


def _upload(base: str, name: str, index: int, start: Start, rows: int, rec: Recorder) -> None:
    try:
        client, csrf = _login(base, name)
        stop = start.wait()
        round_ = 0
        while time.monotonic() < stop:
            room = f"{ROOM_PREFIX}{index}-{round_}"
            files = [("files", (f"{room}.csv", _sales_csv(room, rows, round_), "text/csv"))]
            began = time.perf_counter()
            checked = client.post("/imports/check", data={"csrf_token": csrf, "kind": "sales"},
                                  files=files)  # fmt: skip
            rec.page(time.perf_counter() - began, checked.status_code, "dry run")
            sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', checked.text)[1]
            form = {"csrf_token": csrf, "kind": "sales", "name": f"{room}.csv", "sha256": sha}
            began = time.perf_counter()
            done = client.post("/imports/commit", data=form)
            rec.page(time.perf_counter() - began, done.status_code, "import")
            if done.status_code == 200:
                new = re.search(r'<tr data-file="[^"]+">(?:.*?<td class="num">(\d+)</td>){2}',
                                done.text, re.S)  # fmt: skip
                with rec.lock:
                    rec.uploads += 1
                    rec.rows_said += int(new[1])
            round_ += 1
    except Exception as exc:
        start.fail()
        with rec.lock:
            rec.errors.append(f"{name}: {type(exc).__name__}: {exc}")


def _count(db_url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from c2m.db import open_engine
    from c2m.models import ImportBatch, SalesSignal

    engine = open_engine(db_url)
    signal = SalesSignal.__table__
    mine = signal.c.room_id.like(f"{ROOM_PREFIX}%")
    keys = select(signal.c.ts, signal.c.room_id, signal.c.sku).where(mine).distinct().subquery()
    with engine.connect() as connection:
        rows = connection.execute(select(func.count()).where(mine)).scalar_one()
        distinct = connection.execute(select(func.count()).select_from(keys)).scalar_one()
        batches = connection.execute(
            select(func.coalesce(func.sum(ImportBatch.rows_imported), 0)).where(
                ImportBatch.file.like(f"%{ROOM_PREFIX}%")
            )
        ).scalar_one()
    return {"rows": rows, "distinct_keys": distinct, "batches_say": int(batches)}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--browsers", type=int, default=20)
    parser.add_argument("--uploaders", type=int, default=5)
    parser.add_argument("--rows", type=int, default=500, help="rows per uploaded file")
    parser.add_argument("--db", default=None, help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="c2m-serve-load-"))
    db_url = args.db or f"sqlite:///{work / 'load.db'}"
    names = [f"user{i:02d}" for i in range(args.browsers + args.uploaders)]
    _add_users(db_url, names)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-c", _SERVER, db_url, str(port), str(work / "uploads")],
        cwd=HERE.parent,
        env={**os.environ, "PYTHONPATH": str(HERE.parent)},
    )
    try:
        for _ in range(600):
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        rec = Recorder()
        start = Start(args.browsers + args.uploaders, args.seconds)
        threads = [
            threading.Thread(target=_browse, args=(base, names[i], start, rec))
            for i in range(args.browsers)
        ] + [
            threading.Thread(
                target=_upload, args=(base, names[args.browsers + i], i, start, args.rows, rec)
            )
            for i in range(args.uploaders)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start.began
    finally:
        server.terminate()
        server.wait(timeout=30)
    counted = _count(db_url)
    result = {
        "benchmark": "serve_load",
        "seconds": round(elapsed, 1),
        "browsers": args.browsers,
        "uploaders": args.uploaders,
        "requests": len(rec.times),
        "errors": len(rec.errors),
        "error_examples": rec.errors[:5],
        "page_seconds_p50": _round(statistics.median(rec.times) if rec.times else None),
        "page_seconds_p95": _round(_percentile(rec.times, 0.95)),
        "page_seconds_max": _round(max(rec.times, default=None)),
        "uploads": rec.uploads,
        "rows_imports_said": rec.rows_said,
        "rows_in_database": counted["rows"],
        "rows_batches_say": counted["batches_say"],
        "lost_rows": rec.rows_said - counted["rows"],
        "duplicated_rows": counted["rows"] - counted["distinct_keys"],
    }
    print(json.dumps(result, indent=2))
    clean = not rec.errors and rec.times and result["lost_rows"] == result["duplicated_rows"] == 0
    sys.exit(0 if clean else 1)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


if __name__ == "__main__":
    main()
