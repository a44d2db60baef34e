"""An independent checker: is a solution feasible for a problem, and what does it cost?

It shares nothing with the solvers beyond the problem classes' plain fields: calendar
arithmetic is redone here from the raw windows (not the ``Calendar`` helpers the model and
heuristic use), so a bug there cannot hide itself. Every test and benchmark runs it on every
solution. Violations come back as plain sentences; an empty list means feasible.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass

from scheduling.model import Assignment, Calendar, Problem, Solution


class _Clock:
    """Working minutes of one calendar, counted from its raw windows (regular + overtime)
    with prefix sums; ``None`` windows mean always open."""

    def __init__(self, cal: Calendar) -> None:
        wins = sorted(list(cal.windows) + list(cal.overtime))
        self.open = not wins
        self.starts = [s for s, _ in wins]
        self.wins = wins
        self.before = [0]
        for s, e in wins:
            self.before.append(self.before[-1] + e - s)

    def upto(self, t: int) -> int:
        """Working minutes in ``[0, t)``."""
        if self.open:
            return max(t, 0)
        k = bisect.bisect_right(self.starts, t) - 1
        if k < 0:
            return 0
        s, e = self.wins[k]
        return self.before[k] + min(t, e) - s

    def working(self, a: int, b: int) -> int:
        """Working minutes inside wall interval ``[a, b)``."""
        return self.upto(b) - self.upto(a) if b > a else 0

    def is_working(self, t: int) -> bool:
        return self.working(t, t + 1) == 1


@functools.lru_cache(maxsize=64)
def _clock(cal: Calendar) -> _Clock:
    return _Clock(cal)


def _overtime(problem: Problem, solution: Solution) -> int:
    """Per resource and overtime window: minutes from the window's start to the end of the
    last work inside it (the line stays open until then)."""
    by_r: dict[int, list[Assignment]] = {}
    for x in solution:
        by_r.setdefault(x.resource, []).append(x)
    total = 0
    for r, xs in by_r.items():
        for a, b in problem.resources[r].calendar.overtime:
            ends = [min(x.end, b) for x in xs if x.start < b and x.end > a]
            total += max(ends, default=a) - a
    return total


@dataclass(frozen=True)
class Breakdown:
    """The objective's terms, unweighted, and the weighted total."""

    tardiness: int
    setup: int
    overtime: int
    earliness: int
    deviation: int
    makespan: int
    total: int


def objective(problem: Problem, solution: Solution) -> Breakdown:
    """Recomputes every objective term from the solution's times (not from its ``setup``)."""
    ops = problem.operations
    completion = [0] * len(problem.jobs)
    for i, a in enumerate(solution):
        completion[ops[i].job] = max(completion[ops[i].job], a.end)
    tard = earl = 0
    has_ops = {op.job for op in ops}  # a set: any() per job was O(jobs x ops)
    for j, job in enumerate(problem.jobs):
        if job.due is not None and j in has_ops:
            tard += job.weight * max(0, completion[j] - job.due)
            earl += job.weight * max(0, job.due - completion[j])
    setup = sum(_sequence_setups(problem, solution).values())
    overtime = _overtime(problem, solution)
    dev = 0
    if problem.previous is not None:
        for a, p in zip(solution, problem.previous, strict=True):
            if p is not None:
                clock = _clock(problem.resources[a.resource].calendar)
                dev += clock.working(min(a.start, p.start), max(a.start, p.start))
                if a.resource != p.resource:
                    dev += problem.objective.reassign_minutes
    mk = max((a.end for a in solution), default=0)
    w = problem.objective
    total = (
        w.tardiness * tard
        + w.setup * setup
        + w.overtime * overtime
        + w.earliness * earl
        + w.deviation * dev
        + w.makespan * mk
    )
    return Breakdown(tard, setup, overtime, earl, dev, mk, total)


def _sequence_setups(problem: Problem, solution: Solution) -> dict[int, int]:
    """Setup minutes before each operation implied by the order on its resource."""
    out: dict[int, int] = {}
    for r, seq in _sequences(problem, solution).items():
        mat = problem.setups[r]
        prev = problem.resources[r].initial_class
        for i in seq:
            cls = problem.operations[i].setup_class
            out[i] = 0 if mat is None or prev is None else mat[prev][cls]
            prev = cls
    return out


def _sequences(problem: Problem, solution: Solution) -> dict[int, list[int]]:
    seqs: dict[int, list[int]] = {}
    for i, a in enumerate(solution):
        seqs.setdefault(a.resource, []).append(i)
    for seq in seqs.values():
        seq.sort(key=lambda i: (solution[i].start, solution[i].end))
    return seqs


def validate(problem: Problem, solution: Solution) -> list[str]:
    """All the ways ``solution`` breaks ``problem``, as sentences (empty: feasible)."""
    ops, res = problem.operations, problem.resources
    if len(solution) != len(ops):
        return [f"The solution has {len(solution)} assignments for {len(ops)} operations."]
    bad: list[str] = []
    for i, (op, a) in enumerate(zip(ops, solution, strict=True)):
        name = op.name or f"operation {i}"
        dur = next((m.duration for m in op.modes if m.resource == a.resource), None)
        if dur is None:
            bad.append(f"{name} runs on resource {a.resource}, which is not eligible for it.")
            continue
        clock = _clock(res[a.resource].calendar)
        if not clock.is_working(a.start):
            bad.append(f"{name} starts at {a.start}, outside working time of its resource.")
        if a.end <= a.start or not clock.is_working(a.end - 1):
            bad.append(f"{name} ends at {a.end}, not right after a worked minute.")
        worked = clock.working(a.start, a.end)
        if worked != dur:
            bad.append(
                f"{name} gets {worked} working minutes in [{a.start}, {a.end}), needs {dur}."
            )
        release = problem.jobs[op.job].release
        if a.start < release:
            bad.append(f"{name} starts at {a.start}, before its job's release {release}.")
        if op.fixed and (a.resource != op.fixed_resource or a.start != op.fixed_start):
            bad.append(
                f"{name} is fixed on resource {op.fixed_resource} at {op.fixed_start}, "
                f"but runs on {a.resource} at {a.start}."
            )
    for p in problem.precedences:
        a, b = solution[p.pred], solution[p.succ]
        same = res[a.resource].calendar == res[b.resource].calendar
        if same:
            gap = _clock(res[b.resource].calendar).working(a.end, b.start)
            late = b.start < a.end or gap < p.lag
        else:
            late = b.start < a.end + p.lag
        if late:
            unit = "working minutes of their calendar" if same else "minutes"
            bad.append(
                f"operation {p.succ} starts at {b.start}, before operation {p.pred} ends "
                f"({a.end}) plus lag ({p.lag} {unit})."
            )
    setups = _sequence_setups(problem, solution)
    for r, seq in _sequences(problem, solution).items():
        clock = _clock(res[r].calendar)
        prev_end = 0
        for k, i in enumerate(seq):
            a = solution[i]
            if k and a.start < prev_end:
                bad.append(f"operation {i} overlaps operation {seq[k - 1]} on resource {r}.")
            elif clock.working(prev_end, a.start) < setups[i]:
                bad.append(
                    f"operation {i} on resource {r} leaves less than its {setups[i]} setup "
                    "minutes of working time after the previous operation."
                )
            if a.setup != setups[i]:
                bad.append(
                    f"operation {i} reports a setup of {a.setup} minutes, the sequence "
                    f"implies {setups[i]}."
                )
            prev_end = max(prev_end, a.end)
    return bad
