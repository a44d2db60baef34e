"""A time-bucketed transportation LP that bounds weighted tardiness from a group's capacity.

Why: the completion-slot bound of ``bounds.tardiness.capacity_tardiness`` sorts the work of a queue
but forgets *when* each job may start and how its due date compares with the others': on
the garment floor (lots released over days, due over two weeks, lines of unequal speed)
it added 8 % to the unlimited-capacity tardiness while plans paid 12x that.

The argument, per group of resources that share operations (the sewing lines...). Cut time
into buckets ``[a_k, a_{k+1})`` (calendar windows, earliest starts; the last bucket open to
the right). In any schedule, on the resource r it runs on, give each operation i a *block*:
its working minutes plus the last ``s_ir`` minutes of the setup right before it, ``s_ir``
the cheapest setup into i there (``Capacity.cheapest_setups_in``). Blocks on a resource are
disjoint working minutes, so ``y[i, r, k]`` = (minutes of i's block in bucket k) /
(p_ir + s_ir) is a feasible point of:

* sum over r, k of ``y[i, r, k]`` = 1 for each operation i;
* sum over i of ``(p_ir + s_ir) y[i, r, k]`` <= working minutes of r in bucket k plus
  what r's *credit* lends there (not for the last bucket: it relaxes to no limit). The
  first operation on a resource without an initial class has no setup: its block is its
  p_ir minutes only and ``y`` its share of them, so it may take up to s_ir minutes more
  in the LP than in the schedule; each such resource lends its dearest s_ir, in buckets
  of the LP's choice;
* before the earliest start of i only setup minutes lie: the block there holds at most
  ``s_ir`` minutes.

Each block minute m has the operation end after it (C_i >= m + 1, the setup being before
the operation), and the job completes no earlier than what must still follow i from then
on (:func:`completion_after`), nor before its own earliest completion. So with
``c[i, k]`` = its weighted tardiness at that completion for m = a_k, the job's weighted
tardiness is at least ``sum over r, k of c[i, k] y[i, r, k]`` (a convex combination of
lower bounds), and at least its tardiness at the block's mean busy time (:func:`_busy`).
The LP minimum bounds the total. A job with several operations in the group is charged
through one of them only (the others still take capacity).

Cost: resources that no operation tells apart pool their capacity, operations that the LP
cannot tell apart share their columns (a floor copied k times costs what one copy does),
and buckets are thinned to about ``MAX_COLUMNS`` columns (``docs/scheduling-search.md``
has the timings).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, hstack, vstack

from scheduling.bounds.capacity import Capacity
from scheduling.bounds.slots import operation_head
from scheduling.model import Calendar, Problem

# A column: (operation, kind, bucket, block length, setup share, before its earliest start).
Column = tuple[int, int, int, int, int, bool]
# Per resource and operation eligible there, the cheapest setup into it.
SetupsIn = dict[int, dict[int, int]]

# At most this many buckets (each is a row per kind of resource) ...
MAX_BUCKETS = 240
# ... and few enough for about this many columns: twice as many buy little bound for
# twice the seconds ...
MAX_COLUMNS = 15_000
# ... but never fewer than this many.
MIN_BUCKETS = 24
# Always-open resources get this many equal buckets over the span the work needs.
OPEN_BUCKETS = 48
# A group whose LP would have more columns than this at MIN_BUCKETS buckets is left out:
# its HiGHS seconds would be more than a plan can spare.
MAX_VARIABLES = 30_000


def lp_tardiness(problem: Problem, cap: Capacity) -> int:
    """Weighted tardiness every schedule pays at least, from the best group's LP
    (``cap``: the :class:`Capacity` facts of the problem, for its facts); 0 when none solves.
    A group whose LP would have more than ``MAX_VARIABLES`` columns at ``MIN_BUCKETS``
    buckets is left out; none starts, and none runs on, after ``cap``'s wall deadline."""
    best = 0
    for by_job in cap.per_group.values():
        if cap.past_stop():
            break
        value = _group_lp(problem, cap, by_job)
        if value is not None:
            best = max(best, value)
    return best


