"""What a user who gets things wrong sees: one sentence, a documented exit code, no traceback.

Each test here is a regression test for something the CLI QA pass found broken. They run the
real ``c2m`` Typer app in-process on tiny inputs (no solver, no forecast), so they stay fast.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


def _run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


def _one_clean_sentence(result) -> str:
    text = result.output.strip()
    assert "Traceback" not in text
    assert "internal error" not in text
    assert len(text.splitlines()) == 1, text
    return text


@pytest.mark.parametrize(
    ("url", "code", "words"),
    [
        ("garbage", 64, "cannot use database URL"),
        ("mysql://user:secret@localhost/x", 64, "cannot use database URL"),
        ("sqlite:////nonexistent/dir/x.db", 1, "cannot open database"),
        ("postgresql://nobody:secret@127.0.0.1:1/x", 75, "cannot open database"),
    ],
)
def test_bad_database_urls_say_so_in_one_line_with_a_fitting_code(url, code, words):
    """A typo in the URL is a usage error (retrying cannot help), an unreachable server is 75."""
    result = _run("--db", url, "plans")
    assert result.exit_code == code, result.output
    text = _one_clean_sentence(result)
    assert words in text
    assert "secret" not in text  # a password never lands in a cron log


def test_garbage_in_the_environment_variable_is_a_usage_error():
    result = _run("plans", env={"C2M_DATABASE_URL": "garbage"})
    assert result.exit_code == 64, result.output
    assert "garbage" in _one_clean_sentence(result)
