"""``c2m plan --network`` as functions: forecast once, allocate, plan each workshop, store.

:func:`plan_network` is pure (inputs in, plans out, no database): the benchmark and the tests
call it. :func:`plan_network_and_store` reads the inputs from the database (the latest
forecast, or a new one), plans, and writes every workshop's plan in one transaction, each
made the current plan of its workshop. A network of one workshop is today's single factory:
it gets every run unallocated and unfiltered, so its plan is the one ``c2m plan`` makes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from c2m.db import session_scope
from c2m.errors import DataError
from c2m.network.allocation import Allocation, allocate
from c2m.network.config import Network, load_network
from c2m.network.engine import EngineOptions, TaskOutcome, run_tasks
from c2m.network.facts import night_token, plan_facts
from c2m.network.runs import make_runs, workshop_inputs
from c2m.planning.db_inputs import load_forecast, load_inputs
from c2m.planning.inputs import PlanningInputs, PlanOptions
from c2m.planning.netting import normalise_forecast
from c2m.planning.plan_result import PlanResult
from c2m.planning.planner import default_start, make_plan
from c2m.planning.publish import ensure_forecast
from c2m.planning.save import write_plan
from c2m.planning.unknown import set_aside_unknown
from c2m.progress import Say, silent
from c2m.replan.stored_plans import note_network

ALLOCATION_WORK = 10.0  # CP-SAT deterministic seconds for the allocation


@dataclass
class NetworkPlan:
    """The night's network plan: the allocation, each workshop's plan or failure, and the
    network's service (demand no workshop took counts as due and, beyond stock, unserved)."""

    network: str
    mode: str
    start: dt.datetime
    horizon_days: int
    allocation: Allocation
    plans: dict[str, PlanResult]
    failures: dict[str, str]
    unplaced_due: float
    unplaced_served: float
    phases: dict[str, float] = field(default_factory=dict)
    engine: str = "serial"
    workers: int = 1
    plan_ids: dict[str, int] = field(default_factory=dict)

    @property
    def fill_rate(self) -> float:
        due = self.unplaced_due + sum(p.kpis.units_due for p in self.plans.values())
        served = self.unplaced_served + sum(p.kpis.units_on_time for p in self.plans.values())
        return round(served / due, 4) if due > 0 else 1.0

    def as_json(self) -> dict[str, Any]:
        a = self.allocation
        rows = []
        for name in a.capacity:
            plan = self.plans.get(name)
            rows.append(
                {
                    "workshop": name,
                    "plan_id": self.plan_ids.get(name),
                    "runs": len(a.runs_of(name)),
                    "lots": None if plan is None else plan.kpis.lots,
                    "load_minutes": a.load.get(name, 0),
                    "capacity_minutes": round(a.capacity[name]),
                    "load_share": round(a.load.get(name, 0) / a.capacity[name], 4)
                    if a.capacity[name]
                    else None,
                    "fill_rate": None if plan is None else plan.kpis.fill_rate,
                    "status": "failed" if name in self.failures else plan and plan.status,
                    "error": self.failures.get(name),
                }
            )
        return {
            "network": self.network,
            "mode": self.mode,
            "start": self.start.isoformat(),
            "horizon_days": self.horizon_days,
            "workshops": rows,
            "unserved_runs": len(a.runs_of(None)),
            "fill_rate": self.fill_rate,
            "allocation": {
                "status": a.status,
                "objective": round(a.objective, 2),
                "bound": round(a.bound, 2),
                "gap": a.gap,
                "baseline_objective": None
                if a.baseline_objective is None
                else round(a.baseline_objective, 2),
                "baseline_meets_minimums": a.baseline_meets_minimums,
            },
            "engine": self.engine,
            "workers": self.workers,
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
        }


def plan_network(
    inputs: PlanningInputs,
    network: Network,
    options: PlanOptions,
    engine: EngineOptions | None = None,
    work: float = ALLOCATION_WORK,
    say: Say = silent,
    baseline: bool = False,
    sample: int | None = None,
) -> NetworkPlan:
    """Allocate the runs, then plan each workshop on its share as an independent task.
    ``baseline``: plan the capacity-proportional baseline's shares instead (benchmarks).
    ``sample``: plan only the first ``sample`` workshops with work (a benchmark's measure of
    the schedules' task time at a scale whose every schedule would not fit its time)."""
    engine = engine or EngineOptions(serial=True)
    t0 = time.perf_counter()
    inputs, _skipped = set_aside_unknown(inputs, options.strict)
    start = options.start or default_start(inputs.forecast)
    options = dataclasses.replace(options, start=start)
    runs = make_runs(inputs, network, options.mode, start.date(), options.horizon_days)
    allocation = allocate(runs, network, start.date(), options.horizon_days, work=work)
    if baseline:
        allocation = allocation.as_baseline()
    if len(network.workshops) == 1:  # the network of one: the single factory's own plan
        only = network.lead.name
        allocation = dataclasses.replace(
            allocation,
            assignment={r.key: only for r in runs},
            load={only: sum(r.load for r in runs)},
        )
    say(
        f"allocated {len(runs)} style runs to {len(network.workshops)} workshops "
        f"({allocation.status}, gap {allocation.gap})"
    )
    t1 = time.perf_counter()
    tasks = _tasks(inputs, network, allocation, options)
    if sample is not None:
        tasks = dict(list(tasks.items())[:sample])
    outcome: TaskOutcome = run_tasks(make_plan, tasks, engine, say)
    t2 = time.perf_counter()
    placed = set().union(*(allocation.skus_of(w.name) for w in network.workshops))
    due, served = unplaced_service(inputs, set(inputs.skus) - placed, start, options.horizon_days)
    if len(network.workshops) == 1:
        due = served = 0.0  # the single factory's plan names what it leaves out itself
    return NetworkPlan(
        network=network.name,
        mode=options.mode,
        start=start,
        horizon_days=options.horizon_days,
        allocation=allocation,
        plans={k: outcome.results[k] for k in tasks if k in outcome.results},
        failures=dict(outcome.failures),
        unplaced_due=due,
        unplaced_served=served,
        phases={"allocate": t1 - t0, "schedule": t2 - t1},
        engine=outcome.engine,
        workers=outcome.workers,
    )


