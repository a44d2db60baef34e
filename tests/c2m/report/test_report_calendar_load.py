"""The calendar as datetimes and the load per line and day it measures.

Protects: an operation that pauses overnight books its hours on the days it worked; minutes
in the overtime slot count as overtime; a changeover sits in the working minutes before its
operation, across a night when it must; capacity is zero on Sundays and holidays.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from c2m.report.line_load import line_load, over_capacity
from c2m.report.shift_windows import (
    OVERTIME,
    REGULAR,
    idle_windows,
    working_minutes_before,
    working_windows,
)

MON = dt.date(2026, 11, 30)


def at(day: int, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(MON + dt.timedelta(days=day), dt.time(hh, mm))


def test_windows_follow_shifts_workdays_and_holidays(cfg):
    windows = working_windows(cfg.calendar, MON, MON + dt.timedelta(days=6))
    days = {w.day for w in windows}
    assert MON + dt.timedelta(days=6) not in days  # Sunday
    monday = [w for w in windows if w.day == MON]
    assert [(w.start.time(), w.end.time(), w.kind) for w in monday] == [
        (dt.time(8), dt.time(12), REGULAR),
        (dt.time(13, 30), dt.time(18), REGULAR),
        (dt.time(19), dt.time(21), REGULAR),
        (dt.time(21), dt.time(23), OVERTIME),
    ]
    holiday = dt.date(2027, 1, 1)
    assert working_windows(cfg.calendar, holiday, holiday) == []


def test_idle_windows_are_the_complement(cfg):
    windows = working_windows(cfg.calendar, MON, MON)
    idle = idle_windows(windows, at(0, 0), at(1, 0))
    assert idle == [
        (at(0, 0), at(0, 8)),
        (at(0, 12), at(0, 13, 30)),
        (at(0, 18), at(0, 19)),
        (at(0, 23), at(1, 0)),
    ]


def test_changeover_walks_back_over_the_night(cfg):
    windows = working_windows(cfg.calendar, MON, MON + dt.timedelta(days=1))
    # 90 minutes before Tuesday 08:30: 30 min on Tuesday, 60 in Monday's overtime slot.
    assert working_minutes_before(windows, at(1, 8, 30), 90) == at(0, 22)
    assert working_minutes_before(windows, at(0, 14), 20) == at(0, 13, 40)


def _ops(rows):
    return pd.DataFrame(
        [
            {
                "op_id": i,
                "lot_id": i,
                "step": step,
                "resource": res,
                "start": a,
                "end": b,
                "setup_minutes": su,
                "code": f"LOT{i}",
            }
            for i, (step, res, a, b, su) in enumerate(rows)
        ]
    )


def test_an_overnight_operation_books_hours_on_both_days(cfg):
    ops = _ops(
        [
            ("sew", "L1", at(0, 17), at(1, 9), 0),  # Mon 17-18, 19-21, 21-23 (ot), Tue 8-9
            ("cut", "CUT-1", at(0, 8), at(0, 12), 0),  # not sewing: no line load
        ]
    )
    load = line_load(ops, cfg.calendar, ["L1", "L2"], MON, MON + dt.timedelta(days=1))
    l1 = load[load["line"] == "L1"].set_index("day")
    assert l1.loc[MON, "sewing_hours"] == 3
    assert l1.loc[MON, "overtime_hours"] == 2
    assert l1.loc[MON + dt.timedelta(days=1), "sewing_hours"] == 1
    assert l1.loc[MON, "capacity_hours"] == 10.5
    assert l1.loc[MON, "overtime_capacity_hours"] == 2
    assert load[load["line"] == "L2"]["booked_hours"].sum() == 0
    over = over_capacity(load)
    assert list(zip(over["line"], over["day"], strict=True)) == [("L1", MON)]
    assert over.loc[0, "overtime_lots"] == "LOT0"


def test_changeover_hours_land_before_the_operation(cfg):
    ops = _ops([("sew", "L2", at(1, 8, 30), at(1, 11), 90)])
    load = line_load(ops, cfg.calendar, ["L2"], MON, MON + dt.timedelta(days=1)).set_index("day")
    assert load.loc[MON, "overtime_hours"] == 1  # 60 min of the changeover in Monday's overtime
    assert load.loc[MON + dt.timedelta(days=1), "changeover_hours"] == 0.5
    assert load.loc[MON + dt.timedelta(days=1), "sewing_hours"] == 2.5


def test_sunday_has_no_capacity_and_work_on_it_is_flagged(cfg):
    sunday = MON + dt.timedelta(days=6)
    ops = _ops([("sew", "L1", at(6, 9), at(6, 11), 0)])
    load = line_load(ops, cfg.calendar, ["L1"], sunday, sunday)
    assert load.loc[0, "capacity_hours"] == 0
    # outside the calendar the operation books nothing (the solver never puts work there)
    assert load.loc[0, "booked_hours"] == 0
    assert over_capacity(load).empty


def test_a_minute_of_overtime_is_rounding_not_an_exception(cfg):
    ops = _ops([("sew", "L1", at(0, 19), at(0, 21, 1), 0)])
    load = line_load(ops, cfg.calendar, ["L1"], MON, MON)
    assert round(load.loc[0, "overtime_hours"] * 60) == 1
    assert over_capacity(load).empty
