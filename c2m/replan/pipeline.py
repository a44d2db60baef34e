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
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, insert, select
from sqlmodel import Session

from c2m.errors import DataError
from c2m.models import Inventory, Lot, LotItem, Plan, PlanOperation, ReplanRun, SalesSignal
from c2m.replan.snapshot import LotView


def plan_fingerprint(session: Session, plan: Plan) -> str | None:
    """The inputs' fingerprint of the replan that made ``plan`` (None if ``c2m plan`` did)."""
    if plan.replan_run_id is None:
        return None
    run = session.get(ReplanRun, plan.replan_run_id)
    return run.fingerprint if run is not None and run.fingerprint else None


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


def stock_count_dates(session: Session) -> dict[str, dt.date]:
    """SKU -> date of its last stock count (finished lots up to then are in stock)."""
    rows = session.exec(select(Inventory.sku, Inventory.as_of)).all()
    return {sku: as_of for sku, as_of in rows if as_of is not None}


def restore_frozen(result: Any, frozen: Iterable[LotView]) -> None:
    """Give frozen lots back their exact stored operations in the planner's result.

    The solver only sees what is left of a started lot (from ``now`` on; finished steps not
    at all), so what it returns for such a lot is a clipped view. The floor's plan must show
    the lot as it is being made — same line, same times — so the stored operations are
    put back verbatim before the plan is written.
    """
    from c2m.planning.result import PlannedOp

    by_code = {lot.code: lot for lot in frozen}
    for lot in result.lots:
        kept = by_code.get(lot.code)
        if kept is None:
            continue
        lot.ops = [
            PlannedOp(
                step=op.step,
                resource=op.resource,
                start=op.start,
                end=op.end,
                setup_minutes=op.setup_minutes,
                changeover_minutes=op.setup_minutes - op.learning_minutes,
                learning_minutes=op.learning_minutes,
                fixed=True,
            )
            for op in kept.ops
        ]
        lot.fixed = True


# --- forecasting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastInput:
    """The forecast the plan is made from, and the stored run it came from (if stored)."""

    frame: pd.DataFrame
    run_id: int | None = None
    method: str = "auto"


def signal_history(session: Session, now: dt.datetime) -> pd.DataFrame:
    """Daily orders (``y``) and live-room signals per SKU, from every room, up to ``now``.

    Days with no row for a SKU between its first and last day are real zero-sale days, so
    the forecasting library fills them; nothing after ``now`` is read (no peeking).
    """
    day = func.date(SalesSignal.ts)
    stmt = (
        select(
            SalesSignal.sku.label("unique_id"),
            day.label("ds"),
            func.sum(SalesSignal.orders).label("y"),
            func.sum(SalesSignal.clicks).label("clicks"),
            func.sum(SalesSignal.carts).label("carts"),
        )
        .where(SalesSignal.ts <= now)
        .group_by(SalesSignal.sku, day)
        .order_by(SalesSignal.sku, day)
    )
    rows = session.exec(stmt).all()
    frame = pd.DataFrame(rows, columns=["unique_id", "ds", "y", "clicks", "carts"])
    if frame.empty:
        return frame
    frame["ds"] = pd.to_datetime(frame["ds"])
    for column in ("y", "clicks", "carts"):
        frame[column] = frame[column].astype(float)
    return frame


def forecast(
    history: pd.DataFrame, now: dt.datetime, horizon_days: int, method: str = "auto"
) -> ForecastInput:
    """Forecast every SKU from its daily history, ``horizon_days`` (+1) days after ``now``.

    Only whole days before ``now``'s day are history: a day still being sold would look like
    a slump. (Cron runs the replan after midnight, so yesterday is complete.) The extra
    forecast day covers the rest of today. The frame is in the library's long format, which
    the planner reads as it is.
    """
    from forecasting import forecast as run_forecast

    if history.empty:
        raise DataError(f"no live-room signals up to {now:%Y-%m-%d %H:%M}: nothing to forecast")
    history = history[history["ds"] < pd.Timestamp(now.date())]
    if history.empty:
        raise DataError(f"no full day of live-room signals before {now:%Y-%m-%d}")
    try:
        frame = run_forecast(history, horizon=horizon_days + 1, freq="D", method=method)
    except ValueError as exc:
        raise DataError(f"cannot forecast from the signals up to {now:%Y-%m-%d}: {exc}") from None
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.date
    return ForecastInput(frame=frame, method=method)


def snapshot_reads(session: Session) -> None:
    """Make the session's reads one consistent snapshot (PostgreSQL: REPEATABLE READ).

    The fingerprint and the signal history are read in the same transaction, so that a
    merchandiser's import committing in between cannot make the fingerprint describe other
    data than the forecast used. (SQLite in WAL mode gives each read its own snapshot; the
    fingerprint is then at worst conservative: a rerun re-solves instead of republishing.)
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
