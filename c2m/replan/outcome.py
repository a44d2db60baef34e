"""What a replan is asked (:class:`ReplanOptions`) and what it answers (:class:`ReplanOutcome`).

Both are plain values: the CLI builds the options from its flags, and the outcome is what
``c2m replan --json`` prints and what the run's log line records, whatever way the run ended.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from c2m.errors import C2MError, ExitCode
from c2m.replan.diff import PlanChanges
from c2m.replan.due_guard import DueVerdict


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
    #: make the plan current even when a guard (``c2m.planning.guards``) holds it back
    force: bool = False
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
    """The run as it went: filled step by step, so a failed run still says how far it got."""

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
    due_guard: DueVerdict | None = None  # what the due-lot guard decided (None: no solve)
    workshop: str = ""  # a network's workshop ('' : the single factory)

    def as_json(self) -> dict[str, Any]:
        """What ``c2m replan --json`` prints (a network workshop's night names it)."""
        return {
            **({"workshop": self.workshop} if self.workshop else {}),
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
            "made_later": self.changes.later if self.changes else [],
            "due_guard": self.due_guard.as_json() if self.due_guard else None,
            "solver": self.solver,
            "phases": self.phases,
            "reused_plan_id": self.reused_plan_id,
            "message": self.message,
            "warnings": self.warnings,
        }

    def log_record(self) -> dict[str, Any]:
        """The JSON line appended to ``--log-file``."""
        return {
            **({"workshop": self.workshop} if self.workshop else {}),
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
