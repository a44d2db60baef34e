"""Per SKU, how fast a mode answered the rooms and how often it came back: lead time, reorders.

Test-and-reorder (issue #16) is judged per SKU, not per lot:

- **lead time**: days from a SKU's first live-room signal in the season (a click, a cart or
  an order) to the first day the floor finished units of it, on or after that signal; the
  mean over the SKUs that had both. Stock built before the season answered no signal of it
  and does not count (batch's pre-season build is in stock, not made in answer);
- **reorders**: the lots of a SKU after its first lot in the season, summed over SKUs. A lot
  counts for every SKU it holds (a style lot of eight SKUs is a reorder of each that had
  one before). Batch's pre-season build is each of its SKUs' first lot.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from c2m.simulation.floor import DayResult


def first_signals(signals: pd.DataFrame) -> dict[str, dt.date]:
    """Each SKU's first day with a click, cart or order in ``signals`` (room rows)."""
    active = signals[(signals[["clicks", "carts", "orders"]].sum(axis=1)) > 0]
    first = active.groupby("sku")["date"].min()
    return {str(s): pd.Timestamp(d).date() for s, d in first.items()}


@dataclass
class SkuTrack:
    """One mode's finished days and lot counts per SKU through the season."""

    finished_days: dict[str, list[dt.date]] = field(default_factory=dict)
    lots: dict[str, int] = field(default_factory=dict)

    def first_lots(self, skus: Iterable[str]) -> None:
        """Stock built before the season: its SKUs' first lot (not a finish in the season)."""
        for sku in skus:
            self.lots[sku] = self.lots.get(sku, 0) + 1

    def record(self, day: dt.date, done: DayResult) -> None:
        """The day's finished SKUs and the lots cut."""
        for sku, qty in done.finished.items():
            if qty > 0:
                self.finished_days.setdefault(sku, []).append(day)
        for lot in done.cut_lots:
            for sku, qty in lot.items.items():
                if qty > 0:
                    self.lots[sku] = self.lots.get(sku, 0) + 1

    def lead_times(self, first_signal: Mapping[str, dt.date]) -> dict[str, int]:
        """Days from each SKU's first signal to its first finished goods on or after it."""
        out = {}
        for sku, signal in first_signal.items():
            after = [d for d in self.finished_days.get(sku, ()) if d >= signal]
            if after:
                out[sku] = (min(after) - signal).days
        return out

    def summary(self, first_signal: Mapping[str, dt.date]) -> dict[str, float | int | None]:
        """``lead_time_days`` (mean over SKUs with both), ``reorders``, ``reordered_skus``."""
        lead = self.lead_times(first_signal)
        return {
            "lead_time_days": round(statistics.fmean(lead.values()), 2) if lead else None,
            "lead_time_skus": len(lead),
            "reorders": sum(max(n - 1, 0) for n in self.lots.values()),
            "reordered_skus": sum(1 for n in self.lots.values() if n > 1),
        }