def _time_left(cap: Capacity) -> dict[str, float]:
    """HiGHS options: the wall seconds left before ``cap``'s exact-relaxation deadline (the
    caller's wall limit, when it gives one: a big LP then gives up rather than overrun the
    plan; the bound is then only the other parts)."""
    left = cap.wall_left()
    return {} if left is None else {"time_limit": max(0.05, left)}


def completion_after(problem: Problem, cap: Capacity) -> list[Callable[[int], int]]:
    """Per operation i, a function t -> a wall minute before which i's job cannot
    complete when i ends at or after t: what must follow i (``work`` working minutes on
    i's only calendar, else the wall tail) counted from t."""
    work, only = cap.tail_work, cap.tail_calendar
    out = []
    for i in range(problem.num_operations):
        cal, w, tail = only[i], work[i], cap.tail[i]
        if cal is None or cal.always_open or w == 0:
            out.append(_shifted(tail))
        else:
            out.append(_on_calendar(cal, w, tail))
    return out


def _shifted(tail: int) -> Callable[[int], int]:
    """t -> t + tail."""
    return lambda t: t + tail


def _on_calendar(cal: Calendar, work: int, tail: int) -> Callable[[int], int]:
    """t -> :func:`_end_after` (cal, t, work, tail)."""
    return lambda t: _end_after(cal, t, work, tail)


def _end_after(cal: Calendar, t: int, work: int, tail: int) -> int:
    """The wall minute at which ``work`` working minutes of ``cal`` after t are done (at
    least ``t + tail``, the shortest span, for when the calendar runs out)."""
    end = cal.end_at(cal.to_axis(t) + work)
    return t + tail if end is None else max(end, t + tail)


