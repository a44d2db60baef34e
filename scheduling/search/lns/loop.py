"""The LNS loop: pick a neighbourhood by roulette, relax, build its sub-model, solve it,
put the result back when it is no worse and valid, adapt sizes and scores."""

from __future__ import annotations

import math
import random
import time

from ortools.sat.python import cp_model

from scheduling.cpsat import (
    DETERMINISTIC_WALL_EXTRA,
    DETERMINISTIC_WALL_FACTOR,
    CpSatModel,
    solve_interruptibly,
)
from scheduling.model import Problem, Solution
from scheduling.result import fill_setups
from scheduling.search.lns.incumbent import Incumbent
from scheduling.search.lns.neighbourhoods import Neighbourhoods, Relaxation
from scheduling.search.lns.params import LnsParams, LnsStats, independent, windowed
from scheduling.search.lns.submodels import SubModel, machine_sub_model, whole_sub_model
from scheduling.search.lns.window import window_sub_model
from scheduling.validate import objective as recompute
from scheduling.validate import validate

# Window steps are validated on their sub-problem; the whole plan every this many
# improvements (a whole-plan validation costs about half a step on 3,000 lots).
FULL_CHECK_EVERY = 20
# Deterministic-time cap of one sub-solve in deterministic runs (see configure).
SUB_DETERMINISTIC_TIME = 0.25
# Initial size of the line neighbourhood (its jobs' other operations come on top).
LINE_INITIAL = 16


