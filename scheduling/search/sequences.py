"""Local search over the sequences of the changeover stage (sewing lines), for routed jobs.

Why: on the garment floor the sewing lines carry exact, sequence-dependent changeovers that
can eat a third of their time, and every lot is late when they do. A dispatching start
changes style at almost every lot; CP-SAT steps (LNS windows) re-sequence a few hours or a
group at a time and cost a sub-solve each. Here the schedule is reduced to what matters for
that: *which line, in which order* for each operation of the changeover stage. A candidate
is priced in microseconds by a per-line surrogate (each lot's other operations are assumed
to run as early as their routing allows, so a line's cost depends on its own sequence only),
so thousands of moves fit in seconds: iterated greedy (remove a few operations or a whole
run of a setup family, re-insert at the cheapest line and place) with a constant-temperature
acceptance, as Ruiz & Stuetzle do for flow shops and Fanjul-Peyro & Ruiz for parallel
machines with setups. Sequences are turned into an exact schedule by :func:`decode`
(cutting and finishing placed around the lines, in gaps, overtime only where it pays), whose
objective the independent checker computes. The surrogate does not see the queues at
cutting and finishing (measured on the 217-lot C2M plan: 4.0e9 on it for 4.6e9 exact, and
the exact value stalled while the surrogate's kept falling), so the last ``EXACT_SHARE`` of
the budget accepts moves on the exact objective of their decoded schedule instead. The
caller keeps the result only if it is better and valid.

Applies to problems (:func:`applicable`) where one stage has changeovers: every operation
is either on changeover resources only or on resources without changeovers, a job has at
most one changeover operation, precedences stay within a job, all resources share one
calendar, a pinned operation waits for nothing that moves, and there is no makespan term.

Replans (the nightly run): pinned operations (what is on the floor) stay where they are;
on a line they come first, and the search orders what follows them (a start whose free
operations run before a pinned one on its line is kept as the start, never re-created).
The surrogate prices the deviation from the previous plan of each line operation (its
start and its line), the checker's objective all of it.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
from dataclasses import dataclass

from scheduling.model import Assignment, Problem, Solution
from scheduling.result import fill_setups
from scheduling.validate import objective


def applicable(problem: Problem) -> bool:
    """Whether :func:`improve` applies (see the module docstring for the conditions)."""
    if problem.objective.makespan:
        return False
    lines = {r for r in range(len(problem.resources)) if problem.has_setups(r)}
    if not lines or not problem.precedences:
        return False
    if len({r.calendar for r in problem.resources}) != 1:
        return False
    per_job: dict[int, int] = {}
    preds = problem.predecessors()
    for i, op in enumerate(problem.operations):
        # A pinned operation waits for nothing that moves (the decoder places it first).
        if op.fixed and any(not problem.operations[q.pred].fixed for q in preds[i]):
            return False
        on = {m.resource in lines for m in op.modes}
        if len(on) != 1:
            return False
        if True in on:
            per_job[op.job] = per_job.get(op.job, 0) + 1
            if per_job[op.job] > 1:
                return False
    ops = problem.operations
    return bool(per_job) and all(ops[p.pred].job == ops[p.succ].job for p in problem.precedences)


# Calendars with at most this many working minutes get a table of wall ends (a list of ints,
# about 7 MB at the cap; the sample floor's 14-day plans need about 32,000 entries).
WALL_TABLE_MAX = 200_000


@dataclass
class _Data:
    """Per line operation, what the surrogate needs (axis = the shared working-time axis)."""

    head: list[int]  # earliest axis start allowed by release and predecessors
    tail: list[int]  # axis minutes of successors (min durations and lags) after it
    floor: list[int]  # axis completion lower bound of its job from other branches
    due: list[int | None]
    w_tard: list[int]
    w_early: list[int]
    cls: list[int]
    dur: list[dict[int, int]]
    prev: list[tuple[int, int] | None]  # previous plan: (axis start, resource), if any


class _Lines:
    """The surrogate: each line's cost from its own sequence (see the module docstring)."""

    def __init__(self, problem: Problem) -> None:
        self.p = problem
        ops = problem.operations
        self.cal = problem.resources[0].calendar
        self.lines = [r for r in range(len(problem.resources)) if problem.has_setups(r)]
        line_set = set(self.lines)
        on_lines = [i for i, op in enumerate(ops) if op.modes[0].resource in line_set]
        # What the search moves; pinned line operations are each line's fixed prefix.
        self.line_ops = [i for i in on_lines if not ops[i].fixed]
        self.pinned: dict[int, list[int]] = {r: [] for r in self.lines}
        for i in sorted((i for i in on_lines if ops[i].fixed), key=lambda i: ops[i].fixed_start):
            self.pinned[ops[i].fixed_resource].append(i)
        w = problem.objective
        self.w_setup, self.w_ot = w.setup, w.overtime
        self.w_dev = w.deviation if problem.previous is not None else 0
        self.reassign = w.reassign_minutes
        cal = self.cal
        preds, succs = problem.predecessors(), problem.successors()
        order = problem.topological_order()
        # For the decoder, which runs once per exact step: each job's operations in routing
        # order, and the routing's links (built once, not per decode).
        self.preds, self.succs = preds, succs
        rank = {i: k for k, i in enumerate(order)}
        self.routed = [sorted(ops_j, key=rank.__getitem__) for ops_j in problem.job_operations()]
        dmin = [
            op.duration_on(op.fixed_resource) if op.fixed else min(m.duration for m in op.modes)
            for op in ops
        ]
        est = [0] * len(ops)
        for i in order:
            if ops[i].fixed:
                est[i] = cal.to_axis(ops[i].fixed_start)
                continue
            job = problem.jobs[ops[i].job]
            t = cal.to_axis(job.release)
            for q in preds[i]:
                t = max(t, est[q.pred] + dmin[q.pred] + q.lag)
            est[i] = t
        tail = [0] * len(ops)
        for i in reversed(order):
            tail[i] = max((q.lag + dmin[q.succ] + tail[q.succ] for q in succs[i]), default=0)
        floor: dict[int, int] = {}
        line_of_job = {ops[i].job for i in self.line_ops}
        chain: set[int] = set()
        for i in self.line_ops:  # operations before or after the line operation in its job
            stack = [i]
            while stack:
                k = stack.pop()
                if k not in chain:
                    chain.add(k)
                    stack.extend(q.succ for q in succs[k])
            stack = [q.pred for q in preds[i]]
            while stack:
                k = stack.pop()
                if k not in chain:
                    chain.add(k)
                    stack.extend(q.pred for q in preds[k])
        for i, op in enumerate(ops):
            if op.job in line_of_job and i not in chain:
                floor[op.job] = max(floor.get(op.job, 0), est[i] + dmin[i])
        n = len(ops)
        jobs = [problem.jobs[op.job] for op in ops]
        self.d = _Data(
            head=est,
            tail=tail,
            floor=[floor.get(ops[i].job, 0) for i in range(n)],
            due=[j.due for j in jobs],
            w_tard=[w.tardiness * j.weight for j in jobs],
            w_early=[w.earliness * j.weight for j in jobs],
            cls=[op.setup_class for op in ops],
            dur=[{m.resource: m.duration for m in op.modes} for op in ops],
            prev=[
                None if a is None else (cal.to_axis(a.start), a.resource)
                for a in (problem.previous or [None] * n)
            ],
        )
        # Overtime windows as axis intervals (each lies inside one working segment).
        self.ot = sorted((cal.to_axis(a), cal.to_axis(a) + b - a) for a, b in cal.overtime)
        self.ot_ends = [b for _, b in self.ot]
        # Each line's state when its free operations begin (after its pinned ones): every
        # pricing of a line starts from it.
        self.start_state = {r: self._start_state(r) for r in self.lines}
        # Wall end of every axis minute: pricing asks for one per operation priced, and the
        # calendar's bisection was a fifth of the search's time (217-lot C2M plan).
        capacity = cal.capacity
        self.wall_end = (
            [cal.end_at(a) for a in range(capacity + 1)]
            if capacity is not None and capacity <= WALL_TABLE_MAX
            else None
        )

    def end_at(self, axis: int) -> int | None:
        """The calendar's ``end_at``, from the table where there is one."""
        table = self.wall_end
        if table is None:
            return self.cal.end_at(axis)
        return table[axis] if 0 <= axis < len(table) else self.cal.end_at(axis)

    def job_cost(self, i: int, end: int) -> int:
        """Tardiness and earliness of line operation ``i``'s job if it ends at axis ``end``."""
        d = self.d
        due = d.due[i]
        if due is None:
            return 0
        axis, table = max(end + d.tail[i], d.floor[i]), self.wall_end
        done = table[axis] if table is not None and axis < len(table) else self.end_at(axis)
        if done is None:
            return 10**18
        if done > due:
            return d.w_tard[i] * (done - due)
        return d.w_early[i] * (due - done)

    def run(self, r: int, seq: list[int], state: tuple, record: list | None = None) -> int:
        """Cost of ``seq`` on line ``r`` from ``state`` (free axis, last class, overtime
        window index, its open charge). ``record`` gets, before each operation, (state,
        cost so far without the open charge): see :meth:`prefix`."""
        # Locals: this loop is the search's inner loop (millions of operations priced).
        d, mat, dur = self.d, self.p.setups[r], self.d.dur
        cls, head, prev = d.cls, d.head, d.prev
        job_cost, w_setup, w_dev = self.job_cost, self.w_setup, self.w_dev
        t, last, k, charge = state
        cost = 0
        ot, nwin = self.ot, len(self.ot) if self.w_ot else 0
        for i in seq:
            if record is not None:
                record.append(((t, last, k, charge), cost))
            c = cls[i]
            s = 0 if last is None else mat[last][c]
            cost += w_setup * s
            begin = t + s
            if head[i] > begin:
                begin = head[i]
            t = begin + dur[i][r]
            last = c
            cost += job_cost(i, t)
            if w_dev and prev[i] is not None:
                was, line = prev[i]
                cost += w_dev * (abs(begin - was) + (self.reassign if line != r else 0))
            if nwin:
                while k < nwin and ot[k][1] <= begin:
                    cost += self.w_ot * charge
                    k, charge = k + 1, 0
                while k < nwin and ot[k][0] < t:
                    charge = max(charge, min(t, ot[k][1]) - ot[k][0])
                    if t < ot[k][1]:
                        break
                    cost += self.w_ot * charge
                    k, charge = k + 1, 0
        if record is not None:
            record.append(((t, last, k, charge), cost))
        return cost + self.w_ot * charge

    def _start_state(self, r: int) -> tuple:
        pinned = self.pinned[r]
        if not pinned:
            return (0, self.p.resources[r].initial_class, 0, 0)
        end = self.pinned_end(pinned[-1])
        window = bisect.bisect_right(self.ot_ends, end) if self.w_ot else 0
        return (end, self.d.cls[pinned[-1]], window, 0)

    def pinned_end(self, i: int) -> int:
        """Axis end of pinned operation ``i`` (its head is its pinned start)."""
        op = self.p.operations[i]
        return self.d.head[i] + op.duration_on(op.fixed_resource)

    def prefix(self, r: int, seq: list[int]) -> list[tuple[tuple, int]]:
        """Per position k: (state before ``seq[k]``, cost of ``seq[:k]`` without the open
        overtime charge), so an insertion at k re-prices only the suffix."""
        out: list[tuple[tuple, int]] = []
        self.run(r, seq, self.start_state[r], out)
        return out

    def cost(self, r: int, seq: list[int]) -> int:
        return self.run(r, seq, self.start_state[r])

    def eligible(self, block: list[int]) -> list[int]:
        """The lines every operation of ``block`` may use."""
        d = self.d
        lines = set(d.dur[block[0]])
        for i in block[1:]:
            lines &= set(d.dur[i])
        return sorted(lines)

    def best_insertion(
        self,
        block: list[int],
        seqs: dict[int, list[int]],
        costs: dict[int, int],
        lines: list[int] | None = None,
    ) -> tuple[int, int, int, int] | None:
        """Cheapest (delta, line, position, new line cost) to insert ``block`` (in order)
        on ``lines`` (default: every eligible line)."""
        best = None
        for r in self.eligible(block) if lines is None else lines:
            seq = seqs[r]
            pre = self.prefix(r, seq)
            for k in range(len(seq) + 1):
                state, before = pre[k]
                new = before + self.run(r, block + seq[k:], state)
                delta = new - costs[r]
                if best is None or delta < best[0]:
                    best = (delta, r, k, new)
        return best


