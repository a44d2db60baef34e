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

from scheduling.model import Assignment, Problem, Solution
from scheduling.result import fill_setups
from scheduling.validate import objective, validate

INF = float("inf")


@dataclass(frozen=True)
class _Fixed:
    op: int
    cls: int
    ax_start: int
    ax_end: int


def _tails(problem: Problem) -> list[int]:
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
    """One dispatching pass. ``rule``: ``due`` (least slack first) or ``mwkr`` (most work
    remaining first). ``seed`` adds a small random noise to priorities (for multi-start).
    Returns None when some operation cannot be placed (calendar ran out)."""
    ops, res = problem.operations, problem.resources
    n = len(ops)
    preds, succs = problem.predecessors(), problem.successors()
    tail = _tails(problem)
    rng = random.Random(seed) if seed is not None else None
    w = problem.objective
    # A setup minute against a minute of lateness of an average job, as the objective says.
    mean_w = sum(j.weight for j in problem.jobs) / max(1, len(problem.jobs))
    lam_setup = max(1.0, w.setup / max(1, w.tardiness * mean_w)) if w.setup > 0 else 0
    lam_dev = 1 if (w.deviation > 0 and problem.previous is not None) else 0
    prev = problem.previous or (None,) * n

    # Operations that a fixed operation waits for go first, whatever the rule says.
    urgent = [False] * n
    stack = [p.pred for i in range(n) if ops[i].fixed for p in preds[i]]
    while stack:
        i = stack.pop()
        if not urgent[i] and not ops[i].fixed:
            urgent[i] = True
            stack.extend(p.pred for p in preds[i])

    durations = [min(m.duration for m in op.modes) for op in ops]
    mean_p = sum(durations) / max(1, n)

    def priority(i: int) -> float:
        job = problem.jobs[ops[i].job]
        if rule == "due":
            key = (job.due if job.due is not None else 10**12) - tail[i]
        elif rule == "atc":
            # Apparent tardiness cost (Vepsalainen & Morton), with the job's release as
            # "now": weight per remaining work, discounted by the slack.
            slack = (job.due if job.due is not None else 10**12) - tail[i] - job.release
            key = -(job.weight + 1e-9) / tail[i] * math.exp(-max(0, slack) / (2 * mean_p))
        else:
            key = -tail[i]
        if prev[i] is not None and lam_dev:
            key = prev[i].start
        if rng is not None:
            key += rng.random() * (1 + abs(key)) * 0.05
        return (-(10**15) if urgent[i] else 0) + key

    # Resource state: working-axis time free, last class, pending fixed operations.
    free = [0] * len(res)
    last: list[int | None] = [r.initial_class for r in res]
    fixed: list[list[_Fixed]] = [[] for _ in res]
    nxt = [0] * len(res)
    out: list[Assignment | None] = [None] * n
    for i, op in enumerate(ops):
        if op.fixed:
            r = op.fixed_resource
            cal = res[r].calendar
            ax = cal.to_axis(op.fixed_start)
            d = op.duration_on(r)
            fixed[r].append(_Fixed(i, op.setup_class, ax, ax + d))
            out[i] = Assignment(r, op.fixed_start, cal.end_at(ax + d), 0)
    for r, lst in enumerate(fixed):
        lst.sort(key=lambda f: f.ax_start)
        # pinned operations must leave room for the setups between them (and from the
        # line's starting class): if not, no schedule exists, whatever is dispatched
        cls, end = res[r].initial_class, 0
        for f in lst:
            if end + problem.setup_time(r, cls, f.cls) > f.ax_start:
                return None
            cls, end = f.cls, f.ax_end

    def place(i: int, r: int, d: int) -> tuple[int, int, int, int, int] | None:
        """Earliest (axis start, wall start, wall end, setup, fixed ops passed) of i on r."""
        cal = res[r].calendar
        cls = ops[i].setup_class
        lb = cal.to_axis(problem.jobs[ops[i].job].release)
        for p in preds[i]:
            a = out[p.pred]
            if res[a.resource].calendar == cal:  # lag in working minutes (problem.py)
                lb = max(lb, cal.to_axis(a.end) + p.lag)
            else:
                lb = max(lb, cal.to_axis(a.end + p.lag))
        before = last[r]
        t = max(lb, free[r] + problem.setup_time(r, before, cls))
        k = nxt[r]
        while k < len(fixed[r]):
            f = fixed[r][k]
            if t + d + problem.setup_time(r, cls, f.cls) <= f.ax_start:
                break
            before = f.cls
            t = max(t, f.ax_end + problem.setup_time(r, f.cls, cls))
            k += 1
        start, end = cal.start_at(t), cal.end_at(t + d)
        if start is None or end is None:
            return None
        return t, start, end, problem.setup_time(r, before, cls), k

    remaining = [len(preds[i]) for i in range(n)]
    heap: list[tuple[float, int]] = []

    def release(i: int) -> None:
        for p in succs[i]:
            remaining[p.succ] -= 1
            if remaining[p.succ] == 0:
                if ops[p.succ].fixed:
                    release(p.succ)
                else:
                    heapq.heappush(heap, (priority(p.succ), p.succ))

    for i in range(n):
        if remaining[i] == 0 and not ops[i].fixed:
            heapq.heappush(heap, (priority(i), i))
    for i in range(n):
        if ops[i].fixed and remaining[i] == 0:
            release(i)

    # A ready operation's placement on r changes only when r does: cache by r's version.
    version = [0] * len(res)
    cache: dict[tuple[int, int], tuple[int, tuple | None]] = {}

    def placed_on(i: int, r: int, d: int):
        hit = cache.get((i, r))
        if hit is not None and hit[0] == version[r]:
            return hit[1]
        got = place(i, r, d)
        cache[i, r] = (version[r], got)
        return got

    placed = sum(1 for a in out if a is not None)
    while heap:
        cands = [heapq.heappop(heap) for _ in range(min(window, len(heap)))]
        best = None
        for pos, (_, i) in enumerate(cands):
            for m in ops[i].modes:
                got = placed_on(i, m.resource, m.duration)
                if got is None:
                    continue
                t, start, end, setup, k = got
                score = end + lam_setup * setup
                if lam_dev and prev[i] is not None:
                    score += abs(start - prev[i].start)
                    if prev[i].resource != m.resource:
                        score += w.reassign_minutes
                key = (score, pos)
                if best is None or key < best[0]:
                    best = (key, pos, i, m, t, start, end, setup, k)
        if best is None:
            return None
        _, pos, i, m, t, start, end, setup, k = best
        for q, c in enumerate(cands):
            if q != pos:
                heapq.heappush(heap, c)
        r = m.resource
        nxt[r] = k  # fixed operations jumped over are now behind the resource
        version[r] += 1
        free[r] = t + m.duration
        last[r] = ops[i].setup_class
        out[i] = Assignment(r, start, end, setup)
        placed += 1
        release(i)
    if placed != n:
        return None
    return fill_setups(problem, Solution(out))


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


