"""An operation as the floor works it: one piece per working day, with that day's quantity.

A lot sewn from Friday afternoon to Tuesday morning is three days of work for its line, and a
work order that shows it only on Friday leaves Monday's line leader without it. The plan keeps
each operation whole (start, end, setup); this module cuts it at the factory's days and shares
its units out by the working minutes each day gives it (after the setup, which makes nothing),
so the day quantities add up to the lot's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from c2m.config import WEEKDAYS, FactoryConfig

#: sizes in the order a garment catalogue lists them; others follow, numbers by value
SIZE_ORDER = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "2XL", "XXXL", "3XL", "4XL", "5XL")


@dataclass(frozen=True)
class DayPiece:
    """The part of an operation worked on one day: its first and last working minute, the
    minutes of work in it (setup excluded) and its units."""

    day: dt.date
    start: dt.datetime
    end: dt.datetime
    minutes: int
    quantity: int


def size_key(size: str) -> tuple[int, float, str]:
    """Sorts sizes as a catalogue lists them: S before M before L, 28 before 30, then others."""
    label = size.strip().upper()
    if label in SIZE_ORDER:
        return (0, SIZE_ORDER.index(label), label)
    try:
        return (1, float(label), label)
    except ValueError:
        return (2, 0.0, label)


def day_pieces(
    start: dt.datetime, end: dt.datetime, setup_minutes: int, quantity: int, cfg: FactoryConfig
) -> list[DayPiece]:
    """``quantity`` units made between ``start`` and ``end`` (the first ``setup_minutes`` of
    work make nothing), split into the working days they fall on. Units go by working
    minutes, rounded so the pieces add up to ``quantity`` (largest remainders first)."""
    windows = _windows(start, end, cfg)
    if not windows:  # not inside any shift (a hand-fixed lot): the whole op on its start day
        return [DayPiece(start.date(), start, end, 0, quantity)]
    setup = setup_minutes
    days: dict[dt.date, list] = {}
    for a, b in windows:
        span = int((b - a).total_seconds() // 60)
        skip = min(setup, span)
        setup -= skip
        entry = days.setdefault(a.date(), [a, b, 0])
        entry[1] = b
        entry[2] += span - skip
    total = sum(e[2] for e in days.values())
    if total <= 0:
        first = min(days)
        return [DayPiece(first, days[first][0], days[first][1], 0, quantity)]
    shares = {d: quantity * e[2] / total for d, e in days.items()}
    units = {d: int(s) for d, s in shares.items()}
    left = quantity - sum(units.values())
    for d in sorted(shares, key=lambda d: (units[d] - shares[d], d))[:left]:
        units[d] += 1
    return [
        DayPiece(d, e[0], e[1], e[2], units[d])
        for d, e in sorted(days.items())
        if units[d] > 0 or e[2] > 0
    ]


def _windows(start: dt.datetime, end: dt.datetime, cfg: FactoryConfig) -> list[tuple]:
    """The working windows (shifts and overtime) of each day, cut to ``[start, end)``."""
    calendar = cfg.calendar
    workdays = {WEEKDAYS.index(d) for d in calendar.workdays}
    shifts = list(calendar.shifts) + ([calendar.overtime] if calendar.overtime else [])
    out = []
    day = start.date()
    while day <= end.date():
        if day.weekday() in workdays and day not in calendar.holidays:
            for shift in sorted(shifts, key=lambda s: s.start):
                a = max(dt.datetime.combine(day, shift.start), start)
                b = min(dt.datetime.combine(day, shift.end), end)
                if b > a:
                    out.append((a, b))
        day += dt.timedelta(days=1)
    return out
