"""A stored plan as plain values: the one read model of a plan in the database.

``c2m show``, ``c2m compare``, the work-order export and the HTML report all read a plan
through :func:`read_plan`, and the replan's frozen window and diff can too: one set of
queries in one session, so every reader sees the same consistent plan, and a test can build
a :class:`StoredPlan` by hand. The lot types by stage: a ``LotSpec`` is what lot sizing
decides, a ``ScheduledLot`` what the solver placed, a :class:`StoredLot` what was written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from c2m.db import session_scope
from c2m.errors import NotFound
from c2m.models import Lot, LotItem, Plan, PlanOperation, Sku, Style
from c2m.planning.inputs import FrozenLot, FrozenOp, PreviousLot, SkuInfo


@dataclass(frozen=True)
class StoredOp:
    """One operation of a stored lot. ``setup_minutes`` = changeover + learning-curve loss."""

    op_id: int
    lot_id: int
    step: str
    resource: str
    start: dt.datetime
    end: dt.datetime
    setup_minutes: int = 0
    learning_minutes: int = 0
    fixed: bool = False

    @property
    def changeover_minutes(self) -> int:
        return self.setup_minutes - self.learning_minutes


@dataclass(frozen=True)
class StoredLot:
    """One lot of a stored plan, its size breakdown (``items``: SKU -> units) and operations
    in the order they start. ``category`` is its style's ("" when the catalogue lost it)."""

    lot_id: int
    code: str
    style: str
    colour: str | None
    category: str
    quantity: int
    need_date: dt.date
    due: dt.datetime
    release: dt.datetime
    fabric: str | None
    fabric_quantity: float
    late_minutes: int
    fixed: bool
    items: dict[str, int] = field(default_factory=dict)
    ops: tuple[StoredOp, ...] = ()

    @property
    def start(self) -> dt.datetime | None:
        """When the lot first touches the floor (its first operation, usually cutting)."""
        return min((op.start for op in self.ops), default=None)

    @property
    def end(self) -> dt.datetime | None:
        """When its last operation finishes (None for a lot without operations)."""
        return max((op.end for op in self.ops), default=None)

    def sewing_start(self, line_ids: Iterable[str]) -> dt.datetime | None:
        """When its sewing line starts it (the time a line leader plans around); its first
        operation's start when it has no sewing."""
        line = self.sewing_line(line_ids)
        starts = [op.start for op in self.ops if op.resource == line]
        return min(starts) if starts else self.start

    def as_frozen(self) -> FrozenLot:
        """The lot as a replan takes it when it may not move: every operation pinned, with
        the changeover the plan gave it."""
        return FrozenLot(
            code=self.code,
            style=self.style,
            colour=self.colour,
            items=tuple(sorted(self.items.items())) or ((self.code, self.quantity),),
            need_date=self.need_date,
            due=self.due,
            ops=tuple(
                FrozenOp(op.step, op.resource, op.start, op.end, setup_minutes=op.setup_minutes)
                for op in self.ops
            ),
        )

    def as_previous(self) -> PreviousLot:
        """The lot as a replan's new lots may continue it (taking its code)."""
        return PreviousLot(
            self.code, self.style, self.colour, self.need_date, tuple(sorted(self.items))
        )

    def sewing_line(self, line_ids: Iterable[str]) -> str | None:
        """The sewing line: the operation on a configured line (step names may vary)."""
        lines = set(line_ids)
        for op in self.ops:
            if op.resource in lines:
                return op.resource
        for op in self.ops:
            if op.step.lower().startswith("sew"):
                return op.resource
        return None


@dataclass(frozen=True)
class PlanHeader:
    """A plan's own row: what it is, how the solver did, and its stored KPIs."""

    id: int
    mode: str
    start: dt.datetime
    horizon_days: int
    status: str
    created_at: dt.datetime
    is_current: bool = False
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    forecast_run_id: int | None = None
    replan_run_id: int | None = None
    kpis: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan) -> PlanHeader:
        return cls(
            id=int(plan.id),
            mode=plan.mode,
            start=plan.start,
            horizon_days=plan.horizon_days,
            status=plan.status,
            created_at=plan.created_at,
            is_current=bool(plan.is_current),
            objective=plan.objective,
            bound=plan.bound,
            gap=plan.gap,
            seconds=plan.seconds,
            forecast_run_id=plan.forecast_run_id,
            replan_run_id=plan.replan_run_id,
            kpis=dict(plan.kpis or {}),
        )

    def as_json(self) -> dict[str, Any]:
        """The plan's summary as ``c2m show`` and ``c2m compare`` print it."""
        return {
            "plan_id": self.id,
            "mode": self.mode,
            "start": self.start,
            "horizon_days": self.horizon_days,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": self.seconds,
            "kpis": self.kpis,
        }