class Neighbourhood:
    """Adaptive state of one neighbourhood: its relaxed-set size and its recent value."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self.score = 1.0


class Search:
    """One LNS run: the incumbent, the neighbourhoods and their roulette, the checks."""

    def __init__(
        self, problem: Problem, solution: Solution, params: LnsParams, horizon: int | None
    ) -> None:
        self.problem = problem
        self.horizon = horizon
        self.params = params
        self.rng = random.Random(params.seed)
        self.incumbent = inc = Incumbent(problem, solution)
        n = len(inc.free)
        self.max_size = max(1, min(n, int(params.max_fraction * n)))
        self.min_size = min(self.max_size, params.min_relaxed)
        first = self._clamp(min(round(params.initial_size * n), params.initial_cap))
        # Large problems get window sub-models, so only time-local neighbourhoods make sense.
        self.windowed = windowed(problem, params.window_above)
        self.chooser = Neighbourhoods(inc, self.rng, self.windowed)
        self.hoods = [Neighbourhood(name, first) for name in self._names() or ["jobs"]]
        for hood in self.hoods:
            if hood.name == "machines":  # cheap and exact: start with most of the roulette
                hood.score = 4.0
            if hood.name in ("line", "group"):  # each brings its jobs' other operations
                hood.size = self._clamp(min(first, LINE_INITIAL))
        self.max_neighbours = params.max_neighbours
        # The incumbent's value on the last window model (what its sub-solve must beat).
        self.window_value = 0
        # Window steps are checked on their sub-problem; the whole plan is validated every
        # FULL_CHECK_EVERY improvements and at the end, falling back to the last plan that
        # passed (see :meth:`accept`).
        self.checked, self.checked_objective = inc.best, inc.best_objective
        self.unchecked = 0
        self.reverts = 0

    def _names(self) -> list[str]:
        """The neighbourhoods that make sense here. A line stretch keeps its jobs' other
        operations on their own resources, so its window model holds a few resources."""
        local = ("window", "line", "group")
        alone = independent(self.problem)
        return [
            h
            for h in self.params.neighbourhoods
            if (h != "machines" or alone)
            and (h in local or not self.windowed)
            and (h not in ("line", "group") or self.windowed)
        ]

    def _clamp(self, size: float) -> int:
        return int(max(self.min_size, min(self.max_size, size)))

    def pick(self) -> Neighbourhood:
        """A neighbourhood drawn by roulette over the scores."""
        total = sum(h.score for h in self.hoods)
        x = self.rng.random() * total
        for hood in self.hoods:
            x -= hood.score
            if x <= 0:
                return hood
        return self.hoods[-1]

    def sub_model(self, hood: Neighbourhood, relaxation: Relaxation) -> SubModel:
        """The model of a step: machines alone, a time window (large problems) or the
        whole plan with the kept operations pinned in order."""
        inc = self.incumbent
        if hood.name == "machines":
            return machine_sub_model(inc, relaxation, self.horizon)
        if self.windowed:
            sub = window_sub_model(inc, relaxation, self.max_neighbours)
            self.window_value = sub.value or 0
            return sub
        return whole_sub_model(inc, relaxation.ops, self.horizon, self.max_neighbours)

    def configure(self, prm: cp_model.SatParameters, deadline: float, circuits: bool) -> None:
        """Sub-solve parameters: one worker, no LP, no symmetry search, no probing.

        Sub-models are small once most of the schedule is pinned, and these global
        techniques cost more than they prune there. Presolve is skipped on changeover
        models, whose sub-models are mostly pinned arcs.
        """
        prm.num_workers = 1
        prm.random_seed = self.rng.randrange(1 << 30)
        prm.linearization_level = 0
        prm.symmetry_level = 0
        prm.cp_model_probing_level = 0
        prm.cp_model_presolve = not circuits
        left = max(0.01, deadline - time.perf_counter())
        if self.params.deterministic:
            prm.max_number_of_conflicts = self.params.sub_conflicts
            # Models with calendars can spend seconds on a few hundred conflicts;
            # deterministic time caps them, reproducibly.
            prm.max_deterministic_time = SUB_DETERMINISTIC_TIME
            # Only a guard against a hang: stopping a sub-solve on the clock would make
            # the run depend on the machine's load (same input, different plans).
            prm.max_time_in_seconds = left
        else:
            scale = 2 if self.windowed else 1  # window models carry calendars: slower
            prm.max_time_in_seconds = min(left, scale * self.params.sub_time)

    def worth_checking(self, hood: Neighbourhood, solver: cp_model.CpSolver) -> bool:
        """Whether a sub-solve's schedule may beat the incumbent, before the whole plan is
        rebuilt, re-costed and validated (O(operations) each, the bulk of a step on large
        plans). A window model's own objective is cut off at the incumbent's value on it,
        so only a strictly lower value there can be an improvement. Other models (whose
        equal-valued moves are accepted, a walk on the plateau) are always checked."""
        if not self.windowed or hood.name == "machines" or self.incumbent.pure_makespan:
            return True
        return bool(solver.objective_value < self.window_value - 0.5)

    def accept(
        self, hood: Neighbourhood, sub: SubModel, solver: cp_model.CpSolver, relaxed: set[int]
    ) -> int:
        """Put the sub-solve's schedule into the whole plan; keep it when it is no worse
        (window models: strictly better) and the validator accepts it. Returns the gain."""
        inc = self.incumbent
        part = sub.model.extract(solver)
        candidate = part
        if sub.index is not None:  # a part: put it back into the whole schedule
            merged = list(inc.best)
            for k, i in enumerate(sub.index):
                if i in relaxed:
                    merged[i] = part[k]
            candidate = fill_setups(self.problem, Solution(merged))
        value = recompute(self.problem, candidate).total
        flow = inc.flow(candidate)
        windowed = self.windowed and hood.name != "machines"
        if windowed and value >= inc.best_objective:
            return 0  # equal moves are not worth a validation here
        if (value, flow) > (inc.best_objective, inc.best_flow):
            return 0
        # A window model holds everything its relaxed operations can meet, so checking it
        # checks the change; the whole plan is still validated every FULL_CHECK_EVERY
        # improvements and at the end.
        checked = sub.model.problem if windowed else self.problem
        if validate(checked, part if windowed else candidate):
            return 0
        gain = inc.best_objective - value
        old = inc.best
        inc.replace(candidate, value, flow)
        if windowed:
            inc.reindex(old, {i for i in relaxed if old[i] != candidate[i]})
            self.unchecked += 1
            if self.unchecked >= FULL_CHECK_EVERY:
                self.check()
        else:
            self.checked, self.checked_objective = candidate, value
        return gain

    def check(self) -> bool:
        """Validate the whole incumbent; if it fails (it should not: each change passed on
        its sub-problem), go back to the last incumbent that passed. True when it passed."""
        inc = self.incumbent
        self.unchecked = 0
        if inc.best is self.checked:
            return True
        if not validate(self.problem, inc.best):
            self.checked, self.checked_objective = inc.best, inc.best_objective
            return True
        inc.replace(self.checked, self.checked_objective, inc.flow(self.checked))
        inc.index_best()
        self.reverts += 1
        return False

    def reward(self, gain: int) -> float:
        """Value of a step's gain for the roulette. Small problems: 1 for any improvement.
        Window mode: the gain relative to the objective (1 per 0.1 %), so a neighbourhood
        whose steps gain ten times more gets (about) ten times the choices; counting
        improvements alone kept many tiny window steps ahead of fewer, larger line steps."""
        if gain <= 0:
            return 0.0
        if not self.windowed:
            return 1.0
        return 1000.0 * gain / max(1, self.incumbent.best_objective + gain)

    def step(self, deadline: float, began: float, stats: LnsStats) -> None:
        """One step: relax, model, solve, accept, then adapt the neighbourhood."""
        hood = self.pick()
        relaxation = self.chooser.relax(hood.name, hood.size)
        sub = self.sub_model(hood, relaxation)
        solver = cp_model.CpSolver()
        self.configure(solver.parameters, deadline, bool(sub.model.v.arcs))
        tick = time.perf_counter()
        status = solve_interruptibly(solver, sub.model.model)
        spent = max(1e-3, time.perf_counter() - tick)
        stats.iterations += 1
        stats.tried[hood.name] = stats.tried.get(hood.name, 0) + 1
        gain = 0
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and self.worth_checking(hood, solver):
            gain = self.accept(hood, sub, solver, relaxation.ops)
        if gain > 0:
            stats.improvements += 1
            stats.improved[hood.name] = stats.improved.get(hood.name, 0) + 1
            now = round(time.perf_counter() - began, 3)
            stats.history.append((now, self.incumbent.best_objective))
        # Adapt: solved to optimality means the neighbourhood may grow; a time-out, shrink.
        if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
            hood.size = self._clamp(math.ceil(hood.size * 1.1))
        elif status == cp_model.FEASIBLE:
            hood.size = self._clamp(math.floor(hood.size * 0.9))
        else:  # not even the hint was loaded in time: much too big
            hood.size = self._clamp(math.floor(hood.size * 0.6))
        # Reward per second of search; per step in deterministic runs (wall time varies).
        effort = 1.0 if self.params.deterministic else spent
        hood.score = max(0.05, 0.7 * hood.score + 0.3 * self.reward(gain) / effort)

    def run(self, time_limit: float, stats: LnsStats) -> None:
        """Steps until the time limit or ``max_iterations``, then a whole-plan check."""
        began = time.perf_counter()
        # Deterministic runs are bounded by max_iterations; wall time only guards them.
        if self.params.deterministic:  # as far away as the full model's (see cpsat)
            time_limit = DETERMINISTIC_WALL_FACTOR * time_limit + DETERMINISTIC_WALL_EXTRA
        deadline = began + time_limit
        stats.history.append((0.0, self.incumbent.best_objective))
        step = 0.0  # wall seconds of the last step: building a sub-model cannot be interrupted
        while self.incumbent.free:
            left = deadline - time.perf_counter()
            if left <= 0.05 or (not self.params.deterministic and step > left):
                break
            began_step = time.perf_counter()
            cap = self.params.max_iterations
            if cap is not None and stats.iterations >= cap:
                break
            self.step(deadline, began, stats)
            step = time.perf_counter() - began_step
        if not self.check():
            now = round(time.perf_counter() - began, 3)
            stats.history.append((now, self.incumbent.best_objective))
        stats.reverted = self.reverts
        stats.seconds = time.perf_counter() - began


def improve(
    problem: Problem,
    solution: Solution,
    time_limit: float,
    params: LnsParams | None = None,
    horizon: int | None = None,
) -> tuple[Solution, int, LnsStats]:
    """Improve a valid ``solution`` of ``problem`` by LNS for ``time_limit`` wall seconds.

    ``horizon`` (optional) is the full model's horizon, reused by every sub-model. Returns the
    best valid solution found (never worse than ``solution``: every candidate is checked by the
    independent validator), its objective as the validator computes it, and statistics.
    """
    params = params or LnsParams()
    stats = LnsStats()
    search = Search(problem, fill_setups(problem, solution), params, horizon)
    search.run(time_limit, stats)
    return search.incumbent.best, search.incumbent.best_objective, stats


# Sub-solve wall seconds assumed when a deterministic run turns its time into iterations.
SECONDS_PER_ITERATION = 0.4


def _iterations(time_limit: float, deterministic: bool) -> int | None:
    return max(1, round(time_limit / SECONDS_PER_ITERATION)) if deterministic else None


def phase(
    model: CpSatModel,
    incumbent: Solution,
    time_limit: float,
    seed: int = 0,
    deterministic: bool = False,
) -> tuple[Solution, dict[str, object]]:
    """The LNS phase of :func:`scheduling.solve.solve`: improve ``incumbent`` of ``model``.

    ``model`` is the full model already built (its horizon and arc pruning are reused).
    Deterministic runs get ``time_limit / SECONDS_PER_ITERATION`` iterations and
    conflict-limited sub-solves, so their result depends on the seed only.
    """
    params = LnsParams(
        seed=seed,
        deterministic=deterministic,
        max_neighbours=model.max_neighbours or LnsParams.max_neighbours,
        max_iterations=_iterations(time_limit, deterministic),
    )
    solution, _, stats = improve(model.problem, incumbent, time_limit, params, model.H)
    return solution, stats.as_dict()


def phase_without_model(
    problem: Problem,
    incumbent: Solution,
    time_limit: float,
    seed: int = 0,
    deterministic: bool = False,
) -> tuple[Solution, dict[str, object]]:
    """The LNS phase when the full model was never built (too big to build in the budget).

    Such problems are above ``window_above`` operations, so every step builds only a window
    sub-model; the horizon is each window's own.
    """
    params = LnsParams(
        seed=seed,
        deterministic=deterministic,
        max_iterations=_iterations(time_limit, deterministic),
    )
    solution, _, stats = improve(problem, incumbent, time_limit, params)
    return solution, stats.as_dict()
