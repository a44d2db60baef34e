"""The audit trail and the fingerprint, on a real database (no solver)."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import delete
from typer.testing import CliRunner

from c2m.db import open_engine, session_scope
from c2m.models import SalesSignal
from c2m.replan.fingerprint import fingerprint
from c2m.replan.runs import append_log, finish_run, list_runs, record_refused, start_run
from cli import app
from tests import worlds

SETTINGS = {"mode": "c2m", "horizon_days": 7}


def digest(engine, now=worlds.NOW, cfg=None, settings=SETTINGS):
    with session_scope(engine) as session:
        return fingerprint(session, now, cfg or worlds.replan_config(), settings)


def test_fingerprint_follows_content_up_to_now_only(db_url):
    worlds.seed_replan_world(db_url, days=5)
    engine = open_engine(db_url)
    base, counts = digest(engine)
    assert counts["signals"] == 5 * len(worlds.sku_codes()) and counts["skus"] == len(
        worlds.sku_codes()
    )
    assert digest(engine)[0] == base  # stable
    # a signal after ``now`` is not an input of this replan
    worlds.add_signals(db_url, worlds.NOW.date() + dt.timedelta(days=1), 1, daily=5)
    assert digest(engine)[0] == base
    # one before ``now`` is
    worlds.add_signals(db_url, worlds.NOW.date() - dt.timedelta(days=20), 1, daily=5)
    changed = digest(engine)[0]
    assert changed != base
    # and so are the settings and the factory
    assert digest(engine, settings={**SETTINGS, "horizon_days": 8})[0] != changed
    assert digest(engine, cfg=worlds.replan_config(seed=99))[0] != changed


def test_fingerprint_ignores_surrogate_ids(sqlite_url):
    """Deleting and re-importing the same rows (new ids) leaves the fingerprint as it was."""
    worlds.seed_replan_world(sqlite_url, days=3)
    engine = open_engine(sqlite_url)
    before, _ = digest(engine)
    with session_scope(engine) as session:
        session.exec(delete(SalesSignal))
    worlds.add_signals(sqlite_url, worlds.FIRST_DAY, 3, daily=12)
    assert digest(engine)[0] == before


def test_a_new_run_marks_runs_that_died_as_aborted(db_url):
    engine = open_engine(db_url)
    dead = start_run(engine, "c2m", worlds.NOW)  # its process was killed: never finished
    alive = start_run(engine, "c2m", worlds.NOW)
    finish_run(engine, alive, status="optimal", exit_code=0, plan_id=None)
    runs = {r["run_id"]: r for r in list_runs(engine)}
    assert runs[dead]["status"] == "aborted" and "killed" in runs[dead]["message"]
    assert runs[alive]["status"] == "optimal" and runs[alive]["finished_at"] is not None


def test_runs_command_lists_newest_first(sqlite_url):
    engine = open_engine(sqlite_url)
    first = start_run(engine, "c2m", worlds.NOW)
    finish_run(engine, first, status="feasible", exit_code=0, changes={"added": 3, "lots": {}})
    busy = record_refused(engine, "c2m", worlds.NOW, "busy", 75, "another replan is running")
    runner = CliRunner()
    result = runner.invoke(app, ["--db", sqlite_url, "runs", "--last", "5", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["run_id"] for r in rows] == [busy, first]
    assert rows[1]["changes"] == {"added": 3}
    table = runner.invoke(app, ["--db", sqlite_url, "runs"])
    assert table.exit_code == 0 and "busy" in table.stdout


def test_log_lines_are_appended_whole(tmp_path):
    log = tmp_path / "deep" / "dir" / "replan.jsonl"
    for k in range(3):
        append_log(log, {"run_id": k, "when": dt.datetime(2026, 1, 1, 2, k)})
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["run_id"] for r in rows] == [0, 1, 2]
    assert rows[2]["when"] == "2026-01-01 02:02:00"