@dataclass(frozen=True)
class StoredPlan:
    """A plan read back whole: its header, its lots (in the order written) and the catalogue
    facts of the SKUs they hold (``skus``: colour and size, for size breakdowns)."""

    header: PlanHeader
    lots: tuple[StoredLot, ...]
    skus: dict[str, SkuInfo] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.header.id

    def operations(self) -> list[tuple[StoredLot, StoredOp]]:
        """Every operation with its lot, in the order they start (ties: the order written)."""
        pairs = [(lot, op) for lot in self.lots for op in lot.ops]
        return sorted(pairs, key=lambda pair: (pair[1].start, pair[1].op_id))

    def as_json(self) -> dict[str, Any]:
        return self.header.as_json()


def list_plans(session: Session) -> list[Plan]:
    """Every stored plan, oldest first."""
    return list(session.exec(select(Plan).order_by(Plan.id)).all())


def get_plan(session: Session, plan_id: int) -> Plan:
    """The plan row; a plan that is not there is a :class:`NotFound` the user can act on."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"there is no plan {plan_id} (c2m plans lists them)")
    return plan


def current_plan(session: Session, mode: str, workshop: str = "") -> Plan | None:
    """The plan the floor works to for ``mode`` (the newest, should two ever be flagged); the
    single factory's, or with ``workshop`` that network workshop's (``c2m plan --network``)."""
    return session.exec(
        select(Plan)
        .where(Plan.mode == mode, Plan.workshop == workshop, Plan.is_current == True)  # noqa: E712
        .order_by(Plan.id.desc())
    ).first()


def read_plan(source: Session | Engine, plan_id: int) -> StoredPlan:
    """Plan ``plan_id`` with its lots, size breakdowns and operations, read in one session
    (a session of the caller's, or a new one on an engine)."""
    if isinstance(source, Engine):
        with session_scope(source) as session:
            return read_plan(session, plan_id)
    session = source
    header = PlanHeader.of(get_plan(session, plan_id))
    rows = session.exec(select(Lot).where(Lot.plan_id == plan_id).order_by(Lot.id)).all()
    lot_ids = [row.id for row in rows]
    items: dict[int, dict[str, int]] = {lot_id: {} for lot_id in lot_ids}
    if lot_ids:
        for item in session.exec(select(LotItem).where(LotItem.lot_id.in_(lot_ids))).all():
            items[item.lot_id][item.sku] = item.quantity
    ops: dict[int, list[StoredOp]] = {lot_id: [] for lot_id in lot_ids}
    for op in session.exec(
        select(PlanOperation)
        .where(PlanOperation.plan_id == plan_id)
        .order_by(PlanOperation.start, PlanOperation.id)
    ).all():
        ops[op.lot_id].append(_stored_op(op))
    categories = _categories(session, {row.style for row in rows})
    lots = tuple(
        _stored_lot(row, categories.get(row.style, ""), items[row.id], ops[row.id]) for row in rows
    )
    skus = _skus(session, {sku for lot in lots for sku in lot.items})
    return StoredPlan(header, lots, skus)


def _stored_op(op: PlanOperation) -> StoredOp:
    return StoredOp(
        op_id=int(op.id),
        lot_id=int(op.lot_id),
        step=op.step,
        resource=op.resource,
        start=op.start,
        end=op.end,
        setup_minutes=op.setup_minutes or 0,
        learning_minutes=op.learning_minutes or 0,
        fixed=bool(op.fixed),
    )


def _stored_lot(row: Lot, category: str, items: dict[str, int], ops: list[StoredOp]) -> StoredLot:
    return StoredLot(
        lot_id=int(row.id),
        code=row.code,
        style=row.style,
        colour=row.colour,
        category=category,
        quantity=row.quantity,
        need_date=row.need_date,
        due=row.due,
        release=row.release,
        fabric=row.fabric,
        fabric_quantity=row.fabric_quantity,
        late_minutes=row.late_minutes or 0,
        fixed=bool(row.fixed),
        items=items,
        ops=tuple(ops),
    )


def _categories(session: Session, styles: set[str]) -> dict[str, str]:
    if not styles:
        return {}
    query = select(Style.style, Style.category).where(Style.style.in_(styles))
    return dict(session.exec(query).all())


def _skus(session: Session, skus: set[str]) -> dict[str, SkuInfo]:
    if not skus:
        return {}
    rows = session.exec(select(Sku).where(Sku.sku.in_(skus))).all()
    return {s.sku: SkuInfo(s.sku, s.style, s.colour, s.size) for s in rows}
