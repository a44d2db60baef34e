"""A plan that looks like bad input is stored but not made current (exit 65, ``--force``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from c2m.config import Guards
from c2m.db import open_engine, session_scope
from c2m.errors import DataError
from c2m.forecasts import run_forecast, suspicious
from c2m.models import Plan, SalesSignal
from c2m.planning import guards
from c2m.planning.guards import Baseline, Coverage
from cli import app
from tests import worlds

TODAY = worlds.NOW.strftime("%Y-%m-%d")


def c2m(url: str, *args: str):
    return CliRunner().invoke(app, ["--db", url, *args])


def _plan(url: str, *extra: str):
    return c2m(url, "plan", "--time-limit", "1", "--deterministic", "--now", TODAY, *extra)


def _current(url: str) -> list[int]:
    with session_scope(open_engine(url)) as session:
        return [p.id for p in session.exec(select(Plan).where(Plan.is_current)).all()]


@pytest.fixture
def seeded(db_url: str) -> str:
    worlds.seed_replan_world(db_url, days=28, daily=12)
    return db_url


def test_a_mistyped_year_is_not_published_as_current(seeded):
    # one row of 2027 for 2026: the forecast (and so the plan) jumps a year ahead
    with session_scope(open_engine(seeded)) as session:
        session.add(
            SalesSignal(
                ts=dt.datetime(2027, 11, 29, 20),
                room_id="R1",
                sku=worlds.sku_codes()[0],
                clicks=400,
                carts=30,
                orders=10,
                rank=5,
            )
        )
    with pytest.raises(DataError, match="forecast not made: 7 of 8 SKUs"):
        run_forecast(open_engine(seeded), unattended=True)  # the nightly replan stops
    forecast = c2m(seeded, "forecast")
    assert forecast.exit_code == 0  # a person is warned
    assert "warning: 7 of 8 SKUs have no sales" in forecast.output
    assert "from 2027-11-30 (history to 2027-11-29)" in forecast.output
    refused = _plan(seeded)
    assert refused.exit_code == 65, refused.output
    assert "not made current" in refused.output and "2027-11-30" in refused.output
    assert "Traceback" not in refused.output
    assert _current(seeded) == []
    forced = _plan(seeded, "--force", "--json")
    assert forced.exit_code == 0, forced.output
    assert _current(seeded) == [json.loads(forced.stdout)["plan_id"]]


def test_a_normal_night_is_published(seeded):
    first = _plan(seeded, "--json")
    assert first.exit_code == 0, first.output
    second = _plan(seeded, "--json")
    assert second.exit_code == 0, second.output
    assert _current(seeded) == [json.loads(second.stdout)["plan_id"]]


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    """One real plan of the small world (SQLite), for the guard's rules on its own."""
    from c2m.planning.publish import plan_and_store

    url = f"sqlite:///{tmp_path_factory.mktemp('guards') / 'g.db'}"
    worlds.seed_replan_world(url, days=28, daily=12)
    _, result = plan_and_store(
        open_engine(url), worlds.replan_config(), time_limit=1, deterministic=True, now=worlds.NOW
    )
    return result


def _base(**kw) -> Baseline:
    return Baseline(**{"today": worlds.NOW.date(), "active_skus": 8, "previous": None, **kw})


def test_the_rules_one_by_one(planned):
    ok = Coverage(skus=8, units=planned.kpis.units_due)
    assert guards.refusal(planned, ok, _base(previous=ok), Guards()) is None
    empty = dataclasses.replace(planned, lots=[], held=[])
    assert "no lot while" in guards.refusal(empty, ok, _base(), Guards())
    few = Coverage(skus=3, units=ok.units)
    assert "3 SKUs while 8 sold" in guards.refusal(planned, few, _base(), Guards())
    assert guards.refusal(planned, few, _base(), Guards(min_sku_share=0.3)) is None
    bigger = Coverage(skus=8, units=ok.units * 3)
    assert "units due" in guards.refusal(planned, ok, _base(previous=bigger), Guards())
    later = _base(today=worlds.NOW.date() - dt.timedelta(days=8))
    assert "8 days from the factory's today" in guards.refusal(planned, ok, later, Guards())
    assert guards.refusal(planned, ok, later, Guards(max_start_days=8)) is None


def test_a_forecast_is_suspicious_when_most_skus_go_quiet_or_its_start_jumps():
    day = dt.date(2026, 12, 4)
    assert suspicious(40, 2, day, day - dt.timedelta(days=1), Guards()) == []
    assert suspicious(40, 2, day, None, Guards()) == []
    [quiet] = suspicious(1, 39, day, None, Guards())
    assert quiet.startswith("39 of 40 SKUs have no sales in the 28 days before 2026-12-04")
    [jump] = suspicious(40, 0, day, day - dt.timedelta(days=366), Guards())
    assert "366 days from the last forecast's 2025-12-03" in jump
    assert (
        suspicious(40, 0, day, day - dt.timedelta(days=366), Guards(max_origin_jump_days=400)) == []
    )
