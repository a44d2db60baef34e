"""What a solve returns: the best solution plus the facts a caller needs to trust it."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Any

from scheduling.model import Assignment, Problem, Solution


class SolveStatus(enum.StrEnum):
    """What a solve proved; the values are the strings stored in JSON and the database."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    FALLBACK = "fallback"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"


STATUSES = tuple(s.value for s in SolveStatus)

# Figures every solve reports, even when empty; the others appear only when a phase ran.
_ALWAYS = ("heuristic_objective", "heuristic_seconds", "cheap_bound", "bound_seconds")


@dataclass
class SolveStats:
    """What each phase of a solve did, for benchmarks and people (not for decisions).

    A field left at None means the phase did not run or had nothing to say; ``as_dict``
    gives the figures as the flat mapping that benchmarks print.
    """

    heuristic_objective: int | None = None
    heuristic_seconds: float = 0.0
    hint_objective: int | None = None
    hint_rejected: list[str] | None = None
    cheap_bound: int = 0
    bound_seconds: float = 0.0
    iterated_greedy_objective: int | None = None
    iterated_greedy_seconds: float | None = None
    sequence_objective: int | None = None
    # The line-sequence search's own figures (``sequences.improve``), flattened by as_dict.
    sequence: dict[str, Any] = field(default_factory=dict)
    # The working-time relaxation (floors of long operations): its status, seconds, and
    # its schedule's price in the real objective.
    axis_status: str | None = None
    axis_seconds: float | None = None
    axis_objective: int | None = None
    pruned_arcs: bool | None = None
    cpsat_status: str | None = None
    cpsat_skipped: str | None = None
    cpsat_seconds: float | None = None
    cpsat_wall_capped: bool = False
    cpsat_invalid: list[str] | None = None
    objective_mismatch: tuple[int, int] | None = None
    lns: dict[str, Any] | None = None
    lns_invalid: list[str] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The figures as a flat mapping: the always-reported ones, then those that are set."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "sequence":
                out.update(value)
            elif f.name in _ALWAYS or (value is not None and value is not False):
                out[f.name] = value
        return out


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`scheduling.solve.solve`.

    ``status``: ``optimal`` (proven), ``feasible`` (CP-SAT found a solution, not proven
    optimal), ``fallback`` (CP-SAT found nothing better in time, the heuristic's schedule is
    returned), ``infeasible`` (proven, or no method found any schedule: ``solution`` is None),
    ``unknown`` (a :class:`SolveStatus`, which compares equal to those strings).
    ``objective`` is recomputed by the independent checker, ``bound`` is the best lower
    bound proven (0 when nothing is known), ``gap`` is ``(objective - bound) / objective``.
    ``stats`` holds each phase's figures (heuristic objective, LNS rounds...).
    """

    status: SolveStatus
    solution: Solution | None
    objective: int | None
    bound: int
    seconds: float
    method: str = ""
    stats: SolveStats = field(default_factory=SolveStats)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Unknown status {self.status!r}; expected one of {STATUSES}.")
        object.__setattr__(self, "status", SolveStatus(self.status))

    @property
    def gap(self) -> float | None:
        """Relative distance from the bound, or None without a schedule."""
        if self.objective is None:
            return None
        if self.objective == 0:
            return 0.0
        return max(0.0, (self.objective - self.bound) / abs(self.objective))

    @property
    def feasible(self) -> bool:
        """Whether a schedule was found."""
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
