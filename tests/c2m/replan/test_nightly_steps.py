"""The nightly replan's steps one at a time, on a real SQLite file and a real first plan."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from c2m.db import open_engine, session_scope
from c2m.models import Lot, Plan, PlanOperation
from c2m.planning.stored import current_plan
from c2m.replan import NightlyReplan, ReplanOptions, replan
from c2m.replan.outcome import FrozenViolation
from c2m.replan.stored_plans import copy_plan
from tests import worlds as world


def options(**kw) -> ReplanOptions:
    base = {
        "now": world.NOW,
        "horizon_days": 7,
        "time_limit": 1,
        "forecast_method": "moving_average",
    }
    return ReplanOptions(**{**base, **kw})


@pytest.fixture
def planned(sqlite_url):
    """A database with a first replan's plan current, and a second night's run, not started."""
    world.seed_replan_world(sqlite_url)
    engine = open_engine(sqlite_url)
    cfg = world.replan_config()
    first = replan(engine, cfg, options())
    night = NightlyReplan(engine, cfg, options(frozen_hours=72))
    return engine, first.plan_id, night


def _copy_moving(engine_session, plan_id: int, code: str | None, hours: float) -> int:
    """A copy of ``plan_id`` in which lot ``code`` (if any) runs ``hours`` later."""
    new_id = copy_plan(engine_session, plan_id, None)
    if code is not None:
        ops = engine_session.exec(
            select(PlanOperation)
            .join(Lot, Lot.id == PlanOperation.lot_id)
            .where(Lot.plan_id == new_id, Lot.code == code)
        ).all()
        for op in ops:
            op.start += dt.timedelta(hours=hours)
            op.end += dt.timedelta(hours=hours)
        engine_session.flush()
    return new_id


def test_a_plan_that_moves_a_frozen_lot_is_refused_and_the_previous_stays_current(planned):
    engine, first_id, night = planned
    floor = night.split_floor(night.read_inputs())
    assert floor.frozen, "the 72 h window must hold some of the first plan's lots"
    moved = floor.frozen[0].code
    written: list[int] = []

    def make(session) -> int:
        written.append(_copy_moving(session, first_id, moved, hours=3))
        return written[-1]

    with pytest.raises(FrozenViolation, match=moved):
        night.publish(make, floor)
    with session_scope(engine) as session:
        assert current_plan(session, "c2m").id == first_id
        assert session.get(Plan, written[0]) is None  # the refused plan was rolled back


def test_a_plan_that_keeps_the_frozen_lots_is_published_and_made_current(planned):
    engine, first_id, night = planned
    floor = night.split_floor(night.read_inputs())
    new_id = night.publish(lambda s: _copy_moving(s, first_id, None, hours=0), floor)
    assert night.outcome.changes.inside_frozen == 0
    with session_scope(engine) as session:
        assert current_plan(session, "c2m").id == new_id != first_id


def test_the_reuse_check_holds_only_for_the_inputs_that_made_the_plan(planned, sqlite_url):
    engine, _first_id, _night = planned
    same = NightlyReplan(engine, world.replan_config(), options())  # the first run's settings
    assert same.reuse_check(same.read_inputs())  # same night, same data: republish
    world.add_signals(sqlite_url, world.FIRST_DAY - dt.timedelta(days=1), 1, daily=30)
    assert not same.reuse_check(same.read_inputs())  # new signals: re-solve
    other = NightlyReplan(engine, world.replan_config(), options(frozen_hours=72))
    assert not other.reuse_check(other.read_inputs())  # other settings: re-solve


def test_the_due_lot_guard_settings_are_part_of_the_inputs(planned):
    """The guard holds lots a push would make later: another threshold may give another plan,
    so a night with the same data but a changed [guards] table re-solves."""
    engine, _first_id, _night = planned
    cfg = world.replan_config()
    base = NightlyReplan(engine, cfg, options())
    assert base.reuse_check(base.read_inputs())
    for key, value in (("later_hours", 2.0), ("later_margin_share", 0.2)):
        changed = cfg.model_copy(update={"guards": cfg.guards.model_copy(update={key: value})})
        night = NightlyReplan(engine, changed, options())
        assert not night.reuse_check(night.read_inputs()), key
