"""The nightly replan, start to finish, as one :class:`NightlyReplan` with a method per step.

The order of the steps is the design (``docs/replan.md`` tells it at length):

1. take the lock (a second replan fails at once, exit 75) and write the run's row;
2. read the current plan and tonight's inputs in one snapshot; fingerprint the inputs;
   decide what is frozen;
3. when the inputs' fingerprint equals the one that made the current plan, republish that
   plan unchanged instead of re-solving: the same inputs give the same plan, however the
   solver's clock fell, so a rerun (cron retry, a second manual run) does not churn the floor;
4. otherwise forecast from the signals up to ``now`` and plan from ``now``, frozen lots fixed,
   the previous plan's positions as the stability reference, the solver time limit cut so the
   whole run ends within ``--deadline``;
5. in ONE transaction: write the new plan, compare it with the previous one, refuse it if a
   frozen lot changed (that would be a bug, exit 70), and only then make it current. A crash,
   ``kill -9`` or full disk before the commit leaves the previous plan current and whole;
6. whatever happened, complete the run's row and append the JSON line to the log file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from c2m.clock import factory_now
from c2m.config import FactoryConfig
from c2m.db import session_scope
from c2m.errors import ExitCode, sigterm_as_interrupt
from c2m.planning import guards
from c2m.planning.db_inputs import load_inputs
from c2m.planning.inputs import PlanningInputs, PlanOptions
from c2m.planning.plan_result import PlanResult
from c2m.planning.planner import make_plan
from c2m.planning.problem_file import write_problem
from c2m.planning.save import write_plan
from c2m.planning.stored import StoredLot, current_plan
from c2m.planning.unknown import skipped_message
from c2m.progress import Say, silent
from c2m.replan import due_guard, isolate, publishing, stored_plans
from c2m.replan import forecast as replan_forecast
from c2m.replan.budget import MIN_SOLVER_SECONDS, PhaseClock, another_solve, solver_budget
from c2m.replan.fingerprint import fingerprint
from c2m.replan.forecast import STALE_SIGNAL_DAYS, ForecastInput
from c2m.replan.frozen import (
    FloorState,
    FrozenWindow,
    frozen_lots,
    line_state,
    previous_assignments,
    restore_frozen,
)
from c2m.replan.lock import ReplanLock, lock_for
from c2m.replan.outcome import ReplanOptions, ReplanOutcome, SolverCrashed
from c2m.replan.recording import RecordedRun, stamp


def replan(
    engine: Engine,
    config: FactoryConfig,
    options: ReplanOptions,
    progress: Say = silent,
) -> ReplanOutcome:
    """Run one replan; raises :class:`C2MError` (after recording the run) when it fails."""
    with sigterm_as_interrupt():
        return NightlyReplan(engine, config, options, progress).run()


@dataclass(frozen=True)
class TonightsInputs:
    """What the snapshot read gives: the current plan as it stands, and tonight's fingerprint."""

    plan_id: int | None
    made_from: str | None  # fingerprint of the run that made the current plan
    lots: list[StoredLot]
    digest: str  # fingerprint of tonight's inputs
    counted: dict[str, dt.date]
    start: dt.datetime | None = None  # the current plan's start
    newest_signal: dt.datetime | None = None  # the latest signal up to now


