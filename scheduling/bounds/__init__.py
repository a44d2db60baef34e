"""Sound lower bounds on the objective, for when CP-SAT cannot give one.

CP-SAT's bound is only valid for the full model; on big floors the circuits are pruned
around the incumbent (``solve.neighbours``) and the solver's bound then says nothing about
the problem, so plans reported a bound of 0 and a gap of 100 %. These bounds hold for every
feasible schedule, whatever the solver did, and cost milliseconds (plus, when a caller
grants them, a few deterministic seconds of CP-SAT on small relaxations):

* **Earliest starts and ends** with unlimited capacity: release, routing with lags, the
  fastest eligible mode, paused over non-working time on that mode's calendar (overtime
  counted as open); on a resource with an initial class, not before the shortest path of
  setups (and operations passed through) from it. A fixed operation ends where pinned. A
  job cannot complete before its latest earliest end.
* **Tardiness with capacity**: per group of resources that share operations (the sewing
  lines, the cutting tables...) and per set of them where some operations can only queue
  (an eligibility set, unions of two, the whole group), the k-th operation of the set to
  finish cannot finish before its capacity (each resource at its best speed, from when it
  is ready, from release cuts; and with the cheapest setup into each operation) could hold
  the k smallest; matching jobs to these completion slots at least cost (an assignment
  problem) bounds their weighted tardiness, plus the tail after the operation (on a single
  calendar: the shortest wall stretch holding its working minutes). Small sets also get an
  exact relaxation solved by CP-SAT (its proven bound counts). Disjoint sets of a group add
  their excesses over the unlimited-capacity tardiness; the best group counts.
* **Tardiness from a transportation LP** (``bound_lp.py``): per group, each operation's
  work (with its cheapest setup in) spread over time buckets of the resources' calendars,
  from its earliest start, within their capacity, at the job's tardiness when it would end
  there and at its mean busy time (HiGHS); it sees release and due dates together, which
  the slots do not (the garment floor at 1x: 9.26M unit-minutes against the slots' 7.56M).
  The better of the two counts.
* **Makespan with capacity**: the same slots for the last operation of each set, its load
  with setups, and a fractional assignment LP (HiGHS) of the set's loads.
* **Setups**: every setup class present must be entered at least once, and every set of
  classes (the colours of a style, the styles of a category) from outside the set, at its
  cheapest way in; a recursion over nested sets adds these up (``setup_bound.py``).

Earliness, overtime and deviation are bounded by 0. The bound never depends on a solution.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction

from scheduling.bounds.lp import lp_tardiness
from scheduling.bounds.setups import setup_bound
from scheduling.model import Calendar, Problem


def lower_bound(
    problem: Problem, exact_seconds: float = 0.0, exact_wall: float | None = None
) -> int:
    """A lower bound on the objective of every feasible schedule of ``problem``.

    ``exact_seconds``: deterministic CP-SAT seconds granted to exact relaxations of small
    queues (``_Capacity.exact_queue``); 0 keeps the bound to milliseconds. ``exact_wall``:
    wall seconds after which no further relaxation starts (None: none, so the bound is the
    same on every run; a loaded machine can take 5x the deterministic seconds)."""
    w = problem.objective
    total = 0
    if w.tardiness or w.makespan:
        starts, ends = _earliest(problem)
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
            total += w.tardiness * max(
                tardiness,
                capacity_tardiness(
                    problem,
                    ends,
                    starts,
                    exact_seconds,
                    exact_wall,
                    lp=_lp_wanted(problem, exact_seconds),
                ),
            )
        if w.makespan:
            last = max(completion, default=0)
            total += w.makespan * max(last, capacity_makespan(problem, ends, starts))
    if w.setup:
        total += w.setup * setup_lower_bound(problem)
    return total


def _lp_wanted(problem: Problem, exact_seconds: float) -> bool:
    """Whether :func:`lower_bound` runs the transportation LP: when the caller grants
    seconds (a 60 s plan: it then counts against their wall limit), or on a small problem
    where it takes milliseconds (not on the 1.5 s daily plans of a simulation)."""
    return exact_seconds >= EXACT_MIN_SECONDS or problem.num_operations <= LP_FREE_OPERATIONS


def earliest_ends(problem: Problem) -> list[int]:
    """Per operation, the earliest wall minute it can end with unlimited capacity."""
    return _earliest(problem)[1]


def _earliest(problem: Problem) -> tuple[list[int], list[int]]:
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
        if op.fixed:
            r = op.fixed_resource
            e = res[r].calendar.finish(op.fixed_start, op.duration_on(r))
            end_on[i] = {res[r].calendar: e}
            starts[i], ends[i] = op.fixed_start, e
            continue
        release = problem.jobs[op.job].release
        first = None
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
            if e is not None:  # a mode whose calendar runs out first cannot be used
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
    import numpy as np

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
                out[r, c] = cal.last_minute if t is None else t
    return out


def _after(pred_ends: dict[Calendar, int], cal: Calendar, lag: int) -> int:
    """Earliest wall start on calendar ``cal`` after a predecessor with these per-calendar
    earliest ends: ``lag`` working minutes on a shared calendar, wall minutes otherwise."""
    best = None
    for c, e in pred_ends.items():
        if c == cal and not cal.always_open:
            t = cal.start_at(cal.to_axis(e) + lag)
            t = cal.last_minute if t is None else t
        else:
            t = e + lag
        best = t if best is None else min(best, t)
    return 0 if best is None else best


# Above this many jobs in one set of resources the assignment is not worth its seconds.
CAPACITY_MAX_JOBS = 1500
# Release-time cuts of the slot bound per set: each is one pass over the calendars.
CAPACITY_HEADS = 12
# Speeds are rounded up to this many parts, so capacity is never under-counted.
_SPEED_SCALE = 1000
# Resource sets with at most this many items also get the exact queue relaxation solved
# by CP-SAT (``_Capacity.exact_queue``) when the caller grants seconds for it, at most
# EXACT_SECONDS (deterministic) each, smallest sets first (batch floors: a few big lots
# fight for the fast line; measured: 4 lots on 3 lines proved optimal in 0.6 units).
EXACT_MAX_ITEMS = 8
# lower_bound runs the transportation LP without granted seconds up to this many
# operations (milliseconds there).
LP_FREE_OPERATIONS = 100
# Wall seconds the LP may take when the caller limits wall time (measured under load: ~1 s at
# the 1x and 3x garment floors), on top of the exact relaxations' window.
LP_WALL_SECONDS = 1.5
# Above this many modes the assignment LP of the makespan bound is skipped.
ASSIGNMENT_MAX_MODES = 20_000
EXACT_SECONDS = 1.0
EXACT_MIN_SECONDS = 0.2
# Each relaxation is charged at least this much: building the model takes wall time that
# CP-SAT's deterministic clock does not see.
EXACT_CHARGE = 0.4
# What a solve grants them: this share of its time limit, at most EXACT_TOTAL_SECONDS
# (60 s plans: 2 deterministic s, measured 4-6.5 s of wall time at load 4 on 2 cores;
# the 1.5 s daily plans of a simulation: none).
EXACT_SHARE = 0.035
EXACT_TOTAL_SECONDS = 2.0


def exact_budget(time_limit: float) -> float:
    """Deterministic seconds a solve of ``time_limit`` seconds grants the exact queue
    relaxations of :func:`lower_bound` (0 below ``EXACT_MIN_SECONDS``)."""
    budget = min(EXACT_TOTAL_SECONDS, EXACT_SHARE * time_limit)
    return budget if budget >= EXACT_MIN_SECONDS else 0.0


# A solve that is not deterministic starts no relaxation after this many times its budget
# in wall seconds (measured: 2 units took 10 s of wall time with a benchmark alongside; the
# 1x batch floor's relaxations reach their bound, 234.06e9 against 231.0e9, in 6 s of wall
# on a quiet machine and not in 4).
EXACT_WALL_FACTOR = 3.0


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
    to finish cannot finish before the slot time of :meth:`_Capacity.slot_times`, nor
    before the k-th smallest earliest end; any schedule gives each item a distinct slot
    with C_j >= max(slot + what must follow its operation, its own earliest completion),
    so the cheapest matching bounds their weighted tardiness. Sets with disjoint resources
    hold disjoint items: their excesses over the unlimited-capacity tardiness add up.
    Groups do not add up (their items are the same jobs): the best group counts.
    ``exact_seconds``: deterministic CP-SAT seconds for :meth:`_Capacity.exact_queue` on
    sets of at most ``EXACT_MAX_ITEMS`` items, smallest first; none starts after
    ``exact_wall`` wall seconds. With ``lp``, the transportation LP of ``bound_lp`` (per
    group, the best group) counts when it says more; it runs first, for at most
    ``LP_WALL_SECONDS`` when ``exact_wall`` is given, and moves that deadline by its time.
    """
    cap = _Capacity(problem, ends, starts, exact_seconds, exact_wall)
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
        for rset in _resource_sets(problem, [i for _, i in items]):
            sub = [(j, i) for j, i in items if {m.resource for m in ops[i].modes} <= rset]
            if 2 <= len(sub) <= CAPACITY_MAX_JOBS:
                sets.append((g, rset, sub))
    sets.sort(key=lambda x: (len(x[2]), x[0], sorted(x[1])))
    costs = [cap.queue_cost(sub, rset) for _, rset, sub in sets]
    if exact_seconds >= EXACT_MIN_SECONDS:
        _exact_queues(cap, sets, costs)
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


