"""What a plan is once made: lots with their operations in datetimes, KPIs, solver facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlannedOp:
    """One step of a lot on one resource. ``setup_minutes`` = changeover + learning."""

    step: str
    resource: str
    start: dt.datetime
    end: dt.datetime
    setup_minutes: int = 0
    changeover_minutes: int = 0
    learning_minutes: int = 0
    fixed: bool = False


@dataclass
class PlannedLot:
    code: str
    style: str
    colour: str | None
    category: str
    items: dict[str, int]
    need_date: dt.date
    due: dt.datetime
    release: dt.datetime
    fabric: str | None
    fabric_quantity: float
    fabric_rolls: int | None
    fixed: bool
    ops: list[PlannedOp] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return sum(self.items.values())

    @property
    def end(self) -> dt.datetime | None:
        return max((op.end for op in self.ops), default=None)

    @property
    def late_minutes(self) -> int:
        end = self.end
        if end is None or end <= self.due:
            return 0
        return int((end - self.due).total_seconds() // 60)


@dataclass
class PlanResult:
    """The outcome of :func:`c2m.planning.core.make_plan`.

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
    lots: list[PlannedLot]
    held: list[PlannedLot]
    kpis: dict[str, Any]
    shortages: list[dict[str, Any]]
    net: Any = None
    solve: Any = None
    built: Any = None
    timings: dict[str, Any] = field(default_factory=dict)
    skipped_skus: list[str] = field(default_factory=list)  # sell, but not in the catalogue

    def summary(self) -> dict[str, Any]:
        """The JSON object ``c2m plan --json`` prints (without ``plan_id``)."""
        return {
            "mode": self.mode,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
            "kpis": self.kpis,
            "skipped_skus": self.skipped_skus,
        }
