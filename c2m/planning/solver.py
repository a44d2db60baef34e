"""Runs the scheduling library on a built problem, and trusts only what the checker accepts.

``scheduling.solve`` always returns its best valid schedule (the dispatching heuristic's
when the search found nothing better). The independent checker
(:func:`scheduling.validate.validate`) re-checks it here before anything is stored: the
solver validates its own phases too, so a violation at this point is a bug in the library,
never a plan.
"""

from __future__ import annotations

from scheduling import solve
from scheduling.model import Problem
from scheduling.result import Result
from scheduling.validate import validate


class ScheduleInvalid(RuntimeError):
    """The solver returned a schedule the independent checker rejects (a bug)."""


def run(
    problem: Problem, time_limit: float, workers: int, seed: int, deterministic: bool = True
) -> Result:
    """Best schedule within ``time_limit`` seconds, deterministic for ``seed`` and ``workers``."""
    result = solve(
        problem, time_limit=time_limit, workers=workers, seed=seed, deterministic=deterministic
    )
    if result.solution is not None:
        problems = validate(problem, result.solution)
        if problems:
            raise ScheduleInvalid(
                f"the scheduler returned an invalid plan ({len(problems)} violations, first: "
                f"{problems[0]})"
            )
    return result
