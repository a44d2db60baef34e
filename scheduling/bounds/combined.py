"""The combination: the bound on the whole objective from its parts (unlimited-capacity
tardiness and makespan, their capacity bounds, setups), and what a solve grants the
exact relaxations."""

from __future__ import annotations

from scheduling.bounds.earliest import earliest_starts_ends
from scheduling.bounds.exact import EXACT_MIN_SECONDS
from scheduling.bounds.makespan import capacity_makespan
from scheduling.bounds.setups import setup_lower_bound
from scheduling.bounds.tardiness import capacity_tardiness
from scheduling.model import Problem

# lower_bound runs the transportation LP without granted seconds up to this many
# operations (milliseconds there).
LP_FREE_OPERATIONS = 100


# What a solve grants the exact relaxations: this share of its time limit (named apart from
# the line search's EXACT_PHASE_SHARE, a share of that search's own budget) ...
EXACT_BOUND_SHARE = 0.035
# ... at most this many deterministic seconds (a 60 s plan gets them; a 1.5 s daily plan
# of a simulation gets none).
EXACT_TOTAL_SECONDS = 2.0


def exact_budget(time_limit: float) -> float:
    """Deterministic seconds a solve of ``time_limit`` seconds grants the exact queue
    relaxations of :func:`lower_bound` (0 below ``EXACT_MIN_SECONDS``)."""
    budget = min(EXACT_TOTAL_SECONDS, EXACT_BOUND_SHARE * time_limit)
    return budget if budget >= EXACT_MIN_SECONDS else 0.0


# A solve that is not deterministic starts no relaxation after this many times its budget
# in wall seconds: deterministic seconds take several wall seconds on a loaded machine.
EXACT_WALL_FACTOR = 3.0


def lower_bound(
    problem: Problem, exact_seconds: float = 0.0, exact_wall: float | None = None
) -> int:
    """A lower bound on the objective of every feasible schedule of ``problem``.

    ``exact_seconds``: deterministic CP-SAT seconds granted to exact relaxations of small
    queues (:mod:`scheduling.bounds.exact`); 0 keeps the bound to milliseconds. ``exact_wall``:
    wall seconds after which no further relaxation starts (None: none, so the bound is the
    same on every run; a loaded machine can take 5x the deterministic seconds)."""
    w = problem.objective
    total = 0
    if w.tardiness or w.makespan:
        starts, ends = earliest_starts_ends(problem)
        completion = [0] * len(problem.jobs)
        for i, op in enumerate(problem.operations):
            completion[op.job] = max(completion[op.job], ends[i])
        if w.tardiness:
            has_ops = {op.job for op in problem.operations}
            tardiness = sum(
                job.weight * max(0, completion[j] - job.due)
                for j, job in enumerate(problem.jobs)
                if job.due is not None and j in has_ops
            )
            total += w.tardiness * max(
                tardiness,
                capacity_tardiness(
                    problem,
                    ends,
                    starts,
                    exact_seconds,
                    exact_wall,
                    lp=_lp_wanted(problem, exact_seconds),
                ),
            )
        if w.makespan:
            last = max(completion, default=0)
            total += w.makespan * max(last, capacity_makespan(problem, ends, starts))
    if w.setup:
        total += w.setup * setup_lower_bound(problem)
    return total


def _lp_wanted(problem: Problem, exact_seconds: float) -> bool:
    """Whether :func:`lower_bound` runs the transportation LP: when the caller grants
    seconds (a 60 s plan: it then counts against their wall limit), or on a small problem
    where it takes milliseconds (not on the 1.5 s daily plans of a simulation)."""
    return exact_seconds >= EXACT_MIN_SECONDS or problem.num_operations <= LP_FREE_OPERATIONS
