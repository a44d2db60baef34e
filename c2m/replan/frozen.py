"""The frozen window: what is on the floor, or about to be, does not move.

A lot of the current plan is FROZEN when it has started before ``now`` (fabric is cut, the
line is sewing it) or is scheduled to start before ``now + frozen_hours`` (fabric has been
pulled, the line leader has planned the shift around it) — frePPLe's "confirmed" and
"frozen" states. A frozen lot keeps its line, its times and its quantity in the new plan:
the planner receives it as fixed and only plans around it. Lots that start later are free,
held in place only by the plan-stability cost, so they move when moving pays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from c2m.planning.plan_result import PlanResult
from c2m.planning.scheduled import ScheduledOp
from c2m.planning.stored import StoredLot


@dataclass(frozen=True)
class FrozenWindow:
    now: dt.datetime
    until: dt.datetime

    @classmethod
    def of(cls, now: dt.datetime, frozen_hours: float) -> FrozenWindow:
        if frozen_hours < 0:
            raise ValueError("frozen_hours must be >= 0")
        return cls(now=now, until=now + dt.timedelta(hours=frozen_hours))

    def started(self, lot: StoredLot) -> bool:
        start = lot.start
        return start is not None and start < self.now

    def done(self, lot: StoredLot) -> bool:
        """Finished before ``now``: off the floor, so no longer part of the plan."""
        end = lot.end
        return end is not None and end <= self.now

    def holds(self, lot: StoredLot) -> bool:
        """True when ``lot`` must keep its line, times and quantity."""
        start = lot.start
        return start is not None and start < self.until


# A finished lot stays in the plan (fixed, as work in progress) until a stock count covers
# it; without counts it leaves after this many days, so the plan cannot grow for ever.
COUNT_GRACE_DAYS = 7


@dataclass(frozen=True)
class FloorState:
    """The current plan's lots split by what the new plan may do with them."""

    frozen: list[StoredLot]  # kept exactly: started, or starting inside the frozen window
    completed: list[StoredLot]  # finished and counted: they leave the plan
    live: list[StoredLot]  # everything but the completed: what the new plan is compared with

    @property
    def frozen_codes(self) -> set[str]:
        """The codes of the frozen lots (what the diff's guard checks)."""
        return {lot.code for lot in self.frozen}


def frozen_lots(
    lots: Iterable[StoredLot],
    window: FrozenWindow,
    counted_until: Mapping[str, dt.date] | None = None,
) -> tuple[list[StoredLot], list[StoredLot]]:
    """``(frozen, completed)``: lots the new plan must keep exactly, and lots that left it.

    A lot finished before ``now`` leaves the plan once the stock count of each of its SKUs
    (``counted_until``: SKU -> date of the last count) is on or after the day it finished —
    its units are then in stock. Until then it stays, frozen, so that the planner counts its
    units as work in progress instead of making them a second time.
    """
    counted_until = counted_until or {}
    frozen, completed = [], []
    for lot in lots:
        if not window.holds(lot):
            continue
        if window.done(lot) and _counted(lot, window, counted_until):
            completed.append(lot)
        else:
            frozen.append(lot)
    return frozen, completed


def _counted(lot: StoredLot, window: FrozenWindow, counted_until: Mapping[str, dt.date]) -> bool:
    end = lot.end.date()
    if end <= window.now.date() - dt.timedelta(days=COUNT_GRACE_DAYS):
        return True
    skus = list(lot.items) or [lot.code]
    return all(counted_until.get(sku) is not None and counted_until[sku] >= end for sku in skus)


# --- hand-over to the planner (a frozen lot itself goes as ``StoredLot.as_frozen()``) -------


def previous_assignments(
    lots: Iterable[StoredLot],
) -> dict[tuple[str, str], tuple[str, dt.datetime]]:
    """``(lot code, step) -> (resource, start)`` of the plan being replaced (stability term)."""
    out: dict[tuple[str, str], tuple[str, dt.datetime]] = {}
    for lot in lots:
        for op in lot.ops:
            out.setdefault((lot.code, op.step), (op.resource, op.start))
    return out


def line_state(
    lots: Iterable[StoredLot],
    now: dt.datetime,
    line_ids: Iterable[str],
    frozen: Iterable[StoredLot] = (),
) -> dict[str, tuple[str, str | None]]:
    """What each line (of ``line_ids``, the configured ones) is set up for at ``now``, as
    the new plan's starting point.

    On a line that keeps frozen work, the line is taken as set up for the first frozen lot
    still to sew: that lot is pinned (often at the first working minute after ``now``), its
    changeover was planned before it — maybe already done overnight — and the new plan must
    not demand one again where there is no time for it. On a line without frozen work it is
    the last lot sewn there before ``now``.
    """
    lines = set(line_ids)
    state: dict[str, tuple[dt.datetime, StoredLot]] = {}
    for lot in lots:
        line, start = lot.sewing_line(lines), lot.sewing_start(lines)
        if line is None or start is None or start >= now:
            continue
        if line not in state or start > state[line][0]:
            state[line] = (start, lot)
    first_frozen: dict[str, tuple[dt.datetime, StoredLot]] = {}
    for lot in frozen:
        line = lot.sewing_line(lines)
        sew = [op for op in lot.ops if op.resource == line and op.end > now]
        if line is None or not sew:
            continue
        start = min(op.start for op in sew)
        if line not in first_frozen or start < first_frozen[line][0]:
            first_frozen[line] = (start, lot)
    state.update(first_frozen)
    return {line: (lot.style, lot.colour) for line, (_, lot) in sorted(state.items())}


def restore_frozen(result: PlanResult, frozen: Iterable[StoredLot]) -> None:
    """Give frozen lots back their exact stored operations in the planner's result.

    The solver only sees what is left of a started lot (from ``now`` on; finished steps not
    at all), so what it returns for such a lot is a clipped view. The floor's plan must show
    the lot as it is being made — same line, same times — so the stored operations are
    put back verbatim before the plan is written.
    """
    by_code = {lot.code: lot for lot in frozen}
    for lot in result.lots:
        kept = by_code.get(lot.code)
        if kept is None:
            continue
        lot.ops = [
            ScheduledOp(
                step=op.step,
                resource=op.resource,
                start=op.start,
                end=op.end,
                setup_minutes=op.setup_minutes,
                changeover_minutes=op.changeover_minutes,
                learning_minutes=op.learning_minutes,
                fixed=True,
            )
            for op in kept.ops
        ]
        lot.fixed = True
