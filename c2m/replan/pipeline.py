"""The replan's hand-over to forecasting and planning, and the plan-table moves it needs.

The replan adds nothing to how a forecast or a plan is made — it calls the same code as
``c2m forecast`` and ``c2m plan`` — so this module only adapts: it gives the planner the
frozen lots, the previous positions and the lines' current set-up, and it writes the result
WITHOUT making it current, because the runner checks the plan against the frozen window
before it flips the current flag, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from c2m.db import session_scope
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
    from c2m.planning.scheduled import ScheduledOp

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
    """The forecast the plan is made from, and the stored forecast run it came from."""

    frame: pd.DataFrame
    run_id: int | None = None
    method: str = "auto"


# A replan forecasts from the newest signal. More days than STALE between it and the run's
# day is worth a warning (a room rests a day or two; a week without any signal is failed
# imports); more than MAX is not a forecast of the coming days any more (and would be a
# forecast of years for a --now typo).
STALE_SIGNAL_DAYS = 3
MAX_SIGNAL_AGE_DAYS = 28


def forecast(
    engine: Engine,
    now: dt.datetime,
    horizon_days: int,
    newest: dt.datetime | None,
    method: str = "auto",
    say: Callable[[str], None] | None = None,
) -> ForecastInput:
    """Forecast every active SKU from the signals of the whole days before ``now``'s day.

    The same glue as ``c2m forecast`` (stored as a forecast run the plan points to). A day
    still being sold would look like a slump, so today is not history; cron runs the replan
    after midnight, when yesterday is complete. One extra day covers the rest of today.
    """
    from c2m.forecasts import run_forecast
    from c2m.planning.db_inputs import load_forecast

    last_day = now.date() - dt.timedelta(days=1)
    # The forecast starts after the newest signal (``newest``, read with the run's inputs):
    # when imports stopped days ago it must reach further to cover the plan (a week-old
    # history forecast 8 days reached only half the plan, and the rest was planned as days
    # without demand).
    history_end = min(last_day, newest.date()) if newest is not None else last_day
    behind = (now.date() - history_end).days
    if behind > MAX_SIGNAL_AGE_DAYS:
        raise DataError(
            f"the newest signals are from {history_end}, {behind} days before {now:%Y-%m-%d}: "
            "import the rooms' exports first (or check --now)"
        )
    horizon = behind + horizon_days
    summary = run_forecast(
        engine, horizon=horizon, method=method, origin=last_day, say=say or _quiet
    )
    with session_scope(engine) as session:
        frame = load_forecast(session, summary.run_id)
    if frame.empty:
        raise DataError(f"the forecast up to {last_day} is empty: no active SKU to plan for")
    return ForecastInput(frame=frame, run_id=summary.run_id, method=method)


def newest_signal(session: Session, before: dt.datetime) -> dt.datetime | None:
    """The time of the newest live-room signal before ``before`` (None: there is none)."""
    return session.execute(select(func.max(SalesSignal.ts)).where(SalesSignal.ts < before)).scalar()


def _quiet(_: str) -> None:
    pass


def snapshot_reads(session: Session) -> None:
    """Make the session's reads one consistent snapshot (PostgreSQL: REPEATABLE READ).

    The fingerprint's tables are then read as of one moment even while a merchandiser's
    import commits. (SQLite in WAL mode gives each read statement its own snapshot; an
    import landing mid-read can then only make the fingerprint conservative: the next run
    re-solves instead of republishing.)
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
