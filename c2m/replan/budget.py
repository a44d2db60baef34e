"""The replan's clock: seconds spent per phase, and what is left of ``--deadline`` for CP-SAT."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

# Writing the plan and the run record is quick, but must fit in the deadline too.
MIN_RESERVE_SECONDS = 5.0
RESERVE_SHARE = 0.1
# Below this many seconds CP-SAT is not worth starting: the heuristic plan is published.
MIN_SOLVER_SECONDS = 1.0


class PhaseClock:
    """Seconds spent per phase, in the order they ran (the run's ``phases`` record)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.t0 = time.perf_counter()

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        """``fn()``, its seconds added to phase ``name`` (a phase may run twice: publish)."""
        start = time.perf_counter()
        try:
            return fn()
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 3)

    @property
    def elapsed(self) -> float:
        """Seconds since the run began: what the deadline has already lost."""
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


def another_solve(
    time_limit: float, deadline_minutes: float | None, elapsed: float
) -> float | None:
    """The time limit of one more solve in the same run (the due-lot guard's), or None when
    the deadline leaves no time for it. Without a deadline every solve gets the same budget,
    so two plans compared are searched alike."""
    left = solver_budget(time_limit, deadline_minutes, elapsed)
    return left if left > 0 else None