# --- iterated greedy for sequencing-only problems ---------------------------------------------


def sequencing_only(problem: Problem) -> bool:
    """Whether the problem is just "which resource, in which order" (each job one operation
    on always-open resources, no precedences, fixed operations, previous plan, earliness or
    overtime): then a schedule is its sequences, and :func:`iterated_greedy` applies."""
    w = problem.objective
    return (
        not problem.precedences
        and all(r.calendar.always_open for r in problem.resources)
        and not any(op.fixed for op in problem.operations)
        and len({op.job for op in problem.operations}) == problem.num_operations
        and not (w.earliness or w.overtime or (w.deviation and problem.previous is not None))
    )


class _Sequences:
    """Per-resource sequences and their cost terms (makespan, setups, weighted tardiness)."""

    def __init__(self, problem: Problem) -> None:
        self.p = problem
        w = problem.objective
        self.w_mk, self.w_s, self.w_t = w.makespan, w.setup, w.tardiness
        ops = problem.operations
        self.release = [problem.jobs[op.job].release for op in ops]
        self.due = [problem.jobs[op.job].due for op in ops]
        self.weight = [problem.jobs[op.job].weight for op in ops]
        self.cls = [op.setup_class for op in ops]
        self.dur = [{m.resource: m.duration for m in op.modes} for op in ops]

    def machine(self, r: int, seq: list[int]) -> tuple[int, int]:
        """(completion, setup x weight + tardiness x weight) of ``seq`` on resource r."""
        t, before, cost = 0, self.p.resources[r].initial_class, 0
        mat = self.p.setups[r]
        for i in seq:
            s = 0 if mat is None or before is None else mat[before][self.cls[i]]
            t = max(self.release[i], t + s) + self.dur[i][r]
            cost += self.w_s * s
            if self.w_t and self.due[i] is not None and t > self.due[i]:
                cost += self.w_t * self.weight[i] * (t - self.due[i])
            before = self.cls[i]
        return t, cost

    def cheapest_place(self, r: int, i: int, order: list[int]) -> tuple[int, int]:
        """(setup minutes added, position) of the place in ``order`` on resource r where
        inserting ``i`` adds the least setup: between a and b it adds s(a, i) + s(i, b) -
        s(a, b). Without releases and due dates that place is also where the line's
        completion and the objective grow least."""
        mat = self.p.setups[r]
        if mat is None:
            return 0, 0
        ci = self.cls[i]
        out_of = mat[ci]
        a = self.p.resources[r].initial_class
        best, best_pos = None, 0
        for pos in range(len(order) + 1):
            b = self.cls[order[pos]] if pos < len(order) else None
            if a is None:  # nothing before: no setup into i, b then pays from i
                added = 0 if b is None else out_of[b]
            elif b is None:
                added = mat[a][ci]
            else:
                row = mat[a]
                added = row[ci] + out_of[b] - row[b]
            if best is None or added < best:
                best, best_pos = added, pos
            a = b
        return best, best_pos

    def total(self, seqs: list[list[int]]) -> int:
        parts = [self.machine(r, s) for r, s in enumerate(seqs)]
        return self.w_mk * max(c for c, _ in parts) + sum(x for _, x in parts)

    def solution(self, seqs: list[list[int]]) -> Solution:
        out: list[Assignment | None] = [None] * self.p.num_operations
        for r, seq in enumerate(seqs):
            t, before = 0, self.p.resources[r].initial_class
            for i in seq:
                s = self.p.setup_time(r, before, self.cls[i])
                start = max(self.release[i], t + s)
                t = start + self.dur[i][r]
                out[i] = Assignment(r, start, t, s)
                before = self.cls[i]
        return Solution(out)


