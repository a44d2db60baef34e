"""Stock, shipments, backorders and lost sales: the demand side of a simulated day.

Each day finished units go into stock; then the day's true demand arrives (the live rooms'
orders plus confirmed open orders due that day). Backorders are served first, oldest first
(those customers have waited longest), then the new demand. What stock cannot serve waits as
a backorder for at most ``max_wait_days`` days; a live-room customer who has waited that long
cancels, and the units count as lost. The ledger keeps the season's totals so that two
identities hold every day (a test checks them)::

    initial stock + produced = shipped + in stock
    demand = shipped + backordered + lost
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class Flows:
    """One day's movements, in units (and lead time in unit-days of waiting)."""

    demand: int = 0
    shipped: int = 0
    shipped_same_day: int = 0
    lost: int = 0
    wait_unit_days: int = 0
    lost_by_sku: dict[str, int] = field(default_factory=dict)


class Ledger:
    def __init__(self, stock: Mapping[str, int], max_wait_days: int) -> None:
        if max_wait_days < 0:
            raise ValueError("max_wait_days must be >= 0")
        self.stock = {s: int(q) for s, q in stock.items() if q > 0}
        self.initial = sum(self.stock.values())
        self.max_wait = max_wait_days
        self.backlog: dict[str, list[list]] = {}  # SKU -> [[units, day it arrived], ...]
        self.made: dict[str, int] = {}  # SKU -> units finished in the season
        self.produced = self.shipped = self.demand = self.lost = 0
        self.shipped_same_day = self.wait_unit_days = 0

    @property
    def on_hand(self) -> int:
        return sum(self.stock.values())

    @property
    def backordered(self) -> int:
        return sum(q for rows in self.backlog.values() for q, _ in rows)

    def backorders(self) -> list[tuple[str, dt.date, int]]:
        """Open backorders per SKU and day (the planner sees them as orders due now)."""
        return [(s, day, q) for s, rows in sorted(self.backlog.items()) for q, day in rows if q]

    def unsold(self) -> tuple[int, int]:
        """``(made, initial)``: units in stock made in the season, and left from the start.

        Stock leaves oldest first (the starting stock sells before what the season made), so
        per SKU the season's units are the last to go: ``min(stock, made)`` of them are left.
        """
        made = sum(min(q, self.made.get(s, 0)) for s, q in self.stock.items())
        return made, self.on_hand - made

    def receive(self, units: Mapping[str, int]) -> None:
        for sku, qty in units.items():
            if qty > 0:
                self.stock[sku] = self.stock.get(sku, 0) + int(qty)
                self.made[sku] = self.made.get(sku, 0) + int(qty)
                self.produced += int(qty)

    def serve(self, day: dt.date, demand: Mapping[str, int]) -> Flows:
        flows = Flows()
        for sku in sorted(set(demand) | set(self.backlog)):
            have = self.stock.get(sku, 0)
            rows = self.backlog.get(sku, [])
            for row in rows:  # oldest first
                take = min(have, row[0])
                if take:
                    row[0] -= take
                    have -= take
                    flows.shipped += take
                    flows.wait_unit_days += take * (day - row[1]).days
            rows = [r for r in rows if r[0] > 0]
            new = int(demand.get(sku, 0))
            if new > 0:
                flows.demand += new
                take = min(have, new)
                have -= take
                flows.shipped += take
                flows.shipped_same_day += take
                if new > take:
                    rows.append([new - take, day])
            kept = []
            for r in rows:
                if (day - r[1]).days >= self.max_wait:
                    flows.lost += r[0]
                    flows.lost_by_sku[sku] = flows.lost_by_sku.get(sku, 0) + r[0]
                else:
                    kept.append(r)
            if kept:
                self.backlog[sku] = kept
            else:
                self.backlog.pop(sku, None)
            if have:
                self.stock[sku] = have
            else:
                self.stock.pop(sku, None)
        self.shipped += flows.shipped
        self.shipped_same_day += flows.shipped_same_day
        self.demand += flows.demand
        self.lost += flows.lost
        self.wait_unit_days += flows.wait_unit_days
        return flows

    def check(self) -> None:
        """Raise if a unit appeared or vanished (the two identities of the module doc)."""
        if self.initial + self.produced != self.shipped + self.on_hand:
            raise AssertionError(
                f"stock does not balance: {self.initial} + {self.produced} != "
                f"{self.shipped} + {self.on_hand}"
            )
        if self.demand != self.shipped + self.backordered + self.lost:
            raise AssertionError(
                f"demand does not balance: {self.demand} != {self.shipped} + "
                f"{self.backordered} + {self.lost}"
            )
