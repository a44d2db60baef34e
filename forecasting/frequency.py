"""Frequency handling: one place that turns a pandas frequency alias into a grid step and a season.

Daily demand in a live-commerce workshop repeats every week; weekly retail sales repeat every
year. Models ask this module for the seasonal period instead of hard-coding 7, so the same code
serves ``"D"``, ``"W"``, ``"W-MON"`` and friends.
"""

from __future__ import annotations

import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BaseOffset, Tick, Week

_SEASON_BY_PREFIX = {
    "D": 7,
    "B": 5,
    "W": 52,
    "M": 12,
    "MS": 12,
    "ME": 12,
    "Q": 4,
    "QS": 4,
    "QE": 4,
    "h": 24,
    "H": 24,
}


def parse_freq(freq: str) -> BaseOffset:
    """Return the pandas offset for ``freq`` or raise ``ValueError`` with a plain sentence."""
    try:
        return to_offset(freq)
    except (ValueError, TypeError) as exc:
        msg = f"Unknown frequency {freq!r}; use a pandas alias such as 'D' or 'W'."
        raise ValueError(msg) from exc


def season_length(freq: str) -> int:
    """Seasonal period implied by ``freq`` (7 for daily, 52 for weekly, 12 for monthly, ...)."""
    offset = parse_freq(freq)
    name = offset.rule_code.split("-")[0]
    if isinstance(offset, Week):
        return 52
    return _SEASON_BY_PREFIX.get(name, 1)


def fixed_step(freq: str) -> pd.Timedelta | None:
    """The constant grid step for tick and weekly frequencies, else ``None`` (months vary)."""
    offset = parse_freq(freq)
    if isinstance(offset, Tick):
        return pd.Timedelta(offset)
    if isinstance(offset, Week):
        # The weekday anchor only names the week; the grid simply steps 7 days from the data.
        return pd.Timedelta(days=7 * offset.n)
    return None


def make_grid(start: pd.Timestamp, periods: int, freq: str) -> pd.DatetimeIndex:
    """``periods`` grid points from ``start`` (inclusive) with the step of ``freq``."""
    step = fixed_step(freq)
    if step is not None:
        return (
            pd.DatetimeIndex([start + i * step for i in range(periods)])
            if periods
            else (pd.DatetimeIndex([]))
        )
    return pd.date_range(start=start, periods=periods, freq=parse_freq(freq))


def positions(ds: pd.Series, start: pd.Timestamp, freq: str) -> tuple[pd.Series, int]:
    """Integer grid position of each timestamp in ``ds`` counted from ``start``.

    Raises ``ValueError`` if a timestamp falls between grid points, since silently rounding
    would shift sales onto the wrong day or week.
    """
    step = fixed_step(freq)
    if step is not None:
        delta = (ds - start) / step
        pos = delta.round().astype("int64")
        if not (delta - pos).abs().lt(1e-9).all():
            bad = ds[(delta - pos).abs() >= 1e-9].iloc[0]
            raise ValueError(
                f"Date {bad} is not on the {freq!r} grid that starts at {start.date()}; "
                "aggregate the data to that frequency first."
            )
        return pos, int(pos.max()) + 1 if len(pos) else 0
    grid = pd.date_range(start=start, end=ds.max(), freq=parse_freq(freq))
    index = pd.Index(grid)
    found = pd.Series(index.get_indexer(pd.Index(ds)), index=ds.index)
    if (found < 0).any():
        bad = ds[found < 0].iloc[0]
        raise ValueError(f"Date {bad} is not on the {freq!r} grid; aggregate the data first.")
    return found.astype("int64"), len(grid)
