"""Replans on a real database with the real planner and solver (small world, short limits)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlmodel import select

from c2m.db import open_engine, session_scope
from c2m.errors import DataError
from c2m.models import Plan, ReplanRun
from c2m.planning.stored import StoredLot, current_plan, read_plan
from c2m.replan import ReplanOptions, list_runs, replan
from tests import worlds

LINES = {"L1", "L2", "L3", "L4", "L5", "L6"}


def options(now=worlds.NOW, **kw) -> ReplanOptions:
    base = {"now": now, "horizon_days": 7, "time_limit": 1, "forecast_method": "moving_average"}
    return ReplanOptions(**{**base, **kw})


def lots_of(engine, plan_id) -> dict[str, StoredLot]:
    """The plan's lots by code, their row ids blanked: those differ from plan to plan."""
    plan = read_plan(engine, plan_id)
    return {
        lot.code: dataclasses.replace(
            lot, lot_id=0, ops=tuple(dataclasses.replace(op, op_id=0, lot_id=0) for op in lot.ops)
        )
        for lot in plan.lots
    }


def placed(lot: StoredLot) -> list[tuple]:
    """Where and when a lot's operations are, with the changeover the plan gave each."""
    return [
        (op.step, op.resource, op.start, op.end, op.setup_minutes, op.learning_minutes)
        for op in lot.ops
    ]


def current_ids(engine, mode="c2m"):
    with session_scope(engine) as session:
        plans = session.exec(select(Plan).where(Plan.mode == mode, Plan.is_current)).all()
        return [p.id for p in plans]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def db_url(request: pytest.FixtureRequest) -> str:
    """SQLite in the default run; the same replans on PostgreSQL with the slow ones."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def cfg():
    return worlds.replan_config()


def test_two_replans_with_no_new_data_give_the_identical_plan(db_url, cfg, tmp_path):
    worlds.seed_replan_world(db_url)
    engine = open_engine(db_url)
    log = tmp_path / "replan.jsonl"
    first = replan(engine, cfg, options(log_file=log))
    second = replan(engine, cfg, options(log_file=log))
    assert first.exit_code == second.exit_code == 0
    assert second.previous_plan_id == first.plan_id != second.plan_id
    assert second.changes.total == 0 and second.changes.inside_frozen == 0
    assert second.fingerprint == first.fingerprint
    assert lots_of(engine, first.plan_id) == lots_of(engine, second.plan_id)
    assert current_ids(engine) == [second.plan_id]
    lines = [json.loads(x) for x in log.read_text().splitlines()]
    assert [x["run_id"] for x in lines] == [first.run_id, second.run_id]
    assert lines[1]["changes"]["added"] == 0 and lines[1]["status"] in (
        "optimal",
        "feasible",
        "fallback",
    )
    assert set(lines[1]["phases"]) >= {"lock", "inputs", "publish"}
    runs = list_runs(engine, last=5)
    assert [r["run_id"] for r in runs] == [second.run_id, first.run_id]
    assert runs[0]["plan_id"] == second.plan_id and runs[0]["exit_code"] == 0


@pytest.mark.slow
def test_a_re_solve_on_unchanged_inputs_keeps_the_plan(sqlite_url, cfg):
    """Not only the republish shortcut: solving again (fixed seed and workers) changes nothing."""
    worlds.seed_replan_world(sqlite_url)
    engine = open_engine(sqlite_url)
    first = replan(engine, cfg, options())
    second = replan(engine, cfg, options(reuse_unchanged=False))
    assert second.reused_plan_id is None
    assert second.changes.total == 0, second.changes.lots
    before, after = lots_of(engine, first.plan_id), lots_of(engine, second.plan_id)
    assert {
        c: (x.sewing_line(LINES), x.sewing_start(LINES), x.items) for c, x in before.items()
    } == {c: (x.sewing_line(LINES), x.sewing_start(LINES), x.items) for c, x in after.items()}


def test_new_signals_move_only_lots_outside_the_frozen_window(db_url, cfg):
    worlds.seed_replan_world(db_url)
    engine = open_engine(db_url)
    first = replan(engine, cfg, options())
    before = lots_of(engine, first.plan_id)
    # a day later: the day's broadcast sold nine times as much of every SKU (at three times,
    # 40 a day, the forecast's rise fits inside the grouped lots' rounding: nothing to change)
    worlds.add_signals(db_url, worlds.NOW.date(), 1, daily=120)
    now = worlds.NOW + dt.timedelta(days=1)
    second = replan(engine, cfg, options(now=now, frozen_hours=24))
    after = lots_of(engine, second.plan_id)
    until = now + dt.timedelta(hours=24)
    frozen = [code for code, lot in before.items() if lot.start < until]
    assert frozen, "the test needs lots inside the frozen window"
    for code in frozen:
        assert placed(after[code]) == placed(before[code]), code
        assert after[code].quantity == before[code].quantity
        assert after[code].sewing_line(LINES) == before[code].sewing_line(LINES)
    assert second.changes.inside_frozen == 0
    assert second.changes.total > 0  # the new demand did change the free part of the plan
    changed = set().union(*[set(v) for k, v in second.changes.lots.items() if k != "turned_late"])
    assert not changed & set(frozen)


@pytest.mark.slow
def test_a_started_lot_never_moves_even_without_a_frozen_window(sqlite_url, cfg):
    worlds.seed_replan_world(sqlite_url)
    engine = open_engine(sqlite_url)
    first = replan(engine, cfg, options())
    before = lots_of(engine, first.plan_id)
    now = worlds.NOW + dt.timedelta(days=1, hours=4)  # Tuesday 10:00, mid-shift
    started = [code for code, lot in before.items() if lot.start < now]
    assert started
    worlds.add_signals(sqlite_url, worlds.NOW.date(), 1, daily=60)
    second = replan(engine, cfg, options(now=now, frozen_hours=0))
    after = lots_of(engine, second.plan_id)
    for code in started:
        assert placed(after[code]) == placed(before[code]), code
        assert after[code].quantity == before[code].quantity
    assert second.changes.inside_frozen == 0


def test_bad_input_is_recorded_and_leaves_the_previous_plan_current(db_url, cfg, tmp_path):
    worlds.seed_replan_world(db_url)
    engine = open_engine(db_url)
    first = replan(engine, cfg, options())
    log = tmp_path / "replan.jsonl"
    with pytest.raises(DataError, match="live-room signals"):
        replan(engine, cfg, options(now=dt.datetime(2026, 1, 5, 6, 0), log_file=log))
    assert current_ids(engine) == [first.plan_id]
    line = json.loads(log.read_text())
    assert line["status"] == "failed" and line["exit_code"] == 65
    with session_scope(engine) as session:
        run = session.get(ReplanRun, line["run_id"])
        assert run.status == "failed" and run.finished_at is not None
        assert "signals" in run.message
        assert current_plan(session, "c2m").id == first.plan_id


@pytest.mark.slow
def test_a_deadline_already_spent_still_publishes_a_plan(sqlite_url, cfg):
    """No time left for CP-SAT: the planner's heuristic start is published, on time."""
    worlds.seed_replan_world(sqlite_url)
    engine = open_engine(sqlite_url)
    outcome = replan(engine, cfg, options(time_limit=30, deadline_minutes=0.05))
    assert outcome.exit_code == 0 and outcome.plan_id is not None
    assert outcome.status in ("fallback", "feasible", "optimal")
    assert outcome.phases["plan"] < 30


