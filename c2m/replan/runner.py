"""The nightly replan, start to finish: lock, record, forecast, plan, check, publish, log.

The order of the steps is the design:

1. take the lock (a second replan fails at once, exit 75) and write the run's row;
2. read the current plan and decide what is frozen; fingerprint the inputs;
3. forecast from the signals up to ``now`` and plan from ``now``, frozen lots fixed, the
   previous plan's positions as the stability reference, the solver time limit cut so the
   whole run ends within ``--deadline``;
4. in ONE transaction: write the new plan, compare it with the previous one, refuse it if a
   frozen lot changed (that would be a bug, exit 70), and only then make it current. A crash,
   ``kill -9`` or full disk before the commit leaves the previous plan current and whole;
5. whatever happened, complete the run's row and append the JSON line to the log file.

When the inputs' fingerprint equals the one that produced the current plan, nothing the plan
depends on has changed, so the run republishes that plan unchanged instead of re-solving: the
same inputs give the same plan, however the solver's clock fell. This keeps a rerun (cron
retry, a second manual run) from churning the floor's plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from c2m.config import FactoryConfig
from c2m.db import session_scope
from c2m.errors import C2MError, ExitCode, LockBusy, sigterm_as_interrupt
from c2m.planning.db_inputs import load_inputs
from c2m.planning.inputs import PlanOptions, PreviousLot
from c2m.planning.plan_result import PlanResult
from c2m.planning.planner import make_plan
from c2m.planning.problem_file import write_problem
from c2m.planning.save import set_current, write_plan
from c2m.replan import isolate, pipeline
from c2m.replan.diff import PlanChanges, diff_plans
from c2m.replan.fingerprint import fingerprint
from c2m.replan.frozen import (
    FrozenWindow,
    fixed_lot,
    frozen_lots,
    line_state,
    previous_assignments,
)
from c2m.replan.lock import busy_message, lock_for
from c2m.replan.runs import (
    append_log,
    finish_run,
    record_refused,
    running_run_id,
    start_run,
)
from c2m.replan.snapshot import LotView, current_plan, load_lots

Progress = Callable[[str], None]

# Writing the plan and the run record is quick, but must fit in the deadline too.
MIN_RESERVE_SECONDS = 5.0
RESERVE_SHARE = 0.1
# Below this many seconds CP-SAT is not worth starting: the heuristic plan is published.
MIN_SOLVER_SECONDS = 1.0


class SolverCrashed(C2MError):
    """The solver's process died in every configuration tried: nothing to publish."""

    exit_code = ExitCode.INTERNAL


class FrozenViolation(C2MError):
    """The new plan changed a lot it was told to keep: a bug, never published."""

    exit_code = ExitCode.INTERNAL


@dataclass(frozen=True)
class ReplanOptions:
    """The run's settings; ``None`` takes the factory config's ``[solver]`` value."""

    now: dt.datetime | None = None
    mode: str = "c2m"
    horizon_days: int = 14
    frozen_hours: float | None = None
    time_limit: float | None = None
    deadline_minutes: float | None = None
    log_file: Path | None = None
    reuse_unchanged: bool = True
    forecast_method: str = "auto"
    problem_out: Path | None = None  # also write the solver's problem here (a floor file)

    def __post_init__(self) -> None:
        if self.frozen_hours is not None and self.frozen_hours < 0:
            raise ValueError("frozen hours must be >= 0")
        if self.time_limit is not None and self.time_limit <= 0:
            raise ValueError("the time limit must be positive")
        if self.deadline_minutes is not None and self.deadline_minutes <= 0:
            raise ValueError("the deadline must be positive")
        if self.horizon_days < 1:
            raise ValueError("the horizon must be at least one day")


