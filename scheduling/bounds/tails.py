"""What a job still needs after each of its operations ends (its *tail*), in working and
in wall minutes: the completion-slot and LP bounds add it to an operation's end."""

from __future__ import annotations

from scheduling.model import Calendar, Problem


def wall_tails(problem: Problem) -> list[int]:
    """Per operation, wall minutes its job needs at least after it ends: the longest chain
    W of lags and shortest durations after it. A working minute takes at least a wall one;
    when the operation and everything after it can only run on one calendar, those are
    W working minutes of it, which take at least the shortest wall stretch holding W
    working minutes (over nights and weekends: :func:`shortest_span`)."""
    work, only = tail_work(problem)
    spans: dict[tuple[Calendar, int], int] = {}
    tail = []
    for w, cal in zip(work, only, strict=True):
        if cal is None or cal.always_open or w == 0:
            tail.append(w)
            continue
        if (cal, w) not in spans:
            spans[cal, w] = max(w, shortest_span(cal, w))
        tail.append(spans[cal, w])
    return tail


def tail_work(problem: Problem) -> tuple[list[int], list[Calendar | None]]:
    """Per operation, the working minutes its job needs at least after it ends (the longest
    chain of lags and shortest durations after it) and the one calendar that it and every
    operation after it run on (None: more than one)."""
    succ = problem.successors()
    res = problem.resources
    work = [0] * problem.num_operations
    # The one calendar of the operation and all after it (None: more than one).
    only: list[Calendar | None] = [None] * problem.num_operations
    for i in reversed(problem.topological_order()):
        cals = {res[m.resource].calendar for m in problem.operations[i].modes}
        one = next(iter(cals)) if len(cals) == 1 else None
        for pr in succ[i]:
            b = problem.operations[pr.succ]
            need = pr.lag + min(m.duration for m in b.modes) + work[pr.succ]
            work[i] = max(work[i], need)
            if only[pr.succ] != one:
                one = None
        only[i] = one
    return work, only


def shortest_span(cal: Calendar, work: int) -> int:
    """The shortest wall stretch of ``cal`` holding ``work`` working minutes. Some shortest
    one starts at a segment start or ends at a segment end (else slide it), so only those
    are tried; ``work`` when none holds that much."""
    best = None
    for k, (a, b) in enumerate(cal.segments):
        end = cal.end_at(cal.offsets[k] + work)
        if end is not None:
            best = end - a if best is None else min(best, end - a)
        axis = cal.offsets[k] + (b - a) - work
        if axis >= 0:
            start = cal.start_at(axis)
            if start is not None:
                best = b - start if best is None else min(best, b - start)
    return work if best is None else best
