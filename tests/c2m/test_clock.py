"""Factory time: every "now" is the factory's, whatever the host's ``TZ`` says.

CI runs this file (marked ``timezone``) under ``TZ=UTC``, ``TZ=America/New_York`` and the
factory's own zone; a "now" read from the host clock would fail under at least one of them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from sqlmodel import select

from c2m import clock
from c2m.db import open_engine, session_scope
from c2m.importing import import_sales
from c2m.importing.values import parse_date, parse_timestamp
from c2m.models import ImportBatch, SalesSignal
from c2m.replan import ReplanOptions, replan
from tests import worlds as world

pytestmark = pytest.mark.timezone

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _restore_zone():
    previous = clock.use_zone("Asia/Shanghai")
    yield
    clock.use_zone(previous)


def _hours_apart(a: dt.datetime, b: dt.datetime) -> int:
    return round((a - b).total_seconds() / 3600)


def test_factory_now_is_the_factory_wall_clock_not_the_hosts():
    cfg = world.replan_config()
    assert cfg.factory.timezone == "Asia/Shanghai"  # no summer time: always UTC+8
    now = clock.factory_now(cfg)
    assert now.tzinfo is None and now.microsecond == 0
    assert _hours_apart(now, clock.factory_now("UTC")) == 8
    assert clock.factory_today(cfg) - now.date() in (dt.timedelta(0), dt.timedelta(days=1))


def test_the_process_zone_is_used_where_no_config_is_at_hand():
    clock.use_zone("America/New_York")
    new_york = clock.factory_now()
    clock.use_zone("Asia/Shanghai")
    offset = _hours_apart(clock.factory_now(), new_york)
    assert offset in (12, 13)  # 13 in the northern winter, 12 in summer


def test_aware_times_are_converted_and_naive_ones_are_factory_time_already():
    utc = dt.datetime(2026, 11, 3, 20, 15, tzinfo=dt.UTC)
    assert clock.to_factory(utc, "Asia/Shanghai") == dt.datetime(2026, 11, 4, 4, 15)
    assert clock.to_factory(utc, "America/New_York") == dt.datetime(2026, 11, 3, 15, 15)
    naive = dt.datetime(2026, 11, 3, 20, 15)
    assert clock.to_factory(naive, "America/New_York") == naive


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-03T20:15:00Z", dt.datetime(2026, 11, 4, 4, 15)),
        ("2026-11-03T20:15:00+08:00", dt.datetime(2026, 11, 3, 20, 15)),
        ("2026-11-03 20:15:00 -0500", dt.datetime(2026, 11, 4, 9, 15)),
        ("2026-11-03 20:15", dt.datetime(2026, 11, 3, 20, 15)),  # no offset: as written
    ],
)
def test_imported_offsets_become_factory_time(text, expected):
    assert parse_timestamp(text, "Asia/Shanghai") == expected
    assert parse_timestamp(text) == expected  # the process's zone, set to Shanghai above


def test_a_utc_export_lands_on_the_factorys_sales_day():
    assert parse_date("2026-11-03T20:15:00Z", "Asia/Shanghai") == dt.date(2026, 11, 4)
    assert parse_date("2026-11-03T20:15:00Z", "UTC") == dt.date(2026, 11, 3)


def test_a_bad_offset_is_a_sentence():
    with pytest.raises(ValueError, match="not a time zone offset"):
        parse_timestamp("2026-11-03T20:15:00+25:00")


def test_imported_rows_and_the_batch_stamp_are_in_factory_time(sqlite_url, tmp_path):
    engine = open_engine(sqlite_url)
    path = tmp_path / "utc.csv"
    path.write_text("date,room_id,sku,clicks,carts,orders\n2026-11-03T20:15:00Z,R1,A,10,2,1\n")
    import_sales([path], engine)
    with session_scope(engine) as session:
        assert session.exec(select(SalesSignal.ts)).all() == [dt.datetime(2026, 11, 4, 4, 15)]
        started = session.exec(select(ImportBatch.started_at)).one()
    assert _hours_apart(started, clock.factory_now(SHANGHAI)) == 0


def test_a_replan_without_now_plans_from_the_factorys_now(sqlite_url):
    """On a UTC server a Dongguan replan's frozen window was 8 hours off."""
    cfg = world.replan_config()
    world.seed_replan_world(sqlite_url, days=0)
    today = clock.factory_today(cfg)
    world.add_signals(sqlite_url, today - dt.timedelta(days=21), 21, 12)
    outcome = replan(
        open_engine(sqlite_url),
        cfg,
        ReplanOptions(now=None, horizon_days=3, time_limit=1, forecast_method="moving_average"),
    )
    assert outcome.exit_code == 0
    assert _hours_apart(outcome.now, clock.factory_now(cfg)) == 0
    assert _hours_apart(outcome.started_at, clock.factory_now(cfg)) == 0
