"""Cheap, sound lower bounds on the objective, for when CP-SAT cannot give one.

CP-SAT's bound is only valid for the full model; on big floors the circuits are pruned
around the incumbent (``solve.neighbours``) and the solver's bound then says nothing about
the problem, so plans reported a bound of 0 and a gap of 100 %. These bounds hold for every
feasible schedule, whatever the solver did, and cost milliseconds:

* **Tardiness and makespan**: each operation's earliest end with unlimited capacity
  (release, routing with lags, the fastest eligible mode, paused over non-working time on
  that mode's calendar, overtime windows counted as open); a fixed operation ends where it
  is pinned. A job cannot complete before its latest earliest end.
* **Tardiness with capacity**: per group of resources that share operations (the sewing
  lines, the cutting tables...), the k-th operation of the group to finish cannot finish
  before the group's working capacity from the earliest start could hold the k shortest
  operations; matching jobs to these completion slots at least cost (an assignment
  problem, OR-Tools' ``linear_sum_assignment``) bounds the weighted tardiness. The best
  group's bound counts (bounds of different groups do not add up).
* **Setups**: every setup class present must be entered at least once, and every set of
  classes (the colours of a style, the styles of a category) from outside the set, at its
  cheapest way in; a recursion over nested sets adds these up (``setup_bound.py``).

Earliness, overtime and deviation are bounded by 0. The bound never depends on a solution.
"""

from __future__ import annotations

from scheduling.problem import Calendar, Problem
from scheduling.setup_bound import setup_bound


def lower_bound(problem: Problem) -> int:
    """A lower bound on the objective of every feasible schedule of ``problem``."""
    w = problem.objective
    total = 0
    if w.tardiness or w.makespan:
        ends = earliest_ends(problem)
        completion = [0] * len(problem.jobs)
        for i, op in enumerate(problem.operations):
            completion[op.job] = max(completion[op.job], ends[i])
        if w.tardiness:
            has_ops = {op.job for op in problem.operations}
            tardiness = sum(
                job.weight * max(0, completion[j] - job.due)
                for j, job in enumerate(problem.jobs)
                if job.due is not None and j in has_ops
            )
            total += w.tardiness * max(tardiness, capacity_tardiness(problem, ends))
        if w.makespan:
            total += w.makespan * max(completion, default=0)
    if w.setup:
        total += w.setup * setup_lower_bound(problem)
    return total


def _finish(cal: Calendar, earliest: int, duration: int) -> int | None:
    """Wall end of ``duration`` working minutes started as early as possible from
    ``earliest`` on ``cal`` (None when the calendar runs out first)."""
    start = cal.next_working(earliest)
    return None if start is None else cal.finish(start, duration)


def earliest_ends(problem: Problem) -> list[int]:
    """Per operation, the earliest wall minute it can end with unlimited capacity."""
    ops, res = problem.operations, problem.resources
    preds = problem.predecessors()
    order = _topological(problem)
    end_on: list[dict[int, int]] = [{} for _ in ops]  # operation -> {resource: earliest end}
    ends = [0] * len(ops)
    for i in order:
        op = ops[i]
        if op.fixed:
            r = op.fixed_resource
            e = res[r].calendar.finish(op.fixed_start, op.duration_on(r))
            end_on[i] = {r: e}
            ends[i] = e
            continue
        release = problem.jobs[op.job].release
        for mode in op.modes:
            cal = res[mode.resource].calendar
            earliest = release
            for pr in preds[i]:
                earliest = max(earliest, _after(problem, end_on[pr.pred], cal, pr.lag))
            e = _finish(cal, earliest, mode.duration)
            if e is not None:
                end_on[i][mode.resource] = e
        # No mode fits its calendar: no schedule at all; the release is still a bound.
        ends[i] = min(end_on[i].values(), default=release)
    return ends


def _after(problem: Problem, pred_ends: dict[int, int], cal: Calendar, lag: int) -> int:
    """Earliest wall start on calendar ``cal`` after a predecessor with these per-resource
    earliest ends: ``lag`` working minutes on a shared calendar, wall minutes otherwise."""
    best = None
    for r, e in pred_ends.items():
        if problem.resources[r].calendar == cal and not cal.always_open:
            t = cal.start_at(cal.to_axis(e) + lag)
            t = cal.last_minute if t is None else t
        else:
            t = e + lag
        best = t if best is None else min(best, t)
    return 0 if best is None else best


def _topological(problem: Problem) -> list[int]:
    succ = problem.successors()
    indeg = [len(p) for p in problem.predecessors()]
    stack = [i for i in range(problem.num_operations) if indeg[i] == 0][::-1]
    out = []
    while stack:
        i = stack.pop()
        out.append(i)
        for pr in succ[i]:
            indeg[pr.succ] -= 1
            if indeg[pr.succ] == 0:
                stack.append(pr.succ)
    return out


# Above this many jobs in a group the assignment (n^2 arcs) is not worth its seconds.
CAPACITY_MAX_JOBS = 1200


