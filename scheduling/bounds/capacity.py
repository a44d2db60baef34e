"""The facts that the capacity bounds reuse for every resource set of a problem, and the
completion slots of a set: earliest starts and ends, tails, per-job completion bounds,
when each resource is ready, the resource groups, the cheapest setup into each operation,
and the wall deadline that the caller's relaxations share."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction

import numpy as np
from scipy.optimize import linear_sum_assignment

from scheduling.bounds.earliest import earliest_starts_ends
from scheduling.bounds.groups import resource_groups
from scheduling.bounds.slots import (
    SPEED_SCALE,
    completion_slots,
    operation_head,
    resource_ready,
    sample_cuts,
)
from scheduling.bounds.tails import tail_work, wall_tails
from scheduling.model import Problem


class Capacity:
    """The facts the capacity bounds reuse for every resource set: earliest starts and
    ends, tails, per-job completion bounds, when each resource is ready, the groups.
    ``wall``: seconds after which no further relaxation (LP or exact) starts (None: no
    deadline, so the bounds are the same on every run)."""

    def __init__(
        self,
        problem: Problem,
        ends: list[int] | None,
        starts: list[int] | None,
        wall: float | None = None,
    ) -> None:
        if ends is None or starts is None:
            starts, ends = earliest_starts_ends(problem)
        self.problem, self.starts, self.ends = problem, starts, ends
        ops, jobs = problem.operations, problem.jobs
        self.group = resource_groups(problem)
        self.tail = wall_tails(problem)
        self.tail_work, self.tail_calendar = tail_work(problem)
        self.ready = resource_ready(problem)
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
        self._stop = None if wall is None else time.perf_counter() + wall

    def past_stop(self) -> bool:
        """Whether the caller's wall deadline for relaxations has passed (never without one)."""
        return self._stop is not None and time.perf_counter() > self._stop

    def wall_left(self) -> float | None:
        """Wall seconds to the caller's deadline (None: no deadline)."""
        return None if self._stop is None else self._stop - time.perf_counter()

    @contextmanager
    def own_window(self, seconds: float) -> Iterator[None]:
        """Inside, the deadline is ``seconds`` from now (when the caller set one); after, the
        caller's deadline moves by the time spent inside, so that work does not eat the
        exact relaxations' window."""
        stop = self._stop
        if stop is None:
            yield
            return
        begin = time.perf_counter()
        self._stop = begin + seconds
        try:
            yield
        finally:
            self._stop = stop + (time.perf_counter() - begin)

    def queue_cost(self, sub: list[tuple[int, int]], rset: frozenset[int]) -> int:
        """The cheapest matching of the items ``sub`` (job, operation) to the completion
        slots of resource set ``rset``."""
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
        heads = [operation_head(self.problem, i, self.starts) for _, i in sub]
        order = sorted(range(n), key=lambda k: heads[k])
        before = 0  # operations with an earliest start before the cut
        for a in sample_cuts(sorted(set(heads))):
            while before < n and heads[order[before]] < a:
                before += 1
            later = sorted(work[k] for k in order[before:])
            self._raise(slots, completion_slots(self.problem, speed, self.ready, a, later), before)
        self._raise(slots, self.setup_slots(sub), 0)
        return slots

    def work(self, i: int) -> int:
        """Operation i's shortest mode."""
        return min(m.duration for m in self.problem.operations[i].modes)

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
        setup_in = self.cheapest_setups_in()
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
        speed = {r: -(-x * SPEED_SCALE // 1) for r, x in best.items()}
        free = sum(1 for r in speed if res[r].initial_class is None)
        credit = sum(sorted(dearest, reverse=True)[:free])
        return completion_slots(self.problem, speed, [0] * len(res), 0, sorted(work), credit)

    def cheapest_setups_in(self) -> dict[int, dict[int, int]]:
        """Per resource r and operation i eligible there, the cheapest setup right before
        i on r: from the class of another operation eligible on r, or from r's initial
        class (computed per class, with numpy: floors share their matrices)."""
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
        minute there can do, in parts of ``SPEED_SCALE`` rounded up."""
        ops = self.problem.operations
        best: dict[int, Fraction] = {}
        for (_, i), w in zip(sub, work, strict=True):
            for m in ops[i].modes:
                ratio = Fraction(w, m.duration)
                if ratio > best.get(m.resource, 0):
                    best[m.resource] = ratio
        return {r: -(-x * SPEED_SCALE // 1) for r, x in best.items()}
