"""A lower bound on the makespan from the capacity of resource sets: the last operation
of a set ends no earlier than its slots, its load with setups, or a fractional assignment
of its work to the set's resources allows."""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

from scheduling.bounds.capacity import Capacity
from scheduling.bounds.earliest import or_last
from scheduling.bounds.groups import resource_sets
from scheduling.model import Problem

# Above this many modes the assignment LP of the makespan bound is skipped.
ASSIGNMENT_MAX_MODES = 20_000


def capacity_makespan(
    problem: Problem, ends: list[int] | None = None, starts: list[int] | None = None
) -> int:
    """A lower bound on the makespan from the capacity of resource sets.

    For a set R of a group's resources, the operations that can only run on R need R's
    capacity: the last of them ends no earlier than the last slot time of
    :meth:`Capacity.slot_times`, nor before R's working time from 0 covers their work
    *with the setups before them* (:meth:`Capacity.setup_load`); its job then needs at
    least the shortest tail among them. The best set counts.
    """
    cap = Capacity(problem, ends, starts)
    ops = problem.operations
    best = 0
    for by_job in cap.per_group.values():
        group_ops = [(j, i) for j, mine in by_job.items() for i in mine]
        for rset in resource_sets(problem, [i for _, i in group_ops]):
            sub = [(j, i) for j, i in group_ops if {m.resource for m in ops[i].modes} <= rset]
            if not sub:
                continue
            tail = min(cap.tail[i] for _, i in sub)
            best = max(best, cap.slot_times(sub)[-1] + tail, cap.setup_load(sub) + tail)
            best = max(best, assignment_load(cap, sub) + tail)
    return best


def assignment_load(cap: Capacity, sub: list[tuple[int, int]]) -> int:
    """A wall minute before which the operations ``sub`` cannot all be done, when
    their resources share one calendar: the least maximum load (work plus the cheapest
    setup in, a free first operation let off the dearest) of a fractional assignment
    to resources (a linear programme, HiGHS), each operation also fitting on its own;
    the most loaded resource works that long from minute 0 at least."""
    ops, res = cap.problem.operations, cap.problem.resources
    modes = [(k, m.resource, m.duration) for k, (_, i) in enumerate(sub) for m in ops[i].modes]
    lines = sorted({r for _, r, _ in modes})
    cals = {res[r].calendar for r in lines}
    if len(cals) != 1 or len(modes) > ASSIGNMENT_MAX_MODES:
        return 0
    cal = cals.pop()
    setup_in = cap.cheapest_setups_in()
    row_of = {r: k for k, r in enumerate(lines)}
    n, v = len(sub), len(modes)  # variables: one per mode, then the load L (last)
    load = [(d + setup_in[r][sub[k][1]]) for k, r, d in modes]
    credit = dict.fromkeys(lines, 0)
    for k, r, _ in modes:
        if res[r].initial_class is None:
            credit[r] = max(credit[r], setup_in[r][sub[k][1]])
    rows, cols, vals = [], [], []
    for c, ((k, r, d), x) in enumerate(zip(modes, load, strict=True)):
        rows += [row_of[r], len(lines) + k]
        cols += [c, c]
        vals += [x, d]
    for q in range(len(lines) + n):  # each row: ... - L <= b
        rows.append(q)
        cols.append(v)
        vals.append(-1)
    a_ub = coo_matrix((vals, (rows, cols)), shape=(len(lines) + n, v + 1))
    b_ub = [credit[r] for r in lines] + [0] * n
    a_eq = coo_matrix(([1] * v, ([k for k, _, _ in modes], range(v))), shape=(n, v + 1))
    cost = np.zeros(v + 1)
    cost[v] = 1
    out = linprog(cost, a_ub, b_ub, a_eq, np.ones(n), bounds=(0, None), method="highs")
    if out.status != 0:
        return 0
    work = max(0, math.ceil(float(out.fun) * (1 - 1e-9) - 1e-6))
    if cal.always_open or work == 0:
        return work
    return or_last(cal, cal.end_at(work))
