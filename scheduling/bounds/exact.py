"""The exact small-problem bound: CP-SAT's proven bound on a relaxation of a queue.

For a set of resources where a few big operations fight for the same lines, the slots
of :class:`~scheduling.bounds.capacity.Capacity` say little; the few heaviest items, alone
on those lines with their calendars and setups, make a problem CP-SAT proves in a fraction
of a deterministic second, and its bound holds for them in every schedule. Each relaxation
is charged to a budget of deterministic seconds, so the same problem always gets the same
bound.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from scheduling.bounds.capacity import Capacity
from scheduling.cpsat import CpSatModel, configure, solve_interruptibly
from scheduling.model import Job, Mode, Objective, Operation, Precedence, Problem, Resource
from scheduling.search import heuristic
from scheduling.validate import objective

# Resource sets with at most this many items get the relaxation when the caller grants
# seconds for it, at most EXACT_SECONDS (deterministic) each, smallest sets first (batch
# floors: a few big lots fight for the fast line).
EXACT_MAX_ITEMS = 8
EXACT_SECONDS = 1.0
EXACT_MIN_SECONDS = 0.2
# A started relaxation may run this many wall seconds per deterministic second past the
# caller's deadline (presolve, which the deterministic clock does not see, included).
EXACT_WALL_PER_SECOND = 3.0
# Each relaxation is charged at least this much: building the model takes wall time that
# CP-SAT's deterministic clock does not see.
EXACT_CHARGE = 0.4


class ExactRelaxations:
    """Relaxations of a problem's queues (see the module docstring) within ``seconds``
    deterministic CP-SAT seconds in all, and no later than ``cap``'s wall deadline."""

    def __init__(self, cap: Capacity, seconds: float) -> None:
        self.cap = cap
        self.left = seconds
        ops = cap.problem.operations
        # Per resource and class, its shortest operation there (paths pass through it).
        self._shortest: dict[int, dict[int, int]] = {}
        for op in ops:
            for m in op.modes:
                per = self._shortest.setdefault(m.resource, {})
                per[op.setup_class] = min(per.get(op.setup_class, m.duration), m.duration)
        self._arrays: dict[int, np.ndarray[Any, Any]] = {}
        self._closures: dict[int, tuple[dict[int, int], np.ndarray[Any, Any]]] = {}

    def relaxation(self, sub: list[tuple[int, int]], rset: frozenset[int]) -> tuple[Problem, int]:
        """A problem whose weighted tardiness plus the returned constant is at most that
        of the items ``sub`` in every schedule: only their operations here, on
        the resources of ``rset`` with their calendars and initial classes, none starting
        before its earliest start, each job due its due date less the operation's tail
        and completing no earlier than its own earliest completion less the tail; between
        two of them on a resource, whatever ran between in the real schedule took at least
        the shortest path of setups and operations (:meth:`closure`). Every schedule
        gives a schedule of the relaxation that costs no more for these jobs."""
        cap = self.cap
        ops, jobs, res = cap.problem.operations, cap.problem.jobs, cap.problem.resources
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
            job_due = jobs[j].due
            assert job_due is not None, "items have due dates"
            due = job_due - cap.tail[i]
            const += jobs[j].weight * max(0, -due)  # C + tail - due, and C >= 0
            new_jobs.append(Job(due=max(0, due), weight=jobs[j].weight))
            op = ops[i]
            here = len(new_ops)
            new_ops.append(
                Operation(
                    k,
                    tuple(Mode(at[m.resource], m.duration) for m in op.modes),
                    local[op.setup_class],
                    fixed_resource=None if op.fixed_resource is None else at[op.fixed_resource],
                    fixed_start=op.fixed_start,
                )
            )
            if not op.fixed and cap.starts[i] >= 1:
                precs.append(Precedence(mark(k, cap.starts[i]), here))
            if cap.completion[j] - cap.tail[i] >= 1:
                mark(k, cap.completion[j] - cap.tail[i])
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
            setups=tuple(self.closure(r, classes) for r in lines) + (None,) * marks,
            objective=Objective(tardiness=1),
        )
        return sub_problem, const

    def bound(self, relaxed: Problem, const: int) -> int:
        """CP-SAT's proven bound on a :meth:`relaxation` (plus its constant), within what
        is left of the budget; 0 when nothing is."""
        seconds = min(EXACT_SECONDS, self.left)
        if seconds < EXACT_MIN_SECONDS:
            return 0
        if self.cap.past_stop():
            return 0
        return const + self.proven_bound(relaxed, seconds)

    def closure(self, r: int, classes: list[int]) -> tuple[tuple[int, ...], ...] | None:
        """Setup matrix of resource r over ``classes`` that no sequence there beats: from
        class a to class b, the direct setup or a path through classes with operations
        eligible on r (each passed through costs its shortest operation), Floyd-Warshall
        (once per resource; classes it has no operation of are added as they come)."""
        mat = self.cap.problem.setups[r]
        if mat is None:
            return None
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

    def proven_bound(self, problem: Problem, seconds: float) -> int:
        """CP-SAT's proven lower bound on ``problem`` (its optimum when it proves one)
        within ``seconds`` deterministic seconds, one worker, charged to the budget by the
        deterministic time used (so the same problem always gets the same bound)."""
        model = CpSatModel(problem)
        solver = cp_model.CpSolver()
        # Without presolve (``big``): on long calendars presolve took tens of wall seconds that
        # the deterministic clock does not count, so a loaded machine got a weaker bound (or
        # none) and the search lost the time. Measured on the floor library: the same bounds,
        # or 1-2.4 % lower on three of seven, in 3.6-6.9 s instead of 6.3-86.8 s.
        configure(solver.parameters, seconds, 1, 0, deterministic=True, big=True)
        wall = self.cap.wall_left()
        if wall is not None:
            # Presolve spends no deterministic time: on a calendar of hundreds of segments
            # (batch lots of days) it ran 33 s of a 2 s budget. A caller's deadline stops it,
            # but a relaxation once started gets its own budget in wall seconds at least
            # (a loaded machine must not cut every relaxation short at the deadline).
            solver.parameters.max_time_in_seconds = max(wall, EXACT_WALL_PER_SECOND * seconds)
        code = solve_interruptibly(solver, model.model)
        self.left -= max(solver.deterministic_time, EXACT_CHARGE)
        if code == cp_model.OPTIMAL:
            return round(solver.objective_value)
        if code == cp_model.FEASIBLE or code == cp_model.UNKNOWN:
            return max(0, math.ceil(solver.best_objective_bound - 1e-6))
        return 0  # infeasible relaxation: the problem has no schedule; nothing to add

    def raise_costs(self, sets: list[Any], costs: list[int]) -> None:
        """Raise ``costs`` (per set) by the exact relaxation of each set's heaviest items
        (the others at their unlimited-capacity tardiness; dropping items only relaxes the
        queue, and big lots are what fight for lines). Sets go to CP-SAT in the order of
        what they could still gain at most, by the heuristic's schedule of the relaxation
        (an upper bound on its optimum); a set whose heuristic schedule gains nothing is
        skipped."""
        cap = self.cap
        jobs = cap.problem.jobs
        todo = []
        for k, (_, rset, sub) in enumerate(sets):
            heavy = sorted(sub, key=lambda x: (-jobs[x[0]].weight * cap.work(x[1]), x))
            top, rest = heavy[:EXACT_MAX_ITEMS], heavy[EXACT_MAX_ITEMS:]
            relaxed, const = self.relaxation(top, rset)
            upper = heuristic.solve(relaxed, 0.1, max_runs=heuristic.DETERMINISTIC_RUNS)
            if upper is None:
                continue
            others = sum(cap.base[j] for j, _ in rest)
            room = const + objective(relaxed, upper).total + others - costs[k]
            if room > 0:
                todo.append((-room, k, relaxed, const + others))
        for _, k, relaxed, const in sorted(todo, key=lambda x: x[:2]):
            exact = self.bound(relaxed, 0)
            if exact:
                costs[k] = max(costs[k], exact + const)
