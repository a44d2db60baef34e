"""The knobs of an LNS run, its statistics, and which problems it treats as large."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scheduling.model import Problem

NEIGHBOURHOODS = ("jobs", "resources", "window", "critical", "machines", "line", "group")


@dataclass(frozen=True)
class LnsParams:
    """Tuning knobs; the defaults come from the FJSP and UPM benchmarks
    (``docs/scheduling-search.md``).

    ``sub_time`` is the wall-clock limit of one sub-solve; ``initial_size`` the fraction of
    operations relaxed at first; sizes stay within ``[min_relaxed, max_fraction * operations]``.
    ``deterministic``: limit sub-solves by ``sub_conflicts`` conflicts instead of wall time (the
    clock only guards against a hang, far away), so a run with the same seed and
    ``max_iterations`` always gives the same schedule. (CP-SAT's own "deterministic time"
    drifts from wall time by 20-40x on these sub-models, so it is not the budget.)
    """

    seed: int = 0
    sub_time: float = 0.5
    initial_size: float = 0.15
    min_relaxed: int = 4
    max_fraction: float = 0.7
    max_iterations: int | None = None
    deterministic: bool = False
    sub_conflicts: int = 500
    max_neighbours: int = 30
    window_above: int = 400
    initial_cap: int = 40
    neighbourhoods: tuple[str, ...] = NEIGHBOURHOODS

    def __post_init__(self) -> None:
        unknown = set(self.neighbourhoods) - set(NEIGHBOURHOODS)
        if unknown or not self.neighbourhoods:
            raise ValueError(f"Must have neighbourhoods from {NEIGHBOURHOODS}, at least one.")
        if self.sub_time <= 0:
            raise ValueError("Must have sub_time > 0.")
        if not 0 < self.initial_size <= 1 or not 0 < self.max_fraction <= 1:
            raise ValueError("Must have 0 < initial_size <= 1 and 0 < max_fraction <= 1.")


@dataclass
class LnsStats:
    """What happened in a run: ``history`` is (seconds, objective) at each improvement."""

    iterations: int = 0
    improvements: int = 0
    seconds: float = 0.0
    history: list[tuple[float, int]] = field(default_factory=list)
    tried: dict[str, int] = field(default_factory=dict)
    improved: dict[str, int] = field(default_factory=dict)
    reverted: int = 0  # whole-plan checks that failed (each change passed on its sub-problem)

    def summary(self) -> str:
        per = ", ".join(f"{k} {self.improved.get(k, 0)}/{n}" for k, n in self.tried.items())
        return (
            f"LNS: {self.iterations} iterations, {self.improvements} improvements "
            f"in {self.seconds:.1f} s ({per})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "lns_iterations": self.iterations,
            "lns_improvements": self.improvements,
            "lns_seconds": round(self.seconds, 2),
            "lns_tried": dict(self.tried),
            "lns_improved": dict(self.improved),
            "lns_reverted": self.reverted,
        }


def independent(problem: Problem) -> bool:
    """No routings: one operation per job and no precedences (parallel machines)."""
    return not problem.precedences and all(len(ops) <= 1 for ops in problem.job_operations())


def windowed(problem: Problem, window_above: int = LnsParams.window_above) -> bool:
    """Whether LNS works on window sub-models of ``problem`` (large, with routings)."""
    return len(problem.operations) > window_above and not independent(problem)
