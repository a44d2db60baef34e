"""Writes a plan's scheduling problem as a floor file (``c2m plan --problem-out``).

The problem is the one the solver received (``PlanResult.built``), written in the neutral floor
format of :mod:`scheduling.floor` with the scale that turns its integer objective into the
plan's CNY objective, so anyone can re-solve it, check a plan against it or keep it as a
benchmark instance (``benchmarks/floor/``) without the database or the factory config.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from c2m.errors import C2MError, ExitCode
from c2m.planning.plan_result import PlanResult
from scheduling.floor import is_floor_path, write_floor


class ProblemFileError(C2MError):
    """The problem file cannot be written where the user asked."""

    exit_code = ExitCode.FAILED


def check_problem_path(path: str | Path) -> Path:
    """Refuses, before any planning, a path the problem could not be written to."""
    path = Path(path)
    if not is_floor_path(path):
        raise ProblemFileError(f"the problem file {path} must end in .json or .json.gz")
    if not path.parent.is_dir():
        raise ProblemFileError(f"cannot write {path}: the folder {path.parent} does not exist")
    return path


def problem_meta(result: PlanResult, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Where the problem came from and what the plan made of it (kept in the file's
    ``meta``; a reader may compare a new solution with ``plan_objective``)."""
    solve = result.solve
    return {
        "source": "c2m plan",
        "mode": result.mode,
        "start": result.start.isoformat(),
        "horizon_days": result.horizon_days,
        "plan_status": result.status,
        "plan_objective": result.objective,
        "plan_objective_units": None if solve is None else solve.objective,
        "plan_bound_units": None if solve is None else solve.bound,
        "lots": len(result.built.lots),
        **dict(extra or {}),
    }


def write_problem(
    result: PlanResult, path: str | Path, extra: Mapping[str, Any] | None = None
) -> Path:
    """Writes ``result``'s problem to ``path`` (``.json``, or ``.json.gz`` compressed)."""
    path = check_problem_path(path)
    built = result.built
    try:
        return write_floor(path, built.problem, built.scale, problem_meta(result, extra))
    except OSError as exc:
        raise ProblemFileError(f"cannot write {path}: {exc.strerror}") from None
