"""``c2m user add|list|remove``: passwords from standard input when it is not a terminal,
hashed with argon2 (never stored plain), one sentence and an exit code for each mistake."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from c2m.db import open_engine, session_scope
from c2m.users import User, verify
from cli import app


def _c2m(db_url: str, *args: str, stdin: str | None = None):
    return CliRunner().invoke(app, ["--db", db_url, *args], input=stdin)


def test_add_list_and_remove_a_user(db_url):
    added = _c2m(db_url, "user", "add", "mei", "--role", "planner", stdin="s3cret pass\n")
    assert added.exit_code == 0, added.output
    listed = _c2m(db_url, "user", "list", "--json")
    assert listed.exit_code == 0
    (user,) = json.loads(listed.stdout)["users"]
    assert (user["name"], user["role"], user["disabled"]) == ("mei", "planner", False)
    with session_scope(open_engine(db_url)) as session:
        stored = session.get(User, "mei")
        assert stored.password_hash.startswith("$argon2id$")
        assert "s3cret" not in stored.password_hash
        assert verify(session, "mei", "s3cret pass") is not None
        assert verify(session, "mei", "s3cret pass ") is None
    removed = _c2m(db_url, "user", "remove", "mei")
    assert removed.exit_code == 0
    assert json.loads(_c2m(db_url, "user", "list", "--json").stdout) == {"users": []}


def test_user_mistakes_get_one_sentence_and_an_exit_code(sqlite_url):
    ok = _c2m(sqlite_url, "user", "add", "li", "--role", "admin", stdin="long enough\n")
    assert ok.exit_code == 0
    cases = [
        (("user", "add", "li", "--role", "admin"), "long enough\n", 65, "already exists"),
        (("user", "add", "wu", "--role", "boss"), "long enough\n", 64, "must be one of"),
        (("user", "add", "wu", "--role", "planner"), "short\n", 65, "at least 8 characters"),
        (("user", "add", "wu", "--role", "planner"), "", 65, "no password on standard input"),
        (("user", "add", "a b", "--role", "planner"), "long enough\n", 65, "user name is"),
        (("user", "remove", "nobody"), None, 65, "there is no user 'nobody'"),
    ]
    for args, stdin, code, words in cases:
        result = _c2m(sqlite_url, *args, stdin=stdin)
        assert result.exit_code == code, (args, result.output)
        assert words in result.output, (args, result.output)
        assert "Traceback" not in result.output
    names = [
        u["name"] for u in json.loads(_c2m(sqlite_url, "user", "list", "--json").stdout)["users"]
    ]
    assert names == ["li"]
