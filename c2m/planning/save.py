"""Writing a plan: ONE transaction (the caller's session).

The plan row, its lots, their size breakdown and operations are inserted with the plan not
current; only when all of it is in does :func:`write_plan` move the mode's "current" flag to
it. A crash at any point before the commit leaves the previous current plan current and whole.
Plans are read back through :mod:`c2m.planning.stored`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, update
from sqlmodel import Session

from c2m.models import Lot, LotItem, Plan, PlanOperation
from c2m.planning.plan_result import PlanResult


def write_plan(
    session: Session,
    result: PlanResult,
    forecast_run_id: int | None = None,
    replan_run_id: int | None = None,
    make_current: bool = True,
    workshop: str = "",
) -> int:
    """Inserts the plan with its lots, items and operations; returns the plan id.

    Nothing is committed here: the caller's transaction decides. With ``make_current`` the
    mode's current flag moves to this plan as the last step. ``workshop`` names the network's
    workshop the plan is for ('' : the single factory); each workshop has its own current plan.
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
        kpis=_jsonable(result.kpis.as_json()),
        workshop=workshop,
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
        set_current(session, plan_id, result.mode, workshop)
    return plan_id


def set_current(session: Session, plan_id: int, mode: str, workshop: str = "") -> None:
    """Makes ``plan_id`` the one current plan of ``mode`` for ``workshop`` ('' : the single
    factory) inside the caller's transaction; other workshops' current plans stay."""
    session.execute(
        update(Plan)
        .where(Plan.mode == mode, Plan.workshop == workshop, Plan.id != plan_id)
        .values(is_current=False)
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
