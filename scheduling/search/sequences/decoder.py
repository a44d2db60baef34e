"""The decoder of the line-sequence search: line sequences in, an exact schedule out
(cutting and finishing placed around the lines, in gaps, overtime only where it pays)."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator

from scheduling.model import Assignment, Job, Problem, Solution
from scheduling.result import fill_setups
from scheduling.search.sequences.surrogate import LineSurrogate, pinned_at


def decode(problem: Problem, lines: LineSurrogate, seqs: dict[int, list[int]]) -> Solution | None:
    """An exact schedule with the lines' operations in ``seqs`` order.

    Jobs are placed whole, in the order their line operation starts in the surrogate (so
    each line keeps its sequence); see :class:`Decoder` for the other operations.
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
    return Decoder(problem, lines, seqs).run(jobs)


class Decoder:
    """Places jobs whole, one after the other, on the working-time axis.

    A line operation goes to the end of its line. An operation off the lines goes to the
    eligible resource and gap where it does best, choosing between the earliest gap and the
    earliest one outside overtime windows (overtime costs per minute the line stays open):
    one that feeds a line operation should not delay it and then avoids overtime; a job's
    last one weighs its job's tardiness against the overtime it opens; others end first.
    """

    def __init__(self, problem: Problem, lines: LineSurrogate, seqs: dict[int, list[int]]) -> None:
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
                r = pinned_at(op)[0]
                t, e = lines.d.head[i], lines.pinned_end(i)
                occupy(self.busy.setdefault(r, []), t, e)
                self._charge(r, t, e)

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
                    r, s = pinned_at(op)[0], 0
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
        placed = [a for a in out if a is not None]
        assert len(placed) == len(out), "every job is placed whole"
        return fill_setups(p, Solution(placed))

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
        best: tuple[tuple[int, ...], int, int, int] | None = None
        for m in p.operations[i].modes:
            busy = self.busy.setdefault(m.resource, [])
            first = earliest_gap(busy, ready, m.duration)
            starts = {first}
            if next(self._windows(first, first + m.duration), None) is not None:
                regular = self._regular_gap(busy, first, m.duration)
                if regular is not None:
                    starts.add(regular)
            for t in sorted(starts):
                e = t + m.duration
                ot = lines.w_ot * self._overtime(m.resource, t, e)
                key: tuple[int, ...]
                if target is not None:
                    key = (max(0, e - target), ot, e)
                elif not self.succs[i]:
                    key = (self._job_cost(job, max(done, e)) + ot, e)
                else:
                    key = (e, ot)
                if best is None or key < best[0]:
                    best = (key, m.resource, t, e)
        assert best is not None, "an operation has a mode"
        _, r, t, e = best
        occupy(self.busy[r], t, e)
        self._charge(r, t, e)
        return r, t, e

    def _job_cost(self, job: Job, end: int) -> int:
        if job.due is None:
            return 0
        done = self.lines.end_at(end)
        w = self.p.objective
        if done is None:
            return 10**18
        if done > job.due:
            return w.tardiness * job.weight * (done - job.due)
        return w.earliness * job.weight * (job.due - done)

    def _windows(self, t: int, e: int) -> Iterator[tuple[int, int, int]]:
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
            t = earliest_gap(busy, t, dur)
            hit = next(self._windows(t, t + dur), None)
            if hit is None:
                return t
            t = hit[2]
        return None


def occupy(intervals: list[tuple[int, int]], t: int, e: int) -> None:
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


def earliest_gap(intervals: list[tuple[int, int]], ready: int, dur: int) -> int:
    """Earliest axis start >= ``ready`` of ``dur`` minutes between sorted busy intervals."""
    t = ready
    k = bisect.bisect_left(intervals, (ready, ready))
    if k > 0:
        t = max(t, intervals[k - 1][1])
    while k < len(intervals) and intervals[k][0] < t + dur:
        t = max(t, intervals[k][1])
        k += 1
    return t
