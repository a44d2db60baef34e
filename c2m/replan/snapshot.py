"""A stored plan as plain values: what the frozen window and the diff look at.

Both need the same few facts about each lot (its stable code, quantity, sewing line, start,
lateness and operations), read once from the database into frozen dataclasses so that the
frozen-window rule and the diff stay pure functions that a test can feed by hand.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, select

from c2m.models import Lot, LotItem, Plan, PlanOperation


@dataclass(frozen=True)
class OpView:
    step: str
    resource: str
    start: dt.datetime
    end: dt.datetime
    setup_minutes: int = 0
    learning_minutes: int = 0


@dataclass(frozen=True)
class LotView:
    """One lot of a stored plan. ``line``: the sewing line (None when it has no sewing op)."""

    code: str
    quantity: int
    ops: tuple[OpView, ...]
    line: str | None = None
    late_minutes: int = 0
    fixed: bool = False
    items: tuple[tuple[str, int], ...] = ()
    style: str = ""
    colour: str | None = None
    need_date: dt.date | None = None
    due: dt.datetime | None = None

    @property
    def start(self) -> dt.datetime | None:
        """When the lot first touches the floor (its first operation, usually cutting)."""
        return min((op.start for op in self.ops), default=None)

    @property
    def end(self) -> dt.datetime | None:
        return max((op.end for op in self.ops), default=None)

    @property
    def sewing_start(self) -> dt.datetime | None:
        """When the sewing line starts it: the time a line leader plans around."""
        starts = [op.start for op in self.ops if op.resource == self.line]
        return min(starts) if starts else self.start


def sewing_resource(ops: Iterable[OpView], line_ids: set[str]) -> str | None:
    """The sewing line of a lot: the operation on a configured line (step names may vary)."""
    for op in ops:
        if op.resource in line_ids:
            return op.resource
    for op in ops:
        if op.step.lower().startswith("sew"):
            return op.resource
    return None


def load_lots(session: Session, plan_id: int, line_ids: set[str]) -> list[LotView]:
    """Every lot of plan ``plan_id`` with its operations and size breakdown."""
    lots = session.exec(select(Lot).where(Lot.plan_id == plan_id).order_by(Lot.code)).all()
    ops_by_lot: dict[int, list[OpView]] = defaultdict(list)
    for op in session.exec(
        select(PlanOperation)
        .where(PlanOperation.plan_id == plan_id)
        .order_by(PlanOperation.lot_id, PlanOperation.start, PlanOperation.id)
    ):
        ops_by_lot[op.lot_id].append(
            OpView(
                op.step,
                op.resource,
                op.start,
                op.end,
                op.setup_minutes or 0,
                getattr(op, "learning_minutes", 0) or 0,
            )
        )
    items_by_lot: dict[int, list[tuple[str, int]]] = defaultdict(list)
    lot_ids = [lot.id for lot in lots]
    if lot_ids:
        for item in session.exec(select(LotItem).where(LotItem.lot_id.in_(lot_ids))):
            items_by_lot[item.lot_id].append((item.sku, item.quantity))
    views = []
    for lot in lots:
        ops = tuple(ops_by_lot.get(lot.id, ()))
        views.append(
            LotView(
                code=lot.code,
                quantity=lot.quantity,
                ops=ops,
                line=sewing_resource(ops, line_ids),
                late_minutes=lot.late_minutes or 0,
                fixed=bool(lot.fixed),
                items=tuple(sorted(items_by_lot.get(lot.id, ()))),
                style=lot.style,
                colour=lot.colour,
                need_date=lot.need_date,
                due=lot.due,
            )
        )
    return views


def current_plan(session: Session, mode: str) -> Plan | None:
    """The plan the floor works to for ``mode`` (the newest, should two ever be flagged)."""
    return session.exec(
        select(Plan)
        .where(Plan.mode == mode, Plan.is_current == True)  # noqa: E712  (SQL, not Python)
        .order_by(Plan.id.desc())
    ).first()
