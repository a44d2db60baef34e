"""The command package's seams: the names of the commands, the options they share, and the one
lazy place that keeps ``c2m --help`` from loading the heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c2m_cli import api
from cli import app

runner = CliRunner()

CALENDAR = "date,room_id,broadcast,promotion\n2026-11-03,douyin-01,1,0\n2026-11-04,douyin-01,1,1\n"


def test_import_rooms_loads_the_calendar_and_schedule_still_works_unlisted(sqlite_url, tmp_path):
    """`import schedule` read like a production schedule; `rooms` is its name now, and cron
    lines written with the old name must keep working without it showing in the help."""
    calendar = tmp_path / "rooms.csv"
    calendar.write_text(CALENDAR)
    first = runner.invoke(app, ["--db", sqlite_url, "import", "rooms", str(calendar), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["rows_imported"] == 2
    again = runner.invoke(app, ["--db", sqlite_url, "import", "schedule", str(calendar), "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["rows_unchanged"] == 2  # the same importer, the same rows
    listed = runner.invoke(app, ["import", "--help"]).output
    names = [line.strip("│ ").split(" ")[0] for line in listed.splitlines()]
    assert "rooms" in names and "schedule" not in names


@pytest.mark.parametrize("command", ["plan", "replan"])
def test_mode_is_a_closed_choice_shown_in_the_help(command):
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "c2m|batch" in result.output


def test_every_command_that_reports_takes_the_same_json_option():
    """`--json` was declared inline 13 times with two different help texts."""
    texts = set()
    for name in ("check-config", "runs", "plan", "plans", "forecast", "simulate", "report"):
        help_text = runner.invoke(app, [name, "--help"], env={"COLUMNS": "200"}).output
        line = next(ln for ln in help_text.splitlines() if "--json" in ln)
        texts.add(line.split("<bool>")[1].strip(" │"))
    assert texts == {"One JSON object on stdout."}


def test_every_lazy_name_resolves_to_the_application():
    """A module of c2m renamed without its line in api._HOME would fail only when a user ran
    the command; here it fails at once."""
    assert set(api.__all__) == set(api._HOME)
    for name in api.__all__:
        assert getattr(api, name) is not None, name


def test_help_loads_none_of_the_heavy_libraries():
    """`c2m --help` and usage errors stay quick: the command modules import c2m lazily."""
    probe = (
        "import sys, cli; "
        "heavy = ('pandas', 'ortools', 'plotly', 'statsmodels', 'sqlmodel', 'sqlalchemy'); "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.strip() == ""


def test_simulate_forecasts_with_auto_by_default(monkeypatch):
    """The season tests the forecaster production uses (`c2m forecast` defaults to auto)."""
    seen = []

    def fake_simulate(options, **_):
        seen.append(options)
        raise SystemExit(0)  # the season itself is tested in tests/c2m/simulation

    monkeypatch.setattr(api, "simulate", fake_simulate, raising=False)
    result = runner.invoke(app, ["simulate", "--days", "1"])
    assert result.exit_code == 0, result.output
    assert seen[0].forecast_method == "auto"
    assert api.SimulationOptions().forecast_method == "auto"
