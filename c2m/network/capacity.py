"""A workshop's sewing capacity in SAM-minutes per day, from its calendar and lines.

A line of ``n`` operators at efficiency ``e`` earns ``n x e`` SAM-minutes per working minute
(the planner sews ``SAM x units / (n x e)`` minutes, :mod:`c2m.planning.timing`), so a day's
capacity is that sum over the lines times the regular minutes of the day (shifts on workdays
that are not holidays). Overtime, changeovers and learning are left out: the allocation works
on regular time and leaves the workshop's own planner to spend overtime and pay set-ups.
"""

from __future__ import annotations

import datetime as dt

from c2m.config import WEEKDAYS, Calendar, FactoryConfig


def day_minutes(calendar: Calendar, day: dt.date) -> float:
    """Regular working minutes of ``day`` (0 on a day off or holiday)."""
    if WEEKDAYS[day.weekday()] not in calendar.workdays or day in set(calendar.holidays):
        return 0.0
    return calendar.regular_hours_per_day * 60


def daily_capacity(
    cfg: FactoryConfig, start: dt.date, days: int, category: str | None = None
) -> list[float]:
    """SAM-minutes per day for ``days`` days from ``start``: all lines, or only those that can
    sew ``category`` (an upper bound for that category alone, since lines are shared)."""
    rate = sum(
        line.operators * line.efficiency
        for line in cfg.lines
        if category is None or category in line.categories
    )
    return [rate * day_minutes(cfg.calendar, start + dt.timedelta(days=k)) for k in range(days)]