def _exact_queues(cap: _Capacity, sets: list, costs: list[int]) -> None:
    """Raise ``costs`` (per set) by the exact relaxation of each set's heaviest items (the
    others at their unlimited-capacity tardiness; dropping items only relaxes the queue,
    and big lots are what fight for lines). Sets go to CP-SAT in the order of what they
    could still gain at most, by the heuristic's schedule of the relaxation (an upper
    bound on its optimum); a set whose heuristic schedule gains nothing is skipped."""
    from scheduling.search import heuristic
    from scheduling.validate import objective

    jobs = cap.problem.jobs
    todo = []
    for k, (_, rset, sub) in enumerate(sets):
        heavy = sorted(sub, key=lambda x: (-jobs[x[0]].weight * cap.work(x[1]), x))
        top, rest = heavy[:EXACT_MAX_ITEMS], heavy[EXACT_MAX_ITEMS:]
        relaxed, const = cap.relaxation(top, rset)
        upper = heuristic.solve(relaxed, 0.1, max_runs=heuristic.DETERMINISTIC_RUNS)
        if upper is None:
            continue
        others = sum(cap.base[j] for j, _ in rest)
        room = const + objective(relaxed, upper).total + others - costs[k]
        if room > 0:
            todo.append((-room, k, relaxed, const + others))
    for _, k, relaxed, const in sorted(todo, key=lambda x: x[:2]):
        exact = cap.exact_queue(relaxed, 0)
        if exact:
            costs[k] = max(costs[k], exact + const)


