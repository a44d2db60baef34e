"""Scheduled lots: what the solver placed, with their operations in datetimes.

The lot types by stage: a ``LotSpec`` (:mod:`c2m.planning.lots`) is what lot sizing decides,
a :class:`ScheduledLot` what the solver placed, a ``StoredLot`` (:mod:`c2m.planning.stored`)
what was written to the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScheduledOp:
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
class ScheduledLot:
    """A lot as the solver placed it: its spec's facts and its operations (none when fabric
    holds it). ``fixed``: it was on the floor or frozen when planned."""

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
    ops: list[ScheduledOp] = field(default_factory=list)
    reason: str = ""  # why lot sizing made it this big (LotSpec.reason)

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
