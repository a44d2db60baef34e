"""Weighted tardiness every schedule pays at least, from the capacity of resource sets:
the completion slots matched to jobs at least cost, raised by exact relaxations of small
queues, and the transportation LP of :mod:`scheduling.bounds.lp`; the best counts."""

from __future__ import annotations

from scheduling.bounds.capacity import Capacity
from scheduling.bounds.exact import EXACT_MIN_SECONDS, ExactRelaxations
from scheduling.bounds.groups import resource_sets
from scheduling.bounds.lp import lp_tardiness
from scheduling.model import Problem

# Above this many jobs in one set of resources the assignment is not worth its seconds.
CAPACITY_MAX_JOBS = 1500


# Wall seconds the LP may take when the caller limits wall time, on top of the exact
# relaxations' window (the garment floors need about one).
LP_WALL_SECONDS = 1.5


def capacity_tardiness(
    problem: Problem,
    ends: list[int] | None = None,
    starts: list[int] | None = None,
    exact_seconds: float = 0.0,
    exact_wall: float | None = None,
    lp: bool = True,
) -> int:
    """Weighted tardiness every schedule pays at least, from the capacity of resource sets.

    Per group of resources that share operations, the *items* are the jobs with exactly
    one operation there (others are left out, which only weakens the bound). Every job
    pays at least its tardiness with unlimited capacity; on top, for a set R of the group's
    resources, the items whose operation can only run on R queue for R: the k-th of them
    to finish cannot finish before the slot time of :meth:`Capacity.slot_times`, nor
    before the k-th smallest earliest end; any schedule gives each item a distinct slot
    with C_j >= max(slot + what must follow its operation, its own earliest completion),
    so the cheapest matching bounds their weighted tardiness. Sets with disjoint resources
    hold disjoint items: their excesses over the unlimited-capacity tardiness add up.
    Groups do not add up (their items are the same jobs): the best group counts.
    ``exact_seconds``: deterministic CP-SAT seconds for ``exact.ExactRelaxations`` on
    sets of at most ``EXACT_MAX_ITEMS`` items, smallest first; none starts after
    ``exact_wall`` wall seconds. With ``lp``, the transportation LP of ``bounds.lp`` (per
    group, the best group) counts when it says more; it runs first, for at most
    ``LP_WALL_SECONDS`` when ``exact_wall`` is given, and moves that deadline by its time.
    """
    cap = Capacity(problem, ends, starts, exact_wall)
    # First: on big floors the slots below take seconds, and the LP says more there. It has
    # its own LP_WALL_SECONDS, so on small floors the exact relaxations, which are what lift
    # a batch plan's bound, keep their whole window.
    from_lp = 0
    if lp:
        with cap.own_window(LP_WALL_SECONDS):
            from_lp = lp_tardiness(problem, cap)
    ops, jobs = problem.operations, problem.jobs
    sets = []  # (group, resource set, its items)
    for g, by_job in cap.per_group.items():
        items = [
            (j, i[0])
            for j, i in by_job.items()
            if len(i) == 1 and jobs[j].due is not None and jobs[j].weight > 0
        ]
        for rset in resource_sets(problem, [i for _, i in items]):
            sub = [(j, i) for j, i in items if {m.resource for m in ops[i].modes} <= rset]
            if 2 <= len(sub) <= CAPACITY_MAX_JOBS:
                sets.append((g, rset, sub))
    sets.sort(key=lambda x: (len(x[2]), x[0], sorted(x[1])))
    costs = [cap.queue_cost(sub, rset) for _, rset, sub in sets]
    if exact_seconds >= EXACT_MIN_SECONDS:
        ExactRelaxations(cap, exact_seconds).raise_costs(sets, costs)
    gains: dict[int, list[tuple[int, frozenset[int]]]] = {}  # group -> (excess, set)
    for (g, rset, sub), cost in zip(sets, costs, strict=True):
        gain = cost - sum(cap.base[j] for j, _ in sub)
        if gain > 0:
            gains.setdefault(g, []).append((gain, rset))
    best = 0
    for found in gains.values():
        taken: set[int] = set()
        extra = 0
        for gain, rset in sorted(found, key=lambda x: (-x[0], sorted(x[1]))):
            if not taken & rset:
                taken |= rset
                extra += gain
        best = max(best, extra)
    return max(cap.unlimited + best, from_lp)
