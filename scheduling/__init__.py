"""Scheduling: a pure library. A :class:`Problem` (plain, self-validating dataclasses) goes
in, a :class:`Result` comes out; it knows nothing of garments, the database or the CLI.

    from scheduling import solve
    result = solve(problem, time_limit=10, workers=2, seed=0)
    print(result.summary())
"""

from scheduling.model import (
    ALWAYS_OPEN,
    MAKESPAN,
    Assignment,
    Calendar,
    Job,
    Mode,
    Model,
    Objective,
    Operation,
    Precedence,
    Problem,
    Resource,
    Solution,
    routing,
)
from scheduling.params import SolveParams
from scheduling.result import Result, SolveStats, SolveStatus
from scheduling.solve import MaxRuntime, solve
from scheduling.validate import objective, validate

__all__ = [
    "ALWAYS_OPEN",
    "MAKESPAN",
    "Assignment",
    "Calendar",
    "Job",
    "MaxRuntime",
    "Mode",
    "Model",
    "Objective",
    "Operation",
    "Precedence",
    "Problem",
    "Resource",
    "Result",
    "Solution",
    "SolveParams",
    "SolveStats",
    "SolveStatus",
    "objective",
    "routing",
    "solve",
    "validate",
]
