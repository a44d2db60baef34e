"""Everything a plan report shows, read from the database into plain frames.

The figures and the page never touch the database: they take a :class:`PlanReportData`,
which a test can also build by hand. Reading happens in one session, so the page shows one
consistent state of the plan even while a replan writes the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from c2m.db import session_scope
from c2m.errors import NotFound
from c2m.models import ForecastRun, ForecastValue, Plan, SalesSignal, Sku, Style
from c2m.network.view import report_view
from c2m.planning.inputs import SkuInfo
from c2m.planning.stored import PlanHeader, StoredPlan, read_plan

LOT_COLUMNS = [
    "lot_id",
    "code",
    "style",
    "name",
    "colour",
    "category",
    "quantity",
    "need_date",
    "due",
    "release",
    "fabric",
    "fabric_quantity",
    "late_minutes",
    "fixed",
    "breakdown",
    "finish",
]
OPERATION_COLUMNS = [
    "op_id",
    "lot_id",
    "step",
    "resource",
    "start",
    "end",
    "setup_minutes",
    "learning_minutes",
    "fixed",
]
HISTORY_COLUMNS = ["style", "ds", "orders", "clicks", "rank"]
FORECAST_COLUMNS = ["style", "ds", "yhat", "lo", "hi"]


@dataclass
class PlanReportData:
    """One plan with its lots and operations, its twin in the other mode, and its forecast.

    ``operations`` carries the lot's fields too (code, style, due, ...) so each figure can
    work from one frame. ``forecast`` and ``history`` are per style and day: the forecast sums
    the SKU forecasts of the style (the band sums SKU quantiles, so it is somewhat wider than
    the style's own 80 % interval would be).
    """

    plan: PlanHeader
    lots: pd.DataFrame
    operations: pd.DataFrame
    companion: PlanHeader | None = None
    history: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=HISTORY_COLUMNS))
    forecast: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FORECAST_COLUMNS))
    forecast_run_id: int | None = None
    #: ``c2m forecast --explain`` of the top SKUs (filled by ``write_plan_report``)
    explanations: list[dict[str, Any]] = field(default_factory=list)
    forecast_origin: dt.date | None = None
    #: the network view of the plan's night (:mod:`c2m.network.view`); None: one factory
    network: dict[str, Any] | None = None


def resolve_plan(session: Session, plan_id: int | None) -> Plan:
    """The plan asked for; without an id, the current C2M plan, else the newest plan."""
    if plan_id is not None:
        plan = session.get(Plan, plan_id)
        if plan is None:
            raise NotFound(f"plan {plan_id} does not exist (`c2m plans` lists the plans)")
        return plan
    newest_first = (Plan.is_current.desc(), (Plan.mode == "c2m").desc(), Plan.id.desc())
    plan = session.exec(select(Plan).order_by(*newest_first).limit(1)).first()
    if plan is None:
        raise NotFound("there is no plan in the database yet; run `c2m plan` or `c2m demo` first")
    return plan


def find_companion(session: Session, plan: Plan) -> Plan | None:
    """The plan of the other mode for the same start, for the batch-vs-C2M comparison."""
    query = (
        select(Plan)
        .where(Plan.start == plan.start, Plan.mode != plan.mode, Plan.id != plan.id)
        .order_by(Plan.is_current.desc(), Plan.id.desc())
        .limit(1)
    )
    return session.exec(query).first()


def load_plan_report(
    engine: Engine, plan_id: int | None = None, history_days: int = 56
) -> PlanReportData:
    """Read one plan (see :func:`resolve_plan`) and everything its report shows."""
    with session_scope(engine) as session:
        plan = resolve_plan(session, plan_id)
        companion = find_companion(session, plan)
        stored = read_plan(session, int(plan.id))
        names = {s.style: s.name for s in session.exec(select(Style)).all()}
        lots, operations = lot_and_operation_frames(stored, names)
        run = _forecast_run(session, plan)
        styles = sorted(set(lots["style"])) if len(lots) else None
        forecast = _forecast(session, run.id, styles) if run else _empty(FORECAST_COLUMNS)
        until = run.origin if run is not None else plan.start.date() - dt.timedelta(days=1)
        if styles is None and len(forecast):
            styles = sorted(set(forecast["style"]))
        history = _history(session, styles, until - dt.timedelta(days=history_days - 1), until)
        return PlanReportData(
            plan=stored.header,
            companion=PlanHeader.of(companion) if companion else None,
            lots=lots,
            operations=operations,
            history=history,
            forecast=forecast,
            forecast_run_id=run.id if run else None,
            forecast_origin=run.origin if run else None,
            network=report_view(session, int(plan.id)),
        )


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns)


def lot_and_operation_frames(
    plan: StoredPlan, names: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stored plan as two frames: one row per lot, one per operation (with its lot's
    columns, so each figure works from one frame); ``names`` gives each style's product name
    (the catalogue's, Chinese included)."""
    if not plan.lots:
        return _empty(LOT_COLUMNS), _empty(OPERATION_COLUMNS + LOT_COLUMNS[1:])
    lot_rows = [
        {
            "lot_id": lot.lot_id,
            "code": lot.code,
            "style": lot.style,
            "name": (names or {}).get(lot.style, ""),
            "colour": lot.colour,
            "category": lot.category,
            "quantity": lot.quantity,
            "need_date": lot.need_date,
            "due": lot.due,
            "release": lot.release,
            "fabric": lot.fabric,
            "fabric_quantity": lot.fabric_quantity,
            "late_minutes": lot.late_minutes,
            "fixed": lot.fixed,
            "breakdown": breakdown(lot.items, plan.skus, lot.colour),
            "finish": lot.end,
        }
        for lot in plan.lots
    ]
    lot_frame = pd.DataFrame(lot_rows, columns=LOT_COLUMNS)
    op_frame = pd.DataFrame(
        [
            {
                "op_id": op.op_id,
                "lot_id": op.lot_id,
                "step": op.step,
                "resource": op.resource,
                "start": op.start,
                "end": op.end,
                "setup_minutes": op.setup_minutes,
                "learning_minutes": op.learning_minutes,
                "fixed": op.fixed,
            }
            for _, op in plan.operations()
        ],
        columns=OPERATION_COLUMNS,
    )
    op_frame = op_frame.merge(
        lot_frame.drop(columns=["fixed"]), on="lot_id", how="left", validate="many_to_one"
    )
    return lot_frame, op_frame


def breakdown(items: Mapping[str, int], skus: Mapping[str, SkuInfo], lot_colour: str | None) -> str:
    """``"M 40 · L 30"`` for a one-colour lot, ``"RED M 40 · BLUE L 30"`` otherwise."""

    def order(sku_code: str) -> tuple:
        sku = skus.get(sku_code)
        return (sku.colour, size_key(sku.size)) if sku else ("", (2, 0.0, sku_code))

    parts = []
    for sku_code in sorted(items, key=order):
        sku = skus.get(sku_code)
        if sku is None:
            label = sku_code
        elif lot_colour is not None and sku.colour == lot_colour:
            label = sku.size
        else:
            label = f"{sku.colour} {sku.size}"
        parts.append(f"{label} {items[sku_code]}")
    return " · ".join(parts)


_SIZES = ["XXXS", "XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "4XL", "5XL"]
_SIZE_ALIASES = {"2XS": "XXS", "3XS": "XXXS", "2XL": "XXL", "3XL": "XXXL", "FREE": "M", "F": "M"}


def size_key(size: str) -> tuple[int, float, str]:
    """Sizes in the order a cutter reads them: XS < S < M < L < XL, numbers numerically."""
    text = size.strip().upper()
    text = _SIZE_ALIASES.get(text, text)
    if text in _SIZES:
        return (0, float(_SIZES.index(text)), text)
    try:
        return (1, float(text), text)
    except ValueError:
        return (2, 0.0, text)


def _forecast_run(session: Session, plan: Plan) -> ForecastRun | None:
    if plan.forecast_run_id is not None:
        run = session.get(ForecastRun, plan.forecast_run_id)
        if run is not None:
            return run
    return session.exec(select(ForecastRun).order_by(ForecastRun.id.desc()).limit(1)).first()


def _forecast(session: Session, run_id: int, styles: list[str] | None) -> pd.DataFrame:
    query = (
        select(
            Sku.style,
            ForecastValue.ds,
            func.sum(ForecastValue.yhat),
            func.sum(ForecastValue.q10),
            func.sum(ForecastValue.q90),
        )
        .join(Sku, Sku.sku == ForecastValue.sku)
        .where(ForecastValue.run_id == run_id)
        .group_by(Sku.style, ForecastValue.ds)
        .order_by(Sku.style, ForecastValue.ds)
    )
    if styles is not None:
        query = query.where(Sku.style.in_(styles))
    frame = pd.DataFrame(session.exec(query).all(), columns=FORECAST_COLUMNS)
    frame["ds"] = pd.to_datetime(frame["ds"])
    return frame


def _history(
    session: Session, styles: list[str] | None, first: dt.date, last: dt.date
) -> pd.DataFrame:
    """Orders, clicks and best rank per style and day (every room of the style summed)."""
    day = func.date(SalesSignal.ts)
    query = (
        select(
            Sku.style,
            day,
            func.sum(SalesSignal.orders),
            func.sum(SalesSignal.clicks),
            func.min(SalesSignal.rank),
        )
        .join(Sku, Sku.sku == SalesSignal.sku)
        .where(
            SalesSignal.ts >= dt.datetime.combine(first, dt.time()),
            SalesSignal.ts < dt.datetime.combine(last + dt.timedelta(days=1), dt.time()),
        )
        .group_by(Sku.style, day)
        .order_by(Sku.style, day)
    )
    if styles is not None:
        query = query.where(Sku.style.in_(styles))
    frame = pd.DataFrame(session.exec(query).all(), columns=HISTORY_COLUMNS)
    frame["ds"] = pd.to_datetime(frame["ds"])
    return frame