def test_a_replan_dated_before_the_current_plan_says_nothing_of_it_is_frozen(sqlite_url, cfg):
    """`--now` going backwards (a replayed night, or a typo) unfreezes the floor: said."""
    worlds.seed_replan_world(sqlite_url)
    engine = open_engine(sqlite_url)
    first = replan(engine, cfg, options())
    assert first.warnings == []
    earlier = replan(engine, cfg, options(now=worlds.NOW - dt.timedelta(days=2)))
    assert any("before the current plan's start" in w for w in earlier.warnings)


def test_a_week_without_signals_is_a_warning(sqlite_url, cfg):
    """Failed imports look like days without sales; the night's run says so."""
    worlds.seed_replan_world(sqlite_url)
    engine = open_engine(sqlite_url)
    assert replan(engine, cfg, options()).warnings == []
    later = replan(engine, cfg, options(now=worlds.NOW + dt.timedelta(days=6)))
    assert any("days before --now: check that the rooms' exports" in w for w in later.warnings)
    # kept with the run, for `c2m runs` and the web page's nights, not only said on stderr
    newest, first = list_runs(engine, last=2)
    assert newest["warnings"] == later.warnings and first["warnings"] == []


def test_signals_older_than_four_weeks_stop_the_replan_with_a_clear_sentence(sqlite_url, cfg):
    worlds.seed_replan_world(sqlite_url)
    engine = open_engine(sqlite_url)
    with pytest.raises(DataError, match="the newest signals are from 2026-11-29, 31 days before"):
        replan(engine, cfg, options(now=worlds.NOW + dt.timedelta(days=30)))
    assert current_ids(engine) == []
