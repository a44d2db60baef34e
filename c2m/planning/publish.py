"""``c2m plan`` as a function: latest forecast (or a new one) -> plan -> stored, current.

Reading and solving happen outside any write transaction (a solve can take a minute and
must not hold a lock that blocks an import); the plan is then written in one transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from c2m.clock import factory_now
from c2m.config import FactoryConfig, Guards
from c2m.db import session_scope
from c2m.errors import DataError
from c2m.forecasts import run_forecast
from c2m.planning import guards
from c2m.planning.db_inputs import latest_forecast_run, load_forecast, load_inputs
from c2m.planning.inputs import PlanOptions
from c2m.planning.plan_result import PlanResult
from c2m.planning.planner import make_plan
from c2m.planning.save import write_plan
from c2m.progress import Say, silent


def ensure_forecast(
    engine: Engine, horizon: int, say: Say = silent, guards: Guards | None = None
) -> int:
    """Id of the latest forecast run; makes one (``horizon`` days) when there is none."""
    with session_scope(engine) as session:
        run = latest_forecast_run(session)
        if run is not None:
            return int(run.id)
    say("no forecast yet: forecasting from the imported signals")
    return run_forecast(engine, horizon=horizon, say=say, guards=guards).run_id


def plan_and_store(
    engine: Engine,
    cfg: FactoryConfig,
    mode: str = "c2m",
    horizon_days: int = 14,
    start: dt.datetime | None = None,
    time_limit: float | None = None,
    forecast_run_id: int | None = None,
    deterministic: bool = False,
    say: Say = silent,
    now: dt.datetime | None = None,
    force: bool = False,
    strict: bool = False,
) -> tuple[int, PlanResult]:
    """Plans ``mode`` from the latest forecast and stores it as the mode's current plan.

    Unless ``force``, the plan is first held against :mod:`c2m.planning.guards` (``now``
    is the factory's today, default its wall clock): a plan that fails a guard is stored
    but not made current, and :class:`~c2m.planning.guards.PlanRefused` says why."""
    run_id = forecast_run_id or ensure_forecast(engine, horizon_days, say, cfg.guards)
    with session_scope(engine) as session:
        forecast = load_forecast(session, run_id)
        if forecast.empty:
            raise DataError(f"forecast run {run_id} has no values: run `c2m forecast` again")
        inputs = load_inputs(session, forecast)
    say(f"planning {mode} from forecast run {run_id}")
    options = PlanOptions(
        mode=mode,
        start=start,
        horizon_days=horizon_days,
        time_limit=time_limit,
        deterministic=deterministic,
        strict=strict,
    )
    result = make_plan(inputs, cfg, options)
    today = (now or factory_now(cfg)).date()
    with session_scope(engine) as session:
        base = guards.read_baseline(session, mode, today)
        reason = None
        if not force:
            reason = guards.refusal(result, guards.coverage(result, forecast), base, cfg.guards)
        plan_id = write_plan(session, result, forecast_run_id=run_id, make_current=reason is None)
    if reason is not None:
        raise guards.refused(plan_id, reason)
    return plan_id, result
