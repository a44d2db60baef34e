"""The day loop: a season on a sample world, every mode on the same days and the same luck.

Each simulated day ``d``, at midnight:

1. the planner sees the live-room signals up to ``d - 1`` only (``world.to_long(until)``),
   and forecasts once (the forecast does not depend on the lot policy, so both modes share it);
2. each mode replans as the nightly replan does: lots on the floor are fixed (the running step
   pinned on its resource), lots of the previous plan inside the frozen window keep their code
   and quantity (:func:`c2m.replan.frozen.frozen_lots`), the previous plan's positions are the
   stability reference and the lines' real set-ups the starting point; stock, backorders,
   open orders and the fabric the planner can see are tonight's;
3. the floor executes day ``d`` (:mod:`c2m.simulation.floor`) with the season's disturbances;
4. the day's true demand arrives and is served (:mod:`c2m.simulation.ledger`).

Why the frozen lots are not pinned in time: the floor runs behind or ahead of the plan, so the
times of the previous plan may no longer fit (a lot frozen at 08:00 on L1 while L1 is still
sewing yesterday's lot). What is committed is kept (code, quantity, sizes: the fabric is
pulled, the cutting marker drawn); their times are re-sequenced around the real floor,
held near the old plan by the stability cost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from c2m.config import FactoryConfig, load_config
from c2m.errors import C2MError, ExitCode
from c2m.forecasts import SIGNALS
from c2m.planning import (
    FabricInfo,
    FrozenLot,
    OpenOrderInfo,
    PlanningInputs,
    PlanOptions,
    make_plan,
)
from c2m.planning.inputs import MODES
from c2m.replan.frozen import FrozenWindow, frozen_lots, previous_assignments
from c2m.replan.snapshot import LotView, OpView
from c2m.room_calendar import CALENDAR_COLUMNS
from c2m.sample import SampleWorld, generate
from c2m.simulation import inputs as world_inputs
from c2m.simulation.disturbances import Disturbances, Season, draw
from c2m.simulation.floor import Floor
from c2m.simulation.kpis import DayRecord, season_kpis
from c2m.simulation.ledger import Ledger

Progress = Callable[[str], None]

DEFAULT_FORECAST_METHOD = "launch"


class BadOptions(C2MError):
    """The simulation was asked for something it cannot run (a usage error)."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class SimulationOptions:
    """How to run a season. ``None`` solver settings take the factory config's values.

    ``forecast_method``: the replan's default ``auto`` fits a gradient-boosted model among its
    candidates, about two minutes per forecast of the sample world on 2 cores; a season needs
    one forecast a day, so the default is ``launch`` (seasonal moving average, with a launch
    curve for young styles), the most accurate of the fast models on the sample worlds.

    ``time_limit`` is a deterministic budget (CP-SAT work units), not wall seconds, so the
    season is the same for a fixed seed and workers; its wall cost is larger. Default 1.5:
    measured on the sample factory (2 days, both modes, load ~2), 3 cost ~10 s of wall time per
    daily plan and 1 cost ~4 s; a 28-day two-mode season is 56 plans and must fit 10 minutes
    (at 1.5 it took 263 s, 4.7 s a plan; KPIs within a few % of those at 3).
    """

    days: int = 28
    modes: tuple[str, ...] = MODES
    seed: int = 7
    scenario: str = "default"
    history_days: int = 120
    horizon_days: int = 14
    time_limit: float = 1.5
    workers: int = 1
    solver_seed: int | None = None
    frozen_hours: float | None = None
    forecast_method: str = DEFAULT_FORECAST_METHOD
    max_wait_days: int = 3
    fabric_lead_days: int = 7
    disturbances: Disturbances = field(default_factory=Disturbances)
    world_overrides: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.days < 1:
            raise BadOptions("the season must last at least one day (--days)")
        if not self.modes:
            raise BadOptions("give at least one mode (--modes batch,c2m)")
        for mode in self.modes:
            if mode not in MODES:
                raise BadOptions(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
        if len(set(self.modes)) != len(self.modes):
            raise BadOptions("a mode is listed twice in --modes")
        if self.time_limit <= 0:
            raise BadOptions("the time limit must be positive")
        if self.horizon_days < 1:
            raise BadOptions("the planning horizon must be at least one day")
        if self.fabric_lead_days < 0:
            raise BadOptions("the fabric lead time cannot be negative")
        if self.max_wait_days < 0:
            raise BadOptions("backorders cannot wait a negative number of days")
        from forecasting import MODELS

        if self.forecast_method != "auto" and self.forecast_method not in MODELS:
            known = ", ".join(sorted([*MODELS, "auto"]))
            raise BadOptions(f"unknown forecast method {self.forecast_method!r}; known: {known}")


@dataclass
class SimulationResult:
    options: SimulationOptions
    world: dict[str, Any]
    modes: dict[str, dict[str, Any]]  # mode -> season KPIs
    daily: pd.DataFrame  # one row per mode and day
    seconds: dict[str, float]  # forecast / plan / execute / total
    plans: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per day, per mode

    def as_json(self) -> dict[str, Any]:
        return {
            "world": self.world,
            "settings": {
                "days": self.options.days,
                "modes": list(self.options.modes),
                "seed": self.options.seed,
                "scenario": self.options.scenario,
                "horizon_days": self.options.horizon_days,
                "time_limit": self.options.time_limit,
                "workers": self.options.workers,
                "forecast_method": self.options.forecast_method,
                "max_wait_days": self.options.max_wait_days,
            },
            "modes": self.modes,
            "seconds": self.seconds,
        }


@dataclass
class _Mode:
    """One mode's state through the season."""

    name: str
    floor: Floor
    ledger: Ledger
    records: list[DayRecord] = field(default_factory=list)
    lots_cut: list[int] = field(default_factory=list)
    plans: list[dict[str, Any]] = field(default_factory=list)
    # fabric this mode's buyer ordered for lots a shortage held: (fabric, arrival, quantity)
    bought: list[tuple[str, dt.date, float]] = field(default_factory=list)


def simulate(
    options: SimulationOptions,
    config: FactoryConfig | None = None,
    world: SampleWorld | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """Run the season; ``world`` defaults to ``generate(seed, scenario, ...)``."""
    say = progress or (lambda _msg: None)
    cfg = config or load_config()
    t_start = time.perf_counter()
    if world is None:
        world = generate(
            options.seed,
            options.scenario,
            history_days=options.history_days,
            future_days=options.days,
            config=cfg,
            **dict(options.world_overrides),
        )
    if world.future_days < options.days:
        raise BadOptions(
            f"the world has {world.future_days} future days, the season asks for {options.days}"
        )
    catalogue = world_inputs.catalogue(world)
    days = [world.future_start + dt.timedelta(days=k) for k in range(options.days)]
    season = draw(options.seed, days, cfg, world.deliveries, options.disturbances)
    # deliveries promised before the season that arrive in it come in on its first day
    season = Season(
        season.efficiency,
        season.absent,
        season.arrivals,
        tuple((f, p, max(real, days[0]), q) for f, p, real, q in season.deliveries),
    )
    orders = world_inputs.open_orders(world)
    fabric0, fabric_meta = world_inputs.fabric_stock(world)
    colour = {s: info.colour for s, info in catalogue.skus.items()}
    states = {
        mode: _Mode(
            mode,
            Floor(cfg, catalogue.styles, colour, fabric0),
            Ledger(world_inputs.initial_stock(world), options.max_wait_days),
        )
        for mode in options.modes
    }
    arrivals: dict[dt.date, dict[str, float]] = {}
    for fabric, _promised, real, qty in season.deliveries:
        arrivals.setdefault(real, {})
        arrivals[real][fabric] = arrivals[real].get(fabric, 0.0) + qty
    seconds = {"forecast": 0.0, "plan": 0.0, "execute": 0.0}
    frozen_hours = (
        options.frozen_hours if options.frozen_hours is not None else cfg.solver.frozen_hours
    )
    for k, day in enumerate(days):
        now = dt.datetime.combine(day, dt.time())
        t0 = time.perf_counter()
        forecast = day_forecast(world, day, options, set(catalogue.skus))
        seconds["forecast"] += time.perf_counter() - t0
        demand = world.demand_on(day)
        todays = {s: int(q) for s, q in demand.items() if q > 0}
        for o in orders:
            if o.due_date == day:
                todays[o.sku] = todays.get(o.sku, 0) + o.quantity
        for state in states.values():
            t0 = time.perf_counter()
            plan = _replan(
                state,
                now,
                forecast,
                catalogue,
                orders,
                season,
                cfg,
                options,
                frozen_hours,
                fabric_meta,
            )
            seconds["plan"] += time.perf_counter() - t0
            state.plans.append(plan)
            t0 = time.perf_counter()
            come = dict(arrivals.get(day, {}))
            for fabric, when, qty in state.bought:
                if when == day:
                    come[fabric] = come.get(fabric, 0.0) + qty
            done = state.floor.run_day(day, season.efficiency[day], season.absent[day], come)
            state.ledger.receive(done.finished)
            flows = state.ledger.serve(day, todays)
            state.ledger.check()
            state.lots_cut.extend(lot.quantity for lot in done.cut_lots)
            state.records.append(
                DayRecord.of(day, state.ledger, flows, done, state.floor, catalogue, plan)
            )
            seconds["execute"] += time.perf_counter() - t0
        say(
            f"day {k + 1}/{options.days} ({day}): "
            + ", ".join(
                f"{m} stock {s.ledger.on_hand} backorders {s.ledger.backordered} "
                f"lost {s.ledger.lost}"
                for m, s in states.items()
            )
        )
    seconds["total"] = time.perf_counter() - t_start
    modes = {
        m: season_kpis(s.records, s.ledger, s.lots_cut, s.floor, catalogue, cfg, len(days))
        for m, s in states.items()
    }
    daily = pd.DataFrame([r.row(m) for m, s in states.items() for r in s.records])
    return SimulationResult(
        options=options,
        world=world.summary(),
        modes=modes,
        daily=daily,
        seconds={k: round(v, 2) for k, v in seconds.items()},
        plans={m: s.plans for m, s in states.items()},
    )


def day_forecast(
    world: SampleWorld, day: dt.date, options: SimulationOptions, skus: set[str]
) -> pd.DataFrame:
    """Forecast from the signals up to the day before ``day``: the planner's only view."""
    from forecasting import forecast

    history, future = world.long_with_calendar(day - dt.timedelta(days=1), options.horizon_days)
    known = CALENDAR_COLUMNS if future is not None else ()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        frame = forecast(
            # the signals `c2m forecast` reads (rank and price only add noise there)
            history[["unique_id", "ds", "y", *SIGNALS, *known]],
            horizon=options.horizon_days,
            freq="D",
            method=options.forecast_method,
            future_exog=known,
            future_df=future,
            n_jobs=1,
        )
    frame = frame[frame["unique_id"].isin(skus)].reset_index(drop=True)
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.date
    return frame


def _replan(
    state: _Mode,
    now: dt.datetime,
    forecast: pd.DataFrame,
    catalogue: world_inputs.Catalogue,
    orders: list[OpenOrderInfo],
    season: Season,
    cfg: FactoryConfig,
    options: SimulationOptions,
    frozen_hours: float,
    fabric_meta: dict[str, dict],
) -> dict[str, Any]:
    floor, ledger = state.floor, state.ledger
    day = now.date()
    started = floor.started_lots(now)
    views = [_view(lot) for lot in floor.lots.values() if not lot.started]
    window = FrozenWindow.of(now, frozen_hours)
    frozen, _ = frozen_lots(views, window)
    committed = [
        FrozenLot(v.code, v.style, v.colour, v.items, v.need_date, v.due, ops=()) for v in frozen
    ]
    # fabric of committed lots is set aside for them (they are not gated again)
    reserved: dict[str, float] = {}
    for v in frozen:
        lot = floor.lots[v.code]
        if lot.fabric:
            reserved[lot.fabric] = reserved.get(lot.fabric, 0.0) + lot.fabric_quantity
    fabrics = {}
    for fabric, meta in fabric_meta.items():
        # not in the store yet (a delivery arrives in the morning of its real day); an
        # overdue one is expected any time now: the planner does not know how late it is
        pending = tuple(
            sorted(
                (max(promised, day), qty)
                for f, promised, real, qty in season.deliveries
                if f == fabric and real >= day
            )
        )
        pending += tuple(
            (when, qty) for f, when, qty in state.bought if f == fabric and when >= day
        )
        fabrics[fabric] = FabricInfo(
            fabric,
            on_hand=max(floor.fabric.get(fabric, 0.0) - reserved.get(fabric, 0.0), 0.0),
            unit=meta["unit"],
            roll_size=meta["roll_size"],
            deliveries=tuple(sorted(pending)),
        )
    open_orders = [o for o in orders if o.due_date >= day]
    open_orders += [OpenOrderInfo(sku, day, qty) for sku, _since, qty in ledger.backorders()]
    plan_inputs = PlanningInputs(
        styles=catalogue.styles,
        skus=catalogue.skus,
        forecast=forecast,
        on_hand=dict(ledger.stock),
        open_orders=open_orders,
        fabrics=fabrics,
        frozen_lots=started + committed,
        previous=previous_assignments(views),
        line_state=floor.line_state(),
    )
    result = make_plan(
        plan_inputs,
        cfg,
        PlanOptions(
            mode=state.name,
            start=now,
            horizon_days=options.horizon_days,
            time_limit=options.time_limit,
            workers=options.workers,
            seed=options.solver_seed,
            deterministic=True,
        ),
    )
    floor.adopt(result.lots)
    _buy_fabric(state, result.shortages, fabric_meta, day, options.fabric_lead_days)
    return {
        "digest": plan_digest(result.lots),
        "day": day.isoformat(),
        "status": result.status,
        "lots": len(result.lots),
        "fixed": len(started) + len(committed),
        "held": len(result.held),
        "held_units": sum(lot.quantity for lot in result.held),
        "planned_units": sum(lot.quantity for lot in result.lots),
        "objective": result.objective,
        "seconds": round(result.seconds, 2),
    }


def _buy_fabric(state: _Mode, shortages, meta, day: dt.date, lead_days: int) -> None:
    """Order what a shortage lacks, in whole rolls, to arrive ``lead_days`` from today.

    Both modes' buyers follow this one rule; the planner sees the order as a delivery from
    tomorrow night on, so a held lot is released when the fabric can be there. Without it a
    lot larger than the fabric in sight would wait for ever (the sample world's fabric is
    sized to recent consumption).
    """
    for shortage in shortages:
        short = float(shortage.get("short") or 0.0)
        fabric = shortage["fabric"]
        if short <= 0 or fabric not in meta:
            continue
        roll = meta[fabric].get("roll_size") or 1.0
        qty = math.ceil(short / roll - 1e-9) * roll
        state.bought.append((fabric, day + dt.timedelta(days=lead_days), qty))


def plan_digest(lots) -> str:
    """A short fingerprint of a plan's lots, sizes and operations (equal plans, equal digest)."""
    rows = sorted(
        (
            lot.code,
            tuple(sorted(lot.items.items())),
            tuple(
                (op.step, op.resource, op.start.isoformat(), op.end.isoformat()) for op in lot.ops
            ),
        )
        for lot in lots
    )
    return hashlib.sha1(repr(rows).encode()).hexdigest()[:16]


def _view(lot) -> LotView:
    ops = tuple(
        OpView(s.step, s.resource, s.planned_start, s.planned_end)
        for s in sorted(lot.steps.values(), key=lambda s: s.planned_start)
    )
    return LotView(
        code=lot.code,
        quantity=lot.quantity,
        ops=ops,
        items=tuple(sorted(lot.items.items())),
        style=lot.style,
        colour=lot.colour,
        need_date=lot.need_date,
        due=lot.due,
    )