def _tasks(
    inputs: PlanningInputs, network: Network, allocation: Allocation, options: PlanOptions
) -> dict[str, tuple]:
    """One ``make_plan`` call per workshop with work, in the network file's order."""
    tasks: dict[str, tuple] = {}
    for shop in network.workshops:
        if len(network.workshops) == 1:
            tasks[shop.name] = (inputs, shop.cfg, options)
            continue
        skus = allocation.skus_of(shop.name)
        if skus:
            tasks[shop.name] = (workshop_inputs(inputs, skus), shop.cfg, options)
    return tasks


def unplaced_service(
    inputs: PlanningInputs, skus: set[str], start: dt.datetime, horizon: int
) -> tuple[float, float]:
    """Units due of the SKUs no workshop plans, and how many of them stock serves on time."""
    if not skus:
        return 0.0, 0.0
    frame = normalise_forecast(inputs.forecast)
    first = start.date()
    end = first + dt.timedelta(days=horizon)
    frame = frame[frame["sku"].isin(skus) & (frame["ds"] >= first) & (frame["ds"] < end)]
    demand: dict[str, np.ndarray] = {}
    for sku, ds, y in zip(frame["sku"], frame["ds"], frame["yhat"], strict=True):
        demand.setdefault(sku, np.zeros(horizon))[(ds - first).days] += max(float(y), 0.0)
    for order in inputs.open_orders:
        if order.sku in skus and order.due_date < end:
            day = max((order.due_date - first).days, 0)
            demand.setdefault(order.sku, np.zeros(horizon))[day] += order.quantity
    due = served = 0.0
    for sku, d in demand.items():
        stock = float(inputs.on_hand.get(sku, 0))
        for q in d:
            take = min(stock, q)
            served += take
            stock -= take
        due += float(d.sum())
    return due, served


def plan_network_and_store(
    engine: Engine,
    network: Network,
    forecast_run_id: int,
    options: PlanOptions,
    cluster: EngineOptions | None = None,
    say: Say = silent,
    work: float = ALLOCATION_WORK,
) -> NetworkPlan:
    """Plans the network from a stored forecast and writes every workshop's plan, each the
    current plan of its mode and workshop, in one transaction (all or none)."""
    with session_scope(engine) as session:
        forecast = load_forecast(session, forecast_run_id)
        if forecast.empty:
            raise DataError(
                f"forecast run {forecast_run_id} has no values: run `c2m forecast` again"
            )
        inputs = load_inputs(session, forecast)
    result = plan_network(inputs, network, options, cluster, work=work, say=say)
    t0 = time.perf_counter()
    night = night_token(result.start)
    unplaced = (result.unplaced_due, result.unplaced_served)
    with session_scope(engine) as session:
        for name, plan in result.plans.items():
            result.plan_ids[name] = write_plan(
                session, plan, forecast_run_id=forecast_run_id, workshop=name
            )
            if name:  # the network's view reads these back (c2m compare, c2m report)
                cfg = network.workshop(name).cfg
                facts = plan_facts(
                    network.name, night, name, result.allocation, plan, inputs, cfg, unplaced
                )
                note_network(session, result.plan_ids[name], facts)
    result.phases["store"] = time.perf_counter() - t0
    return result


def plan_network_file(
    engine: Engine,
    network_path: str | Path,
    mode: str = "c2m",
    horizon_days: int = 14,
    start: dt.datetime | None = None,
    time_limit: float | None = None,
    deterministic: bool = False,
    cluster: EngineOptions | None = None,
    say: Say = silent,
) -> NetworkPlan:
    """``c2m plan --network FILE``: read the network, forecast once (the latest forecast run,
    or a new one), plan and store every workshop's plan."""
    network = load_network(network_path)
    t0 = time.perf_counter()
    run_id = ensure_forecast(engine, horizon_days, say, network.lead.cfg.guards)
    seconds = time.perf_counter() - t0
    say(f"planning {mode} for the network {network.name!r} from forecast run {run_id}")
    options = PlanOptions(
        mode=mode,
        start=start,
        horizon_days=horizon_days,
        time_limit=time_limit,
        deterministic=deterministic,
    )
    result = plan_network_and_store(engine, network, run_id, options, cluster, say)
    result.phases = {"forecast": seconds, **result.phases}
    return result
