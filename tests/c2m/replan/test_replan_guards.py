"""The nightly replan holds back a plan that looks like bad input, as ``c2m plan`` does."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from c2m.db import open_engine, session_scope
from c2m.errors import ExitCode
from c2m.models import Plan
from c2m.planning.guards import PlanRefused
from c2m.replan import ReplanOptions, replan
from tests import worlds


def _current(engine) -> list[int]:
    with session_scope(engine) as session:
        return [p.id for p in session.exec(select(Plan).where(Plan.is_current)).all()]


def test_a_night_whose_demand_collapses_is_stored_but_not_made_current(db_url):
    worlds.seed_replan_world(db_url, days=28, daily=12)
    engine = open_engine(db_url)
    cfg = worlds.replan_config()
    first = replan(engine, cfg, ReplanOptions(now=worlds.NOW, time_limit=1))
    assert _current(engine) == [first.plan_id]
    # a week in which the rooms export almost nothing (an export of the wrong shop?)
    worlds.add_signals(db_url, worlds.NOW.date(), 7, daily=0)
    night = worlds.NOW + dt.timedelta(days=7)
    with pytest.raises(PlanRefused, match=r"not made current: it plans for .* units due") as exc:
        replan(engine, cfg, ReplanOptions(now=night, time_limit=1))
    assert exc.value.exit_code == ExitCode.DATA
    assert _current(engine) == [first.plan_id]  # the floor keeps working to last night's
    forced = replan(engine, cfg, ReplanOptions(now=night, time_limit=1, force=True))
    assert _current(engine) == [forced.plan_id] and forced.plan_id != first.plan_id