@dataclass
class ReplanOutcome:
    run_id: int | None
    status: str
    exit_code: int
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    now: dt.datetime | None = None
    mode: str = "c2m"
    plan_id: int | None = None
    previous_plan_id: int | None = None
    fingerprint: str = ""
    kpis: dict[str, Any] = field(default_factory=dict)
    changes: PlanChanges | None = None
    phases: dict[str, float] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    reused_plan_id: int | None = None
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """What ``c2m replan --json`` prints."""
        return {
            "run_id": self.run_id,
            "plan_id": self.plan_id,
            "previous_plan_id": self.previous_plan_id,
            "status": self.status,
            "exit_code": self.exit_code,
            "mode": self.mode,
            "now": self.now,
            "fingerprint": self.fingerprint,
            "kpis": self.kpis,
            "changes": self.changes.counts() if self.changes else {},
            "changed_lots": self.changes.lots if self.changes else {},
            "solver": self.solver,
            "phases": self.phases,
            "reused_plan_id": self.reused_plan_id,
            "message": self.message,
            "warnings": self.warnings,
        }

    def log_record(self) -> dict[str, Any]:
        """The JSON line appended to ``--log-file``."""
        return {
            "run_id": self.run_id,
            "start": self.started_at,
            "end": self.finished_at,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "mode": self.mode,
            "now": self.now,
            "status": self.status,
            "exit_code": self.exit_code,
            "plan_id": self.plan_id,
            "previous_plan_id": self.previous_plan_id,
            "fingerprint": self.fingerprint,
            "phases": self.phases,
            "kpis": self.kpis,
            "changes": self.changes.counts() if self.changes else {},
            "message": self.message,
        }


