"""The planning pipeline, pure and in memory: inputs + config + options -> PlanResult.

forecast --netting--> net needs --lots--> lots --fabric--> releases --build--> problem
--solver--> schedule (checked) --> lots with datetimes + KPIs.

Nothing here touches a database or prints, so the simulation can call :func:`make_plan`
every simulated day and the replan can pass in what is on the floor (``fixed_lots``), the
previous plan (``previous``, for the stability term) and each line's current set-up
(``line_state``). The output is deterministic for a fixed seed and worker count.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd

from c2m.config import FactoryConfig
from c2m.errors import DataError
from c2m.planning import fabric, kpis, solver
from c2m.planning import lots as lot_policy
from c2m.planning.build import Built, build_problem
from c2m.planning.calendar import to_datetime
from c2m.planning.inputs import PlanningInputs, PlanOptions
from c2m.planning.netting import net_requirements, normalise_forecast
from c2m.planning.result import PlannedLot, PlannedOp, PlanResult
from c2m.planning.timing import changeover_minutes
from c2m.planning.unknown import set_aside_unknown
from scheduling.model import Objective
from scheduling.validate import Breakdown
from scheduling.validate import objective as breakdown


def default_start(forecast: pd.DataFrame) -> dt.datetime:
    """Midnight of the first forecast day: a plan starts where the forecast does."""
    frame = normalise_forecast(forecast)
    if frame.empty:
        raise DataError("the forecast is empty: run `c2m forecast` first")
    return dt.datetime.combine(min(frame["ds"]), dt.time())


def make_plan(inputs: PlanningInputs, cfg: FactoryConfig, options: PlanOptions) -> PlanResult:
    t0 = time.perf_counter()
    _check_catalogue(inputs)
    inputs, skipped = set_aside_unknown(inputs, options.strict)
    policy = getattr(cfg.policies, options.mode)
    start = options.start or default_start(inputs.forecast)
    horizon = options.horizon_days

    wip: dict[str, int] = {}
    for lot in inputs.fixed_lots:
        for sku, qty in lot.items:
            wip[sku] = wip.get(sku, 0) + qty
    key = (lambda s: s.style) if policy.granularity == "style" else (lambda s: s.sku)
    net = net_requirements(
        inputs.forecast,
        inputs.skus,
        start.date(),
        horizon,
        policy.service_quantile,
        on_hand=inputs.on_hand,
        wip=wip,
        orders=inputs.open_orders,
        key=key,
    )
    demand = _sku_demand(inputs, start.date(), horizon)
    mix: dict[str, dict[str, float]] = {}
    for sku, d in demand.items():
        mix.setdefault(inputs.skus[sku].style, {})[sku] = float(d.sum())
    new_lots = lot_policy.make_lots(
        net,
        policy,
        options.mode,
        inputs.skus,
        inputs.styles,
        mix=mix,
        taken={lot.code for lot in inputs.fixed_lots},
    )
    if policy.granularity == "sku":
        taken = {lot.code for lot in inputs.fixed_lots}
        new_lots = lot_policy.group_sizes(new_lots, policy, options.mode, taken)
    if inputs.previous_lots:  # replan: tonight's lots take back the codes of last night's
        lot_policy.reuse_codes(
            new_lots, inputs.previous_lots, {lot.code for lot in inputs.fixed_lots}, policy
        )
    shortages = [s.as_dict() for s in fabric.gate(new_lots, inputs.styles, inputs.fabrics, start)]
    scheduled = [lot for lot in new_lots if lot.release is not None]
    held = [lot for lot in new_lots if lot.release is None]

    limit = options.time_limit or cfg.solver.time_limit_seconds

    def build(**calendar) -> Built:
        return build_problem(
            scheduled,
            inputs.fixed_lots,
            inputs.styles,
            cfg,
            start,
            horizon,
            previous=inputs.previous,
            line_state=inputs.line_state,
            **calendar,
        )

    reach = 1.5
    for _attempt in range(3):
        built = build(reach=reach)
        spent = time.perf_counter() - t0
        timings = {"prepare": round(spent, 3)}
        result = solver.run(
            built.problem,
            # deterministic: the budget must not depend on how long preparing took
            time_limit=limit if options.deterministic else max(limit - spent, 1.0),
            workers=options.workers or cfg.solver.workers,
            seed=cfg.solver.seed if options.seed is None else options.seed,
            deterministic=options.deterministic,
        )
        if result.solution is not None:
            break
        reach *= 3  # the calendar ran out before every lot fitted: look further ahead
    if result.solution is None:
        raise DataError(
            "no schedule exists for these lots on this factory calendar (a fixed lot may "
            "collide with another); check the lots fixed on the floor"
        )
    timings["solve"] = round(time.perf_counter() - t0 - spent, 3)
    first = (result.stats or {}).get("heuristic_seconds")
    timings["first_feasible"] = round(spent + first, 3) if first is not None else None
    planned = _read_back(built, result.solution, cfg, start)
    held_lots = [_planned(lot, []) for lot in held]
    parts = breakdown(built.problem, result.solution)
    stock = {s: float(q) for s, q in inputs.on_hand.items()}
    for sku, qty in wip.items():
        stock[sku] = stock.get(sku, 0.0) + qty
    # fixed lots' units are already in ``stock`` as work in progress: replay only new lots
    replay = [lot for lot in planned if not lot.fixed]
    figures = kpis.compute(
        replay,
        held_lots,
        demand,
        stock,
        start,
        horizon,
        built.calendar,
        [line.id for line in cfg.lines],
        parts.overtime,
        shortages,
        station_names={
            group: [
                n
                for n, k in zip(built.resource_names, built.resource_kinds, strict=True)
                if k == kind
            ]
            for group, kind in (("cutting", "cut"), ("finishing", "finish"))
        },
    )
    all_sizes = [lot.quantity for lot in planned]
    figures["lots"] = len(planned)
    figures["planned_units"] = int(sum(all_sizes))
    figures["mean_lot_size"] = round(float(np.mean(all_sizes)), 1) if all_sizes else 0.0
    figures["median_lot_size"] = float(np.median(all_sizes)) if all_sizes else 0.0
    figures["late_lots"] = sum(1 for lot in planned if lot.late_minutes > 0)
    seconds = time.perf_counter() - t0
    scale = built.scale
    figures.update(_cost_parts(built.problem.objective, parts, scale))
    objective = round(result.objective / scale, 2) if result.objective is not None else None
    bound = round(result.bound / scale, 2) if result.bound is not None else None
    figures.update(
        {
            "solver_status": result.status,
            "solver_method": result.method,
            "objective": objective,
            "bound": bound,
            "gap": None if result.gap is None else round(result.gap, 4),
            "wall_seconds": round(seconds, 2),
            "operations": built.problem.num_operations,
        }
    )
    if skipped:
        figures["skipped_skus"] = skipped
    return PlanResult(
        mode=options.mode,
        start=start,
        horizon_days=horizon,
        status=result.status,
        objective=objective,
        bound=bound,
        gap=None if result.gap is None else round(result.gap, 4),
        seconds=seconds,
        lots=planned,
        held=held_lots,
        kpis=figures,
        shortages=shortages,
        net=net,
        solve=result,
        built=built,
        timings=timings,
        skipped_skus=skipped,
    )


def _cost_parts(weights: Objective, parts: Breakdown, scale: float) -> dict[str, float]:
    """The objective in CNY by what it pays for, so a planner sees where a plan's cost is
    (on a C2M plan mostly lateness and changeovers; the solver's bound covers only part)."""
    return {
        "cost_lateness": round(weights.tardiness * parts.tardiness / scale, 2),
        "cost_changeover": round(weights.setup * parts.setup / scale, 2),
        "cost_overtime": round(weights.overtime * parts.overtime / scale, 2),
        "cost_holding": round(weights.earliness * parts.earliness / scale, 2),
        "cost_stability": round(weights.deviation * parts.deviation / scale, 2),
    }


def _check_catalogue(inputs: PlanningInputs) -> None:
    for sku in inputs.skus.values():
        if sku.style not in inputs.styles:
            raise DataError(f"SKU {sku.sku} is of style {sku.style}, which is not in the catalogue")
    for lot in inputs.fixed_lots:
        for sku, _ in lot.items:
            if sku not in inputs.skus:
                raise DataError(f"lot {lot.code} holds SKU {sku}, which is not in the catalogue")


def _sku_demand(inputs: PlanningInputs, start: dt.date, horizon: int) -> dict[str, np.ndarray]:
    """Mean forecast plus open orders per SKU per horizon day (what the KPIs replay)."""
    frame = normalise_forecast(inputs.forecast)
    end = start + dt.timedelta(days=horizon)
    frame = frame[(frame["ds"] >= start) & (frame["ds"] < end)]
    out: dict[str, np.ndarray] = {}
    for sku, ds, y in zip(frame["sku"], frame["ds"], frame["yhat"], strict=True):
        out.setdefault(sku, np.zeros(horizon))[(ds - start).days] += max(float(y), 0.0)
    for order in inputs.open_orders:
        if order.due_date < end:
            day = max((order.due_date - start).days, 0)
            out.setdefault(order.sku, np.zeros(horizon))[day] += order.quantity
    return out


def _planned(lot, ops) -> PlannedLot:
    return PlannedLot(
        code=lot.code,
        style=lot.style,
        colour=lot.colour,
        category=lot.category,
        items=dict(lot.items),
        need_date=lot.need_date,
        due=lot.due,
        release=lot.release or lot.due,
        fabric=lot.fabric,
        fabric_quantity=round(lot.fabric_quantity, 3),
        fabric_rolls=lot.fabric_rolls,
        fixed=lot.fixed,
        ops=ops,
    )


def _read_back(built: Built, solution, cfg: FactoryConfig, start: dt.datetime) -> list[PlannedLot]:
    """Solution minutes -> datetimes; each setup split into changeover and learning."""
    problem = built.problem
    ops_of: dict[int, list[PlannedOp]] = {}
    before: dict[int, int | None] = {}
    order = sorted(range(len(solution)), key=lambda i: (solution[i].resource, solution[i].start))
    for i in order:
        a = solution[i]
        op = problem.operations[i]
        j, step = built.op_keys[i]
        r = a.resource
        if r not in before:
            before[r] = problem.resources[r].initial_class
        change = learn = 0
        if a.setup and built.resource_kinds[r] == "sew" and before[r] is not None:
            change = min(
                changeover_minutes(built.classes[before[r]], built.classes[op.setup_class], cfg),
                a.setup,
            )
            learn = a.setup - change
        else:
            change = a.setup
        before[r] = op.setup_class
        ops_of.setdefault(j, []).append(
            PlannedOp(
                step=step,
                resource=built.resource_names[r],
                start=to_datetime(a.start, start),
                end=to_datetime(a.end, start),
                setup_minutes=a.setup,
                changeover_minutes=change,
                learning_minutes=learn,
                fixed=op.fixed,
            )
        )
    rank = {"cut": 0, "sew": 1, "finish": 2}
    out = []
    for j, lot in enumerate(built.lots):
        ops = sorted(ops_of.get(j, []), key=lambda o: rank[o.step])
        out.append(_planned(lot, ops))
    return out
