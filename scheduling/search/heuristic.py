"""A fast constructive heuristic: setup- and due-date-aware dispatching.

Serial schedule generation: operations become *ready* when all their predecessors are
placed; a static priority orders the ready ones (``due``: least slack; ``atc``: apparent
tardiness cost, weight per remaining work discounted by slack; ``mwkr``: most work
remaining), and among the best ``window`` of them the one that would *finish* first (plus
a penalty for the setup it causes, priced against lateness as the objective's weights
say, and for straying from a previous plan) is appended to the resource where it finishes
first. A ready operation's placement is cached per resource state, so wide windows stay
cheap. Each resource keeps its own working-time axis, so
setups and calendar pauses are exact by construction; fixed operations are pre-placed
and later operations are only put in front of one when they and the setup into it fit.

It never fails on a feasible-looking problem (the only failure is a calendar that runs
out, or a fixed operation whose free predecessors cannot finish in time); :func:`solve`
runs a few rule x window variants within a small time budget and keeps the best by the
independent checker's objective. Used as CP-SAT's warm start and as its fallback.
"""

from __future__ import annotations

import heapq
import math
import random
import time
from dataclasses import dataclass

from scheduling.model import Assignment, Mode, Problem, Solution
from scheduling.result import fill_setups
from scheduling.validate import objective, validate

INF = float("inf")

# A placement: (axis start, wall start, wall end, setup minutes, fixed operations passed).
Placement = tuple[int, int, int, int, int]


@dataclass(frozen=True)
class _Fixed:
    op: int
    cls: int
    ax_start: int
    ax_end: int


def remaining_work(problem: Problem) -> list[int]:
    """Longest remaining work (min durations plus lags) from each operation to the end."""
    succ = problem.successors()
    order = problem.topological_order()
    tail = [0] * problem.num_operations
    for i in reversed(order):
        d = min(m.duration for m in problem.operations[i].modes)
        tail[i] = d + max((p.lag + tail[p.succ] for p in succ[i]), default=0)
    return tail


def dispatch(
    problem: Problem, rule: str = "due", window: int = 4, seed: int | None = None
) -> Solution | None:
    """One dispatching pass. ``rule``: ``due`` (least slack first), ``atc`` (apparent
    tardiness cost) or ``mwkr`` (most work remaining first). ``seed`` adds a small random
    noise to priorities (for multi-start). Returns None when some operation cannot be
    placed (calendar ran out, or pinned operations leave no room for their setups)."""
    return _Dispatcher(problem, rule, window, seed).run()


