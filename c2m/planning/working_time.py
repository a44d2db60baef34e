"""The factory calendar as integer minutes from the plan start, and back to datetimes.

The solver counts minutes from the plan start; shifts, workdays, holidays and overtime live in
the config as clock times and dates. This is the one place that converts between the two, so
an off-by-a-day error can only live here.
"""

from __future__ import annotations

import datetime as dt

from c2m.config import WEEKDAYS
from c2m.config import Calendar as CalendarConfig
from scheduling.model import Calendar


def regular_minutes_on(cfg: CalendarConfig, day: dt.date) -> float:
    """Regular working minutes of ``day``: the shift's hours on a workday that is not a holiday,
    else 0. Lot sizing and the network's allocation both count capacity by it."""
    if WEEKDAYS[day.weekday()] not in cfg.workdays or day in set(cfg.holidays):
        return 0.0
    return cfg.regular_hours_per_day * 60


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


def working_calendar(cfg: CalendarConfig, start: dt.datetime, days: int) -> Calendar:
    """Working and overtime windows for ``days`` calendar days from ``start``.

    A window that began before ``start`` is cut at ``start`` (a plan made at 10:00 can use the
    rest of the morning shift). Holidays and non-workdays have no windows, overtime included.
    """
    workdays = {WEEKDAYS.index(d) for d in cfg.workdays}
    holidays = set(cfg.holidays)
    regular: list[tuple[int, int]] = []
    overtime: list[tuple[int, int]] = []
    for k in range(days + 1):
        day = start.date() + dt.timedelta(days=k)
        if day.weekday() not in workdays or day in holidays:
            continue
        for shift in sorted(cfg.shifts, key=lambda s: s.start):
            _add(regular, day, shift.start, shift.end, start)
        if cfg.overtime is not None:
            _add(overtime, day, cfg.overtime.start, cfg.overtime.end, start)
    return Calendar(windows=tuple(regular), overtime=tuple(overtime), name="factory")


def _add(out: list, day: dt.date, a: dt.time, b: dt.time, start: dt.datetime) -> None:
    lo = max(_minutes(dt.datetime.combine(day, a) - start), 0)
    hi = _minutes(dt.datetime.combine(day, b) - start)
    if hi > lo:
        out.append((lo, hi))


def last_shift_end(cfg: CalendarConfig, moment: dt.datetime) -> dt.datetime:
    """The end of the last regular shift that ends at or before ``moment``: when a lot due
    by ``moment`` must be done on a factory that is closed at night, on its days off and on
    holidays (a Saturday's demand in a Monday-to-Friday shop is due Friday evening). A
    calendar with no working day in the year before ``moment`` leaves it as it is."""
    workdays = {WEEKDAYS.index(d) for d in cfg.workdays}
    holidays = set(cfg.holidays)
    ends = sorted({shift.end for shift in cfg.shifts}, reverse=True)
    for back in range(367):
        day = moment.date() - dt.timedelta(days=back)
        if day.weekday() not in workdays or day in holidays:
            continue
        for end in ends:
            when = dt.datetime.combine(day, end)
            if when <= moment:
                return when
    return moment


def to_minute(t: dt.datetime | dt.date, start: dt.datetime) -> int:
    """Minutes from the plan start (a date means its midnight); may be negative."""
    if not isinstance(t, dt.datetime):
        t = dt.datetime.combine(t, dt.time())
    return _minutes(t - start)


def to_datetime(minute: int, start: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(minutes=int(minute))


def regular_minutes(cal: Calendar, lo: int, hi: int) -> int:
    """Regular (not overtime) working minutes inside ``[lo, hi)``."""
    return sum(max(0, min(hi, b) - max(lo, a)) for a, b in cal.windows)