def capacity_makespan(
    problem: Problem, ends: list[int] | None = None, starts: list[int] | None = None
) -> int:
    """A lower bound on the makespan from the capacity of resource sets.

    For a set R of a group's resources, the operations that can only run on R need R's
    capacity: the last of them ends no earlier than the last slot time of
    :meth:`_Capacity.slot_times`, nor before R's working time from 0 covers their work
    *with the setups before them* (:meth:`_Capacity.setup_load`); its job then needs at
    least the shortest tail among them. The best set counts.
    """
    cap = _Capacity(problem, ends, starts)
    ops = problem.operations
    best = 0
    for by_job in cap.per_group.values():
        group_ops = [(j, i) for j, mine in by_job.items() for i in mine]
        for rset in _resource_sets(problem, [i for _, i in group_ops]):
            sub = [(j, i) for j, i in group_ops if {m.resource for m in ops[i].modes} <= rset]
            if not sub:
                continue
            tail = min(cap.tail[i] for _, i in sub)
            best = max(best, cap.slot_times(sub)[-1] + tail, cap.setup_load(sub) + tail)
            best = max(best, cap.assignment_load(sub) + tail)
    return best


def _resource_sets(problem: Problem, items: list[int]) -> list[frozenset[int]]:
    """Candidate sets: each eligibility set of the items, unions of two of them, and the
    union of all (the sets where some items can only queue)."""
    sets = sorted(
        {frozenset(m.resource for m in problem.operations[i].modes) for i in items}, key=sorted
    )
    out = set(sets)
    if len(sets) <= 16:
        out |= {a | b for a in sets for b in sets if a & b}
    if sets:
        out.add(frozenset().union(*sets))
    return sorted(out, key=lambda s: (len(s), sorted(s)))


