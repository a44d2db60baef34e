"""The replan's hand-over to forecasting and planning, and the plan-table moves it needs.

The replan adds nothing to how a forecast or a plan is made — it calls the same code as
``c2m forecast`` and ``c2m plan`` — so this module only adapts: it gives the planner the
frozen lots, the previous positions and the lines' current set-up, and it writes the result
WITHOUT making it current, because the runner checks the plan against the frozen window
before it flips the current flag, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session

from c2m.models import Lot, LotItem, Plan, PlanOperation, ReplanRun
from c2m.replan.snapshot import LotView


def plan_fingerprint(session: Session, plan: Plan) -> str | None:
    """The inputs' fingerprint of the replan that made ``plan`` (None if ``c2m plan`` did)."""
    if plan.replan_run_id is None:
        return None
    run = session.get(ReplanRun, plan.replan_run_id)
    return run.fingerprint if run is not None and run.fingerprint else None


def make_current(session: Session, plan_id: int, mode: str) -> None:
    """Flip the current plan of ``mode`` to ``plan_id``, inside the caller's transaction."""
    session.exec(
        update(Plan)
        .where(Plan.mode == mode, Plan.is_current == True, Plan.id != plan_id)  # noqa: E712
        .values(is_current=False)
    )
    session.exec(update(Plan).where(Plan.id == plan_id).values(is_current=True))
    session.flush()


def plan_summary(session: Session, plan_id: int) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """``(kpis, status, solver facts)`` of a stored plan, as ``c2m plan --json`` gives them."""
    plan = session.get(Plan, plan_id)
    solver = {
        "objective": plan.objective,
        "bound": plan.bound,
        "gap": plan.gap,
        "seconds": plan.seconds,
    }
    return dict(plan.kpis or {}), plan.status, solver


def copy_plan(session: Session, plan_id: int, run_id: int | None) -> int:
    """A new plan identical to ``plan_id`` (lots, sizes, operations), not yet current.

    Used when the inputs have not changed: the floor gets the same plan under a new id, so
    the run's record still points at the plan it published.
    """
    source = session.get(Plan, plan_id)
    plan = Plan(
        mode=source.mode,
        start=source.start,
        horizon_days=source.horizon_days,
        status=source.status,
        objective=source.objective,
        bound=source.bound,
        gap=source.gap,
        seconds=source.seconds,
        forecast_run_id=source.forecast_run_id,
        replan_run_id=run_id,
        is_current=False,
        kpis=dict(source.kpis or {}),
    )
    session.add(plan)
    session.flush()
    lot_map: dict[int, int] = {}
    for lot in session.exec(select(Lot).where(Lot.plan_id == plan_id).order_by(Lot.id)).scalars():
        data = lot.model_dump(exclude={"id"})
        data["plan_id"] = plan.id
        new_id = session.exec(insert(Lot).values(**data).returning(Lot.id)).scalar_one()
        lot_map[lot.id] = new_id
    if lot_map:
        items = session.exec(select(LotItem).where(LotItem.lot_id.in_(list(lot_map)))).scalars()
        rows = [{"lot_id": lot_map[i.lot_id], "sku": i.sku, "quantity": i.quantity} for i in items]
        if rows:
            session.exec(insert(LotItem), params=rows)
    ops = session.exec(
        select(PlanOperation).where(PlanOperation.plan_id == plan_id).order_by(PlanOperation.id)
    ).scalars()
    rows = []
    for op in ops:
        data = op.model_dump(exclude={"id"})
        data.update(plan_id=plan.id, lot_id=lot_map[op.lot_id])
        rows.append(data)
    if rows:
        session.exec(insert(PlanOperation), params=rows)
    session.flush()
    return int(plan.id)


def completed_units(lots: Iterable[LotView], since: dt.date | None) -> dict[str, int]:
    """Units per SKU of lots finished after ``since`` (the stock count): stock not yet counted."""
    out: dict[str, int] = {}
    for lot in lots:
        end = lot.end
        if end is None or (since is not None and end.date() <= since):
            continue
        for sku, qty in lot.items:
            out[sku] = out.get(sku, 0) + qty
    return out
