"""What a solve returns: the best solution plus the facts a caller needs to trust it."""

from __future__ import annotations

from dataclasses import dataclass, field

from scheduling.model import Assignment, Problem, Solution

STATUSES = ("optimal", "feasible", "fallback", "infeasible", "unknown")


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`scheduling.solve.solve`.

    ``status``: ``optimal`` (proven), ``feasible`` (CP-SAT found a solution, not proven
    optimal), ``fallback`` (CP-SAT found nothing better in time, the heuristic's schedule is
    returned), ``infeasible`` (proven, or no method found any schedule: ``solution`` is None),
    ``unknown``. ``objective`` is recomputed by the independent checker, ``bound`` is the
    best lower bound proven (0 when nothing is known), ``gap`` is ``(objective - bound) /
    objective``. ``stats`` holds method-specific figures (heuristic objective, LNS rounds...).
    """

    status: str
    solution: Solution | None
    objective: int | None
    bound: int
    seconds: float
    method: str = ""
    stats: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Unknown status {self.status!r}; expected one of {STATUSES}.")

    @property
    def gap(self) -> float | None:
        if self.objective is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / abs(self.objective))

    @property
    def feasible(self) -> bool:
        return self.solution is not None

    def summary(self) -> str:
        """One line for people: status, objective, bound, gap, time."""
        if self.solution is None:
            return f"{self.status}: no schedule ({self.seconds:.2f} s, {self.method})"
        gap = self.gap
        gap_text = f"{100 * gap:.1f} %" if gap is not None else "n/a"
        return (
            f"{self.status}: objective {self.objective}, bound {self.bound}, gap {gap_text}, "
            f"{self.seconds:.2f} s ({self.method})"
        )


def fill_setups(problem: Problem, sol: Solution) -> Solution:
    """Sets each assignment's ``setup`` from the order on its resource (what the checker
    recomputes), so every solver reports setups the same way."""
    seqs: dict[int, list[int]] = {}
    for i, a in enumerate(sol):
        seqs.setdefault(a.resource, []).append(i)
    out = list(sol.assignments)
    for r, seq in seqs.items():
        seq.sort(key=lambda i: (sol[i].start, sol[i].end))
        before = problem.resources[r].initial_class
        for i in seq:
            cls = problem.operations[i].setup_class
            a = out[i]
            out[i] = Assignment(a.resource, a.start, a.end, problem.setup_time(r, before, cls))
            before = cls
    return Solution(out)