class _Capacity:
    """The facts the capacity bound reuses for every resource set: earliest starts and
    ends, tails, per-job completion bounds, when each resource is ready, the groups."""

    def __init__(
        self,
        problem: Problem,
        ends: list[int] | None,
        starts: list[int] | None,
        exact_seconds: float = 0.0,
        exact_wall: float | None = None,
    ):
        if ends is None or starts is None:
            starts, ends = _earliest(problem)
        self.problem, self.starts, self.ends = problem, starts, ends
        ops, jobs = problem.operations, problem.jobs
        self.group = _resource_groups(problem)
        self.tail = _tails(problem)
        self.tail_work, self.tail_calendar = _tail_work(problem)
        self.ready = _ready(problem)
        self.completion = [0] * len(jobs)
        for i, op in enumerate(ops):
            self.completion[op.job] = max(self.completion[op.job], ends[i])
        self.base = [
            0 if job.due is None else job.weight * max(0, self.completion[j] - job.due)
            for j, job in enumerate(jobs)
        ]
        self.unlimited = sum(self.base[j] for j in {op.job for op in ops})
        self.per_group: dict[int, dict[int, list[int]]] = {}  # group -> job -> its ops there
        for i, op in enumerate(ops):
            g = self.group[op.modes[0].resource]
            self.per_group.setdefault(g, {}).setdefault(op.job, []).append(i)
        self._setup_in: dict[int, dict[int, int]] | None = None
        self._exact_left = exact_seconds
        self._closures: dict | None = None
        self._exact_stop = None if exact_wall is None else time.perf_counter() + exact_wall

    def past_stop(self) -> bool:
        """Whether the caller's wall deadline for relaxations has passed (never without one)."""
        return self._exact_stop is not None and time.perf_counter() > self._exact_stop

    def wall_left(self) -> float | None:
        """Wall seconds to the caller's deadline (None: no deadline)."""
        return None if self._exact_stop is None else self._exact_stop - time.perf_counter()

    @contextmanager
    def own_window(self, seconds: float) -> Iterator[None]:
        """Inside, the deadline is ``seconds`` from now (when the caller set one); after, the
        caller's deadline moves by the time spent inside, so that work does not eat the
        exact relaxations' window."""
        stop = self._exact_stop
        if stop is None:
            yield
            return
        begin = time.perf_counter()
        self._exact_stop = begin + seconds
        try:
            yield
        finally:
            self._exact_stop = stop + (time.perf_counter() - begin)

    def queue_cost(self, sub: list[tuple[int, int]], rset: frozenset[int]) -> int:
        """The cheapest matching of the items ``sub`` (job, operation) to the completion
        slots of resource set ``rset``."""
        import numpy as np
        from scipy.optimize import linear_sum_assignment

        jobs = self.problem.jobs
        slot = np.array(self.slot_times(sub), dtype=np.int64)
        w = np.array([jobs[j].weight for j, _ in sub], dtype=np.int64)
        due = np.array([jobs[j].due for j, _ in sub], dtype=np.int64)
        q = np.array([self.tail[i] for _, i in sub], dtype=np.int64)
        e = np.array([self.completion[j] for j, _ in sub], dtype=np.int64)
        done = np.maximum(slot[None, :] + q[:, None], e[:, None])
        cost = w[:, None] * np.maximum(0, done - due[:, None])
        rows, cols = linear_sum_assignment(cost)
        return int(cost[rows, cols].sum())

    def slot_times(self, sub: list[tuple[int, int]]) -> list[int]:
        """Per k, a wall minute before which fewer than k + 1 of the operations ``sub``
        can end, on the resources they are eligible for:

        * the k + 1 smallest earliest ends;
        * for a cut a among their earliest starts, the operations starting at a or later
          need the resources' capacity from a (each counted at its best speed on these
          operations, from when it is ready) for their smallest work;
        * their smallest work with the setups before them, from minute 0
          (:meth:`setup_slots`).
        """
        ops = self.problem.operations
        n = len(sub)
        work = [min(m.duration for m in ops[i].modes) for _, i in sub]
        speed = self._speeds(sub, work)
        slots = sorted(self.ends[i] for _, i in sub)
        heads = [_head(self.problem, i, self.starts) for _, i in sub]
        order = sorted(range(n), key=lambda k: heads[k])
        before = 0  # operations with an earliest start before the cut
        for a in _sample(sorted(set(heads))):
            while before < n and heads[order[before]] < a:
                before += 1
            later = sorted(work[k] for k in order[before:])
            self._raise(slots, _slots(self.problem, speed, self.ready, a, later), before)
        self._raise(slots, self.setup_slots(sub), 0)
        return slots

    def work(self, i: int) -> int:
        """Operation i's shortest mode."""
        return min(m.duration for m in self.problem.operations[i].modes)

    def relaxation(self, sub: list[tuple[int, int]], rset: frozenset[int]) -> tuple[Problem, int]:
        """A problem whose weighted tardiness plus the returned constant is at most that
        of the items ``sub`` in every schedule: only their operations here, on
        the resources of ``rset`` with their calendars and initial classes, none starting
        before its earliest start, each job due its due date less the operation's tail
        and completing no earlier than its own earliest completion less the tail; between
        two of them on a resource, whatever ran between in the real schedule took at least
        the shortest path of setups and operations (:meth:`_closure`). Every schedule
        gives a schedule of the relaxation that costs no more for these jobs."""
        from scheduling.model import Job, Mode, Objective, Operation, Precedence, Resource

        ops, jobs, res = self.problem.operations, self.problem.jobs, self.problem.resources
        lines = sorted(rset)
        at = {r: k for k, r in enumerate(lines)}
        inits = [res[r].initial_class for r in lines]
        classes = sorted({ops[i].setup_class for _, i in sub} | {c for c in inits if c is not None})
        local = {c: k for k, c in enumerate(classes)}
        new_jobs, new_ops, precs, const = [], [], [], 0
        marks = 0  # pinned one-minute operations, each on its own always-open resource

        def mark(job: int, end: int) -> int:
            nonlocal marks
            new_ops.append(
                Operation(job, (Mode(len(lines) + marks, 1),), 0, "", len(lines) + marks, end - 1)
            )
            marks += 1
            return len(new_ops) - 1

        for k, (j, i) in enumerate(sub):
            due = jobs[j].due - self.tail[i]
            const += jobs[j].weight * max(0, -due)  # C + tail - due, and C >= 0
            new_jobs.append(Job(due=max(0, due), weight=jobs[j].weight))
            op = ops[i]
            here = len(new_ops)
            new_ops.append(
                Operation(
                    k,
                    tuple(Mode(at[m.resource], m.duration) for m in op.modes),
                    local[op.setup_class],
                    fixed_resource=None if not op.fixed else at[op.fixed_resource],
                    fixed_start=op.fixed_start,
                )
            )
            if not op.fixed and self.starts[i] >= 1:
                precs.append(Precedence(mark(k, self.starts[i]), here))
            if self.completion[j] - self.tail[i] >= 1:
                mark(k, self.completion[j] - self.tail[i])
        resources = [
            Resource(res[r].name, res[r].calendar, None if c is None else local[c])
            for r, c in zip(lines, inits, strict=True)
        ]
        resources += [Resource(f"mark{k}") for k in range(marks)]
        sub_problem = Problem(
            tuple(resources),
            tuple(new_jobs),
            tuple(new_ops),
            tuple(precs),
            setups=tuple(self._closure(r, classes) for r in lines) + (None,) * marks,
            objective=Objective(tardiness=1),
        )
        return sub_problem, const

    def exact_queue(self, relaxed: Problem, const: int) -> int:
        """CP-SAT's proven bound on a :meth:`relaxation` (plus its constant), within what
        is left of the budget; 0 when nothing is."""
        seconds = min(EXACT_SECONDS, self._exact_left)
        if seconds < EXACT_MIN_SECONDS:
            return 0
        if self.past_stop():
            return 0
        return const + _proven_bound(relaxed, self, seconds)

    def _closure(self, r: int, classes: list[int]):
        """Setup matrix of resource r over ``classes`` that no sequence there beats: from
        class a to class b, the direct setup or a path through classes with operations
        eligible on r (each passed through costs its shortest operation), Floyd-Warshall
        (once per resource; classes it has no operation of are added as they come)."""
        import numpy as np

        mat = self.problem.setups[r]
        if mat is None:
            return None
        if self._closures is None:
            self._closures = {}
            self._shortest: dict[int, dict[int, int]] = {}
            for op in self.problem.operations:
                for m in op.modes:
                    per = self._shortest.setdefault(m.resource, {})
                    per[op.setup_class] = min(per.get(op.setup_class, m.duration), m.duration)
            self._arrays: dict[int, np.ndarray] = {}
        if id(mat) not in self._arrays:
            self._arrays[id(mat)] = np.asarray(mat, dtype=np.int64)
        full = self._arrays[id(mat)]
        shortest = self._shortest.get(r, {})
        if r not in self._closures:
            nodes = sorted(shortest)
            dist = full[np.ix_(nodes, nodes)].copy()
            np.fill_diagonal(dist, 0)
            for k, x in enumerate(nodes):
                dist = np.minimum(dist, dist[:, [k]] + shortest[x] + dist[[k], :])
            self._closures[r] = ({c: k for k, c in enumerate(nodes)}, dist)
        where, dist = self._closures[r]
        out = []
        for a in classes:
            row = []
            for b in classes:
                if a == b:
                    row.append(0)
                elif a in where and b in where:
                    row.append(int(dist[where[a], where[b]]))
                else:  # a class without operations on r: only its direct setups (or via)
                    via = [
                        int(full[a, x] + shortest[x] + dist[where[x], where[b]])
                        for x in (shortest if b in where else ())
                    ]
                    row.append(min([int(full[a, b]), *via]))
            out.append(tuple(row))
        return tuple(out)

    def assignment_load(self, sub: list[tuple[int, int]]) -> int:
        """A wall minute before which the operations ``sub`` cannot all be done, when
        their resources share one calendar: the least maximum load (work plus the cheapest
        setup in, a free first operation let off the dearest) of a fractional assignment
        to resources (a linear programme, HiGHS), each operation also fitting on its own;
        the most loaded resource works that long from minute 0 at least."""
        import numpy as np
        from scipy.optimize import linprog
        from scipy.sparse import coo_matrix

        ops, res = self.problem.operations, self.problem.resources
        modes = [(k, m.resource, m.duration) for k, (_, i) in enumerate(sub) for m in ops[i].modes]
        lines = sorted({r for _, r, _ in modes})
        cals = {res[r].calendar for r in lines}
        if len(cals) != 1 or len(modes) > ASSIGNMENT_MAX_MODES:
            return 0
        cal = cals.pop()
        setup_in = self._setups_in()
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
        work = max(0, math.ceil(out.fun * (1 - 1e-9) - 1e-6))
        if cal.always_open or work == 0:
            return work
        end = cal.end_at(work)
        return cal.last_minute if end is None else end

    def setup_load(self, sub: list[tuple[int, int]]) -> int:
        """A wall minute before which the operations ``sub`` cannot all be done, setups
        included (the last of :meth:`setup_slots`)."""
        return self.setup_slots(sub)[-1]

    def setup_slots(self, sub: list[tuple[int, int]]) -> list[int]:
        """Per k, a wall minute before which fewer than k + 1 of the operations ``sub`` can
        end, setups included: on a resource r an operation i takes its duration plus at
        least its cheapest setup in there (from another operation that may run on r, or
        from r's initial class), except when it is first on a resource without an initial
        class; its *work* is the least such time over its modes, and a working minute of r
        does at most ``speed[r]`` of work. The setup before an operation ends before it
        does but may run before any release, so capacity counts from minute 0; each free
        first operation is let off its dearest setup.
        """
        ops, res = self.problem.operations, self.problem.resources
        setup_in = self._setups_in()
        work, dearest = [], []
        for _, i in sub:
            work.append(min(m.duration + setup_in[m.resource][i] for m in ops[i].modes))
            dearest.append(max(setup_in[m.resource][i] for m in ops[i].modes))
        best: dict[int, Fraction] = {}
        for (_, i), w in zip(sub, work, strict=True):
            for m in ops[i].modes:
                ratio = Fraction(w, m.duration + setup_in[m.resource][i])
                if ratio > best.get(m.resource, 0):
                    best[m.resource] = ratio
        speed = {r: -(-x * _SPEED_SCALE // 1) for r, x in best.items()}
        free = sum(1 for r in speed if res[r].initial_class is None)
        credit = sum(sorted(dearest, reverse=True)[:free])
        return _slots(self.problem, speed, [0] * len(res), 0, sorted(work), credit)

    def _setups_in(self) -> dict[int, dict[int, int]]:
        """Per resource r and operation i eligible there, the cheapest setup right before
        i on r: from the class of another operation eligible on r, or from r's initial
        class (computed per class, with numpy: floors share their matrices)."""
        import numpy as np

        if self._setup_in is not None:
            return self._setup_in
        ops, res = self.problem.operations, self.problem.resources
        on: dict[int, list[int]] = {}
        for i, op in enumerate(ops):
            for m in op.modes:
                on.setdefault(m.resource, []).append(i)
        arrays: dict[int, np.ndarray] = {}
        out: dict[int, dict[int, int]] = {}
        for r, mine in on.items():
            mat = self.problem.setups[r]
            if mat is None:
                out[r] = dict.fromkeys(mine, 0)
                continue
            if id(mat) not in arrays:
                arrays[id(mat)] = np.asarray(mat, dtype=np.int64)
            full = arrays[id(mat)]
            classes = np.array(sorted({ops[i].setup_class for i in mine}))
            count = np.bincount([ops[i].setup_class for i in mine], minlength=len(full))
            sub = full[np.ix_(classes, classes)].astype(float)
            diag = np.where(count[classes] >= 2, np.diag(sub), np.inf)
            np.fill_diagonal(sub, diag)
            best = sub.min(axis=0)
            init = res[r].initial_class
            if init is not None:
                best = np.minimum(best, full[init, classes])
            # inf: alone on a resource without an initial class, so never set up there.
            best = np.where(np.isinf(best), 0, best)
            by_class = dict(zip(classes.tolist(), best.astype(np.int64).tolist(), strict=True))
            out[r] = {i: by_class[ops[i].setup_class] for i in mine}
        self._setup_in = out
        return out

    @staticmethod
    def _raise(slots: list[int], times: list[int], skip: int) -> None:
        """slots[skip + k] >= times[k]."""
        for k, t in enumerate(times[: len(slots) - skip]):
            if t > slots[skip + k]:
                slots[skip + k] = t

    def _speeds(self, sub: list[tuple[int, int]], work: list[int]) -> dict[int, int]:
        """Per resource of the operations, the most of their smallest work a working
        minute there can do, in parts of ``_SPEED_SCALE`` rounded up."""
        ops = self.problem.operations
        best: dict[int, Fraction] = {}
        for (_, i), w in zip(sub, work, strict=True):
            for m in ops[i].modes:
                ratio = Fraction(w, m.duration)
                if ratio > best.get(m.resource, 0):
                    best[m.resource] = ratio
        return {r: -(-x * _SPEED_SCALE // 1) for r, x in best.items()}


def _proven_bound(problem: Problem, cap: _Capacity, seconds: float) -> int:
    """CP-SAT's proven lower bound on ``problem`` (its optimum when it proves one) within
    ``seconds`` deterministic seconds, one worker, charged to ``cap``'s budget by the
    deterministic time used (so the same problem always gets the same bound)."""
    from ortools.sat.python import cp_model

    from scheduling.cpsat import CpSatModel, configure, solve_interruptibly

    model = CpSatModel(problem)
    solver = cp_model.CpSolver()
    configure(solver.parameters, seconds, 1, 0, deterministic=True)
    code = solve_interruptibly(solver, model.model)
    cap._exact_left -= max(solver.deterministic_time, EXACT_CHARGE)
    if code == cp_model.OPTIMAL:
        return round(solver.objective_value)
    if code == cp_model.FEASIBLE or code == cp_model.UNKNOWN:
        return max(0, math.ceil(solver.best_objective_bound - 1e-6))
    return 0  # infeasible relaxation: the problem has no schedule; nothing to add


def _sample(values: list[int]) -> list[int]:
    """At most ``CAPACITY_HEADS`` of the sorted ``values``, spread evenly, ends kept."""
    if len(values) <= CAPACITY_HEADS:
        return values
    step = (len(values) - 1) / (CAPACITY_HEADS - 1)
    return sorted({values[round(k * step)] for k in range(CAPACITY_HEADS)})


def _ready(problem: Problem) -> list[int]:
    """Per resource, the first wall minute it can work on an operation: a resource loaded
    with an initial class first sets up for the first operation (at least the cheapest
    setup from its initial class into a class eligible there), in its working time."""
    need: list[int | None] = [None] * len(problem.resources)
    for op in problem.operations:
        for m in op.modes:
            r = m.resource
            setup = problem.setup_time(r, problem.resources[r].initial_class, op.setup_class)
            need[r] = setup if need[r] is None else min(need[r], setup)
    out = []
    for r, res in enumerate(problem.resources):
        cal, work = res.calendar, need[r] or 0
        t = work if cal.always_open else cal.start_at(work)
        out.append(cal.last_minute if t is None else t)
    return out


def _head(problem: Problem, i: int, starts: list[int]) -> int:
    """No earlier wall minute can operation i work: its pinned start or its earliest start
    with unlimited capacity (a pinned operation may start before its job's release)."""
    op = problem.operations[i]
    return op.fixed_start if op.fixed else starts[i]


def _tails(problem: Problem) -> list[int]:
    """Per operation, wall minutes its job needs at least after it ends: the longest chain
    W of lags and shortest durations after it. A working minute takes at least a wall one;
    when the operation and everything after it can only run on one calendar, those are
    W working minutes of it, which take at least the shortest wall stretch holding W
    working minutes (over nights and weekends: :func:`_shortest_span`)."""
    work, only = _tail_work(problem)
    spans: dict[tuple[Calendar, int], int] = {}
    tail = []
    for w, cal in zip(work, only, strict=True):
        if cal is None or cal.always_open or w == 0:
            tail.append(w)
            continue
        if (cal, w) not in spans:
            spans[cal, w] = max(w, _shortest_span(cal, w))
        tail.append(spans[cal, w])
    return tail


def _tail_work(problem: Problem) -> tuple[list[int], list[Calendar | None]]:
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


def _shortest_span(cal: Calendar, work: int) -> int:
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


def _slots(
    problem: Problem,
    speed: dict[int, int],
    ready: list[int],
    t0: int,
    durations: list[int],
    credit: int = 0,
) -> list[int]:
    """Per k, the first wall minute by which the resources' working minutes from ``t0``
    (and from ``ready[r]``), at ``speed[r]`` parts of ``_SPEED_SCALE`` each, add up to the
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
    out, need = [], -credit * _SPEED_SCALE
    done, t, e = 0, t0, 0
    for d in durations:
        need += d * _SPEED_SCALE
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


def setup_lower_bound(problem: Problem) -> int:
    """Setup minutes every feasible schedule pays at least (``scheduling.bounds.setups``).

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
