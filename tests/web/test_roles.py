"""Every role against every route: allowed means the route ran, denied means 403 and
nothing changed; without a session a page redirects to the login and a form gets 401."""

from __future__ import annotations

import pytest
from sqlmodel import select

from c2m.db import session_scope
from c2m.models import ReplanRun
from c2m.replan.lock import lock_for
from c2m.users import Rank, User

# (method, path, least role, form fields, the status when allowed)
ROUTES = [
    ("GET", "/imports", "merchandiser", None, 200),
    ("POST", "/imports/check", "merchandiser", {"kind": "auto"}, 400),  # no file chosen
    ("POST", "/imports/commit", "merchandiser", {}, 400),  # nothing checked
    ("GET", "/plan", "merchandiser", None, 200),
    ("GET", "/nights", "merchandiser", None, 200),
    ("GET", "/plan/999/work_orders.csv", "planner", None, 404),
    ("GET", "/plan/999/work_orders.xlsx", "planner", None, 404),
    ("GET", "/plan/999/report.html", "planner", None, 404),
    ("POST", "/nights/replan", "planner", {}, 409),  # the test holds the lock: busy
    ("GET", "/users", "admin", None, 200),
    ("POST", "/users/add", "admin", {"name": "newbie", "role": "planner"}, 303),
    ("POST", "/users/remove", "admin", {"name": "nobody"}, 404),
]


def _call(client, method, path, form, csrf):
    if method == "GET":
        return client.get(path, follow_redirects=False)
    data = dict(form or {})
    if path == "/users/add":
        data["password"] = "a fine password"
    data["csrf_token"] = csrf
    return client.post(path, data=data, follow_redirects=False)


@pytest.mark.parametrize("role", ["merchandiser", "planner", "admin"])
def test_each_route_allows_exactly_the_roles_at_or_above_its_own(web, role):
    client, csrf = web.login(role)
    lock = lock_for(web.engine)
    lock.acquire()  # a replan "is running": the allowed replan answers busy, starts nothing
    try:
        for method, path, least, form, allowed_status in ROUTES:
            response = _call(client, method, path, form, csrf)
            where = f"{role} {method} {path}"
            if Rank[role] >= Rank[least]:
                assert response.status_code == allowed_status, f"{where}: {response.text[:300]}"
            else:
                assert response.status_code == 403, where
                assert f"needs the {least} role" in response.text, where
    finally:
        lock.release()
    with session_scope(web.engine) as session:
        created = session.get(User, "newbie") is not None
        runs = session.exec(select(ReplanRun)).all()
    assert created == (role == "admin")
    if role == "merchandiser":
        assert runs == []  # a denied replan is not even recorded as refused
    else:
        assert [r.status for r in runs] == ["busy"]


def test_without_a_session_pages_send_to_the_login_and_forms_are_refused(web):
    client = web.client()
    for method, path, _least, form, _status in [*ROUTES, ("POST", "/logout", "", {}, 0)]:
        response = _call(client, method, path, form, csrf="")
        if method == "GET":
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=")
        else:
            assert response.status_code == 401, path
            assert "log in" in response.text
    with session_scope(web.engine) as session:
        assert session.get(User, "newbie") is None
        assert session.exec(select(ReplanRun)).all() == []


def test_the_menu_shows_each_role_only_what_it_may_use(web):
    for role, sees_users in (("merchandiser", False), ("planner", False), ("admin", True)):
        client, _csrf = web.login(role)
        page = client.get("/nights").text
        assert ('href="/users"' in page) == sees_users, role
        assert ('id="replan"' in page) == (role != "merchandiser"), role
