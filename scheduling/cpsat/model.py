"""``CpSatModel``: the full model of a problem, built in named steps, and its solve."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable

from ortools.sat.python import cp_model

from scheduling.cpsat.constraints import BUILDERS, FAMILIES
from scheduling.cpsat.core import ModelCore
from scheduling.cpsat.hints import HintView, Schedule
from scheduling.cpsat.horizon import horizon
from scheduling.cpsat.objective import add_objective
from scheduling.cpsat.params import PRESOLVE_MAX_CONSTRAINTS, configure, solve_interruptibly
from scheduling.model import Assignment, Problem, Solution
from scheduling.result import fill_setups


class CpSatModel(ModelCore):
    """Builds the model for a problem; ``solve`` runs it. One instance per solve.

    Steps: variables (``ModelCore``), each constraint family of ``FAMILIES`` not in
    ``skip`` (``constraints.py``), the objective (``objective.py``), then the hint.
    """

    def __init__(
        self,
        problem: Problem,
        hint: Solution | None = None,
        horizon_: int | None = None,
        skip: Iterable[str] = (),
        max_neighbours: int | None = None,
    ) -> None:
        skip = frozenset(skip)
        unknown = skip - set(FAMILIES)
        if unknown:
            raise ValueError(f"Unknown constraint families {sorted(unknown)}.")
        H = horizon_ if horizon_ is not None else horizon(problem, hint)
        super().__init__(problem, H, hint, skip, max_neighbours)
        self.wall_capped = False
        for family, build in BUILDERS.items():
            if family not in self.skip:
                build(self)
        add_objective(self)
        if hint is not None:
            self.hint_into(self.model, hint)

    def hint_into(self, target: cp_model.CpModel, sol: Schedule) -> None:
        """Hints every variable (modes, times, axis positions, arcs, objective terms) of
        ``sol`` on ``target``.

        ``target`` is this model or a clone of it (LNS sub-models): variables are looked up
        by index, and existing hints are cleared first (CP-SAT rejects duplicate hints).
        ``sol`` is any sequence of objects with ``resource``, ``start`` and ``end``.
        """
        p, v = self.problem, self.v
        target.clear_hints()
        view = HintView(self.cal, sol)
        hints: dict[int, int] = {}  # written in bulk below: per-variable add_hint is slow

        def put(var: cp_model.IntVar, value: int | bool) -> None:
            idx = var.index
            if idx >= 0 and idx not in hints:
                hints[idx] = int(value)

        for i, a in enumerate(sol):
            if i in v.wall_start and len(self.cals(i)) > 1:
                put(v.start[i], a.start)
                put(v.end[i], a.end)
            if len(p.operations[i].modes) > 1:
                for md in p.operations[i].modes:
                    put(v.present[i, md.resource], md.resource == a.resource)
            for c in self.cals(i):
                ax_s, ax_e = view.axes(i, c)
                put(v.ax_start[i, c], ax_s)
                put(v.ax_end[i, c], ax_e)
        for r, lits in v.arcs.items():
            seq = sorted(
                (i for i, a in enumerate(sol) if a.resource == r), key=lambda i: sol[i].start
            )
            on = set(zip([-1, *seq], [*seq, -1], strict=True))
            for key, lit in lits.items():
                put(lit, key in on)
            put(v.empty[r], not seq)
        if self.makespan is not None:
            put(self.makespan, max((a.end for a in sol), default=0))
        for var, fn in self.derived:
            put(var, fn(view))
        target.proto.solution_hint.vars.extend(hints.keys())
        target.proto.solution_hint.values.extend(hints.values())

    def solve(
        self,
        time_limit: float = 10.0,
        workers: int = 2,
        seed: int = 0,
        deterministic: bool = False,
        log: bool = False,
    ) -> tuple[str, Solution | None, int | None, int, float]:
        """Runs CP-SAT. Returns (status, solution, objective, bound, wall seconds).

        ``deterministic``: same result for the same seed and workers, by a
        deterministic-time limit (``time_limit`` deterministic units) instead of a
        wall-clock race between workers; see :func:`configure`. ``self.wall_capped`` tells
        afterwards whether the wall-clock safety cap stopped it (then it was not).
        """
        solver = cp_model.CpSolver()
        prm = solver.parameters
        big = len(self.model.proto.constraints) > PRESOLVE_MAX_CONSTRAINTS
        configure(prm, time_limit, workers, seed, deterministic, log, big)
        t0 = time.perf_counter()
        code = solve_interruptibly(solver, self.model)
        wall = time.perf_counter() - t0
        self.wall_capped = deterministic and wall >= 0.99 * prm.max_time_in_seconds
        status = {
            cp_model.OPTIMAL: "optimal",
            cp_model.FEASIBLE: "feasible",
            cp_model.INFEASIBLE: "infeasible",
        }.get(code, "unknown")
        bound = math.ceil(solver.best_objective_bound - 1e-6) if status != "infeasible" else 0
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None, None, max(bound, 0), wall
        sol = self.extract(solver)
        return status, sol, round(solver.objective_value), max(bound, 0), wall

    def extract(self, solver: cp_model.CpSolver) -> Solution:
        """The solver's schedule in wall-clock minutes, with setups from the sequences."""
        p, v = self.problem, self.v
        out = []
        for i, op in enumerate(p.operations):
            r = next(
                md.resource
                for md in op.modes
                if len(op.modes) == 1 or solver.boolean_value(v.present[i, md.resource])
            )
            c = self.cal(r)
            s, e = solver.value(v.ax_start[i, c]), solver.value(v.ax_end[i, c])
            if not c.always_open:
                wall_s, wall_e = c.start_at(s), c.end_at(e)
                if wall_s is None or wall_e is None:  # the horizon keeps both on the calendar
                    raise RuntimeError(f"Operation {i} was placed beyond its calendar's end.")
                s, e = wall_s, wall_e
            out.append(Assignment(r, s, e, 0))
        return fill_setups(p, Solution(out))