def iterated_greedy(
    problem: Problem,
    start: Solution,
    time_budget: float,
    seed: int = 0,
    destroy: int = 4,
    max_iterations: int | None = None,
) -> Solution:
    """Improve a schedule of a :func:`sequencing_only` problem by iterated greedy.

    The method of Ruiz & Stuetzle, in the form Fanjul-Peyro & Ruiz use for unrelated
    parallel machines with setups: remove ``destroy`` random operations, re-insert each at
    the position (resource and place in its sequence) where the objective grows least,
    on problems without releases or due dates descend from there (:func:`_descend`),
    accept the result if it is no worse, or with a small probability (a constant-temperature
    acceptance) if it is; keep the best. Exact objective of every candidate: each one is
    re-timed from its sequence (a semi-active schedule, optimal for these regular
    objectives). Deterministic for a seed and ``max_iterations``.
    """
    seq = _Sequences(problem)
    nr = len(problem.resources)
    cur = [[] for _ in range(nr)]
    for i in sorted(range(problem.num_operations), key=lambda i: start[i].start):
        cur[start[i].resource].append(i)
    cur_cost = seq.total(cur)
    best, best_cost = [list(s) for s in cur], cur_cost
    rng = random.Random(seed)
    mean_p = sum(min(d.values()) for d in seq.dur) / max(1, len(seq.dur))
    temperature = 0.5 * mean_p * max(1, seq.w_mk or seq.w_s or seq.w_t) / 10
    fast = not seq.w_t and not any(seq.release)
    t0, it = time.perf_counter(), 0
    parts = [seq.machine(r, s) for r, s in enumerate(cur)]
    while True:
        if max_iterations is not None:
            if it >= max_iterations:
                break
        elif time.perf_counter() - t0 >= time_budget:
            break
        it += 1
        new = [list(s) for s in cur]
        new_parts = list(parts)
        removed = rng.sample(range(problem.num_operations), min(destroy, problem.num_operations))
        touched = set()
        for i in removed:
            for r, s in enumerate(new):
                if i in s:
                    s.remove(i)
                    touched.add(r)
        for r in touched:
            new_parts[r] = seq.machine(r, new[r])
        for i in removed:
            choice = None
            # The latest two lines and the setup total: each line's "others" in O(1).
            top = sorted(((c, q) for q, (c, _) in enumerate(new_parts)), reverse=True)[:2]
            x_all = sum(x for _, x in new_parts)
            for r, d in seq.dur[i].items():
                others_mk = next((c for c, q in top if q != r), 0)
                rest = x_all - new_parts[r][1]
                if fast:
                    # No releases, no due dates: the cheapest place on r is the best there.
                    c0, x0 = new_parts[r]
                    ds, pos = seq.cheapest_place(r, i, new[r])
                    c, x = c0 + d + ds, x0 + seq.w_s * ds
                    key = (seq.w_mk * max(others_mk, c) + rest + x, c - c0)
                    if choice is None or key < choice[0]:
                        choice = (key, r, pos, (c, x))
                    continue
                for pos in range(len(new[r]) + 1):
                    c, x = seq.machine(r, [*new[r][:pos], i, *new[r][pos:]])
                    key = (seq.w_mk * max(others_mk, c) + rest + x, c - new_parts[r][0])
                    if choice is None or key < choice[0]:
                        choice = (key, r, pos, (c, x))
            _, r, pos, part = choice
            new[r].insert(pos, i)
            new_parts[r] = part
        if fast:
            _descend(seq, new, new_parts)
        new_cost = seq.w_mk * max(c for c, _ in new_parts) + sum(x for _, x in new_parts)
        # Ties on the objective (the makespan is a plateau) go to the smaller total of the
        # resources' completions: it frees room where the next moves need it.
        new_key = (new_cost, sum(c for c, _ in new_parts))
        cur_key = (cur_cost, sum(c for c, _ in parts))
        if new_key <= cur_key or rng.random() < math.exp(
            -(new_cost - cur_cost) / max(1e-9, temperature)
        ):
            cur, cur_cost, parts = new, new_cost, new_parts
            if cur_cost < best_cost:
                best, best_cost = [list(s) for s in cur], cur_cost
    return fill_setups(problem, seq.solution(best))


