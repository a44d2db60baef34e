"""The planning pipeline, pure and in memory: inputs + config + options -> PlanResult.

forecast --netting--> net needs --lots--> lot specs --fabric--> releases --build--> problem
--solver--> schedule (checked) --> scheduled lots with datetimes + KPIs.

Nothing here touches a database or prints, so the simulation can call :func:`make_plan`
every simulated day and the replan can pass in what is on the floor (``frozen_lots``), the
previous plan (``previous``, for the stability term) and each line's current set-up
(``line_state``). The output is deterministic for a fixed seed and worker count.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from c2m.config import FactoryConfig, LotPolicy
from c2m.errors import DataError
from c2m.planning import capacity, exclusions, fabric, plan_kpis, solver
from c2m.planning import lots as lot_policy
from c2m.planning.build import Built, build_problem, sam_of
from c2m.planning.inputs import FrozenLot, PlanningInputs, PlanOptions
from c2m.planning.lots import LotSpec
from c2m.planning.netting import net_requirements, normalise_forecast
from c2m.planning.plan_kpis import LotSizing
from c2m.planning.plan_result import PlanResult
from c2m.planning.scheduled import ScheduledLot, ScheduledOp
from c2m.planning.timing import changeover_minutes
from c2m.planning.unknown import set_aside_unknown
from c2m.planning.working_time import last_shift_end, to_datetime
from forecasting.analogues import ALIAS as ANALOGUE
from scheduling.result import Result
from scheduling.validate import objective as breakdown

# The calendar the problem gets is sized from the load (``build._calendar_days``) at
# ``FIRST_REACH`` times it; when some lot still does not fit, the solver finds no schedule and
# the calendar grows ``REACH_GROWTH`` times, at most ``CALENDAR_ATTEMPTS`` tries in all (1.5,
# 4.5, 13.5 times the load): beyond that, it is not the calendar but a collision of fixed lots.
FIRST_REACH = 1.5
REACH_GROWTH = 3
CALENDAR_ATTEMPTS = 3


@dataclass(frozen=True)
class _Solved:
    """The problem the solver was given, its checked answer and the wall times so far."""

    built: Built
    result: Result
    timings: dict[str, float | None]


def default_start(forecast: pd.DataFrame) -> dt.datetime:
    """Midnight of the first forecast day: a plan starts where the forecast does."""
    frame = normalise_forecast(forecast)
    if frame.empty:
        raise DataError("the forecast is empty: run `c2m forecast` first")
    return dt.datetime.combine(min(frame["ds"]), dt.time())


@dataclass(frozen=True)
class SizedLots:
    """The lots a plan will schedule, before fabric and the solver: what lot sizing decided
    (each spec's ``reason`` says why it is its size) and the figures of that decision."""

    inputs: PlanningInputs
    excluded: list
    skipped: list[str]
    policy: LotPolicy
    start: dt.datetime
    wip: dict[str, int]
    net: pd.DataFrame
    demand: dict[str, np.ndarray]
    specs: list[LotSpec]
    sizing: LotSizing


def size_lots(inputs: PlanningInputs, cfg: FactoryConfig, options: PlanOptions) -> SizedLots:
    """The first steps of :func:`make_plan`: SKUs no line sews and SKUs missing from the
    catalogue set aside, needs netted, lots sized. No solver: cheap enough to call alone."""
    inputs, excluded = exclusions.without_unsewable(inputs, cfg)
    _check_catalogue(inputs)
    inputs, skipped = set_aside_unknown(inputs, options.strict)
    policy: LotPolicy = getattr(cfg.policies, options.mode)
    start = options.start or default_start(inputs.forecast)
    horizon = options.horizon_days
    wip = _work_in_progress(inputs.frozen_lots)
    net = _net_needs(inputs, policy, start, horizon, wip)
    demand = _sku_demand(inputs, start.date(), horizon)
    specs, sizing = _size_lots(net, demand, inputs, policy, options.mode, cfg, start, horizon)
    return SizedLots(inputs, excluded, skipped, policy, start, wip, net, demand, specs, sizing)


def make_plan(inputs: PlanningInputs, cfg: FactoryConfig, options: PlanOptions) -> PlanResult:
    """Plans ``options.mode`` over the horizon: net needs -> lot specs -> fabric gating ->
    schedule -> scheduled lots and KPIs. SKUs no configured line can sew are left out and
    named (``kpis.excluded_skus``), not an error. Raises :class:`DataError` on a catalogue or
    calendar the plan cannot be made from; deterministic for a fixed seed and worker count."""
    t0 = time.perf_counter()
    sized = size_lots(inputs, cfg, options)
    inputs, excluded, skipped = sized.inputs, sized.excluded, sized.skipped
    start, horizon, wip = sized.start, options.horizon_days, sized.wip
    net, demand, specs = sized.net, sized.demand, sized.specs
    shortages = [s.as_json() for s in fabric.gate(specs, inputs.styles, inputs.fabrics, start)]
    _release_windows(specs, sized.policy, start)
    solved = _schedule([s for s in specs if s.release is not None], inputs, cfg, options, start, t0)
    built, result = solved.built, solved.result
    planned = _read_back(built, result.solution, cfg, start)
    held = [_scheduled(spec, []) for spec in specs if spec.release is None]
    parts = breakdown(built.problem, result.solution)
    seconds = time.perf_counter() - t0
    kpis = plan_kpis.compute(
        planned,
        held,
        demand,
        _stock(inputs.on_hand, wip),
        start,
        horizon,
        built,
        parts,
        result,
        shortages,
        seconds,
        lost_sale=_lost_sale(inputs, cfg),
        excluded=excluded,
        sizing=sized.sizing,
    )
    if skipped:
        kpis = dataclasses.replace(kpis, skipped_skus=tuple(skipped))
    return PlanResult(
        mode=options.mode,
        start=start,
        horizon_days=horizon,
        status=result.status,
        objective=kpis.objective,
        bound=kpis.bound,
        gap=kpis.gap,
        seconds=seconds,
        lots=planned,
        held=held,
        kpis=kpis,
        shortages=shortages,
        net=net,
        solve=result,
        built=built,
        timings=solved.timings,
        skipped_skus=skipped,
    )


def _release_windows(specs: list[LotSpec], policy: LotPolicy, start: dt.datetime) -> None:
    """No lot is cut more than ``policy.release_days`` before its need date (in place).

    Why: an earliness cost of holding alone (a C2M unit's 30 % a year) is smaller than the
    setup it saves, so the solver pulls lots days ahead of need to run a style's lots back
    to back; units made days ahead are units made on a forecast that tomorrow's signals
    would have corrected, and stock for after the season ends. Lots held by fabric stay held.
    """
    if policy.release_days is None:
        return
    for spec in specs:
        if spec.release is None:
            continue
        need = dt.datetime.combine(spec.need_date, dt.time())
        earliest = max(need - dt.timedelta(days=policy.release_days), start)
        spec.release = max(spec.release, earliest)


def _work_in_progress(frozen_lots: list[FrozenLot]) -> dict[str, int]:
    """Units per SKU in lots already fixed on the floor: netting counts them as coming."""
    wip: dict[str, int] = {}
    for lot in frozen_lots:
        for sku, qty in lot.items:
            wip[sku] = wip.get(sku, 0) + qty
    return wip


def _net_needs(
    inputs: PlanningInputs,
    policy: LotPolicy,
    start: dt.datetime,
    horizon: int,
    wip: Mapping[str, int],
) -> pd.DataFrame:
    """Net requirements per day at the policy's granularity (SKU, or style for a batch
    policy that cuts a style's sizes together): the forecast at the service quantile plus
    open orders, less stock on hand and work in progress."""
    key: Callable = (lambda s: s.style) if policy.granularity == "style" else (lambda s: s.sku)
    return net_requirements(
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


def _size_lots(
    net: pd.DataFrame,
    demand: Mapping[str, np.ndarray],
    inputs: PlanningInputs,
    policy: LotPolicy,
    mode: str,
    cfg: FactoryConfig,
    start: dt.datetime,
    horizon: int,
) -> tuple[list[LotSpec], LotSizing]:
    """Lot specs for the net needs under the mode's policy, and the figures of how they were
    sized. A style-level need splits into sizes by the forecast's mix; SKU-level lots of a
    style-colour are grouped into one run, over the style-colour's own window when the
    policy sizes against capacity (:mod:`c2m.planning.capacity`; each SKU's lots still cover
    ``cover_days``, so a run spans the window plus ``cover_days``, not twice the window:
    measured, the wider span made more stock ahead for no more fill); a new SKU's style-colour
    gets one test lot (``first_run``). On a replan, tonight's lots take back the codes of last
    night's lots they continue, so the stability term and the diff recognise them. Codes of
    fixed lots are never reused. A lot is due at the end of the last working shift by its
    need (less the policy's lead days), not at midnight: a Sunday's demand is due when the
    floor last works before it."""
    mix: dict[str, dict[str, float]] = {}
    for sku, d in demand.items():
        mix.setdefault(inputs.skus[sku].style, {})[sku] = float(d.sum())
    taken = {lot.code for lot in inputs.frozen_lots}
    by_sku = policy.granularity == "sku"
    new = _new_skus(inputs) if by_sku and policy.first_run else set()
    fresh = net["key"].isin(new)
    sam = {name: sam_of(style, cfg) for name, style in inputs.styles.items()}
    sizing: capacity.Sizing | None = None
    if by_sku and policy.sizing == "capacity":
        found = capacity.items(net[~fresh], inputs.skus, inputs.styles, cfg, sam)
        sizing = capacity.size(found, cfg, policy, start.date(), horizon)
    windows = sizing.windows if sizing else None
    specs = lot_policy.make_lots(
        net[~fresh],
        policy,
        mode,
        inputs.skus,
        inputs.styles,
        mix=mix,
        taken=set(taken),
    )
    if by_sku:
        specs = lot_policy.group_sizes(specs, policy, mode, set(taken), windows)
    for spec in specs:
        if not spec.reason:
            spec.reason = (
                sizing.reason((spec.style, spec.colour), policy)
                if sizing
                else f"fixed rules: {policy.cover_days:g} days' cover"
            )
    if new:
        taken |= {spec.code for spec in specs}
        specs += lot_policy.first_runs(
            net[fresh], policy, mode, inputs.skus, inputs.styles, set(taken)
        )
    for spec in specs:
        spec.due = last_shift_end(cfg.calendar, spec.due)
    if inputs.previous_lots:
        lot_policy.reuse_codes(specs, inputs.previous_lots, set(taken), policy, windows)
    units = {sku: float(d.sum()) for sku, d in demand.items()}
    load = capacity.load(units, inputs.skus, sam, cfg, start.date(), horizon)
    return specs, LotSizing.of(specs, sizing, load)


def _new_skus(inputs: PlanningInputs) -> set[str]:
    """SKUs whose first lot is a test run: those the inputs call new, and the launches the
    forecast borrowed from analogues (no history of their own)."""
    new = set(inputs.new_skus)
    frame = inputs.forecast
    if "method" in frame.columns:
        ids = frame["unique_id"] if "unique_id" in frame.columns else frame["sku"]
        new |= set(ids[frame["method"] == ANALOGUE].astype(str))
    return new


def _schedule(
    specs: list[LotSpec],
    inputs: PlanningInputs,
    cfg: FactoryConfig,
    options: PlanOptions,
    start: dt.datetime,
    t0: float,
) -> _Solved:
    """The lots (and the fixed ones) as a scheduling problem, solved and checked.

    The calendar is sized from the load; a solver that finds no schedule on it means a lot
    ran off its end, so the calendar grows (see ``CALENDAR_ATTEMPTS``). In deterministic mode
    the solver's budget does not depend on how long preparing took; otherwise preparing is
    paid out of the time limit."""
    limit = options.time_limit or cfg.solver.time_limit_seconds
    reach = FIRST_REACH
    for _attempt in range(CALENDAR_ATTEMPTS):
        built = build_problem(
            specs,
            inputs.frozen_lots,
            inputs.styles,
            cfg,
            start,
            options.horizon_days,
            previous=inputs.previous,
            line_state=inputs.line_state,
            reach=reach,
        )
        spent = time.perf_counter() - t0
        result = solver.run(
            built.problem,
            time_limit=limit if options.deterministic else max(limit - spent, 1.0),
            workers=options.workers or cfg.solver.workers,
            seed=cfg.solver.seed if options.seed is None else options.seed,
            deterministic=options.deterministic,
        )
        if result.solution is not None:
            break
        reach *= REACH_GROWTH
    if result.solution is None:
        raise DataError(
            "no schedule exists for these lots on this factory calendar (a fixed lot may "
            "collide with another); check the lots fixed on the floor"
        )
    first = result.stats.heuristic_seconds
    timings = {
        "prepare": round(spent, 3),
        "solve": round(time.perf_counter() - t0 - spent, 3),
        "first_feasible": round(spent + first, 3) if first is not None else None,
    }
    return _Solved(built, result, timings)


def _lost_sale(inputs: PlanningInputs, cfg: FactoryConfig) -> dict[str, float]:
    """Yuan per unit of demand a plan leaves unserved, per SKU: the config's share of the
    style's margin (price less unit cost), what the sale would have earned."""
    share = cfg.costs.lost_sale_share_of_margin
    out = {}
    for sku, info in inputs.skus.items():
        style = inputs.styles.get(info.style)
        if style is not None:
            out[sku] = share * max(style.price - style.unit_cost, 0.0)
    return out


def _stock(on_hand: Mapping[str, int], wip: Mapping[str, int]) -> dict[str, float]:
    """What the KPI replay starts from: stock on hand plus work in progress (so the replay
    takes only the new lots)."""
    stock = {s: float(q) for s, q in on_hand.items()}
    for sku, qty in wip.items():
        stock[sku] = stock.get(sku, 0.0) + qty
    return stock


def _check_catalogue(inputs: PlanningInputs) -> None:
    """Every SKU's style, and every fixed lot's SKU, must be in the catalogue."""
    for sku in inputs.skus.values():
        if sku.style not in inputs.styles:
            raise DataError(f"SKU {sku.sku} is of style {sku.style}, which is not in the catalogue")
    for lot in inputs.frozen_lots:
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


def _scheduled(lot: LotSpec, ops: list[ScheduledOp]) -> ScheduledLot:
    """A lot spec with the operations the solver gave it (none for a lot held by fabric)."""
    return ScheduledLot(
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
        reason=lot.reason,
    )


def _read_back(
    built: Built, solution, cfg: FactoryConfig, start: dt.datetime
) -> list[ScheduledLot]:
    """Solution minutes -> datetimes; each setup split into changeover and learning."""
    problem = built.problem
    ops_of: dict[int, list[ScheduledOp]] = {}
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
            ScheduledOp(
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
        out.append(_scheduled(lot, ops))
    return out
