"""What a maintainer looks for first: version, completion, choices, logs, drivers, portability."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c2m import logs
from c2m.replan import isolate
from cli import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("c2m-planner ")


def test_shell_completion_is_enabled():
    """The bash script of the installed command, in a process of its own, with the shell named
    (``eval "$(_C2M_COMPLETE=source_bash c2m)"``). ``--show-completion`` asks shellingham which
    shell is running from the process tree: under a runner with no shell above it, it found
    none and printed "Shell not supported", so that test failed or passed by who started it."""
    command = Path(sys.executable).with_name("c2m")
    done = subprocess.run(
        [str(command)],
        env={**os.environ, "_C2M_COMPLETE": "source_bash"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "_c2m_completion" in done.stdout and "complete " in done.stdout


@pytest.mark.parametrize(("command", "choices"), [("plan", "c2m|batch"), ("export", "csv|xlsx")])
def test_enum_options_show_their_choices(command, choices):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert choices in result.stdout


def test_every_command_leaves_json_lines_with_its_exit_code(tmp_path):
    log = tmp_path / "logs" / "c2m.jsonl"
    db = f"sqlite:///{tmp_path / 'c2m.db'}"
    assert runner.invoke(app, ["--db", db, "--log-file", str(log), "plans"]).exit_code == 0
    failed = runner.invoke(app, ["--db", db, "--log-file", str(log), "show", "99"])
    assert failed.exit_code == 65
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    closing = [r for r in records if r.get("command")]
    assert [(r["command"], r["exit_code"]) for r in closing] == [("plans", 0), ("show", 65)]
    assert any(r["level"] == "error" and "no plan 99" in r["message"] for r in records)
    assert all(r["time"].endswith("+08:00") for r in records)  # the factory's time
    assert failed.stderr.count("no plan 99") == 1  # the log does not repeat it on stderr


def test_library_warnings_go_to_the_log_not_to_a_planners_terminal(tmp_path, capsys):
    log = tmp_path / "c2m.jsonl"
    with warnings.catch_warnings():  # pytest's own warning capture stands aside
        warnings.simplefilter("always")
        logging.captureWarnings(False)
        try:
            _warn_and_read(log, capsys)
        finally:
            logging.captureWarnings(False)
            logs.configure(0, None)


def _warn_and_read(log, capsys):
    logs.configure(0, log)
    warnings.warn("a pandas deprecation", FutureWarning, stacklevel=1)
    assert "pandas deprecation" not in capsys.readouterr().err
    assert "pandas deprecation" in log.read_text(encoding="utf-8")
    logs.configure(1, None)  # -v: shown
    warnings.warn("another deprecation", FutureWarning, stacklevel=1)
    assert "another deprecation" in capsys.readouterr().err


def test_quiet_keeps_only_errors():
    assert logs.stderr_level(-1) == logging.ERROR
    assert logs.stderr_level(0) == logging.WARNING
    assert logs.stderr_level(2) == logging.DEBUG


def test_a_postgres_url_without_its_driver_says_which_extra_to_install(tmp_path):
    result = runner.invoke(app, ["--db", "postgresql+pg8000://planner@db/c2m", "plans"])
    assert result.exit_code == 64
    assert "pip install 'c2m-planner[postgres]'" in result.stderr
    assert "Traceback" not in result.output


def test_the_package_imports_where_there_is_no_fcntl():
    """Windows has no fcntl: the lock and the solver child must not need it."""
    code = (
        "import sys; sys.modules['fcntl'] = None\n"
        "import cli, c2m.replan.lock, c2m.replan.isolate, c2m.replan.nightly\n"
        "print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_solver_child_can_be_spawned(monkeypatch):
    monkeypatch.setenv(isolate.START_ENV, "spawn")
    assert isolate.start_method() == "spawn"
    assert isolate.call(sorted, [3, 1, 2]) == [1, 2, 3]
    monkeypatch.setenv(isolate.START_ENV, "teleport")
    with pytest.raises(ValueError, match="not a start method"):
        isolate.start_method()