class _Dispatcher:
    """The state of one dispatching pass: per resource its working-axis time free, last
    class and pending fixed operations; the ready operations in a priority heap."""

    def __init__(self, problem: Problem, rule: str, window: int, seed: int | None) -> None:
        self.problem, self.rule, self.window = problem, rule, window
        ops, res = problem.operations, problem.resources
        n = len(ops)
        self.n = n
        self.preds, self.succs = problem.predecessors(), problem.successors()
        self.tail = remaining_work(problem)
        self.rng = random.Random(seed) if seed is not None else None
        w = problem.objective
        # A setup minute against a minute of lateness of an average job, as the objective says.
        mean_w = sum(j.weight for j in problem.jobs) / max(1, len(problem.jobs))
        self.lam_setup = max(1.0, w.setup / max(1, w.tardiness * mean_w)) if w.setup > 0 else 0
        self.lam_dev = 1 if (w.deviation > 0 and problem.previous is not None) else 0
        self.prev = problem.previous or (None,) * n
        self.urgent = self._urgent()
        durations = [min(m.duration for m in op.modes) for op in ops]
        self.mean_p = sum(durations) / max(1, n)
        self.free = [0] * len(res)
        self.last: list[int | None] = [r.initial_class for r in res]
        self.fixed: list[list[_Fixed]] = [[] for _ in res]
        self.nxt = [0] * len(res)
        self.out: list[Assignment | None] = [None] * n
        self.remaining = [len(self.preds[i]) for i in range(n)]
        self.heap: list[tuple[float, int]] = []
        # A ready operation's placement on r changes only when r does: cache by r's version.
        self.version = [0] * len(res)
        self.cache: dict[tuple[int, int], tuple[int, Placement | None]] = {}

    def _urgent(self) -> list[bool]:
        """Operations that a fixed operation waits for go first, whatever the rule says."""
        ops, preds = self.problem.operations, self.preds
        urgent = [False] * self.n
        stack = [p.pred for i in range(self.n) if ops[i].fixed for p in preds[i]]
        while stack:
            i = stack.pop()
            if not urgent[i] and not ops[i].fixed:
                urgent[i] = True
                stack.extend(p.pred for p in preds[i])
        return urgent

    def priority(self, i: int) -> float:
        """The heap key of ready operation ``i`` (lower first)."""
        problem, tail = self.problem, self.tail
        job = problem.jobs[problem.operations[i].job]
        key: float
        if self.rule == "due":
            key = (job.due if job.due is not None else 10**12) - tail[i]
        elif self.rule == "atc":
            # Apparent tardiness cost (Vepsalainen & Morton), with the job's release as
            # "now": weight per remaining work, discounted by the slack.
            slack = (job.due if job.due is not None else 10**12) - tail[i] - job.release
            key = -(job.weight + 1e-9) / tail[i] * math.exp(-max(0, slack) / (2 * self.mean_p))
        else:
            key = -tail[i]
        prev = self.prev[i]
        if prev is not None and self.lam_dev:
            key = prev.start
        if self.rng is not None:
            key += self.rng.random() * (1 + abs(key)) * 0.05
        return (-(10**15) if self.urgent[i] else 0) + key

    def pin_fixed(self) -> bool:
        """Place the fixed operations where they are pinned; False when the pinned ones
        on a resource leave no room for the setups between them (and from the line's
        starting class): then no schedule exists, whatever is dispatched."""
        problem, ops, res = self.problem, self.problem.operations, self.problem.resources
        for i, op in enumerate(ops):
            r, at = op.fixed_resource, op.fixed_start
            if r is not None and at is not None:
                cal = res[r].calendar
                ax = cal.to_axis(at)
                d = op.duration_on(r)
                end = None if d is None else cal.end_at(ax + d)
                if d is None or end is None:  # the calendar runs out before it ends
                    return False
                self.fixed[r].append(_Fixed(i, op.setup_class, ax, ax + d))
                self.out[i] = Assignment(r, at, end, 0)
        for r, lst in enumerate(self.fixed):
            lst.sort(key=lambda f: f.ax_start)
            cls, end = res[r].initial_class, 0
            for f in lst:
                if end + problem.setup_time(r, cls, f.cls) > f.ax_start:
                    return False
                cls, end = f.cls, f.ax_end
        return True

    def place(self, i: int, r: int, d: int) -> Placement | None:
        """Earliest (axis start, wall start, wall end, setup, fixed ops passed) of i on r."""
        problem, ops = self.problem, self.problem.operations
        res = problem.resources
        cal = res[r].calendar
        cls = ops[i].setup_class
        lb = cal.to_axis(problem.jobs[ops[i].job].release)
        for p in self.preds[i]:
            a = self.out[p.pred]
            assert a is not None, "a ready operation's predecessors are placed"
            if res[a.resource].calendar == cal:  # lag in working minutes (problem.py)
                lb = max(lb, cal.to_axis(a.end) + p.lag)
            else:
                lb = max(lb, cal.to_axis(a.end + p.lag))
        before = self.last[r]
        t = max(lb, self.free[r] + problem.setup_time(r, before, cls))
        k = self.nxt[r]
        fixed = self.fixed[r]
        while k < len(fixed):
            f = fixed[k]
            if t + d + problem.setup_time(r, cls, f.cls) <= f.ax_start:
                break
            before = f.cls
            t = max(t, f.ax_end + problem.setup_time(r, f.cls, cls))
            k += 1
        start, end = cal.start_at(t), cal.end_at(t + d)
        if start is None or end is None:
            return None
        return t, start, end, problem.setup_time(r, before, cls), k

    def placed_on(self, i: int, r: int, d: int) -> Placement | None:
        """:meth:`place`, cached until resource r changes."""
        hit = self.cache.get((i, r))
        if hit is not None and hit[0] == self.version[r]:
            return hit[1]
        got = self.place(i, r, d)
        self.cache[i, r] = (self.version[r], got)
        return got

    def release(self, i: int) -> None:
        """``i`` is placed: successors whose predecessors are all placed become ready
        (fixed ones are placed already and release theirs in turn)."""
        ops = self.problem.operations
        for p in self.succs[i]:
            self.remaining[p.succ] -= 1
            if self.remaining[p.succ] == 0:
                if ops[p.succ].fixed:
                    self.release(p.succ)
                else:
                    heapq.heappush(self.heap, (self.priority(p.succ), p.succ))

    def seed_heap(self) -> None:
        """The operations ready at the start, then what the fixed ones release."""
        ops = self.problem.operations
        for i in range(self.n):
            if self.remaining[i] == 0 and not ops[i].fixed:
                heapq.heappush(self.heap, (self.priority(i), i))
        for i in range(self.n):
            if ops[i].fixed and self.remaining[i] == 0:
                self.release(i)

    def choose(self, cands: list[tuple[float, int]]) -> tuple[int, int, Mode, Placement] | None:
        """Among the candidates, the (position, operation, mode, placement) that finishes
        first, counting its setup and its distance from the previous plan as the
        objective's weights say; None when none can be placed."""
        ops, prev, w = self.problem.operations, self.prev, self.problem.objective
        best: tuple[tuple[float, int], int, int, Mode, Placement] | None = None
        for pos, (_, i) in enumerate(cands):
            for m in ops[i].modes:
                got = self.placed_on(i, m.resource, m.duration)
                if got is None:
                    continue
                _, start, end, setup, _ = got
                score: float = end + self.lam_setup * setup
                was = prev[i]
                if self.lam_dev and was is not None:
                    score += abs(start - was.start)
                    if was.resource != m.resource:
                        score += w.reassign_minutes
                key = (score, pos)
                if best is None or key < best[0]:
                    best = (key, pos, i, m, got)
        return None if best is None else best[1:]

    def commit(self, i: int, m: Mode, got: Placement) -> None:
        """Append ``i`` to resource ``m.resource`` at placement ``got``."""
        t, start, end, setup, k = got
        r = m.resource
        self.nxt[r] = k  # fixed operations jumped over are now behind the resource
        self.version[r] += 1
        self.free[r] = t + m.duration
        self.last[r] = self.problem.operations[i].setup_class
        self.out[i] = Assignment(r, start, end, setup)

    def run(self) -> Solution | None:
        """The pass: take the best ``window`` ready operations, place the best of them,
        put the others back; None when something cannot be placed."""
        if not self.pin_fixed():
            return None
        self.seed_heap()
        heap = self.heap
        placed = sum(1 for a in self.out if a is not None)
        while heap:
            cands = [heapq.heappop(heap) for _ in range(min(self.window, len(heap)))]
            best = self.choose(cands)
            if best is None:
                return None
            pos, i, m, got = best
            for q, c in enumerate(cands):
                if q != pos:
                    heapq.heappush(heap, c)
            self.commit(i, m, got)
            placed += 1
            self.release(i)
        done = [a for a in self.out if a is not None]
        if placed != self.n or len(done) != self.n:
            return None
        return fill_setups(self.problem, Solution(done))


