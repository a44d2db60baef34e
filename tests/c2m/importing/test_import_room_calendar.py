"""The rooms' broadcast and promotion calendar (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from c2m.db import open_engine
from c2m.importing import import_room_calendar
from c2m.models import Room, RoomDay


def _days(engine) -> dict[tuple[str, dt.date], tuple[bool, bool]]:
    with engine.connect() as connection:
        rows = connection.execute(select(RoomDay.__table__)).all()
    return {(r.room_id, r.day): (r.broadcast, r.promotion) for r in rows}


def test_schedule_import_reimport_and_cancellation(db_url, write_file):
    engine = open_engine(db_url)
    text = (
        "date,room_id,broadcast,promotion\n"
        "2026-12-01,douyin-01,1,0\n"
        "2026-12-02,douyin-01,1,1\n"
        "2026-12-03,douyin-01,0,0\n"
    )
    result = import_room_calendar([write_file("schedule.csv", text)], engine)
    assert (result.rows_imported, result.rows_rejected) == (3, 0)
    days = _days(engine)
    assert days[("douyin-01", dt.date(2026, 12, 2))] == (True, True)
    assert days[("douyin-01", dt.date(2026, 12, 3))] == (False, False)
    with engine.connect() as connection:
        assert [r.room_id for r in connection.execute(select(Room.__table__))] == ["douyin-01"]

    again = import_room_calendar([write_file("schedule.csv", text)], engine)
    assert (again.rows_imported, again.rows_updated, again.rows_unchanged) == (0, 0, 3)
    # a session cancelled after the schedule went out is re-imported as a day off air
    cancelled = "date,room_id,broadcast\n2026-12-01,douyin-01,0\n"
    changed = import_room_calendar([write_file("cancel.csv", cancelled)], engine)
    assert changed.rows_updated == 1
    days = _days(engine)
    assert days[("douyin-01", dt.date(2026, 12, 1))] == (False, False)
    assert days[("douyin-01", dt.date(2026, 12, 2))] == (True, True)  # untouched


def test_chinese_gbk_schedule_with_yes_no_words(db_url, write_file):
    engine = open_engine(db_url)
    text = (
        "日期,直播间,是否开播,大促\r\n2026/12/01,抖音@小雅,是,否\r\n2026/12/02,抖音@小雅,是,是\r\n"
    )
    result = import_room_calendar([write_file("排期.csv", text, "gbk")], engine)
    assert (result.rows_imported, result.rows_rejected) == (2, 0)
    assert _days(engine)[("抖音@小雅", dt.date(2026, 12, 2))] == (True, True)


def test_a_list_of_sessions_is_a_schedule(db_url, write_file):
    """No flag columns: every listed day is a planned broadcast without a promotion."""
    engine = open_engine(db_url)
    text = "room,date\ntaobao-03,2026-12-05\ntaobao-03,2026-12-06\n"
    result = import_room_calendar([write_file("sessions.csv", text)], engine)
    assert result.rows_imported == 2
    assert set(_days(engine).values()) == {(True, False)}


def test_bad_rows_are_rejected_with_line_and_field(db_url, write_file):
    engine = open_engine(db_url)
    text = (
        "date,room_id,broadcast,promotion\n"
        "2026-12-01,douyin-01,maybe,0\n"
        "2026-12-02,douyin-01,0,1\n"
        "2026-13-40,douyin-01,1,0\n"
        "2026-12-04,,1,0\n"
        "2026-12-05,douyin-01,1,0\n"
    )
    result = import_room_calendar([write_file("bad.csv", text)], engine)
    assert result.rows_imported == 1
    assert [(e.line, e.field) for e in result.errors] == [
        (2, "broadcast"),
        (3, "promotion"),
        (4, "date"),
        (5, "room_id"),
    ]
    assert "'maybe' is not yes or no" in result.errors[0].message
    assert "bad.csv" in str(result.errors[0])

    strict = import_room_calendar([write_file("bad.csv", text)], open_engine(db_url), strict=True)
    assert strict.rows_imported == 0
    assert list(_days(engine)) == [("douyin-01", dt.date(2026, 12, 5))]  # nothing more written


def test_a_sales_export_given_as_a_schedule_is_refused(db_url, write_file):
    """Its date and room on every row read as 'streams every day': refused by its columns."""
    engine = open_engine(db_url)
    text = "date,room_id,sku,clicks,carts,orders\n2026-11-03,R1,A,10,2,1\n"
    result = import_room_calendar([write_file("sales.csv", text)], engine)
    assert result.exit_code == 1 and result.rows_imported == 0
    assert "looks like a sales export" in result.errors[0].message
    assert _days(engine) == {}
