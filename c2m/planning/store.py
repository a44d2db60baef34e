"""The database edge of planning: load inputs, write a plan, read plans back.

Writing is ONE transaction (the caller's session): the plan row, its lots, their size
breakdown and operations are inserted with the plan not current; only when all of it is in
does :func:`write_plan` move the mode's "current" flag to it. A crash at any point before the
commit leaves the previous current plan current and whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import insert, update
from sqlmodel import Session, select

from c2m.errors import DataError, NotFound
from c2m.models import (
    Fabric,
    FabricDelivery,
    ForecastRun,
    ForecastValue,
    Inventory,
    Lot,
    LotItem,
    OpenOrder,
    Plan,
    PlanOperation,
    Sku,
    Style,
)
from c2m.planning.inputs import (
    FabricInfo,
    FixedLot,
    OpenOrderInfo,
    PlanningInputs,
    SkuInfo,
    StyleInfo,
)
from c2m.planning.scheduled import PlanResult

# --- loading -------------------------------------------------------------------------------


def latest_forecast_run(session: Session) -> ForecastRun | None:
    return session.exec(select(ForecastRun).order_by(ForecastRun.id.desc()).limit(1)).first()


def load_forecast(session: Session, run_id: int) -> pd.DataFrame:
    """A stored forecast run in the long format (``unique_id``, ``ds``, ``yhat``, ``q..``)."""
    rows = session.exec(select(ForecastValue).where(ForecastValue.run_id == run_id)).all()
    return pd.DataFrame(
        [
            {
                "unique_id": r.sku,
                "ds": r.ds,
                "yhat": r.yhat,
                "q10": r.q10,
                "q50": r.q50,
                "q80": r.q80,
                "q90": r.q90,
                "method": r.method,
            }
            for r in rows
        ],
        columns=["unique_id", "ds", "yhat", "q10", "q50", "q80", "q90", "method"],
    )


def load_inputs(
    session: Session,
    forecast: pd.DataFrame,
    fixed_lots: Iterable[FixedLot] = (),
    previous: Mapping[tuple[str, str], tuple[str, dt.datetime]] | None = None,
    line_state: Mapping[str, tuple[str, str | None]] | None = None,
    extra_on_hand: Mapping[str, int] | None = None,
) -> PlanningInputs:
    """Catalogue, stock, open orders and fabric from the database, plus what the caller knows.

    ``extra_on_hand``: finished units not yet in the last stock count (the replan adds the
    lots completed since then).
    """
    styles = {
        s.style: StyleInfo(
            style=s.style,
            category=s.category,
            sam_minutes=s.sam_minutes,
            fabric=s.fabric,
            fabric_per_unit=s.fabric_per_unit or 0.0,
            unit_cost=s.unit_cost or 0.0,
            price=s.price or 0.0,
            name=s.name or "",
        )
        for s in session.exec(select(Style)).all()
    }
    if not styles:
        raise DataError("the catalogue is empty: import it first (c2m import catalog FILE)")
    skus = {
        s.sku: SkuInfo(s.sku, s.style, s.colour, s.size) for s in session.exec(select(Sku)).all()
    }
    on_hand = {i.sku: int(i.on_hand) for i in session.exec(select(Inventory)).all()}
    for sku, qty in (extra_on_hand or {}).items():
        on_hand[sku] = on_hand.get(sku, 0) + int(qty)
    orders = [
        OpenOrderInfo(o.sku, o.due_date, int(o.quantity))
        for o in session.exec(select(OpenOrder)).all()
    ]
    deliveries: dict[str, list[tuple[dt.date, float]]] = {}
    for d in session.exec(select(FabricDelivery)).all():
        deliveries.setdefault(d.fabric, []).append((d.due_date, float(d.quantity)))
    fabrics = {
        f.fabric: FabricInfo(
            fabric=f.fabric,
            on_hand=float(f.on_hand or 0.0),
            unit=f.unit,
            roll_size=f.roll_size,
            deliveries=tuple(sorted(deliveries.get(f.fabric, []))),
        )
        for f in session.exec(select(Fabric)).all()
    }
    for name, rows in deliveries.items():
        if name not in fabrics:
            fabrics[name] = FabricInfo(name, deliveries=tuple(sorted(rows)))
    return PlanningInputs(
        styles=styles,
        skus=skus,
        forecast=forecast,
        on_hand=on_hand,
        open_orders=orders,
        fabrics=fabrics,
        fixed_lots=list(fixed_lots),
        previous=dict(previous or {}),
        line_state=dict(line_state or {}),
    )


# --- writing -------------------------------------------------------------------------------


def write_plan(
    session: Session,
    result: PlanResult,
    forecast_run_id: int | None = None,
    replan_run_id: int | None = None,
    make_current: bool = True,
) -> int:
    """Inserts the plan with its lots, items and operations; returns the plan id.

    Nothing is committed here: the caller's transaction decides. With ``make_current`` the
    mode's current flag moves to this plan as the last step.
    """
    plan = Plan(
        mode=result.mode,
        start=result.start,
        horizon_days=result.horizon_days,
        status=result.status,
        objective=result.objective,
        bound=result.bound,
        gap=result.gap,
        seconds=round(result.seconds, 3),
        forecast_run_id=forecast_run_id,
        replan_run_id=replan_run_id,
        is_current=False,
        kpis=_jsonable(result.kpis),
    )
    session.add(plan)
    session.flush()
    plan_id = int(plan.id)
    items, ops = [], []
    for lot in result.lots:
        row = Lot(
            plan_id=plan_id,
            code=lot.code,
            style=lot.style,
            colour=lot.colour,
            quantity=lot.quantity,
            need_date=lot.need_date,
            due=lot.due,
            release=lot.release,
            fabric=lot.fabric,
            fabric_quantity=lot.fabric_quantity,
            late_minutes=lot.late_minutes,
            fixed=lot.fixed,
        )
        session.add(row)
        session.flush()
        items += [{"lot_id": row.id, "sku": s, "quantity": q} for s, q in sorted(lot.items.items())]
        ops += [
            {
                "plan_id": plan_id,
                "lot_id": row.id,
                "step": op.step,
                "resource": op.resource,
                "start": op.start,
                "end": op.end,
                "setup_minutes": op.setup_minutes,
                "learning_minutes": op.learning_minutes,
                "fixed": op.fixed,
            }
            for op in lot.ops
        ]
    if items:
        session.execute(insert(LotItem), items)
    if ops:
        session.execute(insert(PlanOperation), ops)
    if make_current:
        set_current(session, plan_id, result.mode)
    return plan_id


def set_current(session: Session, plan_id: int, mode: str) -> None:
    """Makes ``plan_id`` the one current plan of ``mode`` (inside the caller's transaction)."""
    session.execute(
        update(Plan).where(Plan.mode == mode, Plan.id != plan_id).values(is_current=False)
    )
    session.execute(update(Plan).where(Plan.id == plan_id).values(is_current=True))


def _jsonable(value: Any) -> Any:
    """numpy scalars and dates -> plain JSON types (the KPI column is JSON)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


# --- reading back --------------------------------------------------------------------------


@dataclass
class OpView:
    step: str
    resource: str
    start: dt.datetime
    end: dt.datetime
    setup_minutes: int
    fixed: bool
    learning_minutes: int = 0

    @property
    def changeover_minutes(self) -> int:
        return self.setup_minutes - self.learning_minutes


@dataclass
class LotView:
    code: str
    style: str
    colour: str | None
    quantity: int
    need_date: dt.date
    due: dt.datetime
    release: dt.datetime
    fabric: str | None
    fabric_quantity: float
    late_minutes: int
    fixed: bool
    items: dict[str, int] = field(default_factory=dict)
    ops: list[OpView] = field(default_factory=list)


@dataclass
class PlanView:
    plan: Plan
    lots: list[LotView]

    def summary(self) -> dict[str, Any]:
        p = self.plan
        return {
            "plan_id": p.id,
            "mode": p.mode,
            "start": p.start,
            "horizon_days": p.horizon_days,
            "status": p.status,
            "objective": p.objective,
            "bound": p.bound,
            "gap": p.gap,
            "seconds": p.seconds,
            "kpis": p.kpis,
        }


def list_plans(session: Session) -> list[Plan]:
    return list(session.exec(select(Plan).order_by(Plan.id)).all())


def get_plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"there is no plan {plan_id} (c2m plans lists them)")
    return plan


def load_plan(session: Session, plan_id: int) -> PlanView:
    """A stored plan with its lots, size breakdowns and operations."""
    plan = get_plan(session, plan_id)
    lots = session.exec(select(Lot).where(Lot.plan_id == plan_id).order_by(Lot.id)).all()
    views = {
        lot.id: LotView(
            lot.code,
            lot.style,
            lot.colour,
            lot.quantity,
            lot.need_date,
            lot.due,
            lot.release,
            lot.fabric,
            lot.fabric_quantity,
            lot.late_minutes,
            lot.fixed,
        )
        for lot in lots
    }
    if views:
        ids = list(views)
        for item in session.exec(select(LotItem).where(LotItem.lot_id.in_(ids))).all():
            views[item.lot_id].items[item.sku] = item.quantity
    ops = session.exec(
        select(PlanOperation)
        .where(PlanOperation.plan_id == plan_id)
        .order_by(PlanOperation.start, PlanOperation.id)
    ).all()
    for op in ops:
        views[op.lot_id].ops.append(
            OpView(
                op.step,
                op.resource,
                op.start,
                op.end,
                op.setup_minutes,
                op.fixed,
                op.learning_minutes or 0,
            )
        )
    return PlanView(plan, list(views.values()))
