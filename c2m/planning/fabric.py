"""Fabric gating: a lot may not start cutting before its fabric is on hand.

Supply of a fabric is its stock at the plan start plus deliveries, each usable from the
morning of its due date. Lots claim fabric in priority order (earliest due first): each lot
gets the earliest date from which the supply, net of what higher-priority lots already
claimed, covers it on every later date as well (a claim must never make an earlier-released
lot short later on). That is exact for the ledger of one fabric and keeps urgent lots first.

A lot that no supply in sight can cover is *held*: it is not scheduled, and the shortage is
reported per fabric with the lots it holds up. Knit fabric is bought and pulled by the roll:
the quantity to pull is shown in whole rolls (``fabric_rolls``); the ledger itself counts
exact consumption, because the remnant of an opened roll serves the next lot.

Lots already fixed on the floor are not gated: their fabric was pulled when they were cut.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from c2m.planning.inputs import FabricInfo, StyleInfo
from c2m.planning.lots import LotSpec


@dataclass(frozen=True)
class Shortage:
    fabric: str
    unit: str
    needed: float
    available: float
    short: float
    lots: tuple[str, ...]

    def as_json(self) -> dict:
        return {
            "fabric": self.fabric,
            "unit": self.unit,
            "needed": round(self.needed, 2),
            "available": round(self.available, 2),
            "short": round(self.short, 2),
            "lots": list(self.lots),
        }


def gate(
    lots: list[LotSpec],
    styles: Mapping[str, StyleInfo],
    fabrics: Mapping[str, FabricInfo],
    start: dt.datetime,
) -> list[Shortage]:
    """Sets ``release``, ``fabric`` and fabric quantities on each lot; returns shortages.

    A style with no fabric, or a fabric not in ``fabrics`` (nothing known about it), is not
    gated: the lot is released at the plan start.
    """
    ledgers: dict[str, _Ledger] = {}
    held: dict[str, list[LotSpec]] = {}
    for lot in sorted(lots, key=lambda x: (x.due, x.code)):
        style = styles[lot.style]
        lot.release = start
        if not style.fabric or style.fabric_per_unit <= 0:
            continue
        lot.fabric = style.fabric
        lot.fabric_quantity = lot.quantity * style.fabric_per_unit
        info = fabrics.get(style.fabric)
        if info is None:
            lot.notes.append(f"fabric {style.fabric} unknown: not gated")
            continue
        if info.roll_size:
            lot.fabric_rolls = math.ceil(lot.fabric_quantity / info.roll_size - 1e-9)
        ledger = ledgers.setdefault(info.fabric, _Ledger(info, start.date()))
        day = ledger.claim(lot.fabric_quantity)
        if day is None:
            lot.release = None
            held.setdefault(info.fabric, []).append(lot)
        elif day > start.date():
            lot.release = dt.datetime.combine(day, dt.time())
    out = []
    for fabric, stuck in sorted(held.items()):
        ledger = ledgers[fabric]
        needed = ledger.claimed + sum(x.fabric_quantity for x in stuck)
        out.append(
            Shortage(
                fabric,
                ledger.info.unit,
                needed,
                ledger.total,
                max(needed - ledger.total, 0.0),
                tuple(x.code for x in stuck),
            )
        )
    return out


class _Ledger:
    """Cumulative supply and claims of one fabric on its event dates."""

    def __init__(self, info: FabricInfo, first: dt.date) -> None:
        self.info = info
        arrivals: dict[dt.date, float] = {first: info.on_hand}
        for day, qty in info.deliveries:
            day = max(day, first)
            arrivals[day] = arrivals.get(day, 0.0) + qty
        self.dates = sorted(arrivals)
        supply, total = [], 0.0
        for day in self.dates:
            total += arrivals[day]
            supply.append(total)
        self.slack = supply  # supply minus claims released on or before each date
        self.total = total
        self.claimed = 0.0

    def claim(self, qty: float) -> dt.date | None:
        """Earliest event date from which ``qty`` fits on every later date; None: never."""
        eps = 1e-6
        k = len(self.slack)
        while k > 0 and self.slack[k - 1] + eps >= qty:
            k -= 1
        if k == len(self.slack):
            return None
        for i in range(k, len(self.slack)):
            self.slack[i] -= qty
        self.claimed += qty
        return self.dates[k]
