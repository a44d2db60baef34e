"""An independent checker: is a solution feasible for a problem, and what does it cost?

It shares nothing with the solvers beyond the problem classes' plain fields: calendar
arithmetic is redone here from the raw windows (not the ``Calendar`` helpers the model and
heuristic use), so a bug there cannot hide itself. Every test and benchmark runs it on every
solution. Violations come back as plain sentences; an empty list means feasible.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduling.problem import Calendar, Problem, Solution


def _open_windows(cal: Calendar) -> list[tuple[int, int]] | None:
    """Regular and overtime windows together, sorted; None when always open."""
    wins = sorted(list(cal.windows) + list(cal.overtime))
    return wins or None


def _working(wins: list[tuple[int, int]] | None, a: int, b: int) -> int:
    """Working minutes inside wall interval ``[a, b)``."""
    if b <= a:
        return 0
    if wins is None:
        return b - max(a, 0) if b > 0 else 0
    return sum(max(0, min(b, e) - max(a, s)) for s, e in wins)


def _is_working(wins: list[tuple[int, int]] | None, t: int) -> bool:
    return _working(wins, t, t + 1) == 1


def _overtime(problem: Problem, solution: Solution) -> int:
    """Per resource and overtime window: minutes from the window's start to the end of the
    last work inside it (the line stays open until then)."""
    total = 0
    for r, res in enumerate(problem.resources):
        for a, b in res.calendar.overtime:
            ends = [
                min(x.end, b) for x in solution if x.resource == r and x.start < b and x.end > a
            ]
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
    for j, job in enumerate(problem.jobs):
        if job.due is not None and any(op.job == j for op in ops):
            tard += job.weight * max(0, completion[j] - job.due)
            earl += job.weight * max(0, job.due - completion[j])
    setup = sum(_sequence_setups(problem, solution).values())
    overtime = _overtime(problem, solution)
    dev = 0
    if problem.previous is not None:
        for a, p in zip(solution, problem.previous, strict=True):
            if p is not None:
                wins = _open_windows(problem.resources[a.resource].calendar)
                dev += _working(wins, min(a.start, p.start), max(a.start, p.start))
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
        wins = _open_windows(res[a.resource].calendar)
        if not _is_working(wins, a.start):
            bad.append(f"{name} starts at {a.start}, outside working time of its resource.")
        if a.end <= a.start or not _is_working(wins, a.end - 1):
            bad.append(f"{name} ends at {a.end}, not right after a worked minute.")
        worked = _working(wins, a.start, a.end)
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
            gap = _working(_open_windows(res[b.resource].calendar), a.end, b.start)
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
        wins = _open_windows(res[r].calendar)
        prev_end = 0
        for k, i in enumerate(seq):
            a = solution[i]
            if k and a.start < prev_end:
                bad.append(f"operation {i} overlaps operation {seq[k - 1]} on resource {r}.")
            elif _working(wins, prev_end, a.start) < setups[i]:
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
