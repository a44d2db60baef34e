"""Iterated greedy for sequencing-only problems: parallel resources with setups, where a
schedule is just "which resource, in which order".

Destroy a few operations, re-insert each where the objective grows least, descend, accept
the result by a constant-temperature rule (Ruiz & Stuetzle; Fanjul-Peyro & Ruiz for
unrelated parallel machines with setups). Every candidate is priced exactly from its
sequences, so no model is needed; ``docs/scheduling-search.md`` tells the whole story.
"""

from __future__ import annotations

import math
import random
import time

from scheduling.model import Assignment, Problem, Solution
from scheduling.result import fill_setups


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


class SequenceCosts:
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
            due = self.due[i]
            if self.w_t and due is not None and t > due:
                cost += self.w_t * self.weight[i] * (t - due)
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
        best, best_pos = 0, 0
        for pos in range(len(order) + 1):
            b = self.cls[order[pos]] if pos < len(order) else None
            if a is None:  # nothing before: no setup into i, b then pays from i
                added = 0 if b is None else out_of[b]
            elif b is None:
                added = mat[a][ci]
            else:
                row = mat[a]
                added = row[ci] + out_of[b] - row[b]
            if pos == 0 or added < best:
                best, best_pos = added, pos
            a = b
        return best, best_pos

    def total(self, seqs: list[list[int]]) -> int:
        """The objective of the sequences ``seqs`` (one per resource)."""
        parts = [self.machine(r, s) for r, s in enumerate(seqs)]
        return self.w_mk * max(c for c, _ in parts) + sum(x for _, x in parts)

    def solution(self, seqs: list[list[int]]) -> Solution:
        """The semi-active schedule of ``seqs`` (each operation as early as its line allows)."""
        out: list[Assignment | None] = [None] * self.p.num_operations
        for r, seq in enumerate(seqs):
            t, before = 0, self.p.resources[r].initial_class
            for i in seq:
                s = self.p.setup_time(r, before, self.cls[i])
                start = max(self.release[i], t + s)
                t = start + self.dur[i][r]
                out[i] = Assignment(r, start, t, s)
                before = self.cls[i]
        done = [a for a in out if a is not None]
        assert len(done) == len(out), "every operation is in one sequence"
        return Solution(done)


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
    on problems without releases or due dates descend from there (:func:`descend`),
    accept the result if it is no worse, or with a small probability (a constant-temperature
    acceptance) if it is; keep the best. Exact objective of every candidate: each one is
    re-timed from its sequence (a semi-active schedule, optimal for these regular
    objectives). Deterministic for a seed and ``max_iterations``.
    """
    seq = SequenceCosts(problem)
    nr = len(problem.resources)
    cur: list[list[int]] = [[] for _ in range(nr)]
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
        touched: set[int] = set()
        for i in removed:
            for r, s in enumerate(new):
                if i in s:
                    s.remove(i)
                    touched.add(r)
        for r in touched:
            new_parts[r] = seq.machine(r, new[r])
        for i in removed:
            r, pos, part = _cheapest_insertion(seq, new, new_parts, i, fast)
            new[r].insert(pos, i)
            new_parts[r] = part
        if fast:
            descend(seq, new, new_parts)
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


def _cheapest_insertion(
    seq: SequenceCosts,
    lines: list[list[int]],
    parts: list[tuple[int, int]],
    i: int,
    fast: bool,
) -> tuple[int, int, tuple[int, int]]:
    """(resource, position, its new (completion, cost)) where re-inserting ``i`` makes the
    objective grow least; ties go to the smaller growth of that line's completion."""
    choice: tuple[tuple[int, int], int, int, tuple[int, int]] | None = None
    # The latest two lines and the setup total: each line's "others" in O(1).
    top = sorted(((c, q) for q, (c, _) in enumerate(parts)), reverse=True)[:2]
    x_all = sum(x for _, x in parts)
    for r, d in seq.dur[i].items():
        others_mk = next((c for c, q in top if q != r), 0)
        rest = x_all - parts[r][1]
        if fast:
            # No releases, no due dates: the cheapest place on r is the best there.
            c0, x0 = parts[r]
            ds, pos = seq.cheapest_place(r, i, lines[r])
            c, x = c0 + d + ds, x0 + seq.w_s * ds
            key = (seq.w_mk * max(others_mk, c) + rest + x, c - c0)
            if choice is None or key < choice[0]:
                choice = (key, r, pos, (c, x))
            continue
        for pos in range(len(lines[r]) + 1):
            c, x = seq.machine(r, [*lines[r][:pos], i, *lines[r][pos:]])
            key = (seq.w_mk * max(others_mk, c) + rest + x, c - parts[r][0])
            if choice is None or key < choice[0]:
                choice = (key, r, pos, (c, x))
    assert choice is not None, "every operation has a mode"
    _, r, pos, part = choice
    return r, pos, part


def descend(seq: SequenceCosts, lines: list[list[int]], parts: list[tuple[int, int]]) -> None:
    """Local search after each reconstruction, on problems without releases or due dates:
    move an operation off the line that finishes last (to its best place on another line,
    or to a better place on its own line) while that strictly lowers (objective, total of
    the lines' completions). The reconstruction alone re-inserts a few random operations;
    this descent is what Fanjul-Peyro & Ruiz add to make iterated greedy competitive on
    unrelated parallel machines (docs/scheduling-search.md has the measurements).
    ``lines`` and ``parts`` are updated in place.
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
            assert c_r is not None, "a move to another line ends there"
            parts[crit] = (c_in, x_crit)
            parts[r] = (c_r, parts[r][1] + w_s * added)
