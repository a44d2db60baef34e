"""A web server per test on the test's own database (SQLite and PostgreSQL through
``db_url``), with one user of each role, and the framework's TestClient to drive it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from web_helpers import PASSWORD, ROLES, Web

import c2m.users
from c2m.db import open_engine, session_scope
from c2m.users import add_user
from c2m_web import WebSettings, create_app


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """Real argon2id hashes at the lowest cost: the default (64 MiB, 3 passes) takes most of
    a second per login on a busy CI machine, and these tests log in hundreds of times."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        c2m.users, "_hasher", lambda: PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def make_web(tmp_path: Path) -> Callable[..., Web]:
    def make(db_url: str, **settings) -> Web:
        upload_dir = tmp_path / "uploads"
        app = create_app(WebSettings(db_url=db_url, upload_dir=upload_dir, **settings))
        engine = open_engine(db_url)
        with session_scope(engine) as session:
            for role in ROLES:
                add_user(session, role, role, PASSWORD)
        return Web(app=app, engine=engine, db_url=db_url, upload_dir=upload_dir)

    return make


@pytest.fixture
def web(db_url: str, make_web) -> Web:
    return make_web(db_url)


@pytest.fixture
def sqlite_web(sqlite_url: str, make_web) -> Web:
    return make_web(sqlite_url)
