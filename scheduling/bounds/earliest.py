"""Earliest starts and ends of every operation with unlimited capacity: the base of every
bound here (a job cannot complete before its latest earliest end)."""

from __future__ import annotations

import numpy as np

from scheduling.model import Calendar, Problem


def earliest_ends(problem: Problem) -> list[int]:
    """Per operation, the earliest wall minute it can end with unlimited capacity."""
    return earliest_starts_ends(problem)[1]


def earliest_starts_ends(problem: Problem) -> tuple[list[int], list[int]]:
    """Per operation, the earliest wall minutes it can start and end with unlimited
    capacity (a pinned operation: where it is pinned)."""
    ops, res = problem.operations, problem.resources
    preds = problem.predecessors()
    order = problem.topological_order()
    # operation -> {calendar: earliest end on a resource with it}: what a successor needs,
    # and far fewer entries than resources on a big floor (lines share a calendar).
    end_on: list[dict[Calendar, int]] = [{} for _ in ops]
    starts, ends = [0] * len(ops), [0] * len(ops)
    ready = _class_ready(problem)
    for i in order:
        op = ops[i]
        if op.fixed_resource is not None and op.fixed_start is not None:
            r = op.fixed_resource
            end = _finish(res[r].calendar, op.fixed_start, op.duration_on(r))
            end_on[i] = {res[r].calendar: end}
            starts[i], ends[i] = op.fixed_start, end
            continue
        release = problem.jobs[op.job].release
        first: int | None = None
        begin: dict[Calendar, int | None] = {}  # calendar -> earliest start on it
        for mode in op.modes:
            cal = res[mode.resource].calendar
            if cal not in begin:
                earliest = release
                for pr in preds[i]:
                    earliest = max(earliest, _after(end_on[pr.pred], cal, pr.lag))
                begin[cal] = cal.next_working(earliest)
            start = begin[cal]
            wait = ready.get((mode.resource, op.setup_class), 0)
            if start is not None and wait > start:
                start = cal.next_working(wait)
            e = None if start is None else cal.finish(start, mode.duration)
            if e is not None and start is not None:  # a calendar that runs out: no mode
                end_on[i][cal] = min(end_on[i].get(cal, e), e)
                first = start if first is None else min(first, start)
        # No mode fits its calendar: no schedule at all; the release is still a bound.
        starts[i] = release if first is None else first
        ends[i] = min(end_on[i].values(), default=release)
    return starts, ends


def _class_ready(problem: Problem) -> dict[tuple[int, int], int]:
    """(resource, class) -> the first wall minute an operation of the class can start on
    the resource, when it has an initial class and setups: whatever runs before it there
    (setups from the initial class on, and the shortest operation of each class passed
    through) takes that many working minutes from minute 0 at least, the shortest path
    from the initial class in the graph of classes eligible there (Dijkstra)."""

    ops, res = problem.operations, problem.resources
    shortest: dict[int, dict[int, int]] = {}  # resource -> class -> shortest operation
    for op in ops:
        for m in op.modes:
            per = shortest.setdefault(m.resource, {})
            per[op.setup_class] = min(per.get(op.setup_class, m.duration), m.duration)
    arrays: dict[int, np.ndarray] = {}
    out: dict[tuple[int, int], int] = {}
    for r, per in shortest.items():
        mat, init, cal = problem.setups[r], res[r].initial_class, res[r].calendar
        if mat is None or init is None:
            continue  # the first operation there may start at once
        if id(mat) not in arrays:
            arrays[id(mat)] = np.asarray(mat, dtype=np.int64)
        full = arrays[id(mat)]
        classes = np.array(sorted(per))
        run = np.array([per[c] for c in classes.tolist()], dtype=np.int64)
        arc = full[np.ix_(classes, classes)]
        dist = full[init, classes].astype(np.int64)
        done = np.zeros(len(classes), dtype=bool)
        for _ in range(len(classes)):
            u = int(np.argmin(np.where(done, np.iinfo(np.int64).max, dist)))
            done[u] = True
            dist = np.minimum(dist, dist[u] + run[u] + arc[u])
        for c, d in zip(classes.tolist(), dist.tolist(), strict=True):
            if d > 0:
                t = d if cal.always_open else cal.start_at(d)
                out[r, c] = or_last(cal, t)
    return out


def _after(pred_ends: dict[Calendar, int], cal: Calendar, lag: int) -> int:
    """Earliest wall start on calendar ``cal`` after a predecessor with these per-calendar
    earliest ends: ``lag`` working minutes on a shared calendar, wall minutes otherwise."""
    best: int | None = None
    for c, e in pred_ends.items():
        if c == cal and not cal.always_open:
            t = or_last(cal, cal.start_at(cal.to_axis(e) + lag))
        else:
            t = e + lag
        best = t if best is None else min(best, t)
    return 0 if best is None else best


def or_last(cal: Calendar, t: int | None) -> int:
    """``t``, or the calendar's last minute when ``t`` is past its end (None): a bound that
    runs off a calendar stops at its end."""
    if t is not None:
        return t
    last = cal.last_minute
    assert last is not None, "only a calendar with an end runs out"
    return last


def _finish(cal: Calendar, start: int, work: int | None) -> int:
    """Where a pinned operation of ``work`` minutes from ``start`` ends on ``cal``."""
    assert work is not None, "a pinned operation has a mode on its resource"
    return or_last(cal, cal.finish(start, work))
