"""The factory calendar as datetime windows, for drawing and for measuring booked time.

The solver works in integer minutes and pauses an operation outside working time; the report
needs the same calendar as wall-clock windows to shade nights and breaks on the Gantt, to
split an operation's working minutes over days (load per line), and to place a changeover
in the working minutes just before the operation it prepares. The windows come from the
planner's minute calendar, turned back into datetimes; only the drawing helpers live here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from c2m.config import Calendar
from c2m.planning.working_time import to_datetime, working_calendar

REGULAR = "regular"
OVERTIME = "overtime"


@dataclass(frozen=True)
class Window:
    """A stretch of working time ``[start, end)``: a regular shift or the overtime slot."""

    start: dt.datetime
    end: dt.datetime
    kind: str

    @property
    def day(self) -> dt.date:
        return self.start.date()


def working_windows(calendar: Calendar, first: dt.date, last: dt.date) -> list[Window]:
    """Every shift and overtime window from ``first`` to ``last`` (both included), in order.

    Built from the planner's own calendar (:func:`c2m.planning.working_time.working_calendar`),
    the one place that turns shifts, workdays and holidays into working time, so the report
    shades exactly the time the solver could not use.
    """
    origin = dt.datetime.combine(first, dt.time())
    minutes = working_calendar(calendar, origin, (last - first).days)
    out = [
        Window(to_datetime(a, origin), to_datetime(b, origin), REGULAR) for a, b in minutes.windows
    ]
    out += [
        Window(to_datetime(a, origin), to_datetime(b, origin), OVERTIME)
        for a, b in minutes.overtime
    ]
    out.sort(key=lambda w: w.start)
    return out


def idle_windows(
    windows: Sequence[Window], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Non-working time between ``start`` and ``end``: the complement of ``windows``."""
    out: list[tuple[dt.datetime, dt.datetime]] = []
    cursor = start
    for window in windows:
        if window.end <= cursor:
            continue
        if window.start >= end:
            break
        if window.start > cursor:
            out.append((cursor, window.start))
        cursor = max(cursor, window.end)
    if cursor < end:
        out.append((cursor, end))
    return out


def split_by_window(
    windows: Sequence[Window], start: dt.datetime, end: dt.datetime
) -> list[tuple[Window, float]]:
    """The working minutes of ``[start, end)`` in each window it touches."""
    out: list[tuple[Window, float]] = []
    for window in windows:
        if window.end <= start:
            continue
        if window.start >= end:
            break
        lo, hi = max(start, window.start), min(end, window.end)
        if hi > lo:
            out.append((window, (hi - lo).total_seconds() / 60))
    return out


def working_minutes_before(
    windows: Sequence[Window], end: dt.datetime, minutes: float
) -> dt.datetime:
    """Where ``minutes`` of working time ending at ``end`` begin (walking back over pauses).

    The solver only promises that a changeover's working minutes fit between two operations;
    the report draws it in the last working minutes before the operation it prepares, which
    is when a line leader would do it. Without enough calendar, it falls back to wall time.
    """
    left = float(minutes)
    cursor = end
    for window in reversed(windows):
        if left <= 0:
            break
        if window.start >= cursor:
            continue
        hi = min(cursor, window.end)
        available = (hi - window.start).total_seconds() / 60
        if available >= left:
            return hi - dt.timedelta(minutes=left)
        left -= available
        cursor = window.start
    return cursor - dt.timedelta(minutes=max(left, 0))
