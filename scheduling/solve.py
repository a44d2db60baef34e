"""One call solves: a first schedule at once, then searches improve it, each for its share.

:func:`solve` runs the phases of :mod:`scheduling.phases` in order (heuristic, bound,
iterated greedy, line sequences, the working-time axis, the full CP-SAT model, CP-SAT,
LNS, final check); each
phase says whether it applies, takes its budget of the time left, and hands its best
schedule on. Every schedule kept has passed the independent checker; a phase's schedule
that failed it is dropped (and reported in ``stats``), never returned.
``docs/scheduling.md`` describes the phases and the measurements behind their parameters.

Statuses: ``optimal`` / ``feasible`` (a searched schedule), ``fallback`` (the search found
nothing better in time: the heuristic's schedule), ``infeasible`` (no schedule at all).
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduling.model import Problem, Solution
from scheduling.params import SolveParams
from scheduling.phases import Clock, SolveState, run_phases
from scheduling.result import Result, SolveStats, SolveStatus
from scheduling.sizing import is_large, neighbours

DEFAULT_PARAMS = SolveParams()


@dataclass(frozen=True)
class MaxRuntime:
    """Stopping rule: wall-clock seconds for the whole solve (heuristic included)."""

    seconds: float

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError("Must have a positive time limit.")


def solve(
    problem: Problem,
    time_limit: float | MaxRuntime = 10.0,
    workers: int = 2,
    seed: int = 0,
    hint: Solution | None = None,
    deterministic: bool = False,
    log: bool = False,
    params: SolveParams = DEFAULT_PARAMS,
) -> Result:
    """Solve ``problem`` within ``time_limit`` wall seconds; see the module docstring.

    ``deterministic=True`` gives the same result for the same seed and workers (fixed
    heuristic variants, interleaved CP-SAT search on a deterministic-time budget); the
    wall time may then overrun the limit a little on a slow machine.
    """
    limit = time_limit.seconds if isinstance(time_limit, MaxRuntime) else float(time_limit)
    if limit <= 0:
        raise ValueError("Must have a positive time limit.")
    state = SolveState(
        problem, params, Clock(limit, deterministic), workers, seed, deterministic, log, hint
    )
    run_phases(state)
    return Result(
        state.status,
        state.best,
        state.best_obj if state.best is not None else None,
        state.bound,
        state.clock.elapsed(),
        state.method,
        state.stats,
    )


__all__ = [
    "MaxRuntime",
    "Result",
    "SolveParams",
    "SolveStats",
    "SolveStatus",
    "is_large",
    "neighbours",
    "solve",
]
