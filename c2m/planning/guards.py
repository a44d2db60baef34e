"""Guards before a plan becomes current: is this the factory's week, or a typo's?

One sales row with a mistyped year once moved the forecast to 2027, and ``c2m plan`` published
a plan of no lots, for one SKU, a year ahead, as the plan the floor works to. A plan is now
compared before it is published with what the factory expects: its start with the factory's
today, the SKUs and units it covers with the last current plan of its mode and with the SKUs
selling lately, and its lots with the demand. When one of them is far off, the plan is stored
but not made current and :class:`PlanRefused` names the cause (exit 65); ``--force`` publishes
it anyway. The thresholds are the config's ``[guards]``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, select

from c2m.config import Guards
from c2m.errors import DataError
from c2m.models import ForecastValue, Plan, SalesSignal
from c2m.planning.plan_result import PlanResult

#: a SKU with a live-room row in this many days before today counts as active (as the forecast)
ACTIVE_DAYS = 28
#: demand below this many units is rounding, not demand a plan should have lots for
DEMAND_UNITS = 1.0


class PlanRefused(DataError):
    """A plan was stored but not made current: it looks like bad input rather than a plan."""


@dataclass(frozen=True)
class Coverage:
    """What a plan plans for: SKUs with demand in its forecast, and its units due."""

    skus: int
    units: float


@dataclass(frozen=True)
class Baseline:
    """What the factory expects a new plan to look like."""

    today: dt.date
    active_skus: int
    previous: Coverage | None


def coverage(result: PlanResult, forecast: pd.DataFrame) -> Coverage:
    """The SKUs the forecast gives demand to, and the units the plan's KPIs say are due."""
    per_sku = forecast.groupby("unique_id")["yhat"].sum() if not forecast.empty else pd.Series()
    return Coverage(skus=int((per_sku > 0).sum()), units=float(result.kpis.units_due))


def read_baseline(session: Session, mode: str, today: dt.date, workshop: str = "") -> Baseline:
    """The current plan of ``mode`` (its forecast's SKUs, its units due) and the SKUs sold in
    the :data:`ACTIVE_DAYS` up to ``today``; ``workshop``: a network workshop's current plan
    ('' : the single factory's)."""
    since = dt.datetime.combine(today - dt.timedelta(days=ACTIVE_DAYS), dt.time())
    until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    active = session.exec(
        select(func.count(func.distinct(SalesSignal.sku))).where(
            SalesSignal.ts >= since, SalesSignal.ts < until
        )
    ).one()
    plan = session.exec(
        select(Plan).where(Plan.mode == mode, Plan.workshop == workshop, Plan.is_current)
    ).first()
    previous = None
    if plan is not None and plan.forecast_run_id is not None:
        totals = (
            select(ForecastValue.sku)
            .where(ForecastValue.run_id == plan.forecast_run_id)
            .group_by(ForecastValue.sku)
            .having(func.sum(ForecastValue.yhat) > 0)
            .subquery()
        )
        skus = session.exec(select(func.count()).select_from(totals)).one()
        previous = Coverage(skus=int(skus), units=float((plan.kpis or {}).get("units_due") or 0))
    return Baseline(today=today, active_skus=int(active), previous=previous)


def refusal(result: PlanResult, cover: Coverage, base: Baseline, guards: Guards) -> str | None:
    """Why ``result`` must not become current, in words, or None when it may."""
    start = result.start.date()
    days = abs((start - base.today).days)
    if days > guards.max_start_days:
        return (
            f"it starts {start}, {days} days from the factory's today {base.today} "
            f"(guards.max_start_days is {guards.max_start_days}): check the dates imported"
        )
    new_lots = [lot for lot in result.lots if not lot.fixed] + list(result.held)
    unserved = result.kpis.units_due - result.kpis.units_on_time
    if not new_lots and unserved >= DEMAND_UNITS:
        return f"it plans no lot while {unserved:,.0f} units of demand go unserved"
    share = guards.min_sku_share
    if base.active_skus and cover.skus < share * base.active_skus:
        return (
            f"it plans for {cover.skus} SKUs while {base.active_skus} sold in the last "
            f"{ACTIVE_DAYS} days (guards.min_sku_share is {share:g})"
        )
    if base.previous is not None:
        if cover.skus < share * base.previous.skus:
            return (
                f"it plans for {cover.skus} SKUs where the current {result.mode} plan has "
                f"{base.previous.skus} (guards.min_sku_share is {share:g})"
            )
        if cover.units < guards.min_unit_share * base.previous.units:
            return (
                f"it plans for {cover.units:,.0f} units due where the current {result.mode} "
                f"plan has {base.previous.units:,.0f} "
                f"(guards.min_unit_share is {guards.min_unit_share:g})"
            )
    return None


def refused(plan_id: int, reason: str) -> PlanRefused:
    """The one sentence ``plan`` and ``replan`` end with when a guard holds a plan back."""
    return PlanRefused(
        f"plan {plan_id} was stored but not made current: {reason}; `--force` publishes it anyway"
    )
