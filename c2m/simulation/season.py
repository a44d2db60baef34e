"""The day loop: a season on a sample world, every mode on the same days and the same luck.

Before day 1, batch builds its season's stock from a season forecast
(:mod:`c2m.simulation.preseason`). Each simulated day ``d``, at midnight:

1. the planner sees the live-room signals up to ``d - 1`` only (``world.to_long(until)``),
   and forecasts once (the forecast does not depend on the lot policy, so both modes share it);
2. each mode replans as the nightly replan does (:mod:`c2m.simulation.mode_replan`); the
   oracle plans as C2M with the season's truth for a forecast (:mod:`c2m.simulation.oracle`);
3. the floor executes day ``d`` (:mod:`c2m.simulation.floor`) with the season's disturbances;
4. the day's true demand arrives and is served (:mod:`c2m.simulation.ledger`).

Why the frozen lots are not pinned in time: the floor runs behind or ahead of the plan, so the
times of the previous plan may no longer fit (a lot frozen at 08:00 on L1 while L1 is still
sewing yesterday's lot). What is committed is kept (code, quantity, sizes: the fabric is
pulled, the cutting marker drawn); their times are re-sequenced around the real floor,
held near the old plan by the stability cost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import warnings

import pandas as pd

from c2m.config import FactoryConfig, load_config
from c2m.forecasts import SIGNALS, with_launches
from c2m.planning.inputs import STEPS
from c2m.progress import Say, silent
from c2m.room_calendar import CALENDAR_COLUMNS
from c2m.sample import SampleWorld, generate
from c2m.simulation import inputs as world_inputs
from c2m.simulation.disturbances import Season, draw
from c2m.simulation.floor import Floor, FloorLot
from c2m.simulation.kpis import DayRecord, season_kpis
from c2m.simulation.ledger import Ledger
from c2m.simulation.losses import loss_split
from c2m.simulation.mode_replan import ModeState, SeasonInputs, replan_mode
from c2m.simulation.options import BadOptions, SimulationOptions, SimulationResult
from c2m.simulation.oracle import ORACLE, ORACLE_POLICY, oracle_forecast
from c2m.simulation.preseason import PreseasonBuild, build_preseason
from c2m.simulation.tracking import first_signals


def simulate(
    options: SimulationOptions,
    config: FactoryConfig | None = None,
    world: SampleWorld | None = None,
    progress: Say = silent,
) -> SimulationResult:
    """Run the season; ``world`` defaults to ``generate(seed, scenario, ...)``."""
    return SeasonRun(options, config or load_config(), world, progress).run()


class SeasonRun:
    """One season: its fixed inputs, every mode's state, and one method per part of a day."""

    def __init__(
        self,
        options: SimulationOptions,
        config: FactoryConfig,
        world: SampleWorld | None,
        say: Say = silent,
    ) -> None:
        self.t_start = time.perf_counter()
        self.options = options
        self.config = config
        self.say = say
        if world is not None and options.load is not None:
            raise BadOptions("--load shapes a generated world; this season was handed its own")
        self.world = world if world is not None else self.generate_world()
        if self.world.future_days < options.days:
            raise BadOptions(
                f"the world has {self.world.future_days} future days, "
                f"the season asks for {options.days}"
            )
        self.days = [self.world.future_start + dt.timedelta(days=k) for k in range(options.days)]
        self.inputs = self.season_inputs()
        self.states = self.mode_states()
        self.arrivals = self.fabric_arrivals(self.inputs.season)
        self.seconds = {"forecast": 0.0, "plan": 0.0, "execute": 0.0}
        self.first_signal = first_signals(self.world.future_signals)
        self.preseason = self.build_preseason()

    # --- set-up --------------------------------------------------------------------------------

    def generate_world(self) -> SampleWorld:
        """The sample world the options describe, with exactly the season's days of future.

        Its ``target_load`` (or ``--load``) is the load of those days: the season is scored
        at the load it was asked for, whatever the history ran at.
        """
        options = self.options
        overrides = dict(options.world_overrides)
        if options.load is not None:
            overrides["target_load"] = options.load
        return generate(
            options.seed,
            options.scenario,
            history_days=options.history_days,
            future_days=options.days,
            config=self.config,
            **overrides,
        )

    def season_inputs(self) -> SeasonInputs:
        """What every night's replan shares: catalogue, open orders, the drawn bad luck."""
        options, cfg, world, days = self.options, self.config, self.world, self.days
        catalogue = world_inputs.catalogue(world)
        season = draw(options.seed, days, cfg, world.deliveries, options.disturbances)
        # deliveries promised before the season that arrive in it come in on its first day
        season = Season(
            season.efficiency,
            season.absent,
            season.arrivals,
            tuple((f, p, max(real, days[0]), q) for f, p, real, q in season.deliveries),
        )
        orders = world_inputs.open_orders(world)
        self.fabric0, fabric_meta = world_inputs.fabric_stock(world)
        frozen_hours = (
            options.frozen_hours if options.frozen_hours is not None else cfg.solver.frozen_hours
        )
        return SeasonInputs(catalogue, orders, season, cfg, options, frozen_hours, fabric_meta)

    def mode_states(self) -> dict[str, ModeState]:
        """Each mode's own floor and stock, from the same start."""
        catalogue = self.inputs.catalogue
        colour = {s: info.colour for s, info in catalogue.skus.items()}
        return {
            mode: ModeState(
                mode,
                Floor(self.config, catalogue.styles, colour, self.fabric0),
                Ledger(world_inputs.initial_stock(self.world), self.options.max_wait_days),
                policy=ORACLE_POLICY if mode == ORACLE else mode,
            )
            for mode in self.options.modes
        }

    def build_preseason(self) -> PreseasonBuild | None:
        """Batch's season stock, built before day 1 from the season forecast
        (:mod:`c2m.simulation.preseason`); ``None`` without batch or with no window."""
        state = self.states.get("batch")
        window = self.options.preseason_window()
        if state is None or window <= 0:
            return None
        t0 = time.perf_counter()
        season_view = dataclasses.replace(self.options, horizon_days=len(self.days))
        forecast = day_forecast(
            self.world, self.days[0], season_view, set(self.inputs.catalogue.skus)
        )
        self.seconds["forecast"] += time.perf_counter() - t0
        catalogue = self.inputs.catalogue
        build = build_preseason(
            forecast, catalogue.skus, catalogue.styles, state.ledger.stock, self.config, window
        )
        state.ledger.receive(build.units)
        state.prebuilt = build.total
        state.track.first_lots(build.units)
        state.lots_cut.extend(q for parts in build.lots.values() for q in parts)
        return build

    @staticmethod
    def fabric_arrivals(season: Season) -> dict[dt.date, dict[str, float]]:
        """Fabric quantities by the day they really arrive (late or not)."""
        arrivals: dict[dt.date, dict[str, float]] = {}
        for fabric, _promised, real, qty in season.deliveries:
            arrivals.setdefault(real, {})
            arrivals[real][fabric] = arrivals[real].get(fabric, 0.0) + qty
        return arrivals

    # --- the day loop --------------------------------------------------------------------------

    def run(self) -> SimulationResult:
        """Every day in order: forecast, then per mode replan and execute; then the KPIs."""
        for k, day in enumerate(self.days):
            now = dt.datetime.combine(day, dt.time())
            t0 = time.perf_counter()
            forecast = day_forecast(self.world, day, self.options, set(self.inputs.catalogue.skus))
            self.seconds["forecast"] += time.perf_counter() - t0
            todays = self.todays_demand(day)
            for state in self.states.values():
                t0 = time.perf_counter()
                seen = self.oracle_forecast(forecast, day) if state.name == ORACLE else forecast
                plan = replan_mode(state, now, seen, self.inputs)
                self.seconds["plan"] += time.perf_counter() - t0
                state.plans.append(plan)
                t0 = time.perf_counter()
                self.execute(state, day, todays, plan)
                self.seconds["execute"] += time.perf_counter() - t0
            self.report_day(k, day)
        self.seconds["total"] = time.perf_counter() - self.t_start
        return self.result()

    def oracle_forecast(self, forecast: pd.DataFrame, day: dt.date) -> pd.DataFrame:
        """The oracle's view from ``day``: the true demand of the season's days ahead."""
        return oracle_forecast(forecast, self.world.truth, day, self.options.horizon_days)

    def todays_demand(self, day: dt.date) -> dict[str, int]:
        """The day's true demand per SKU, confirmed orders due that day included."""
        demand = self.world.demand_on(day)
        todays = {s: int(q) for s, q in demand.items() if q > 0}
        for o in self.inputs.orders:
            if o.due_date == day:
                todays[o.sku] = todays.get(o.sku, 0) + o.quantity
        return todays

    def execute(self, state: ModeState, day: dt.date, todays: dict[str, int], plan: dict) -> None:
        """The floor makes day ``day`` of the plan; what it finished serves the day's demand."""
        season = self.inputs.season
        come = dict(self.arrivals.get(day, {}))
        for fabric, when, qty in state.bought:
            if when == day:
                come[fabric] = come.get(fabric, 0.0) + qty
        done = state.floor.run_day(day, season.efficiency[day], season.absent[day], come)
        state.ledger.receive(done.finished)
        flows = state.ledger.serve(day, todays)
        state.ledger.check()
        state.lots_cut.extend(lot.quantity for lot in done.cut_lots)
        state.made_for_later += sum(q for d, q in done.finished_for.items() if d > self.days[-1])
        state.track.record(day, done)
        for lot in done.finished_lots:
            days = lot_cycle_days(lot)
            if days is not None:
                state.lot_cycles.append(days)
        record = DayRecord.of(
            day, state.ledger, flows, done, state.floor, self.inputs.catalogue, plan
        )
        if state.prebuilt:  # the pre-season build shows as made on the season's first day
            record = dataclasses.replace(record, produced=record.produced + state.prebuilt)
            state.prebuilt = 0
        state.records.append(record)

    def report_day(self, k: int, day: dt.date) -> None:
        """One line per day: each mode's stock, backorders and lost sales."""
        self.say(
            f"day {k + 1}/{self.options.days} ({day}): "
            + ", ".join(
                f"{m} stock {s.ledger.on_hand} backorders {s.ledger.backordered} "
                f"lost {s.ledger.lost}"
                for m, s in self.states.items()
            )
        )

    def result(self) -> SimulationResult:
        """Season KPIs per mode, the daily series and the plans."""
        catalogue, states = self.inputs.catalogue, self.states
        modes = {
            m: season_kpis(
                s.records,
                s.ledger,
                s.lots_cut,
                s.floor,
                catalogue,
                self.config,
                len(self.days),
                s.lot_cycles,
                s.track.summary(self.first_signal),
            )
            for m, s in states.items()
        }
        for m, s in states.items():
            # what the season made for needs past its last day: stock for the days after it,
            # counted in the unsold share but not made for the season (reported apart)
            modes[m]["made_for_after_season_units"] = s.made_for_later
        if self.preseason is not None:
            modes["batch"]["preseason"] = self.preseason.summary()
        split = loss_split(
            {m: s.ledger.demand - s.ledger.shipped_same_day for m, s in states.items()}
        )
        for m, parts in (split or {}).items():
            modes[m]["lost_demand"] = parts
        daily = pd.DataFrame([r.row(m) for m, s in states.items() for r in s.records])
        return SimulationResult(
            options=self.options,
            world=self.world.summary(),
            modes=modes,
            daily=daily,
            seconds={k: round(v, 2) for k, v in self.seconds.items()},
            plans={m: s.plans for m, s in states.items()},
            tracks={m: s.track for m, s in states.items()},
        )


def lot_cycle_days(lot: FloorLot) -> float | None:
    """Days from the start of a finished lot's cutting to its last finished unit (``None``
    for a lot the floor holds no cutting record of: it does not count in the mean)."""
    cut = lot.steps.get(STEPS[0])
    finished = lot.finished
    if cut is None or cut.started is None or finished is None:
        return None
    return (finished - cut.started).total_seconds() / 86_400


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
    catalogue = world.catalog.rename(columns={"sku": "unique_id", "launch_date": "launch"})
    catalogue["launch"] = pd.to_datetime(catalogue["launch"])
    full = history[["unique_id", "ds", "y", *SIGNALS]]
    end = pd.Timestamp(day - dt.timedelta(days=1))
    frame, _cold = with_launches(frame, full, catalogue, end, options.horizon_days)
    frame = frame[frame["unique_id"].isin(skus)].reset_index(drop=True)
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.date
    return frame