def _runs(lines: _Lines, seq: list[int], r: int, small: int) -> list[tuple[int, int]]:
    """Maximal stretches [a, b) of ``seq`` whose consecutive changeovers are ``small``."""
    mat, cls = lines.p.setups[r], lines.d.cls
    out, a = [], 0
    for k in range(1, len(seq) + 1):
        if k == len(seq) or mat[cls[seq[k - 1]]][cls[seq[k]]] > small:
            out.append((a, k))
            a = k
    return out


def _small_setup(problem: Problem, lines: list[int]) -> int:
    """A changeover counts as small (same family: e.g. a colour change within a style) when
    it is at most a quarter of the median positive changeover."""
    vals = sorted(x for r in lines[:1] for row in problem.setups[r] for x in row if x > 0)
    return vals[len(vals) // 2] // 4 if vals else 0


def sequences_of(problem: Problem, solution: Solution, lines: _Lines) -> dict[int, list[int]]:
    """The free line operations of ``solution`` per line, in start order."""
    seqs: dict[int, list[int]] = {r: [] for r in lines.lines}
    for i in lines.line_ops:
        seqs[solution[i].resource].append(i)
    for seq in seqs.values():
        seq.sort(key=lambda i: (solution[i].start, i))
    return seqs


def decode(problem: Problem, lines: _Lines, seqs: dict[int, list[int]]) -> Solution | None:
    """An exact schedule with the lines' operations in ``seqs`` order.

    Jobs are placed whole, in the order their line operation starts in the surrogate (so
    each line keeps its sequence); see :class:`_Decoder` for the other operations.
    """
    ops, d = problem.operations, lines.d
    key: dict[int, tuple[int, int, int]] = {}
    for r, seq in seqs.items():
        for pos, i in enumerate(lines.pinned[r]):
            key[ops[i].job] = (d.head[i], pos - len(lines.pinned[r]), r)
        t, last = lines.start_state[r][:2]
        for pos, i in enumerate(seq):
            s = problem.setup_time(r, last, d.cls[i])
            t = max(d.head[i], t + s)
            key[ops[i].job] = (t, pos, r)
            t += d.dur[i][r]
            last = d.cls[i]
    cal = lines.cal
    jobs = sorted(
        range(len(problem.jobs)),
        key=lambda j: key.get(j, (cal.to_axis(problem.jobs[j].release), 0, -1)),
    )
    return _Decoder(problem, lines, seqs).run(jobs)


class _Decoder:
    """Places jobs whole, one after the other, on the working-time axis.

    A line operation goes to the end of its line. An operation off the lines goes to the
    eligible resource and gap where it does best, choosing between the earliest gap and the
    earliest one outside overtime windows (overtime costs per minute the line stays open):
    one that feeds a line operation should not delay it and then avoids overtime; a job's
    last one weighs its job's tardiness against the overtime it opens; others end first.
    """

    def __init__(self, problem: Problem, lines: _Lines, seqs: dict[int, list[int]]) -> None:
        self.p, self.lines = problem, lines
        self.line_of = {i: r for r, seq in seqs.items() for i in seq}
        self.busy: dict[int, list[tuple[int, int]]] = {}
        self.free = {r: lines.start_state[r][0] for r in seqs}
        self.last = {r: lines.start_state[r][1] for r in seqs}
        self.charge: dict[tuple[int, int], int] = {}
        self.preds, self.succs = lines.preds, lines.succs
        ot = lines.ot
        self.ot_ends = lines.ot_ends
        gaps = [b - a for (_, a), (b, _) in itertools.pairwise(ot)]
        self.regular_max = max(gaps, default=0) if ot else None
        for i, op in enumerate(problem.operations):  # pinned: taken before anything moves
            if op.fixed:
                t, e = lines.d.head[i], lines.pinned_end(i)
                _occupy(self.busy.setdefault(op.fixed_resource, []), t, e)
                self._charge(op.fixed_resource, t, e)

    def run(self, jobs: list[int]) -> Solution | None:
        p, cal = self.p, self.lines.cal
        routed = self.lines.routed
        out: list[Assignment | None] = [None] * p.num_operations
        ax_end = [0] * p.num_operations
        for j in jobs:
            release = cal.to_axis(p.jobs[j].release)
            done = 0
            for i in routed[j]:
                ready = release
                for q in self.preds[i]:
                    ready = max(ready, ax_end[q.pred] + q.lag)
                op = p.operations[i]
                if op.fixed:
                    t, e = self.lines.d.head[i], self.lines.pinned_end(i)
                    r, s = op.fixed_resource, 0
                elif i in self.line_of:
                    r, t, e, s = self._line(i, ready)
                else:
                    r, t, e = self._off_line(i, ready, done)
                    s = 0
                start, end = cal.start_at(t), cal.end_at(e)
                if start is None or end is None:
                    return None
                out[i] = Assignment(r, start, end, s)
                ax_end[i] = e
                done = max(done, e)
        return fill_setups(p, Solution(out))

    def _line(self, i: int, ready: int) -> tuple[int, int, int, int]:
        r, d = self.line_of[i], self.lines.d
        s = self.p.setup_time(r, self.last[r], d.cls[i])
        t = max(ready, self.free[r] + s)
        e = t + d.dur[i][r]
        self.free[r], self.last[r] = e, d.cls[i]
        return r, t, e, s

    def _off_line(self, i: int, ready: int, done: int) -> tuple[int, int, int]:
        p, lines = self.p, self.lines
        feeds = [q for q in self.succs[i] if q.succ in self.line_of]
        target = None
        if feeds:  # the latest end that does not delay the line operation it feeds
            q = feeds[0]
            r = self.line_of[q.succ]
            s = p.setup_time(r, self.last[r], lines.d.cls[q.succ])
            target = self.free[r] + s - q.lag
        job = p.jobs[p.operations[i].job]
        best = None
        for m in p.operations[i].modes:
            busy = self.busy.setdefault(m.resource, [])
            first = _gap(busy, ready, m.duration)
            starts = {first}
            if next(self._windows(first, first + m.duration), None) is not None:
                regular = self._regular_gap(busy, first, m.duration)
                if regular is not None:
                    starts.add(regular)
            for t in sorted(starts):
                e = t + m.duration
                ot = lines.w_ot * self._overtime(m.resource, t, e)
                if target is not None:
                    key = (max(0, e - target), ot, e)
                elif not self.succs[i]:
                    key = (self._job_cost(job, max(done, e)) + ot, e)
                else:
                    key = (e, ot)
                if best is None or key < best[0]:
                    best = (key, m.resource, t, e)
        _, r, t, e = best
        _occupy(self.busy[r], t, e)
        self._charge(r, t, e)
        return r, t, e

    def _job_cost(self, job, end: int) -> int:
        if job.due is None:
            return 0
        done = self.lines.end_at(end)
        w = self.p.objective
        if done is None:
            return 10**18
        if done > job.due:
            return w.tardiness * job.weight * (done - job.due)
        return w.earliness * job.weight * (job.due - done)

    def _windows(self, t: int, e: int):
        """Overtime windows (index, axis start, axis end) that [t, e) works in."""
        ot = self.lines.ot
        k = bisect.bisect_right(self.ot_ends, t)
        while k < len(ot) and ot[k][0] < e:
            yield k, ot[k][0], ot[k][1]
            k += 1

    def _overtime(self, r: int, t: int, e: int) -> int:
        """Overtime minutes that working [t, e) on ``r`` adds."""
        extra = 0
        for k, a, b in self._windows(t, e):
            extra += max(0, min(e, b) - a - self.charge.get((r, k), 0))
        return extra

    def _charge(self, r: int, t: int, e: int) -> None:
        for k, a, b in self._windows(t, e):
            self.charge[r, k] = max(self.charge.get((r, k), 0), min(e, b) - a)

    def _regular_gap(self, busy: list[tuple[int, int]], ready: int, dur: int) -> int | None:
        """Earliest gap start >= ``ready`` whose ``dur`` minutes miss every overtime window
        (None when none can: no overtime, or longer than the regular time between two)."""
        if self.regular_max is None or dur > self.regular_max:
            return None
        t = ready
        for _ in range(64):
            t = _gap(busy, t, dur)
            hit = next(self._windows(t, t + dur), None)
            if hit is None:
                return t
            t = hit[2]
        return None


def _occupy(intervals: list[tuple[int, int]], t: int, e: int) -> None:
    """Add busy [t, e) to sorted disjoint ``intervals``, merging touching ones (a packed
    resource then is one interval, and gap searches do not walk its history)."""
    k = bisect.bisect_left(intervals, (t, e))
    if k > 0 and intervals[k - 1][1] == t:
        k -= 1
        t = intervals[k][0]
        del intervals[k]
    if k < len(intervals) and intervals[k][0] == e:
        e = intervals[k][1]
        del intervals[k]
    intervals.insert(k, (t, e))


def _gap(intervals: list[tuple[int, int]], ready: int, dur: int) -> int:
    """Earliest axis start >= ``ready`` of ``dur`` minutes between sorted busy intervals."""
    t = ready
    k = bisect.bisect_left(intervals, (ready, ready))
    if k > 0:
        t = max(t, intervals[k - 1][1])
    while k < len(intervals) and intervals[k][0] < t + dur:
        t = max(t, intervals[k][1])
        k += 1
    return t


def improve(
    problem: Problem,
    start: Solution,
    time_budget: float,
    seed: int = 0,
    max_iterations: int | None = None,
) -> tuple[Solution, dict]:
    """Improve ``start`` by iterated greedy on the line sequences (module docstring).

    Returns the decoded schedule of the best sequences found (the caller validates it and
    keeps whichever of it and ``start`` is better) and statistics. Deterministic for a seed
    and ``max_iterations``.
    """
    t0 = time.perf_counter()
    lines = _Lines(problem)
    rng = random.Random(seed)
    small = _small_setup(problem, lines.lines)
    exact = _Exact(problem, lines, start, sequences_of(problem, start, lines))
    surrogate_iterations = exact_iterations = None
    if max_iterations is not None:
        exact_iterations = round(EXACT_SHARE * max_iterations / EXACT_STEP_COST)
        surrogate_iterations = max_iterations - round(EXACT_SHARE * max_iterations)
    stats = _surrogate_phase(
        lines, exact, rng, small, t0 + (1 - EXACT_SHARE) * time_budget, surrogate_iterations
    )
    stats |= _exact_phase(lines, exact, rng, small, t0 + time_budget, exact_iterations)
    stats["sequence_seconds"] = round(time.perf_counter() - t0, 3)
    return exact.solution, stats


class _Budget:
    """Iterations (deterministic runs) or a deadline; a timed run does not start a step
    that would end past the deadline, judged by the last step (an exact step on the
    2,170-lot plan takes 2-3 s)."""

    def __init__(self, deadline: float, cap: int | None) -> None:
        self.deadline, self.cap = deadline, cap
        self.iterations, self.began = 0, None

    def running(self) -> bool:
        now = time.perf_counter()
        step = 0.0 if self.began is None else now - self.began
        self.began = now
        if self.cap is not None:
            return self.iterations < self.cap
        return now + step < self.deadline

    def next(self) -> int:
        self.iterations += 1
        return self.iterations


def _surrogate_phase(
    lines: _Lines,
    exact: _Exact,
    rng: random.Random,
    small: int,
    deadline: float,
    cap: int | None,
) -> dict:
    """Iterated greedy accepting on the surrogate; its bests are offered to ``exact`` (the
    surrogate ignores queues at the other stages, so its best is not always the checker's)."""
    seqs = _copy(exact.seqs)
    costs = {r: lines.cost(r, s) for r, s in seqs.items()}
    cur = sum(costs.values())
    best, best_seqs, first = cur, _copy(seqs), cur
    temperature = TEMPERATURE * cur / max(1, len(lines.line_ops))
    accepted = checked = 0
    budget = _Budget(deadline, cap)
    while budget.running():
        it = budget.next()
        got = _step(lines, seqs, costs, rng, small)
        if got is None:
            continue
        new, new_costs = got
        value = sum(new_costs.values())
        if value <= cur or rng.random() < math.exp(-(value - cur) / max(1e-9, temperature)):
            seqs, costs, cur = new, new_costs, value
            accepted += 1
            if cur < best:
                best, best_seqs = cur, _copy(seqs)
                if it - checked >= CHECK_EVERY:
                    exact.offer(best_seqs)
                    checked = it
    exact.offer(best_seqs)
    return {
        "sequence_iterations": budget.iterations,
        "sequence_accepted": accepted,
        "sequence_surrogate": [first, best],
        "sequence_decoded": exact.decoded,
        "sequence_surrogate_objective": exact.value,
    }


def _exact_phase(
    lines: _Lines,
    exact: _Exact,
    rng: random.Random,
    small: int,
    deadline: float,
    cap: int | None,
) -> dict:
    """Moves chosen by the surrogate (best insertion) but accepted on the checker's
    objective of their decoded schedule, from the best schedule so far: where the
    surrogate's own search stalls, this still finds what the queues at cutting and
    finishing let through."""
    seqs = _copy(exact.seqs)
    costs = {r: lines.cost(r, s) for r, s in seqs.items()}
    cur = exact.value
    accepted = 0
    budget = _Budget(deadline, cap)
    while budget.running():
        budget.next()
        got = _step(lines, seqs, costs, rng, small)
        if got is None:
            continue
        new, new_costs = got
        value = exact.offer(new)
        if value is not None and value <= cur:
            seqs, costs, cur = new, new_costs, value
            accepted += 1
    return {"sequence_exact_iterations": budget.iterations, "sequence_exact_accepted": accepted}


# Acceptance temperature: this fraction of the mean cost per line operation (a worse
# candidate by that much is accepted with probability 1/e).
TEMPERATURE = 0.05
# Iterations between two exact decodes of a new surrogate best.
CHECK_EVERY = 25
# Share of the budget of the phase that accepts on the checker's objective, and the cost of
# its steps in surrogate steps (a decode and a re-pricing on top; for deterministic runs).
EXACT_SHARE = 0.4
EXACT_STEP_COST = 6


def _copy(seqs: dict[int, list[int]]) -> dict[int, list[int]]:
    return {r: list(s) for r, s in seqs.items()}


class _Exact:
    """The best schedule by the checker's objective among those offered (and the start),
    with its line sequences."""

    def __init__(
        self, problem: Problem, lines: _Lines, start: Solution, seqs: dict[int, list[int]]
    ) -> None:
        self.problem, self.lines = problem, lines
        self.solution, self.value, self.seqs = start, objective(problem, start).total, seqs
        self.decoded = 0

    def offer(self, seqs: dict[int, list[int]]) -> int | None:
        """Decode and price ``seqs``, keep them if best; their value (None: no schedule)."""
        sol = decode(self.problem, self.lines, seqs)
        self.decoded += 1
        if sol is None:
            return None
        value = objective(self.problem, sol).total
        if value < self.value:
            self.solution, self.value, self.seqs = sol, value, _copy(seqs)
        return value


def _step(
    lines: _Lines, seqs: dict[int, list[int]], costs: dict[int, int], rng: random.Random, small: int
) -> tuple[dict[int, list[int]], dict[int, int]] | None:
    """One destroy-and-repair move on copies of ``seqs``; None when a block fits nowhere."""
    new = _copy(seqs)
    new_costs = dict(costs)
    blocks = _destroy(lines, new, rng, small)
    for r in {r for r, _ in blocks}:
        new_costs[r] = lines.cost(r, new[r])
    for came_from, block in blocks:
        got = lines.best_insertion(block, new, new_costs, _tried(lines, block, came_from, rng))
        if got is None:
            return None
        _, r, k, c = got
        new[r][k:k] = block
        new_costs[r] = c
    return new, new_costs


# Lines a block's re-insertion tries at most (its own among them): pricing every place on
# each eligible line is what a step costs, and on the 2,170-lot plan a lot may use ~28
# lines (75 steps in 38 s with all of them).
MAX_LINES_TRIED = 8


def _tried(lines: _Lines, block: list[int], came_from: int, rng: random.Random) -> list[int]:
    """The lines a block's re-insertion tries: all eligible ones, or at most
    ``MAX_LINES_TRIED`` of them (its own and a random sample of the others)."""
    eligible = lines.eligible(block)
    if len(eligible) <= MAX_LINES_TRIED:
        return eligible
    others = [r for r in eligible if r != came_from]
    chosen = rng.sample(others, MAX_LINES_TRIED - 1)
    return sorted([came_from, *chosen] if came_from in eligible else chosen)


def _destroy(
    lines: _Lines, seqs: dict[int, list[int]], rng: random.Random, small: int
) -> list[tuple[int, list[int]]]:
    """Remove what a step re-inserts: half the time a run of one setup family (moved whole),
    else a few single operations. Returns (line it left, block) pairs."""
    nonempty = [r for r in sorted(seqs) if seqs[r]]
    if rng.random() < 0.5:
        r = nonempty[rng.randrange(len(nonempty))]
        runs = _runs(lines, seqs[r], r, small)
        a, b = runs[rng.randrange(len(runs))]
        block = seqs[r][a:b]
        del seqs[r][a:b]
        return [(r, block)]
    out = []
    for _ in range(rng.randint(2, 4)):
        nonempty = [r for r in sorted(seqs) if seqs[r]]
        r = nonempty[rng.randrange(len(nonempty))]
        k = rng.randrange(len(seqs[r]))
        out.append((r, [seqs[r].pop(k)]))
    return out


# Measured on the 217-lot C2M plan: about 2.5 blocks per step, 2-3 microseconds per
# operation priced; used to turn seconds into iterations for deterministic solves. (Pricing
# got 1.5x faster with the wall-end table; counting 2 us instead made the nightly replans
# run 40 % over their 10 s, in LNS after this phase, for 2 % lower objectives: kept at 3.)
SECONDS_PER_PRICED = 3e-6
BLOCKS_PER_STEP = 2.5


def iterations_for(problem: Problem, start: Solution, seconds: float) -> int:
    """Iterations of :func:`improve` that take about ``seconds`` (deterministic solves):
    a block's insertion prices, on each eligible line, every suffix of its sequence."""
    lines = _Lines(problem)
    seqs = sequences_of(problem, start, lines)
    half_squares = {r: len(s) * len(s) / 2 for r, s in seqs.items()}
    ops = lines.line_ops
    per_block = sum(sum(half_squares[r] for r in lines.d.dur[i]) for i in ops) / max(1, len(ops))
    step = SECONDS_PER_PRICED * BLOCKS_PER_STEP * max(1.0, per_block)
    return max(1, int(seconds / step))
