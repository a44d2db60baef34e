"""The surrogate of the line-sequence search: each changeover line's cost from its own
sequence, priced in microseconds.

Each lot's other operations are assumed to run as early as their routing allows, so a
line's cost depends on its own sequence only: setups, the tardiness and earliness of the
line operation's job (its end plus what must follow, or what its other branches need),
the deviation from a previous plan and the overtime the line works.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from scheduling.model import Matrix, Operation, Problem, Solution

# Calendars with at most this many working minutes get a table of wall ends (a list of ints,
# about 7 MB at the cap; a 14-day plan of the sample floor needs about 32,000 entries).
WALL_TABLE_MAX = 200_000

# A line's pricing state: (free axis minute, last class, overtime window index, its open
# overtime charge).
State = tuple[int, int | None, int, int]


def pinned_at(op: Operation) -> tuple[int, int, int]:
    """(resource, wall start, duration) of a pinned operation."""
    r, start = op.fixed_resource, op.fixed_start
    assert r is not None and start is not None, "a pinned operation"
    d = op.duration_on(r)
    assert d is not None, "a pinned operation has a mode on its resource"
    return r, start, d


@dataclass
class LineData:
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


class LineSurrogate:
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
        for i in sorted((i for i in on_lines if ops[i].fixed), key=lambda i: pinned_at(ops[i])[1]):
            self.pinned[pinned_at(ops[i])[0]].append(i)
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
        self.d = line_data(problem, self.line_ops, order)
        # Overtime windows as axis intervals (each lies inside one working segment).
        self.ot = sorted((cal.to_axis(a), cal.to_axis(a) + b - a) for a, b in cal.overtime)
        self.ot_ends = [b for _, b in self.ot]
        # Each line's state when its free operations begin (after its pinned ones): every
        # pricing of a line starts from it.
        self.start_state = {r: self._start_state(r) for r in self.lines}
        # Wall end of every axis minute: pricing asks for one per operation priced, and the
        # calendar's bisection was a large share of the search's time.
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

    def run(
        self, r: int, seq: list[int], state: State, record: list[tuple[State, int]] | None = None
    ) -> int:
        """Cost of ``seq`` on line ``r`` from ``state`` (free axis, last class, overtime
        window index, its open charge). ``record`` gets, before each operation, (state,
        cost so far without the open charge): see :meth:`prefix`."""
        # Locals: this loop is the search's inner loop (millions of operations priced).
        d, mat, dur = self.d, self.matrix(r), self.d.dur
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
            before = prev[i]
            if w_dev and before is not None:
                was, line = before
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

    def matrix(self, r: int) -> Matrix:
        """Line ``r``'s setup matrix (every line has one)."""
        mat = self.p.setups[r]
        assert mat is not None, "a line has changeovers"
        return mat

    def _start_state(self, r: int) -> State:
        pinned = self.pinned[r]
        if not pinned:
            return (0, self.p.resources[r].initial_class, 0, 0)
        end = self.pinned_end(pinned[-1])
        window = bisect.bisect_right(self.ot_ends, end) if self.w_ot else 0
        return (end, self.d.cls[pinned[-1]], window, 0)

    def pinned_end(self, i: int) -> int:
        """Axis end of pinned operation ``i`` (its head is its pinned start)."""
        return self.d.head[i] + pinned_at(self.p.operations[i])[2]

    def prefix(self, r: int, seq: list[int]) -> list[tuple[State, int]]:
        """Per position k: (state before ``seq[k]``, cost of ``seq[:k]`` without the open
        overtime charge), so an insertion at k re-prices only the suffix."""
        out: list[tuple[State, int]] = []
        self.run(r, seq, self.start_state[r], out)
        return out

    def cost(self, r: int, seq: list[int]) -> int:
        """Cost of ``seq`` on line ``r`` after its pinned operations."""
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


def line_data(problem: Problem, line_ops: list[int], order: list[int]) -> LineData:
    """What the surrogate needs per operation (``order``: a topological order)."""
    ops, w = problem.operations, problem.objective
    cal = problem.resources[0].calendar
    dmin = [pinned_at(op)[2] if op.fixed else min(m.duration for m in op.modes) for op in ops]
    est = _earliest_axis(problem, dmin, order)
    floor = _other_branches_floor(problem, line_ops, est, dmin)
    n = len(ops)
    jobs = [problem.jobs[op.job] for op in ops]
    return LineData(
        head=est,
        tail=_work_after(problem, dmin, order),
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


def _earliest_axis(problem: Problem, dmin: list[int], order: list[int]) -> list[int]:
    """Per operation, the earliest axis start its release and predecessors allow (a pinned
    one: its pinned start)."""
    ops, preds = problem.operations, problem.predecessors()
    cal = problem.resources[0].calendar
    est = [0] * len(ops)
    for i in order:
        if ops[i].fixed:
            est[i] = cal.to_axis(pinned_at(ops[i])[1])
            continue
        job = problem.jobs[ops[i].job]
        t = cal.to_axis(job.release)
        for q in preds[i]:
            t = max(t, est[q.pred] + dmin[q.pred] + q.lag)
        est[i] = t
    return est


def _work_after(problem: Problem, dmin: list[int], order: list[int]) -> list[int]:
    """Per operation, the axis minutes of its successors (shortest durations and lags)
    that must follow it: what its job needs after it ends."""
    succs = problem.successors()
    tail = [0] * problem.num_operations
    for i in reversed(order):
        tail[i] = max((q.lag + dmin[q.succ] + tail[q.succ] for q in succs[i]), default=0)
    return tail


def _other_branches_floor(
    problem: Problem, line_ops: list[int], est: list[int], dmin: list[int]
) -> dict[int, int]:
    """Per job with a line operation, the axis completion its operations on other branches
    (neither before nor after the line operation) allow at the earliest."""
    ops = problem.operations
    preds, succs = problem.predecessors(), problem.successors()
    floor: dict[int, int] = {}
    line_of_job = {ops[i].job for i in line_ops}
    chain: set[int] = set()
    for i in line_ops:  # operations before or after the line operation in its job
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
    return floor


def family_runs(lines: LineSurrogate, seq: list[int], r: int, small: int) -> list[tuple[int, int]]:
    """Maximal stretches [a, b) of ``seq`` whose consecutive changeovers are ``small``."""
    mat, cls = lines.matrix(r), lines.d.cls
    out, a = [], 0
    for k in range(1, len(seq) + 1):
        if k == len(seq) or mat[cls[seq[k - 1]]][cls[seq[k]]] > small:
            out.append((a, k))
            a = k
    return out


def small_setup(problem: Problem, lines: list[int]) -> int:
    """A changeover counts as small (same family: e.g. a colour change within a style) when
    it is at most a quarter of the median positive changeover."""
    vals = sorted(x for r in lines[:1] for row in problem.setups[r] or () for x in row if x > 0)
    return vals[len(vals) // 2] // 4 if vals else 0


def sequences_of(
    problem: Problem, solution: Solution, lines: LineSurrogate
) -> dict[int, list[int]]:
    """The free line operations of ``solution`` per line, in start order."""
    seqs: dict[int, list[int]] = {r: [] for r in lines.lines}
    for i in lines.line_ops:
        seqs[solution[i].resource].append(i)
    for seq in seqs.values():
        seq.sort(key=lambda i: (solution[i].start, i))
    return seqs