def _group_lp(problem: Problem, cap: Capacity, by_job: dict[int, list[int]]) -> int | None:
    """The LP bound of one group: its LP minimum plus the unlimited-capacity tardiness of
    jobs without operations there."""
    ops = problem.operations
    setup_in = cap.cheapest_setups_in()
    mine = sorted(i for js in by_job.values() for i in js)
    lines = sorted({m.resource for i in mine for m in ops[i].modes})
    heads = {i: operation_head(problem, i, cap.starts) for i in mine}
    points = _boundaries(problem, lines, mine, heads, setup_in)
    points = _enough(problem, lines, mine, heads, setup_in, points)
    kinds, kind_of = _kinds(problem, lines, mine, setup_in)
    charged = _charged(problem, by_job)
    reps, count = _alike(problem, cap, mine, kind_of, setup_in, heads, charged)
    per_bucket = sum(len({kind_of[m.resource] for m in ops[i].modes}) for i in reps)
    if per_bucket * MIN_BUCKETS > MAX_VARIABLES:
        return None
    points = _thin(points, max(MIN_BUCKETS, min(MAX_BUCKETS, MAX_COLUMNS // per_bucket)))
    per_line = _capacities(problem, [rs[0] for rs in kinds], points)
    width = [[x * len(rs) for x in per_line[rs[0]]] for rs in kinds]
    costs = _costs(problem, cap, reps, charged, points)
    cols = _columns(problem, reps, kind_of, setup_in, heads, points, width)
    if not cols or len(cols) > MAX_VARIABLES:
        return None
    credit = _credits(problem, kinds, cols)
    a_eq, a_ub, b_ub = _rows(cols, reps, kinds, points, width, credit, count)
    a_eq, a_ub, b_ub, cost = _busy(
        problem, cap, kinds, cols, costs, points, a_eq, a_ub, b_ub, count
    )
    b_eq = np.array([count[i] for i in reps], dtype=float)
    out = linprog(
        cost,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=(0, None),
        method="highs",
        options=_time_left(cap),
    )
    if out.status != 0:
        return None
    value = max(0, math.floor(float(out.fun) * (1 - 1e-7) - 1e-6))
    here = {ops[i].job for i in mine}
    others = sum(cap.base[j] for j in {op.job for op in ops} if j not in here)
    return value + others


def _busy(
    problem: Problem,
    cap: Capacity,
    kinds: list[list[int]],
    cols: list[Column],
    costs: dict[int, list[int]],
    points: list[int],
    a_eq: Any,
    a_ub: Any,
    b_ub: Any,
    count: dict[int, int],
) -> tuple[Any, Any, Any, Any]:
    """Adds a column T_j per charged job (the LP's objective) with two rows: T_j at least
    its blocks' costs, and T_j at least its weighted tardiness at the *mean busy time*
    bound: the L = p + s minutes of a block (p when the operation may be the first on a
    resource without an initial class) are distinct wall minutes before the operation
    ends, so it ends at least (L + 1) / 2 after their mean, which is at least the mean of
    their buckets' starts; the job then needs its tail. (This is what stops the LP from
    sharing a resource between all operations at once at no cost.) For a representative
    of ``count`` alike operations, T is their sum."""
    ops, jobs = problem.operations, problem.jobs
    charged = sorted({i for i, *_ in cols if any(costs[i])})
    t_col = {i: n for n, i in enumerate(charged)}
    nv, nt = a_eq.shape[1], len(charged)
    rows, cc, vals = [], [], []
    free = [any(problem.resources[r].initial_class is None for r in rs) for rs in kinds]
    for v, (i, q, k, length, share, _) in enumerate(cols):
        if i in t_col:
            w = jobs[ops[i].job].weight
            # The first operation on a resource without an initial class has no setup.
            busy = length - share if free[q] else length
            rows += [2 * t_col[i], 2 * t_col[i] + 1]
            cc += [v, v]
            vals += [costs[i][k], w * (points[k] + (busy + 1) / 2)]
    for n in t_col.values():
        rows += [2 * n, 2 * n + 1]
        cc += [nv + n, nv + n]
        vals += [-1.0, -1.0]
    rhs: list[float] = []
    for i in charged:
        job = jobs[ops[i].job]
        assert job.due is not None, "charged jobs have due dates"
        rhs += [0.0, count[i] * job.weight * (job.due - cap.tail[i])]
    extra = coo_matrix((vals, (rows, cc)), shape=(2 * nt, nv + nt)).tocsr()
    a_ub = vstack([hstack([a_ub, coo_matrix((a_ub.shape[0], nt))]), extra]).tocsr()
    a_eq = hstack([a_eq, coo_matrix((a_eq.shape[0], nt))]).tocsr()
    cost = np.zeros(nv + nt)
    cost[nv:] = 1.0
    return a_eq, a_ub, np.concatenate([b_ub, np.array(rhs, dtype=float)]), cost


def _alike(
    problem: Problem,
    cap: Capacity,
    mine: list[int],
    kind_of: dict[int, int],
    setup_in: SetupsIn,
    heads: dict[int, int],
    charged: set[int],
) -> tuple[list[int], dict[int, int]]:
    """Operations that the LP cannot tell apart (same kinds, durations, setup shares,
    earliest start and end, tails, weight, due date and earliest completion, both charged
    with their job's cost or both not) share their columns: the
    copies of a floor scaled up give the LP of one copy. The LP over representatives with
    right-hand sides times their counts has the same minimum (split a solution evenly)."""
    ops, jobs = problem.operations, problem.jobs
    first: dict[tuple[Any, ...], int] = {}
    count: dict[int, int] = {}
    for i in mine:
        job = jobs[ops[i].job]
        modes = tuple(
            sorted((kind_of[m.resource], m.duration, setup_in[m.resource][i]) for m in ops[i].modes)
        )
        fixed = ops[i].fixed_resource
        key = (
            modes,
            -1 if fixed is None else kind_of[fixed],
            heads[i],
            cap.ends[i],
            cap.tail[i],
            cap.tail_work[i],
            cap.tail_calendar[i],
            job.weight,
            job.due,
            cap.completion[ops[i].job],
            i in charged,
        )
        rep = first.setdefault(key, i)
        count[rep] = count.get(rep, 0) + 1
    return sorted(count), count


def _kinds(
    problem: Problem, lines: list[int], mine: list[int], setup_in: SetupsIn
) -> tuple[list[list[int]], dict[int, int]]:
    """Lines that no operation tells apart (same calendar, same duration and cheapest setup
    in for every operation) pool their capacity: one column per kind and bucket."""
    ops, res = problem.operations, problem.resources
    on: dict[int, list[tuple[int, int, int]]] = {r: [] for r in lines}
    for i in mine:
        for m in ops[i].modes:
            on[m.resource].append((i, m.duration, setup_in[m.resource][i]))
    by_key: dict[tuple[Any, ...], list[int]] = {}
    for r in lines:
        by_key.setdefault((res[r].calendar, tuple(on[r])), []).append(r)
    kinds = list(by_key.values())
    return kinds, {r: k for k, rs in enumerate(kinds) for r in rs}


def _charged(problem: Problem, by_job: dict[int, list[int]]) -> set[int]:
    """The operations that carry their job's cost (due, weight > 0): per job, its last
    operation in the group in topological order."""
    jobs = problem.jobs
    order = {i: k for k, i in enumerate(problem.topological_order())}
    return {
        max(js, key=lambda x: order[x])
        for j, js in by_job.items()
        if jobs[j].due is not None and jobs[j].weight > 0
    }


def _costs(
    problem: Problem, cap: Capacity, reps: list[int], charged: set[int], points: list[int]
) -> dict[int, list[int]]:
    """Per operation, per bucket: the weighted tardiness its job pays at least when a
    minute of the operation's block lies in the bucket (0 when it is not charged)."""
    jobs = problem.jobs
    after = completion_after(problem, cap)
    out = {i: [0] * len(points) for i in reps}
    for i in reps:
        if i not in charged:
            continue
        j = problem.operations[i].job
        job, row = jobs[j], out[i]
        assert job.due is not None, "charged jobs have due dates"
        for k, a in enumerate(points):
            done = max(after[i](max(a + 1, cap.ends[i])), cap.completion[j])
            row[k] = job.weight * max(0, done - job.due)
    return out


def _columns(
    problem: Problem,
    mine: list[int],
    kind_of: dict[int, int],
    setup_in: SetupsIn,
    heads: dict[int, int],
    points: list[int],
    width: list[list[int]],
) -> list[Column]:
    """The LP's columns (operation, kind, bucket, block length, setup share, whether the
    bucket ends by the operation's earliest start): a kind's
    buckets with capacity (and the open last one), before the operation's earliest start
    only when it has a setup share."""
    ops = problem.operations
    nb = len(points)
    cols = []
    for i in mine:
        op = ops[i]
        seen = set()
        for m in op.modes:
            r = m.resource
            if op.fixed and r != op.fixed_resource:
                continue
            q = kind_of[r]
            if q in seen:
                continue
            seen.add(q)
            s = setup_in[r][i]
            for k in range(nb):
                if k < nb - 1 and (width[q][k] <= 0 or (points[k + 1] <= heads[i] and s == 0)):
                    continue
                early = k < nb - 1 and points[k + 1] <= heads[i]
                cols.append((i, q, k, m.duration + s, s, early))
    return cols


def _rows(
    cols: list[Column],
    mine: list[int],
    kinds: list[list[int]],
    points: list[int],
    width: list[list[int]],
    credit: list[int],
    count: dict[int, int],
) -> tuple[Any, Any, Any]:
    """Equality rows (each operation's blocks add up to one) and inequality rows (the
    capacity of each kind and bucket, plus what its credit lends there; at most the setup
    share of a block before the operation's earliest start; each kind's credit in all).
    The credit columns follow the blocks' columns."""
    nb = len(points)
    nv = len(cols)
    lent = [q for q in range(len(kinds)) if credit[q] > 0]
    total = nv + len(lent) * (nb - 1)
    op_row = {i: q for q, i in enumerate(mine)}
    a_eq = coo_matrix(
        (np.ones(nv), ([op_row[c[0]] for c in cols], np.arange(nv))), shape=(len(mine), total)
    )
    rows: list[int] = []
    cc: list[int] = []
    vals: list[float] = []
    rhs: list[float] = []
    for v, (_, q, k, length, _, _) in enumerate(cols):
        if k < nb - 1:
            rows.append(q * (nb - 1) + k)
            cc.append(v)
            vals.append(length)
    rhs += [width[q][k] for q in range(len(kinds)) for k in range(nb - 1)]
    pre: dict[tuple[int, int], int] = {}
    for v, (i, q, _, length, share, early) in enumerate(cols):
        if not early:
            continue
        if (i, q) not in pre:
            pre[i, q] = len(rhs)
            rhs.append(share * count[i])
        rows.append(pre[i, q])
        cc.append(v)
        vals.append(length)
    for n, q in enumerate(lent):
        for k in range(nb - 1):
            v = nv + n * (nb - 1) + k
            rows += [q * (nb - 1) + k, len(rhs)]
            cc += [v, v]
            vals += [-1.0, 1.0]
        rhs.append(credit[q])
    a_ub = coo_matrix((vals, (rows, cc)), shape=(len(rhs), total)).tocsr()
    return a_eq.tocsr(), a_ub, np.array(rhs, dtype=float)


def _credits(problem: Problem, kinds: list[list[int]], cols: list[Column]) -> list[int]:
    """Per kind, the setup minutes its blocks may count that no schedule pays: the first
    operation on a line without an initial class has no setup before it, so each such
    line lends the dearest setup share of the kind's blocks."""
    dearest = [0] * len(kinds)
    for _, q, _, _, share, _ in cols:
        dearest[q] = max(dearest[q], share)
    free = [sum(1 for r in rs if problem.resources[r].initial_class is None) for rs in kinds]
    return [f * d for f, d in zip(free, dearest, strict=True)]


def _boundaries(
    problem: Problem, lines: list[int], mine: list[int], heads: dict[int, int], setup_in: SetupsIn
) -> list[int]:
    """Bucket starts: 0, the windows (regular and overtime) of the lines' calendars, the
    earliest starts; on always-open lines an even grid over the span the work needs."""
    res, ops = problem.resources, problem.operations
    points = {0}
    points.update(heads.values())
    cals = {res[r].calendar for r in lines}
    for cal in cals:
        for a, b in (*cal.windows, *cal.overtime):
            points.update((a, b))
    if any(cal.always_open for cal in cals):
        work = sum(min(m.duration + setup_in[m.resource][i] for m in ops[i].modes) for i in mine)
        span = (
            max(heads.values())
            + -(-work // max(1, len(lines)))
            + max(m.duration for i in mine for m in ops[i].modes)
        )
        step = max(1, span // OPEN_BUCKETS)
        points.update(range(0, span + step, step))
    return sorted(points)


def _thin(points: list[int], most: int) -> list[int]:
    """At most ``most`` of the boundaries, spread evenly, the first kept (dropping a
    boundary merges two buckets, which only relaxes the LP)."""
    if len(points) <= most:
        return points
    pick = np.linspace(0, len(points) - 1, most).round().astype(int)
    return sorted({points[k] for k in pick})


def _enough(
    problem: Problem,
    lines: list[int],
    mine: list[int],
    heads: dict[int, int],
    setup_in: SetupsIn,
    points: list[int],
) -> list[int]:
    """The boundaries up to the first one by which the lines, from the latest earliest
    start on, could have done all the work at its slowest (later ones are dropped: the
    last bucket takes everything after, which only relaxes the LP, and its solution has
    no need to go there)."""
    ops = problem.operations
    need = sum(max(m.duration + setup_in[m.resource][i] for m in ops[i].modes) for i in mine)
    late = max(heads.values())
    at = bisect.bisect_left(points, late)
    width = _capacities(problem, lines, points[at:])
    total = np.zeros(max(0, len(points) - at - 1))
    for r in lines:
        total += np.array(width[r], dtype=float)
    done = np.cumsum(total)
    over = np.flatnonzero(done >= need)
    if len(over) == 0:
        return points
    return points[: at + int(over[0]) + 2]


def _capacities(problem: Problem, lines: list[int], points: list[int]) -> dict[int, list[int]]:
    """Per line, its working minutes in each bounded bucket."""
    out = {}
    by_cal: dict[Calendar, list[int]] = {}
    for r in lines:
        cal = problem.resources[r].calendar
        if cal not in by_cal:
            axis = points if cal.always_open else [cal.to_axis(t) for t in points]
            by_cal[cal] = [b - a for a, b in itertools.pairwise(axis)]
        out[r] = by_cal[cal]
    return out
