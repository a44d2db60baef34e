"""Step 5 of the nightly replan: write the plan, diff it, guard the frozen window, flip current.

Kept apart from :mod:`c2m.replan.nightly` so that the run's class stays one method per step:
these are the step's parts, and what makes them one job is that they all happen inside ONE
transaction (a crash before the commit leaves the previous plan current and whole), plus the
guards' verdict that decides whether the new plan may become current at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from c2m.config import FactoryConfig
from c2m.db import session_scope
from c2m.planning import guards
from c2m.planning.plan_result import PlanResult
from c2m.planning.save import set_current
from c2m.planning.stored import StoredLot
from c2m.replan import stored_plans
from c2m.replan.diff import PlanChanges, diff_plans, explain
from c2m.replan.forecast import ForecastInput
from c2m.replan.frozen import FloorState
from c2m.replan.outcome import FrozenViolation, ReplanOutcome


def refusal(
    engine: Engine,
    mode: str,
    now: dt.datetime,
    result: PlanResult,
    forecast: ForecastInput,
    config: FactoryConfig,
    workshop: str = "",
) -> str | None:
    """Why tonight's plan must not become current (``now`` is the factory's today); a
    network workshop's plan is compared with that workshop's current plan."""
    with session_scope(engine) as session:
        base = guards.read_baseline(session, mode, now.date(), workshop)
    cover = guards.coverage(result, forecast.frame)
    return guards.refusal(result, cover, base, config.guards)


def publish(
    engine: Engine,
    config: FactoryConfig,
    mode: str,
    outcome: ReplanOutcome,
    make: Callable[[Session], int],
    floor: FloorState,
    current: bool = True,
    workshop: str = "",
) -> int:
    """Write, check against the frozen window, flip current (unless not ``current``): ONE
    transaction. Fills ``outcome``'s changes, KPIs, status and solver facts as it goes."""
    with session_scope(engine) as session:
        plan_id = make(session)
        new_lots = stored_plans.plan_lots(session, plan_id)
        outcome.changes = diff(config, floor, new_lots)
        explain(outcome.changes, outcome.due_guard)
        guard(outcome.changes)
        if current:
            set_current(session, plan_id, mode, workshop)
        outcome.kpis, outcome.status, solver = stored_plans.plan_summary(session, plan_id)
        outcome.solver = {**solver, **outcome.solver}
        return plan_id


def diff(config: FactoryConfig, floor: FloorState, new_lots: list[StoredLot]) -> PlanChanges:
    """What changed against the previous plan's live lots (the finished ones counted)."""
    changes = diff_plans(
        floor.live,
        new_lots,
        {line.id for line in config.lines},
        floor.frozen_codes,
        later_hours=config.guards.later_hours,
        lateness_per_unit_day=config.costs.lateness_per_unit_day,
    )
    changes.completed = len(floor.completed)
    return changes


def guard(changes: PlanChanges) -> None:
    """Refuse a plan that moved a frozen lot: a bug, never published (exit 70)."""
    if changes.inside_frozen:
        codes = ", ".join(changes.lots.get("inside_frozen", [])[:5])
        raise FrozenViolation(
            f"the new plan changed {changes.inside_frozen} frozen lot(s) ({codes}); "
            "it was not published and the previous plan stays current"
        )