class NightlyReplan(RecordedRun):
    """One run of the replan: its settings, its state so far, and one method per step.

    ``run()`` calls the steps in order; each step reads what the earlier ones left on
    ``self`` and fills the :class:`ReplanOutcome` as it goes, so a run that fails at any step
    still records how far it got.
    """

    def __init__(
        self,
        engine: Engine,
        config: FactoryConfig,
        options: ReplanOptions,
        say: Say = silent,
        workshop: str = "",
        lock: ReplanLock | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        """``workshop``: the network's workshop this night is for ('' : the single factory);
        ``lock``: a lock the caller already holds for it (a network's night takes one for
        all its workshops), else this run takes its own; ``settings``: more of what the plan
        depends on, for the fingerprint (a network's file and allocation)."""
        self.engine = engine
        self.workshop = workshop
        self.extra_settings = dict(settings or {})
        # kpis["network"] of the plan this night publishes (a network's night sets it)
        self.network_kpis: dict[str, Any] | None = None
        self.config = config
        self.options = options
        self.say = say
        self.now = (options.now or factory_now(config)).replace(second=0, microsecond=0)
        self.outcome = ReplanOutcome(
            run_id=None,
            status="running",
            exit_code=int(ExitCode.INTERNAL),
            started_at=stamp(),
            now=self.now,
            mode=options.mode,
            workshop=workshop,
        )
        self.phases = PhaseClock()
        self.owns_lock = lock is None
        self.lock = lock_for(engine) if lock is None else lock
        self.line_ids = {line.id for line in config.lines}

    # --- the run -------------------------------------------------------------------------------

    def run(self) -> ReplanOutcome:
        """Every step in order; the run is recorded however it ends."""
        self.take_lock()
        try:
            self.open_record()
            self.replan()
            self.outcome.exit_code = int(ExitCode.OK)
        except BaseException as exc:
            self.note_failure(exc)
            raise
        finally:
            self.close_record()
        return self.outcome

    def replan(self) -> None:
        """The steps between the lock and the record: read, reuse or forecast-plan-publish."""
        inputs = self.phases.run("inputs", self.read_inputs)
        floor = self.split_floor(inputs)
        if self.reuse_check(inputs):
            self.republish(inputs, floor)
            if self.options.problem_out is not None:
                self.outcome.warnings.append(
                    f"no problem written to {self.options.problem_out}: nothing was solved tonight"
                )
            return
        forecast = self.phases.run("forecast", lambda: self.forecast(inputs))
        result = self.phases.run("plan", lambda: self.plan(inputs, floor, forecast))
        if self.options.problem_out is not None:
            extra = {"source": "c2m replan", "now": self.now.isoformat()}
            write_problem(result, self.options.problem_out, extra)
        self.publish_new(result, forecast, floor)

    # --- 2. inputs, fingerprint and the frozen window -------------------------------------------

    @property
    def frozen_hours(self) -> float:
        """The frozen window's length: ``--frozen-hours`` or the config's."""
        asked = self.options.frozen_hours
        return asked if asked is not None else self.config.solver.frozen_hours

    @property
    def time_limit(self) -> float:
        """The solver's time limit before the deadline cuts it: ``--time-limit`` or the config's."""
        asked = self.options.time_limit
        return asked if asked is not None else self.config.solver.time_limit_seconds

    def settings(self) -> dict[str, object]:
        """The run's settings that the plan depends on: part of the fingerprint."""
        return {
            "mode": self.options.mode,
            "horizon_days": self.options.horizon_days,
            "frozen_hours": self.frozen_hours,
            "time_limit": self.time_limit,
            "deadline_minutes": self.options.deadline_minutes,
            "workers": self.config.solver.workers,
            "seed": self.config.solver.seed,
            "forecast_method": self.options.forecast_method,
            # The due-lot guard holds lots where a push is not worth it: it shapes the plan.
            "later_hours": self.config.guards.later_hours,
            "later_margin_share": self.config.guards.later_margin_share,
            **({"workshop": self.workshop} if self.workshop else {}),
            **self.extra_settings,
        }

    def read_inputs(self) -> TonightsInputs:
        """The current plan, tonight's fingerprint and the signals' reach: ONE snapshot read."""
        settings = self.settings()
        with session_scope(self.engine) as session:
            stored_plans.snapshot_reads(session)
            previous = current_plan(session, self.options.mode, self.workshop)
            lots = stored_plans.plan_lots(session, previous.id) if previous else []
            made_from = stored_plans.plan_fingerprint(session, previous) if previous else None
            digest, _counts = fingerprint(session, self.now, self.config, settings)
            counted = stored_plans.stock_count_dates(session)
            newest = replan_forecast.newest_signal(session, self.now)
        inputs = TonightsInputs(
            previous.id if previous else None,
            made_from,
            lots,
            digest,
            counted,
            previous.start if previous else None,
            newest,
        )
        self.outcome.previous_plan_id, self.outcome.fingerprint = inputs.plan_id, inputs.digest
        return inputs

    def split_floor(self, inputs: TonightsInputs) -> FloorState:
        """Which lots are frozen, which finished and left; warn of what looks wrong."""
        window = FrozenWindow.of(self.now, self.frozen_hours)
        frozen, completed = frozen_lots(inputs.lots, window, inputs.counted)
        self.warn_of_stale_signals(inputs.newest_signal)
        self.warn_of_past_now(inputs.start)
        gone = {lot.code for lot in completed}
        live = [lot for lot in inputs.lots if lot.code not in gone]
        self.say(
            f"previous plan: {inputs.plan_id or 'none'}; {len(frozen)} of {len(inputs.lots)} "
            f"lots frozen (started, or starting before {window.until:%Y-%m-%d %H:%M}), "
            f"{len(completed)} finished and counted"
        )
        return FloorState(frozen=frozen, completed=completed, live=live)

    def warn_of_stale_signals(self, newest: dt.datetime | None) -> None:
        """Failed imports look like days without sales, and the forecast then slumps: say so."""
        if newest is None:
            return
        behind = (self.now.date() - newest.date()).days
        if behind > STALE_SIGNAL_DAYS:
            self.outcome.warnings.append(
                f"the newest signals are from {newest:%Y-%m-%d}, {behind} days "
                "before --now: check that the rooms' exports were imported"
            )

    def warn_of_past_now(self, plan_start: dt.datetime | None) -> None:
        """A re-run of a past night is allowed (a planner replaying), but said: nothing of the
        current plan counts as on the floor at that time, so nothing of it is frozen."""
        if plan_start is not None and self.now < plan_start:
            self.outcome.warnings.append(
                f"--now {self.now:%Y-%m-%d %H:%M} is before the current plan's start "
                f"({plan_start:%Y-%m-%d %H:%M}): none of its lots are frozen"
            )

    # --- 3. reuse ------------------------------------------------------------------------------

    def reuse_check(self, inputs: TonightsInputs) -> bool:
        """True when the current plan was made from exactly tonight's inputs."""
        return (
            self.options.reuse_unchanged
            and inputs.plan_id is not None
            and inputs.made_from == inputs.digest
        )

    def republish(self, inputs: TonightsInputs, floor: FloorState) -> None:
        """Publish a copy of the current plan under a new id: same inputs, same plan."""
        previous_id = inputs.plan_id
        self.say(f"inputs unchanged since plan {previous_id} was made: republishing it as is")
        self.outcome.plan_id = self.phases.run(
            "publish",
            lambda: self.publish(
                lambda s: stored_plans.copy_plan(s, previous_id, self.outcome.run_id), floor
            ),
        )
        self.outcome.reused_plan_id = previous_id
        self.outcome.message = (
            f"inputs unchanged: plan {previous_id} republished as plan {self.outcome.plan_id}"
        )

    # --- 4. forecast and plan ------------------------------------------------------------------

    def forecast(self, inputs: TonightsInputs) -> ForecastInput:
        """Forecast from the signals up to ``now`` (stored as a forecast run)."""
        self.say("forecasting from the signals up to now")
        return replan_forecast.forecast(
            self.engine,
            self.now,
            self.options.horizon_days,
            inputs.newest_signal,
            self.options.forecast_method,
            self.say,
            self.config.guards,
        )

    def plan(
        self, inputs: TonightsInputs, floor: FloorState, forecast: ForecastInput
    ) -> PlanResult:
        """Plan from ``now`` around the frozen lots, within what the deadline leaves."""
        budget = solver_budget(self.time_limit, self.options.deadline_minutes, self.phases.elapsed)
        self.say(
            f"planning from {self.now:%Y-%m-%d %H:%M} "
            + (f"(solver limit {budget:.0f} s)" if budget > 0 else "(no time left: heuristic plan)")
        )
        plan_inputs = self.plan_inputs(inputs, floor, forecast)
        result = self.hold_due(floor, plan_inputs, self.plan_options(budget))
        restore_frozen(result, floor.frozen)
        if result.skipped_skus:
            self.outcome.warnings.append(skipped_message(result.skipped_skus))
        return result

    def plan_options(self, budget: float) -> PlanOptions:
        """The solver's settings for tonight, with ``budget`` seconds (or work units)."""
        return PlanOptions(
            mode=self.options.mode,
            start=self.now,
            horizon_days=self.options.horizon_days,
            # With no time left the solver still gets a last second: the heuristic start it
            # improves on is the plan then, and the status says ``fallback``.
            time_limit=budget if budget > 0 else MIN_SOLVER_SECONDS,
            # a deadline is a promise to cron: then the solver's clock is the wall clock
            deterministic=self.options.deadline_minutes is None,
        )

    def plan_inputs(
        self, inputs: TonightsInputs, floor: FloorState, forecast: ForecastInput
    ) -> PlanningInputs:
        """The planner's inputs: the frozen lots fixed, the live ones as the stability reference."""
        with session_scope(self.engine) as session:
            loaded = load_inputs(session, forecast.frame)
        return self.on_the_floor(loaded, inputs, floor)

    def on_the_floor(
        self, plan_inputs: PlanningInputs, inputs: TonightsInputs, floor: FloorState
    ) -> PlanningInputs:
        """``plan_inputs`` with what is on this floor: the frozen lots fixed, the live ones as
        the stability reference, each line's set-up at ``now``."""
        frozen_codes = floor.frozen_codes
        return dataclasses.replace(
            plan_inputs,
            frozen_lots=[lot.as_frozen() for lot in floor.frozen],
            previous=previous_assignments(floor.live),
            line_state=line_state(inputs.lots, self.now, self.line_ids, floor.frozen),
            previous_lots=[lot.as_previous() for lot in floor.live if lot.code not in frozen_codes],
        )

    def hold_due(
        self, floor: FloorState, plan_inputs: PlanningInputs, plan_options: PlanOptions
    ) -> PlanResult:
        """Plan; hold the already-due lots it pushes unless pushing is clearly cheaper
        (:mod:`c2m.replan.due_guard`), each extra solve on the same budget (or the deadline's)."""

        def again(held: PlanningInputs) -> PlanResult | None:
            left = another_solve(
                self.time_limit, self.options.deadline_minutes, self.phases.elapsed
            )
            if left is None:
                return None
            return self.solve_isolated(held, dataclasses.replace(plan_options, time_limit=left))

        result = self.solve_isolated(plan_inputs, plan_options)
        until = FrozenWindow.of(self.now, self.frozen_hours).until
        due = due_guard.due_lots(floor.live, floor.frozen_codes, until)
        guarded = due_guard.guard(result, due, plan_inputs, self.config.guards, again, self.say)
        self.outcome.due_guard = guarded.verdict
        return guarded.result

    def solve_isolated(self, plan_inputs: PlanningInputs, plan_options: PlanOptions) -> PlanResult:
        """``make_plan`` in a child process, so a native crash of CP-SAT cannot end the run.

        A crash in one solver configuration plans again on the wall clock (other CP-SAT
        parameters); a second crash is a bug to report (exit 70).
        """
        held = self.lock.fds()
        try:
            return isolate.call(make_plan, plan_inputs, self.config, plan_options, close_fds=held)
        except isolate.ChildDied as exc:
            self.say(f"{exc}; planning again with the wall-clock solver")
            self.outcome.solver["crashes"] = [str(exc)]
        retry = dataclasses.replace(plan_options, deterministic=False)
        try:
            return isolate.call(make_plan, plan_inputs, self.config, retry, close_fds=held)
        except isolate.ChildDied as again:
            raise SolverCrashed(
                f"{again} twice (a bug in the solver); the previous plan stays current"
            ) from None

    # --- 5. publish: write, diff, guard, make current --------------------------------------------

    def publish_new(self, result: PlanResult, forecast: ForecastInput, floor: FloorState) -> None:
        """Publish the new plan and say what changed against the previous one; a plan the
        guards hold back (:mod:`c2m.planning.guards`) is stored, not made current, unless
        ``--force``."""
        outcome = self.outcome
        reason = None if self.options.force else self.refusal(result, forecast)
        outcome.plan_id = self.phases.run(
            "publish",
            lambda: self.publish(
                lambda s: write_plan(
                    s,
                    result,
                    forecast_run_id=forecast.run_id,
                    replan_run_id=outcome.run_id,
                    make_current=False,
                    workshop=self.workshop,
                ),
                floor,
                current=reason is None,
            ),
        )
        if reason is not None:
            raise guards.refused(outcome.plan_id, reason)
        changes = outcome.changes
        outcome.message = (
            f"plan {outcome.plan_id} published ({outcome.status}): "
            f"{changes.added} added, {changes.removed} removed, {changes.moved_line} moved line, "
            f"{changes.moved_time} moved in time, {changes.qty_changed} quantity changes"
        )

    def refusal(self, result: PlanResult, forecast: ForecastInput) -> str | None:
        """Why tonight's plan must not become current (``now`` is the factory's today)."""
        return publishing.refusal(
            self.engine, self.options.mode, self.now, result, forecast, self.config, self.workshop
        )

    def publish(
        self, make: Callable[[Session], int], floor: FloorState, current: bool = True
    ) -> int:
        """Write, check against the frozen window, flip current (unless not ``current``): ONE
        transaction (:func:`c2m.replan.publishing.publish`). A network's night also notes
        the plan's network facts (:attr:`network_kpis`) in that transaction."""

        def made(session: Session) -> int:
            plan_id = make(session)
            if self.network_kpis is not None:
                stored_plans.note_network(session, plan_id, self.network_kpis)
            return plan_id

        return publishing.publish(
            self.engine,
            self.config,
            self.options.mode,
            self.outcome,
            made,
            floor,
            current,
            self.workshop,
        )
