"""Runs the scheduling library on a built problem, and trusts only what the checker accepts.

``scheduling.solve.solve`` (heuristic start, CP-SAT, fallback) is used when it is
installed; until then the library's dispatching heuristic alone gives a valid plan with the
status ``fallback``. Either way the independent checker (:func:`scheduling.validate.validate`)
re-checks the schedule before anything is stored: a violation is a bug, never a plan.
"""

from __future__ import annotations

import inspect
import time

from scheduling import heuristic
from scheduling.problem import Problem
from scheduling.result import Result
from scheduling.validate import objective, validate


class ScheduleInvalid(RuntimeError):
    """The solver returned a schedule the independent checker rejects (a bug)."""


def run(
    problem: Problem, time_limit: float, workers: int, seed: int, deterministic: bool = True
) -> Result:
    """Best schedule within ``time_limit`` seconds, deterministic for ``seed`` and ``workers``."""
    try:
        from scheduling.solve import solve
    except ImportError:
        solve = None
    t0 = time.perf_counter()
    if solve is not None:
        wanted = {
            "time_limit": time_limit,
            "workers": workers,
            "seed": seed,
            "deterministic": deterministic,
        }
        accepted = inspect.signature(solve).parameters
        result = solve(problem, **{k: v for k, v in wanted.items() if k in accepted})
    else:
        solution = heuristic.solve(problem, time_budget=min(time_limit, 5.0), seed=seed)
        cost = objective(problem, solution).total if solution is not None else None
        result = Result(
            status="fallback" if solution is not None else "infeasible",
            solution=solution,
            objective=cost,
            bound=0,
            seconds=time.perf_counter() - t0,
            method="heuristic",
        )
    if result.solution is not None:
        problems = validate(problem, result.solution)
        if problems:
            raise ScheduleInvalid(
                f"the scheduler returned an invalid plan ({len(problems)} violations, first: "
                f"{problems[0]})"
            )
    return result