def capacity_tardiness(problem: Problem, ends: list[int] | None = None) -> int:
    """Weighted tardiness every schedule pays at least, from each resource group's capacity.

    Per group: each job with exactly one operation there (others are left out, which only
    weakens the bound) gets the slot bounds S_1 <= ... <= S_n (k-th completion in the group
    >= the time its capacity from the earliest start holds the k shortest operations, and
    >= the k-th smallest earliest end); any schedule gives each job a distinct slot with
    C_j >= max(S_slot + what must follow the operation, its own earliest completion), so
    the cheapest matching is a lower bound.
    """
    from ortools.graph.python import linear_sum_assignment

    ends = ends if ends is not None else earliest_ends(problem)
    ops, jobs = problem.operations, problem.jobs
    group = _resource_groups(problem)
    tail = _tails(problem)
    completion = [0] * len(jobs)
    for i, op in enumerate(ops):
        completion[op.job] = max(completion[op.job], ends[i])
    per_group: dict[int, dict[int, list[int]]] = {}  # group -> job -> its operations there
    for i, op in enumerate(ops):
        per_group.setdefault(group[op.modes[0].resource], {}).setdefault(op.job, []).append(i)
    best = 0
    for g, by_job in per_group.items():
        items = [
            (j, i[0])
            for j, i in by_job.items()
            if len(i) == 1 and jobs[j].due is not None and jobs[j].weight > 0
        ]
        if len(items) < 2 or len(items) > CAPACITY_MAX_JOBS:
            continue
        resources = sorted({r for r, h in enumerate(group) if h == g})
        durations = [min(m.duration for m in ops[i].modes) for _, i in items]
        earliest_start = min(_earliest_start(problem, j, i) for j, i in items)
        slots = _slots(problem, resources, earliest_start, sorted(durations))
        own = sorted(ends[i] for _, i in items)
        slots = [max(a, b) for a, b in zip(slots, own, strict=True)]
        if slots[-1] + max(tail[i] for _, i in items) <= min(jobs[j].due for j, _ in items):
            continue  # every job could still be on time as far as capacity goes
        solver = linear_sum_assignment.SimpleLinearSumAssignment()
        for a, (j, i) in enumerate(items):
            wj, dj, ej, qi = jobs[j].weight, jobs[j].due, completion[j], tail[i]
            for k, t in enumerate(slots):
                solver.add_arc_with_cost(a, k, wj * max(0, max(t + qi, ej) - dj))
        if solver.solve() == solver.OPTIMAL:
            best = max(best, solver.optimal_cost())
    return best


def _tails(problem: Problem) -> list[int]:
    """Per operation, wall minutes its job needs at least after it ends: the longest chain
    of lags and shortest durations after it (a working minute takes at least a wall one)."""
    succ = problem.successors()
    tail = [0] * problem.num_operations
    for i in reversed(_topological(problem)):
        for pr in succ[i]:
            b = problem.operations[pr.succ]
            need = pr.lag + min(m.duration for m in b.modes) + tail[pr.succ]
            tail[i] = max(tail[i], need)
    return tail


def _earliest_start(problem: Problem, j: int, i: int) -> int:
    """No earlier wall minute can operation i (of job j) work: its pinned start, or its
    job's release (pinned operations may start before the release)."""
    op = problem.operations[i]
    return op.fixed_start if op.fixed else problem.jobs[j].release


def _slots(problem: Problem, resources: list[int], t0: int, durations: list[int]) -> list[int]:
    """Per k, the first wall minute by which the resources' working minutes from ``t0``
    add up to the k shortest ``durations`` (sorted ascending)."""
    cals = [problem.resources[r].calendar for r in resources]
    # Events: (wall time, +1/-1 open resources) from each calendar's segments after t0.
    events: list[tuple[int, int]] = []
    open_always = 0
    for c in cals:
        if c.always_open:
            open_always += 1
            continue
        for a, b in c.segments:
            if b > t0:
                events += [(max(a, t0), 1), (b, -1)]
    events.sort()
    out, need = [], 0
    done, t, rate, e = 0, t0, open_always, 0
    for d in durations:
        need += d
        # Advance until the capacity done reaches need.
        while True:
            while e < len(events) and events[e][0] <= t:
                rate += events[e][1]
                e += 1
            nxt = events[e][0] if e < len(events) else None
            if rate > 0 and (nxt is None or done + rate * (nxt - t) >= need):
                t_hit = t + -(-(need - done) // rate)
                out.append(t_hit)
                break
            if nxt is None:  # capacity runs out: nothing fits later; the last time bounds
                out.append(t)
                break
            done += rate * (nxt - t)
            t = nxt
    return out


def setup_lower_bound(problem: Problem) -> int:
    """Setup minutes every feasible schedule pays at least (``scheduling.setup_bound``).

    The argument runs per group of resources that share operations (cutting tables,
    sewing lines, finishing teams): a class cut on a table has still to start on a line.
    """
    return setup_bound(problem, _resource_groups(problem))


def _resource_groups(problem: Problem) -> list[int]:
    """Per resource, the id of its group: resources linked by operations eligible on both."""
    parent = list(range(len(problem.resources)))

    def root(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for op in problem.operations:
        first = root(op.modes[0].resource)
        for m in op.modes[1:]:
            parent[root(m.resource)] = first
    return [root(r) for r in range(len(parent))]