def _stamp() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class _Phases:
    """Seconds spent per phase, in the order they ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.t0 = time.perf_counter()

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            return fn()
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 3)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.t0


def solver_budget(time_limit: float, deadline_minutes: float | None, elapsed: float) -> float:
    """The solver's time limit: the asked one, cut so the whole run ends by the deadline.

    Time already spent (lock, fingerprint, forecasting) counts against the deadline, and a
    reserve is kept for writing the plan. 0 means: no time left for CP-SAT, use the heuristic.
    """
    if deadline_minutes is None:
        return time_limit
    total = deadline_minutes * 60
    reserve = max(MIN_RESERVE_SECONDS, RESERVE_SHARE * total)
    left = total - elapsed - reserve
    if left < MIN_SOLVER_SECONDS:
        return 0.0
    return min(time_limit, left)


def replan(
    engine: Engine,
    config: FactoryConfig,
    options: ReplanOptions,
    progress: Progress | None = None,
) -> ReplanOutcome:
    """Run one replan; raises :class:`C2MError` (after recording the run) when it fails."""
    say = progress or (lambda _msg: None)
    with sigterm_as_interrupt():
        return _replan(engine, config, options, say)


def _replan(
    engine: Engine, config: FactoryConfig, options: ReplanOptions, say: Progress
) -> ReplanOutcome:
    now = (options.now or dt.datetime.now()).replace(second=0, microsecond=0)
    outcome = ReplanOutcome(
        run_id=None,
        status="running",
        exit_code=int(ExitCode.INTERNAL),
        started_at=_stamp(),
        now=now,
        mode=options.mode,
    )
    phases = _Phases()
    lock = lock_for(engine)
    try:
        phases.run("lock", lock.acquire)
    except LockBusy as exc:
        holder = dict(getattr(exc, "holder", {}) or {})
        if holder.get("run_id") is None:
            holder["run_id"] = running_run_id(engine)
        message = busy_message(holder)
        outcome.status, outcome.exit_code, outcome.message = "busy", int(exc.exit_code), message
        outcome.run_id = record_refused(
            engine, options.mode, now, "busy", int(exc.exit_code), message
        )
        outcome.finished_at = _stamp()
        outcome.phases = phases.seconds
        append_log(options.log_file, outcome.log_record())
        raise LockBusy(message) from None
    try:
        outcome.run_id = start_run(engine, options.mode, now)
        lock.note_run(outcome.run_id)
        say(f"replan run {outcome.run_id}: now {now:%Y-%m-%d %H:%M}, mode {options.mode}")
        _run(engine, config, options, now, outcome, phases, say, held=lock.fds())
        outcome.exit_code = int(ExitCode.OK)
    except C2MError as exc:
        outcome.status = "failed" if exc.exit_code != ExitCode.INTERNAL else "error"
        outcome.exit_code = int(exc.exit_code)
        outcome.message = str(exc)
        raise
    except KeyboardInterrupt:
        outcome.status, outcome.exit_code = "interrupted", 130
        outcome.message = "interrupted; the previous plan stayed current"
        raise
    except BaseException as exc:
        outcome.status, outcome.exit_code = "error", int(ExitCode.INTERNAL)
        outcome.message = f"internal error: {type(exc).__name__}: {exc}"
        raise
    finally:
        outcome.finished_at = _stamp()
        outcome.phases = phases.seconds
        # A full disk or a lost database must not hide the run's own outcome: the records
        # are completed as far as they can be, and what failed is said as a warning.
        try:
            _finish(engine, outcome)
        except Exception as exc:
            outcome.warnings.append(f"the run record could not be completed: {exc}")
        finally:
            lock.release()
        try:
            append_log(options.log_file, outcome.log_record())
        except OSError as exc:
            outcome.warnings.append(f"cannot append to the log file {options.log_file}: {exc}")
    return outcome


def _finish(engine: Engine, outcome: ReplanOutcome) -> None:
    if outcome.run_id is None:
        return
    changes = outcome.changes.as_dict() if outcome.changes else {}
    finish_run(
        engine,
        outcome.run_id,
        status=outcome.status,
        exit_code=outcome.exit_code,
        plan_id=outcome.plan_id,
        previous_plan_id=outcome.previous_plan_id,
        fingerprint=outcome.fingerprint,
        message=outcome.message,
        phases={**outcome.phases, "solver": outcome.solver, "kpis": outcome.kpis},
        changes=changes,
        finished_at=outcome.finished_at,
    )


def _run(
    engine: Engine,
    config: FactoryConfig,
    options: ReplanOptions,
    now: dt.datetime,
    outcome: ReplanOutcome,
    phases: _Phases,
    say: Progress,
    held: list[int],
) -> None:
    frozen_hours = (
        options.frozen_hours if options.frozen_hours is not None else config.solver.frozen_hours
    )
    time_limit = (
        options.time_limit if options.time_limit is not None else config.solver.time_limit_seconds
    )
    window = FrozenWindow.of(now, frozen_hours)
    line_ids = {line.id for line in config.lines}
    settings = {
        "mode": options.mode,
        "horizon_days": options.horizon_days,
        "frozen_hours": frozen_hours,
        "time_limit": time_limit,
        "deadline_minutes": options.deadline_minutes,
        "workers": config.solver.workers,
        "seed": config.solver.seed,
        "forecast_method": options.forecast_method,
    }

    def read_inputs() -> _Previous:
        with session_scope(engine) as session:
            pipeline.snapshot_reads(session)
            previous = current_plan(session, options.mode)
            lots = load_lots(session, previous.id, line_ids) if previous else []
            made_from = pipeline.plan_fingerprint(session, previous) if previous else None
            digest, _counts = fingerprint(session, now, config, settings)
            counted = pipeline.stock_count_dates(session)
            newest = pipeline.newest_signal(session, now)
        return _Previous(
            previous.id if previous else None,
            made_from,
            lots,
            digest,
            counted,
            previous.start if previous else None,
            newest,
        )

    prev = phases.run("inputs", read_inputs)
    outcome.previous_plan_id, outcome.fingerprint = prev.plan_id, prev.digest
    frozen, completed = frozen_lots(prev.lots, window, prev.counted)
    if prev.newest_signal is not None:
        behind = (now.date() - prev.newest_signal.date()).days
        if behind > pipeline.STALE_SIGNAL_DAYS:
            # Failed imports look like days without sales: the forecast then slumps.
            outcome.warnings.append(
                f"the newest signals are from {prev.newest_signal:%Y-%m-%d}, {behind} days "
                "before --now: check that the rooms' exports were imported"
            )
    if prev.start is not None and now < prev.start:
        # A re-run of a past night is allowed (a planner replaying), but said: nothing of
        # the current plan counts as on the floor at that time, so nothing of it is frozen.
        outcome.warnings.append(
            f"--now {now:%Y-%m-%d %H:%M} is before the current plan's start "
            f"({prev.start:%Y-%m-%d %H:%M}): none of its lots are frozen"
        )
    gone = {lot.code for lot in completed}
    live = [lot for lot in prev.lots if lot.code not in gone]
    frozen_codes = {lot.code for lot in frozen}
    say(
        f"previous plan: {prev.plan_id or 'none'}; {len(frozen)} of {len(prev.lots)} lots "
        f"frozen (started, or starting before {window.until:%Y-%m-%d %H:%M}), "
        f"{len(completed)} finished and counted"
    )

    def publish(make: Callable[[Any], int]) -> int:
        """Write, check against the frozen window, flip current: one transaction."""
        with session_scope(engine) as session:
            plan_id = make(session)
            new_lots = load_lots(session, plan_id, line_ids)
            outcome.changes = _checked_diff(live, new_lots, frozen_codes, len(completed))
            set_current(session, plan_id, options.mode)
            outcome.kpis, outcome.status, solver = pipeline.plan_summary(session, plan_id)
            outcome.solver = {**solver, **outcome.solver}
            return plan_id

    if options.reuse_unchanged and prev.plan_id is not None and prev.made_from == prev.digest:
        say(f"inputs unchanged since plan {prev.plan_id} was made: republishing it as is")
        outcome.plan_id = phases.run(
            "publish",
            lambda: publish(lambda s: pipeline.copy_plan(s, prev.plan_id, outcome.run_id)),
        )
        outcome.reused_plan_id = prev.plan_id
        outcome.message = (
            f"inputs unchanged: plan {prev.plan_id} republished as plan {outcome.plan_id}"
        )
        if options.problem_out is not None:
            outcome.warnings.append(
                f"no problem written to {options.problem_out}: nothing was solved tonight"
            )
        return

    say("forecasting from the signals up to now")
    forecast = phases.run(
        "forecast",
        lambda: pipeline.forecast(
            engine, now, options.horizon_days, prev.newest_signal, options.forecast_method, say
        ),
    )
    budget = solver_budget(time_limit, options.deadline_minutes, phases.elapsed)
    say(
        f"planning from {now:%Y-%m-%d %H:%M} "
        + (f"(solver limit {budget:.0f} s)" if budget > 0 else "(no time left: heuristic plan)")
    )

    def plan() -> PlanResult:
        with session_scope(engine) as session:
            inputs = load_inputs(
                session,
                forecast.frame,
                frozen_lots=[fixed_lot(lot) for lot in frozen],
                previous=previous_assignments(live),
                line_state=line_state(prev.lots, now, frozen),
            )
            inputs.previous_lots = [
                PreviousLot(
                    lot.code, lot.style, lot.colour, lot.need_date, tuple(s for s, _ in lot.items)
                )
                for lot in live
                if lot.code not in frozen_codes and lot.need_date is not None
            ]
        plan_options = PlanOptions(
            mode=options.mode,
            start=now,
            horizon_days=options.horizon_days,
            time_limit=budget if budget > 0 else MIN_SOLVER_SECONDS,
            # a deadline is a promise to cron: then the solver's clock is the wall clock
            deterministic=options.deadline_minutes is None,
        )
        # With no time left the solver still gets a last second: the heuristic start it
        # improves on is the plan then, and the status says ``fallback``.
        try:
            result = isolate.call(make_plan, inputs, config, plan_options, close_fds=held)
        except isolate.ChildDied as exc:
            # A native crash in one solver configuration: plan again on the wall clock
            # (other CP-SAT parameters); a second crash is a bug to report (exit 70).
            say(f"{exc}; planning again with the wall-clock solver")
            outcome.solver["crashes"] = [str(exc)]
            retry = dataclasses.replace(plan_options, deterministic=False)
            try:
                result = isolate.call(make_plan, inputs, config, retry, close_fds=held)
            except isolate.ChildDied as again:
                raise SolverCrashed(
                    f"{again} twice (a bug in the solver); the previous plan stays current"
                ) from None
        pipeline.restore_frozen(result, frozen)
        return result

    result = phases.run("plan", plan)
    if options.problem_out is not None:
        write_problem(result, options.problem_out, {"source": "c2m replan", "now": now.isoformat()})
    outcome.plan_id = phases.run(
        "publish",
        lambda: publish(
            lambda s: write_plan(
                s,
                result,
                forecast_run_id=forecast.run_id,
                replan_run_id=outcome.run_id,
                make_current=False,
            )
        ),
    )
    changes = outcome.changes
    outcome.message = (
        f"plan {outcome.plan_id} published ({outcome.status}): "
        f"{changes.added} added, {changes.removed} removed, {changes.moved_line} moved line, "
        f"{changes.moved_time} moved in time, {changes.qty_changed} quantity changes"
    )


@dataclass(frozen=True)
class _Previous:
    plan_id: int | None
    made_from: str | None  # fingerprint of the run that made it
    lots: list[LotView]
    digest: str  # fingerprint of tonight's inputs
    counted: dict[str, dt.date]
    start: dt.datetime | None = None  # the previous plan's start
    newest_signal: dt.datetime | None = None  # the latest signal up to now


def _checked_diff(
    old_lots: list[LotView], new_lots: list[LotView], frozen_codes: set[str], completed: int
) -> PlanChanges:
    changes = diff_plans(old_lots, new_lots, frozen_codes)
    changes.completed = completed
    if changes.inside_frozen:
        codes = ", ".join(changes.lots.get("inside_frozen", [])[:5])
        raise FrozenViolation(
            f"the new plan changed {changes.inside_frozen} frozen lot(s) ({codes}); "
            "it was not published and the previous plan stays current"
        )
    return changes
