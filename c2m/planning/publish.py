"""``c2m plan`` as a function: latest forecast (or a new one) -> plan -> stored, current.

Reading and solving happen outside any write transaction (a solve can take a minute and
must not hold a lock that blocks an import); the plan is then written in one transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from c2m.config import FactoryConfig
from c2m.db import session_scope
from c2m.errors import DataError
from c2m.forecasts import run_forecast
from c2m.planning.db_inputs import latest_forecast_run, load_forecast, load_inputs
from c2m.planning.inputs import PlanOptions
from c2m.planning.plan_result import PlanResult
from c2m.planning.planner import make_plan
from c2m.planning.save import write_plan
from c2m.progress import Say, silent


def ensure_forecast(engine: Engine, horizon: int, say: Say = silent) -> int:
    """Id of the latest forecast run; makes one (``horizon`` days) when there is none."""
    with session_scope(engine) as session:
        run = latest_forecast_run(session)
        if run is not None:
            return int(run.id)
    say("no forecast yet: forecasting from the imported signals")
    return run_forecast(engine, horizon=horizon).run_id


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
    strict: bool = False,
) -> tuple[int, PlanResult]:
    """Plans ``mode`` from the latest forecast and stores it as the mode's current plan."""
    run_id = forecast_run_id or ensure_forecast(engine, horizon_days, say)
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
    with session_scope(engine) as session:
        plan_id = write_plan(session, result, forecast_run_id=run_id)
    return plan_id, result
