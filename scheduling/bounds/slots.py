"""Completion slots: per k, a wall minute before which fewer than k + 1 of a set of
operations can end, from the working capacity of the resources they may use."""

from __future__ import annotations

from scheduling.bounds.earliest import or_last
from scheduling.model import Problem

# Release-time cuts of the slot bound per set: each is one pass over the calendars.
CAPACITY_HEADS = 12


# Speeds are rounded up to this many parts, so capacity is never under-counted.
SPEED_SCALE = 1000


def sample_cuts(values: list[int]) -> list[int]:
    """At most ``CAPACITY_HEADS`` of the sorted ``values``, spread evenly, ends kept."""
    if len(values) <= CAPACITY_HEADS:
        return values
    step = (len(values) - 1) / (CAPACITY_HEADS - 1)
    return sorted({values[round(k * step)] for k in range(CAPACITY_HEADS)})


def resource_ready(problem: Problem) -> list[int]:
    """Per resource, the first wall minute it can work on an operation: a resource loaded
    with an initial class first sets up for the first operation (at least the cheapest
    setup from its initial class into a class eligible there), in its working time."""
    need: dict[int, int] = {}
    for op in problem.operations:
        for m in op.modes:
            r = m.resource
            setup = problem.setup_time(r, problem.resources[r].initial_class, op.setup_class)
            need[r] = min(need.get(r, setup), setup)
    out = []
    for r, res in enumerate(problem.resources):
        cal, work = res.calendar, need.get(r, 0)
        t = work if cal.always_open else cal.start_at(work)
        out.append(or_last(cal, t))
    return out


def operation_head(problem: Problem, i: int, starts: list[int]) -> int:
    """No earlier wall minute can operation i work: its pinned start or its earliest start
    with unlimited capacity (a pinned operation may start before its job's release)."""
    start = problem.operations[i].fixed_start
    return starts[i] if start is None else start


def completion_slots(
    problem: Problem,
    speed: dict[int, int],
    ready: list[int],
    t0: int,
    durations: list[int],
    credit: int = 0,
) -> list[int]:
    """Per k, the first wall minute by which the resources' working minutes from ``t0``
    (and from ``ready[r]``), at ``speed[r]`` parts of ``SPEED_SCALE`` each, add up to the
    k shortest ``durations`` (sorted ascending) less ``credit``."""
    events: list[tuple[int, int]] = []  # (wall time, change of the working speed)
    rate = 0
    for r, v in speed.items():
        c = problem.resources[r].calendar
        begin = max(t0, ready[r])
        if c.always_open:
            events.append((begin, v))
            continue
        for a, b in c.segments:
            if b > begin:
                events += [(max(a, begin), v), (b, -v)]
    events.sort()
    out, need = [], -credit * SPEED_SCALE
    done, t, e = 0, t0, 0
    for d in durations:
        need += d * SPEED_SCALE
        if need <= done:  # the credit covers it: nothing later than now is known
            out.append(t)
            continue
        # Advance until the capacity done reaches need.
        while True:
            while e < len(events) and events[e][0] <= t:
                rate += events[e][1]
                e += 1
            nxt = events[e][0] if e < len(events) else None
            if rate > 0 and (nxt is None or done + rate * (nxt - t) >= need):
                out.append(t + -(-(need - done) // rate))
                break
            if nxt is None:  # capacity runs out: nothing fits later; the last time bounds
                out.append(t)
                break
            done += rate * (nxt - t)
            t = nxt
    return out
