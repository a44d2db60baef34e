"""The stored plans' facts a replan reads, and the copy it makes when nothing changed.

A replan reads, in one snapshot, the current plan's lots (through the planning read model,
:func:`c2m.planning.stored.read_plan`), which inputs made that plan (its fingerprint) and
when each SKU was last counted; it publishes a copy of the current plan when tonight's
inputs are the same, and reads back a published plan's KPIs and solver facts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from c2m.models import Inventory, Lot, LotItem, Plan, PlanOperation, ReplanRun
from c2m.planning.stored import PlanHeader, StoredLot, get_plan, read_plan


def plan_lots(session: Session, plan_id: int) -> list[StoredLot]:
    """The lots of plan ``plan_id``, by code: the order the frozen lots reach the planner in,
    which the same inputs must keep to give the same plan."""
    return sorted(read_plan(session, plan_id).lots, key=lambda lot: lot.code)


def plan_fingerprint(session: Session, plan: Plan) -> str | None:
    """The inputs' fingerprint of the replan that made ``plan`` (None if ``c2m plan`` did)."""
    if plan.replan_run_id is None:
        return None
    run = session.get(ReplanRun, plan.replan_run_id)
    return run.fingerprint if run is not None and run.fingerprint else None


def plan_summary(session: Session, plan_id: int) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """``(kpis, status, solver facts)`` of a stored plan, as ``c2m plan --json`` gives them."""
    plan = PlanHeader.of(get_plan(session, plan_id))
    solver = {
        "objective": plan.objective,
        "bound": plan.bound,
        "gap": plan.gap,
        "seconds": plan.seconds,
    }
    return plan.kpis, plan.status, solver


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
        workshop=source.workshop,
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


def note_network(session: Session, plan_id: int, facts: dict[str, Any]) -> None:
    """Merge a network's night's facts into the plan's ``kpis["network"]`` (which night, the
    workshop's runs, planned and regular SAM-minutes): what ``compare`` and the report's
    network view read back, with no schema change."""
    plan = session.get(Plan, plan_id)
    kpis = dict(plan.kpis or {})
    kpis["network"] = {**dict(kpis.get("network") or {}), **facts}
    plan.kpis = kpis
    session.add(plan)
    session.flush()


def stock_count_dates(session: Session) -> dict[str, dt.date]:
    """SKU -> date of its last stock count (finished lots up to then are in stock)."""
    rows = session.exec(select(Inventory.sku, Inventory.as_of)).all()
    return {sku: as_of for sku, as_of in rows if as_of is not None}


def snapshot_reads(session: Session) -> None:
    """Make the session's reads one consistent snapshot (PostgreSQL: REPEATABLE READ).

    The fingerprint's tables are then read as of one moment even while a merchandiser's
    import commits. (SQLite in WAL mode gives each read statement its own snapshot; an
    import landing mid-read can then only make the fingerprint conservative: the next run
    re-solves instead of republishing.)
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
