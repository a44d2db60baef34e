"""What a user who gets things wrong sees: one sentence, a documented exit code, no traceback.

Each test here is a regression test for something the CLI QA pass found broken. They run the
real ``c2m`` Typer app in-process on tiny inputs (no solver, no forecast), so they stay fast.
"""

from __future__ import annotations

import json
import pathlib

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


def test_a_file_that_is_not_a_database_is_exit_1_and_stays_as_it_was(tmp_path):
    """`--db` pointed at a CSV used to end in 'internal error: DatabaseError'."""
    csv = tmp_path / "sales.csv"
    csv.write_text("date,sku\n2026-11-03,A\n")
    result = _run("--db", f"sqlite:///{csv}", "plans")
    assert result.exit_code == 1, result.output
    assert "not a database" in _one_clean_sentence(result)
    assert csv.read_text() == "date,sku\n2026-11-03,A\n"


def test_garbage_in_the_environment_variable_is_a_usage_error():
    result = _run("plans", env={"C2M_DATABASE_URL": "garbage"})
    assert result.exit_code == 64, result.output
    assert "garbage" in _one_clean_sentence(result)


def test_an_output_folder_that_cannot_be_made_is_one_sentence_not_a_bug(tmp_path):
    """`sample --out` under a plain file used to end in 'internal error: FileNotFoundError'."""
    blocker = tmp_path / "afile"
    blocker.write_text("")
    result = _run(
        "sample", "--out", str(blocker / "sub"), "--history-days", "14", "--future-days", "0"
    )
    assert result.exit_code == 1, result.output
    text = _one_clean_sentence(result)
    assert str(blocker / "sub") in text and "Not a directory" in text


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--mode", "foo"),
        ("export", "1", "--format", "pdf"),
        ("replan", "--mode", "foo"),
        ("backtest", "--methods", ","),
    ],
)
def test_a_bad_option_value_is_a_usage_error_everywhere(args, sqlite_url):
    """`plan --mode foo` exited 65 ('bad data') while `replan --mode foo` exited 64."""
    result = _run("--db", sqlite_url, *args)
    assert result.exit_code == 64, result.output
    assert "Traceback" not in result.output
    assert any(option in result.output for option in ("--mode", "--format", "--methods"))


def test_piped_tables_are_not_cut_to_80_columns(sqlite_url):
    """`c2m plans | less` showed 'feasib…' and '2026-11…' because Rich assumed 80 columns."""
    import os

    from c2m_cli.render import out

    if os.environ.get("COLUMNS"):
        pytest.skip("COLUMNS is set: Rich follows it")
    assert out.width >= 160


_INTERRUPTED_SOLVE = """
import sys
from ortools.sat.python import cp_model
from scheduling.cpsat import solve_interruptibly

model = cp_model.CpModel()  # a model CP-SAT cannot close in seconds
xs = [model.new_int_var(0, 1000, f"x{i}") for i in range(60)]
for i in range(59):
    model.add(xs[i] + xs[i + 1] <= 1000 - i)
model.add_all_different(xs)
model.maximize(sum(x * (i % 7 + 1) for i, x in enumerate(xs)))
solver = cp_model.CpSolver()
solver.parameters.max_time_in_seconds = 60
solver.parameters.num_workers = 1
print("solving", flush=True)
try:
    status = solve_interruptibly(solver, model)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(0)
print("returned", solver.status_name(status), flush=True)
sys.exit(1)
"""


def test_ctrl_c_during_a_solve_reaches_the_caller():
    """CP-SAT's own SIGINT handler stopped the search quietly and returned a schedule, so
    Ctrl-C during `c2m plan` stored a plan as current and exited 0. Now it raises.

    The solve runs in a child process, signalled once it says it is solving: a SIGINT sent
    to the test runner itself on a timer could land after the solve (a loaded machine) and
    end the whole pytest run."""
    import signal
    import subprocess
    import sys
    import time

    child = subprocess.Popen(
        [sys.executable, "-c", _INTERRUPTED_SOLVE],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(pathlib.Path(__file__).resolve().parents[2]),
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "solving"
        time.sleep(0.5)  # into the search; the model keeps CP-SAT busy for its 60 s
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert out.strip() == "interrupted"
    assert child.returncode == 0


def test_a_solve_without_interrupt_is_unchanged():
    from ortools.sat.python import cp_model

    from scheduling.cpsat import solve_interruptibly

    model = cp_model.CpModel()
    x = model.new_int_var(0, 10, "x")
    model.maximize(x)
    solver = cp_model.CpSolver()
    assert solve_interruptibly(solver, model) == cp_model.OPTIMAL
    assert solver.value(x) == 10


def test_a_typod_config_key_is_named_with_the_key_it_should_be(tmp_path):
    """A typo'd key used to be reported as the *other* key missing ('operators: Field
    required'), which sends the user looking for a line they did write."""
    from c2m.config import DEFAULT_CONFIG

    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "\noperators = 24\n" in text
    bad = tmp_path / "typo.toml"
    bad.write_text(text.replace("\noperators = 24\n", "\noperatrs = 24\n", 1), encoding="utf-8")
    result = _run("--config", str(bad), "check-config")
    assert result.exit_code == 65, result.output
    message = _one_clean_sentence(result)
    assert "operatrs" in message and "did you mean 'operators'" in message


def test_check_config_has_json_like_every_reporting_command():
    """`c2m check-config --json` was a usage error: the one reporting command without it."""
    import json

    result = runner.invoke(app, ["check-config", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["lines"] and summary["operators"] > 0 and summary["categories"]


def test_a_csv_with_only_a_header_says_so(tmp_path, sqlite_url):
    """It imported nothing and said nothing but '0 rows read', exit 0."""
    import json

    only_header = tmp_path / "sales.csv"
    only_header.write_text("date,room_id,sku,clicks,carts,orders\n", encoding="utf-8")
    result = _run("--db", sqlite_url, "import", "sales", str(only_header), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows_read"] == 0
    assert [w["message"] for w in report["warnings"]] == ["no data rows below the header"]


@pytest.mark.parametrize("args", [(), ("--bogus",), ("import",)])
def test_a_bare_or_unknown_invocation_is_a_usage_error(args):
    """A bare `c2m` exited 2, which here means 'partly done'; `c2m import` already said 64."""
    result = _run(*args)
    assert result.exit_code == 64, result.output


def test_help_still_exits_zero():
    assert _run("--help").exit_code == 0


def test_with_json_a_failure_is_also_one_object_on_stdout(tmp_path):
    """Scripts reading `--json` got an empty stdout when a command failed."""
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = _run("--db", url, "show", "999", "--json")
    assert result.exit_code == 65
    assert json.loads(result.stdout) == {
        "error": "there is no plan 999 (c2m plans lists them)",
        "exit_code": 65,
    }
    assert "error:" in result.stderr and "there is no plan 999" in result.stderr
    plain = _run("--db", url, "show", "999")
    assert plain.exit_code == 65 and plain.stdout == ""


def test_a_database_the_server_does_not_have_is_exit_1_not_try_again(postgres_url):
    """Exit 75 made cron retry a misspelt database name forever."""
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url).set(database="no_such_db_c2m", query={})
    result = _run("--db", url.render_as_string(hide_password=False), "plans")
    assert result.exit_code == 1, result.output
    assert "does not exist" in _one_clean_sentence(result)