def _descend(seq: _Sequences, lines: list[list[int]], parts: list[tuple[int, int]]) -> None:
    """Local search after each reconstruction, on problems without releases or due dates:
    move an operation off the line that finishes last (to its best place on another line,
    or to a better place on its own line) while that strictly lowers (objective, total of
    the lines' completions). The reconstruction alone re-inserts a few random operations;
    this descent is what Fanjul-Peyro & Ruiz add to make iterated greedy competitive on
    unrelated parallel machines (measured, 10 s: a 100 x 10 Vallada-Ruiz instance 230 ->
    205, the public 50-job ones 2.8 -> 2.2 % from the best known). ``lines`` and ``parts``
    are updated in place.
    """
    p, cls, dur, w_mk, w_s = seq.p, seq.cls, seq.dur, seq.w_mk, seq.w_s
    nr = len(lines)
    initial = [res.initial_class for res in p.resources]

    def setup(r: int, a: int | None, b: int | None) -> int:  # b None: nothing follows
        return 0 if b is None else p.setup_time(r, a, b)

    while True:
        ends = [c for c, _ in parts]
        crit = max(range(nr), key=ends.__getitem__)
        total_x, total_c = sum(x for _, x in parts), sum(ends)
        key = (w_mk * ends[crit] + total_x, total_c)
        order = lines[crit]
        # The two latest other lines: the span without crit and r, for any r, in O(1).
        top = sorted(((ends[q], q) for q in range(nr) if q != crit), reverse=True)[:2]
        move = None
        for k, i in enumerate(order):
            before = cls[order[k - 1]] if k else initial[crit]
            after = cls[order[k + 1]] if k + 1 < len(order) else None
            freed = setup(crit, before, cls[i]) + setup(crit, cls[i], after)
            freed -= setup(crit, before, after)
            rest = order[:k] + order[k + 1 :]
            c_out = ends[crit] - dur[i][crit] - freed
            for r, d in dur[i].items():
                added, pos = seq.cheapest_place(r, i, rest if r == crit else lines[r])
                if r == crit:
                    c_in, x_delta, c_r = c_out + d + added, w_s * (added - freed), None
                else:
                    c_r = ends[r] + d + added
                    c_in, x_delta = c_out, w_s * (added - freed)
                rest_span = next((c for c, q in top if q != r), 0)
                span = max(c_in, rest_span, 0 if c_r is None else c_r)
                new_c = total_c - ends[crit] + c_in + (c_r - ends[r] if c_r is not None else 0)
                new_key = (w_mk * span + total_x + x_delta, new_c)
                if new_key < key:
                    move = (k, i, r, pos, c_in, c_r, added, freed)
                    break
            if move:
                break
        if move is None:
            return
        k, i, r, pos, c_in, c_r, added, freed = move
        del order[k]
        lines[r].insert(pos, i)
        x_crit = parts[crit][1] - w_s * freed
        if r == crit:
            parts[crit] = (c_in, x_crit + w_s * added)
        else:
            parts[crit] = (c_in, x_crit)
            parts[r] = (c_r, parts[r][1] + w_s * added)
