"""Load per sewing line per day against its capacity, from the scheduled operations.

An operation pauses over nights and breaks, so its working minutes are found by cutting
``[start, end)`` with the factory calendar; a changeover is placed in the working minutes
just before its operation (see :func:`c2m.report.shift_windows.working_minutes_before`). Minutes
that fall in the overtime slot count as overtime whatever they are spent on, because that
is what the factory pays extra for.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

import pandas as pd

from c2m.config import Calendar
from c2m.report.shift_windows import (
    OVERTIME,
    REGULAR,
    split_by_window,
    working_minutes_before,
    working_windows,
)

LOAD_COLUMNS = [
    "line",
    "day",
    "sewing_hours",
    "changeover_hours",
    "overtime_hours",
    "booked_hours",
    "capacity_hours",
    "overtime_capacity_hours",
    "lots",
    "overtime_lots",
]
SEW = "sew"
_LOOKBACK_DAYS = 14  # a changeover at the plan start may reach back into earlier days


def sewing_lines(operations: pd.DataFrame, configured: Sequence[str]) -> list[str]:
    """The configured lines in config order, then any other resource that sews in the plan."""
    used = operations.loc[operations["step"] == SEW, "resource"] if len(operations) else []
    return list(configured) + sorted(set(used) - set(configured))


def line_load(
    operations: pd.DataFrame,
    calendar: Calendar,
    lines: Sequence[str],
    first_day: dt.date,
    last_day: dt.date | None = None,
) -> pd.DataFrame:
    """One row per line and day from ``first_day`` to the last sewing day (or ``last_day``)."""
    sewing = operations[operations["step"] == SEW] if len(operations) else operations
    if last_day is None:
        last_day = max([first_day, *(end.date() for end in sewing["end"])])
    windows = working_windows(calendar, first_day - dt.timedelta(days=_LOOKBACK_DAYS), last_day)
    minutes: dict[tuple[str, dt.date, str], float] = defaultdict(float)
    lots: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    overtime_lots: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
    for op in sewing.itertuples(index=False):
        for window, worked in split_by_window(windows, op.start, op.end):
            key = (op.resource, window.day)
            activity = "sewing" if window.kind == REGULAR else OVERTIME
            minutes[(*key, activity)] += worked
            lots[key].add(op.code)
            if window.kind == OVERTIME:
                overtime_lots[key].add(op.code)
        if op.setup_minutes:
            setup_start = working_minutes_before(windows, op.start, op.setup_minutes)
            for window, worked in split_by_window(windows, setup_start, op.start):
                key = (op.resource, window.day)
                activity = "changeover" if window.kind == REGULAR else OVERTIME
                minutes[(*key, activity)] += worked
                if window.kind == OVERTIME:
                    overtime_lots[key].add(op.code)
    capacity: dict[tuple[dt.date, str], float] = defaultdict(float)
    for window in windows:
        capacity[(window.day, window.kind)] += (window.end - window.start).total_seconds() / 60
    rows = []
    for line in lines:
        day = first_day
        while day <= last_day:
            sewing_m = minutes[(line, day, "sewing")]
            change_m = minutes[(line, day, "changeover")]
            over_m = minutes[(line, day, OVERTIME)]
            rows.append(
                {
                    "line": line,
                    "day": day,
                    "sewing_hours": sewing_m / 60,
                    "changeover_hours": change_m / 60,
                    "overtime_hours": over_m / 60,
                    "booked_hours": (sewing_m + change_m + over_m) / 60,
                    "capacity_hours": capacity[(day, REGULAR)] / 60,
                    "overtime_capacity_hours": capacity[(day, OVERTIME)] / 60,
                    "lots": ", ".join(sorted(lots[(line, day)])),
                    "overtime_lots": ", ".join(sorted(overtime_lots[(line, day)])),
                }
            )
            day += dt.timedelta(days=1)
    return pd.DataFrame(rows, columns=LOAD_COLUMNS)


def over_capacity(load: pd.DataFrame, tolerance_hours: float = 0.05) -> pd.DataFrame:
    """Line-days booked beyond regular capacity: overtime worked, or work on a day off.

    An operation that spills a minute or two into the overtime slot is rounding, not a
    decision a planner must look at, so less than ``tolerance_hours`` is not flagged.
    """
    if load.empty:
        return load
    beyond = (load["overtime_hours"] >= tolerance_hours) | (
        load["booked_hours"] >= load["capacity_hours"] + tolerance_hours
    )
    return load[beyond].reset_index(drop=True)
