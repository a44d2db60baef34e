"""What :func:`~c2m.planning.planner.make_plan` returns: scheduled lots, KPIs, solver facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from c2m.planning.plan_kpis import PlanKpis
from c2m.planning.scheduled import ScheduledLot


@dataclass
class PlanResult:
    """The outcome of :func:`c2m.planning.planner.make_plan`.

    ``objective`` and ``bound`` are in yuan (the solver's integer objective divided by the
    scale). ``held`` lists lots that fabric shortages keep off the schedule. ``net`` is the
    net-requirement frame the lots came from; ``solve`` the scheduling library's result and
    ``built`` the problem (for the replan's stability term and for diagnostics).
    ``timings``: wall seconds to prepare the problem, to solve it, and to the first valid
    schedule (preparation plus the solver's heuristic start).
    """

    mode: str
    start: dt.datetime
    horizon_days: int
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    lots: list[ScheduledLot]
    held: list[ScheduledLot]
    kpis: PlanKpis
    shortages: list[dict[str, Any]]
    net: Any = None
    solve: Any = None
    built: Any = None
    timings: dict[str, Any] = field(default_factory=dict)
    skipped_skus: list[str] = field(default_factory=list)  # sell, but not in the catalogue

    def as_json(self) -> dict[str, Any]:
        """The JSON object ``c2m plan --json`` prints (without ``plan_id``)."""
        return {
            "mode": self.mode,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
            "kpis": self.kpis.as_json(),
            "skipped_skus": self.skipped_skus,
            "lot_sizing": self.lot_sizing(),
        }

    def lot_sizing(self) -> list[dict[str, Any]]:
        """Why each lot is its size (lot sizing's reason), fixed lots left out: what a planner
        reads to see which runs the capacity price merged and which it held small."""
        return [
            {"code": lot.code, "quantity": lot.quantity, "reason": lot.reason}
            for lot in [*self.lots, *self.held]
            if not lot.fixed
        ]