# (rule, window) pairs, the cheap and usually good first; "due" and "atc" only matter when
# jobs have due dates (without, they order like "mwkr").
VARIANTS = (
    ("due", 4),
    ("atc", 4),
    ("due", 12),
    ("atc", 12),
    ("mwkr", 4),
    ("mwkr", 12),
    ("due", 1),
    ("mwkr", 1),
    ("due", 48),
    ("atc", 48),
    ("mwkr", 48),
)


# Deterministic solves run this many variants whatever the clock says.
DETERMINISTIC_RUNS = 6


def variants(problem: Problem) -> list[tuple[str, int]]:
    """The dispatching variants worth running on ``problem``, in order."""
    if any(j.due is not None for j in problem.jobs):
        return list(VARIANTS)
    return [(rule, win) for rule, win in VARIANTS if rule == "mwkr"]


def solve(
    problem: Problem, time_budget: float = 0.5, seed: int = 0, max_runs: int | None = None
) -> Solution | None:
    """Best valid schedule over a few dispatching variants.

    Runs the variants in ``VARIANTS`` (the first always, the others while the budget
    lasts), then random-noise restarts until the budget is spent; keeps the best schedule
    by the checker's objective. ``max_runs`` caps the runs and ignores the clock (the
    result is then deterministic). Returns None only when no run produced a valid one.
    """
    t0 = time.perf_counter()
    best: tuple[int, Solution] | None = None
    runs = variants(problem)
    k = 0
    while True:
        if k < len(runs):
            rule, win = runs[k]
            noise = None
        else:
            rule, win = runs[k % min(4, len(runs))]
            noise = seed * 100_003 + k
        k += 1
        sol = dispatch(problem, rule, win, noise)
        if sol is not None and not validate(problem, sol):
            cost = objective(problem, sol).total
            if best is None or cost < best[0]:
                best = (cost, sol)
        if max_runs is not None:
            if k >= max_runs:
                break
            continue
        elapsed = time.perf_counter() - t0
        if elapsed * (k + 1) / k > time_budget or k >= 200:
            break
    return best[1] if best else None
