"""A replan run's lock and its record: the row in ``replan_run`` and the JSON log line.

Every run, however it ends (published, refused as busy, failed, interrupted), leaves one row
and one log line that say what happened; :class:`RecordedRun` is that part of
:class:`c2m.replan.nightly.NightlyReplan`, apart from the night's planning steps.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from c2m.clock import factory_now
from c2m.errors import C2MError, ExitCode, LockBusy
from c2m.progress import Say
from c2m.replan.budget import PhaseClock
from c2m.replan.lock import ReplanLock, busy_message
from c2m.replan.outcome import ReplanOptions, ReplanOutcome
from c2m.replan.runs import append_log, finish_run, record_refused, running_run_id, start_run


def stamp() -> dt.datetime:
    """The factory's wall clock, for a run's started/finished times."""
    return factory_now()


class RecordedRun:
    """The lock and the run record of one replan (the subclass sets the attributes below)."""

    engine: Engine
    options: ReplanOptions
    now: dt.datetime
    outcome: ReplanOutcome
    phases: PhaseClock
    lock: ReplanLock
    owns_lock: bool
    workshop: str
    say: Say

    def note_failure(self, exc: BaseException) -> None:
        """What the run's record says of the error that ended it (the caller re-raises, or,
        in a network's night, goes on with the other workshops)."""
        outcome = self.outcome
        if isinstance(exc, C2MError):
            outcome.status = "failed" if exc.exit_code != ExitCode.INTERNAL else "error"
            outcome.exit_code = int(exc.exit_code)
            outcome.message = str(exc)
        elif isinstance(exc, KeyboardInterrupt):
            outcome.status, outcome.exit_code = "interrupted", 130
            outcome.message = "interrupted; the previous plan stayed current"
        else:
            outcome.status, outcome.exit_code = "error", int(ExitCode.INTERNAL)
            outcome.message = f"internal error: {type(exc).__name__}: {exc}"

    # --- 1. lock and record --------------------------------------------------------------------

    def take_lock(self) -> None:
        """One replan at a time: a second one is recorded as refused and fails (exit 75)."""
        try:
            self.phases.run("lock", self.lock.acquire)
        except LockBusy as exc:
            self.refuse_busy(exc)

    def refuse_busy(self, exc: LockBusy) -> None:
        """Record the refused run (row and log line), naming the run that holds the lock."""
        outcome = self.outcome
        holder = dict(getattr(exc, "holder", {}) or {})
        if holder.get("run_id") is None:
            holder["run_id"] = running_run_id(self.engine)
        message = busy_message(holder)
        outcome.status, outcome.exit_code, outcome.message = "busy", int(exc.exit_code), message
        outcome.run_id = record_refused(
            self.engine, self.options.mode, self.now, "busy", int(exc.exit_code), message
        )
        outcome.finished_at = stamp()
        outcome.phases = self.phases.seconds
        append_log(self.options.log_file, outcome.log_record())
        raise LockBusy(message) from None

    def open_record(self, mark_dead: bool = True) -> None:
        """Write the run's row (status ``running``) and tell the lock which run holds it.
        ``mark_dead``: mark rows left ``running`` by a dead process (not the rows a network's
        night opened for its other workshops a moment before)."""
        self.outcome.run_id = start_run(
            self.engine, self.options.mode, self.now, self.workshop, mark_dead
        )
        self.lock.note_run(self.outcome.run_id)
        self.say(
            f"replan run {self.outcome.run_id}: now {self.now:%Y-%m-%d %H:%M}, "
            f"mode {self.options.mode}" + (f", workshop {self.workshop}" if self.workshop else "")
        )

    def close_record(self) -> None:
        """Complete the run's row, release the lock, append the log line.

        A full disk or a lost database must not hide the run's own outcome: the records are
        completed as far as they can be, and what failed is said as a warning.
        """
        outcome = self.outcome
        outcome.finished_at = stamp()
        outcome.phases = self.phases.seconds
        try:
            self.finish_row()
        except Exception as exc:
            outcome.warnings.append(f"the run record could not be completed: {exc}")
        finally:
            if self.owns_lock:
                self.lock.release()
        try:
            append_log(self.options.log_file, outcome.log_record())
        except OSError as exc:
            outcome.warnings.append(f"cannot append to the log file {self.options.log_file}: {exc}")

    def finish_row(self) -> None:
        """The run's row in ``replan_run``, with its status, plan, phases and changes."""
        outcome = self.outcome
        if outcome.run_id is None:
            return
        changes = outcome.changes.as_json() if outcome.changes else {}
        finish_run(
            self.engine,
            outcome.run_id,
            status=outcome.status,
            exit_code=outcome.exit_code,
            plan_id=outcome.plan_id,
            previous_plan_id=outcome.previous_plan_id,
            fingerprint=outcome.fingerprint,
            message=outcome.message,
            # the warnings ride in the phases' JSON, like the solver facts: no schema change
            phases={
                **outcome.phases,
                **({"workshop": self.workshop} if self.workshop else {}),
                "solver": outcome.solver,
                "kpis": outcome.kpis,
                "warnings": list(outcome.warnings),
            },
            changes=changes,
            finished_at=outcome.finished_at,
        )
