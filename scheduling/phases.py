"""The phases of a solve, in order, and the state they hand on to each other.

Each phase says whether it ``applies`` to the state, what ``budget`` (seconds) it takes,
whether it ``starts`` with that budget, and what it does (``run``, or ``skip`` when it does
not start). :func:`scheduling.solve.solve` charges each budget to the clock and runs the
phases in :data:`PHASES` order; ``docs/scheduling.md`` describes each and its parameters.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property

from scheduling import bounds
from scheduling.cpsat import CpSatModel
from scheduling.model import Problem, Solution
from scheduling.params import SolveParams
from scheduling.result import SolveStats, SolveStatus, fill_setups
from scheduling.search import axis, greedy, heuristic, lns, sequences
from scheduling.sizing import is_large, neighbours
from scheduling.validate import objective, validate


@dataclass
class Clock:
    """Time left. Deterministic solves budget each phase by the plan, not the clock."""

    limit: float
    deterministic: bool
    t0: float = field(default_factory=time.perf_counter)
    spent_nominal: float = 0.0

    def left(self) -> float:
        """Seconds left: by the plan (deterministic) or by the wall clock."""
        if self.deterministic:
            return self.limit - self.spent_nominal
        return self.limit - self.elapsed()

    def charge(self, seconds: float) -> None:
        """Counts a phase's budget as spent in the plan."""
        self.spent_nominal += seconds

    def elapsed(self) -> float:
        """Wall seconds since the solve began."""
        return time.perf_counter() - self.t0


@dataclass
class SolveState:
    """The problem, the options, the best schedule so far and what is known about it."""

    problem: Problem
    params: SolveParams
    clock: Clock
    workers: int
    seed: int
    deterministic: bool
    log: bool
    hint: Solution | None = None
    best: Solution | None = None
    best_obj: int | None = None
    status: SolveStatus = SolveStatus.FALLBACK
    method: str = "heuristic"
    bound: int = 0
    cheap_bound: int = 0
    sequenced: bool = False
    model: CpSatModel | None = None
    stats: SolveStats = field(default_factory=SolveStats)
    # A relaxation's own solve (the working-time axis): its bounds prove nothing for the
    # real problem, so it computes none, and it does not relax itself again.
    relaxed: bool = False

    # The facts below are read from the model phase on, when the first schedule is known
    # (or known to be missing): computed once then.

    @cached_property
    def k(self) -> int | None:
        """Arc pruning's K (None: full circuits); only with a schedule to prune around."""
        return neighbours(self.problem, self.params) if self.best is not None else None

    @property
    def pruned(self) -> bool:
        """Whether the full model's circuits lose arcs (its optimum then proves nothing)."""
        return self.k is not None

    @cached_property
    def windowed(self) -> bool:
        """Whether LNS works on window sub-models (and gets the whole budget)."""
        return self.best is not None and lns.windowed(self.problem)

    @cached_property
    def large(self) -> bool:
        """Whether the full model is too big to do well in seconds."""
        return self.best is not None and is_large(self.problem, self.params)

    @property
    def lns_share(self) -> float:
        """Share of the time left that is kept for LNS (none without a schedule)."""
        if self.best is None:
            return 0
        return self.params.lns_share if self.large else self.params.lns_share_small

    def offer(self, candidate: Solution, value: int) -> bool:
        """Takes a phase's schedule (of objective ``value``) when strictly better and valid:
        a phase's own checks are not trusted, the checker is the referee."""
        if self.best_obj is None or value >= self.best_obj or validate(self.problem, candidate):
            return False
        self.best, self.best_obj = candidate, value
        return True


class Phase(ABC):
    """One step of the solve. Defaults: always applies, no budget, starts above
    ``min_seconds``, does nothing when skipped."""

    name = ""

    def applies(self, s: SolveState) -> bool:
        """Whether the phase concerns this problem at this point."""
        return True

    def budget(self, s: SolveState) -> float:
        """Seconds the phase takes (charged to the plan of a deterministic solve)."""
        return 0.0

    def starts(self, s: SolveState, seconds: float) -> bool:
        """Whether the budget is worth starting the phase."""
        return seconds > s.params.min_seconds

    @abstractmethod
    def run(self, s: SolveState, seconds: float) -> None:
        """Does the phase's work within ``seconds``, handing its best schedule on in ``s``."""

    def skip(self, s: SolveState) -> None:
        """Records why the phase did not start (nothing by default)."""
        return None


class Heuristic(Phase):
    """Dispatching variants: the first is the first feasible schedule, the others cheap
    improvements; a caller's hint competes with the best of them."""

    name = "heuristic"

    def budget(self, s: SolveState) -> float:
        return min(s.params.heuristic_max_seconds, s.params.heuristic_share * s.clock.limit)

    def starts(self, s: SolveState, seconds: float) -> bool:
        return True

    def run(self, s: SolveState, seconds: float) -> None:
        runs = heuristic.DETERMINISTIC_RUNS if s.deterministic else None
        s.best = heuristic.solve(s.problem, seconds, seed=s.seed, max_runs=runs)
        s.best_obj = objective(s.problem, s.best).total if s.best is not None else None
        s.stats.heuristic_objective = s.best_obj
        s.stats.heuristic_seconds = round(s.clock.elapsed(), 3)
        if s.hint is None:
            return
        hint = fill_setups(s.problem, s.hint)
        bad = validate(s.problem, hint)
        if bad:
            s.stats.hint_rejected = bad[:3]
            return
        h_obj = objective(s.problem, hint).total
        s.stats.hint_objective = h_obj
        if s.best_obj is None or h_obj <= s.best_obj:
            s.best, s.best_obj = hint, h_obj


class Bound(Phase):
    """Cheap lower bounds (exact relaxations, an LP) that hold for every schedule: CP-SAT's
    bound is 0 when arcs were pruned, these still give a gap. Their time comes out of the
    limit, whatever it turns out to be."""

    name = "bound"

    def applies(self, s: SolveState) -> bool:
        return not s.relaxed

    def budget(self, s: SolveState) -> float:
        exact = bounds.exact_budget(s.clock.limit)
        return exact + bounds.LP_WALL_SECONDS if exact else 0.0

    def starts(self, s: SolveState, seconds: float) -> bool:
        return True

    def run(self, s: SolveState, seconds: float) -> None:
        t0 = time.perf_counter()
        exact = bounds.exact_budget(s.clock.limit)
        wall = None if s.deterministic else bounds.EXACT_WALL_FACTOR * exact
        s.cheap_bound = s.stats.cheap_bound = bounds.lower_bound(s.problem, exact, wall)
        s.stats.bound_seconds = round(time.perf_counter() - t0, 3)


class IteratedGreedy(Phase):
    """Pure sequencing (parallel lines with setups, no routings): iterated greedy is the
    method of choice there; CP-SAT then starts from its schedule."""

    name = "iterated_greedy"

    def applies(self, s: SolveState) -> bool:
        return (
            s.best is not None
            and s.problem.num_operations >= s.params.ig_min_operations
            and greedy.sequencing_only(s.problem)
        )

    def budget(self, s: SolveState) -> float:
        return s.params.ig_share * s.clock.left()

    def run(self, s: SolveState, seconds: float) -> None:
        assert s.best is not None  # applies() checked it
        t1 = time.perf_counter()
        rate = s.params.ig_work_per_second / s.problem.num_operations
        runs = int(rate * seconds) if s.deterministic else None
        better = greedy.iterated_greedy(s.problem, s.best, seconds, s.seed, max_iterations=runs)
        s.stats.iterated_greedy_seconds = round(time.perf_counter() - t1, 3)
        obj = s.stats.iterated_greedy_objective = objective(s.problem, better).total
        s.offer(better, obj)


class LineSequences(Phase):
    """A changeover stage (sewing lines) in routed jobs: local search over the lines'
    sequences, priced by a surrogate, gets a share first; LNS then polishes the result."""

    name = "sequences"

    def applies(self, s: SolveState) -> bool:
        return (
            s.best is not None
            and s.problem.num_operations >= s.params.sequence_min_operations
            and sequences.applicable(s.problem)
        )

    def budget(self, s: SolveState) -> float:
        return s.params.sequence_share * s.clock.left()

    def run(self, s: SolveState, seconds: float) -> None:
        assert s.best is not None  # applies() checked it
        s.sequenced = True
        p = s.problem
        runs = sequences.iterations_for(p, s.best, seconds) if s.deterministic else None
        better, seq_stats = sequences.improve(p, s.best, seconds, s.seed, max_iterations=runs)
        s.stats.sequence.update(seq_stats)
        obj = s.stats.sequence_objective = objective(p, better).total
        if s.offer(better, obj):  # a searched schedule, not the dispatching fallback
            s.status, s.method = SolveStatus.FEASIBLE, "sequences"


class WorkingTimeAxis(Phase):
    """Floors of long operations on one calendar: the problem solved on the calendar's
    working-time axis (no calendar encoding, see :mod:`scheduling.search.axis`) for a share
    of the time left, its schedule mapped back and priced by the checker; the full model
    and LNS then start from the better of the two."""

    name = "axis"

    def applies(self, s: SolveState) -> bool:
        return not s.relaxed and axis.applies(s.problem, s.params.axis_min_span)

    def budget(self, s: SolveState) -> float:
        return s.params.axis_share * s.clock.left()

    def run(self, s: SolveState, seconds: float) -> None:
        relaxation = axis.AxisProblem.of(s.problem)
        hint = relaxation.to_axis(s.best) if s.best is not None else None
        sub = SolveState(
            relaxation.axis,
            s.params,
            Clock(seconds, s.deterministic),
            s.workers,
            s.seed,
            s.deterministic,
            s.log,
            hint,
            relaxed=True,
        )
        run_phases(sub)
        s.stats.axis_status = str(sub.status)
        s.stats.axis_seconds = round(sub.clock.elapsed(), 3)
        if sub.best is None:
            return
        wall = relaxation.to_wall(sub.best)
        value = s.stats.axis_objective = objective(s.problem, wall).total
        if s.best_obj is None:  # no first schedule: take it if the checker does
            if validate(s.problem, wall):
                return
            s.best, s.best_obj = wall, value
        elif not s.offer(wall, value):
            return
        s.status, s.method = SolveStatus.FEASIBLE, "axis"


class BuildModel(Phase):
    """The full CP-SAT model, hinted with the best schedule (big circuits pruned around it).
    Not when the time is spent, the problem too big, or LNS works on window models."""

    name = "model"

    def starts(self, s: SolveState, seconds: float) -> bool:
        return (
            s.clock.left() > s.params.min_seconds
            and s.problem.num_operations <= s.params.full_model_max_operations
            and not s.windowed
        )

    def run(self, s: SolveState, seconds: float) -> None:
        s.stats.pruned_arcs = s.pruned
        s.model = CpSatModel(s.problem, hint=s.best, max_neighbours=s.k)

    def skip(self, s: SolveState) -> None:
        s.stats.pruned_arcs = s.pruned
        if s.windowed:
            s.stats.cpsat_skipped = "LNS on window models gets the budget"


def _cpsat_veto(s: SolveState) -> str | None:
    """Why a deterministic solve skips CP-SAT on the full model (None: it does not).

    No clock may stop a deterministic search early (plans would differ), and on these
    models its deterministic time runs far over the wall budget without improving on the
    hint; LNS, whose iterations are counted, gets the time instead.
    """
    if s.deterministic and s.large and s.pruned:
        return "deterministic, large and pruned"
    if s.deterministic and s.sequenced:
        return "deterministic, after the sequence search"
    return None


class CpSat(Phase):
    """CP-SAT on the full model for its share of the time left (LNS keeps the rest)."""

    name = "cpsat"

    def budget(self, s: SolveState) -> float:
        if s.model is None or _cpsat_veto(s) is not None:
            return 0.0
        return s.clock.left() * (1 - s.lns_share)

    def run(self, s: SolveState, seconds: float) -> None:
        model = s.model
        assert model is not None  # the budget is 0 without a model
        cp_status, sol, cp_obj, cp_bound, secs = model.solve(
            seconds, s.workers, s.seed, deterministic=s.deterministic, log=s.log
        )
        s.stats.cpsat_status, s.stats.cpsat_seconds = cp_status, round(secs, 3)
        # A deterministic solve stopped by the clock is not reproducible: say so.
        s.stats.cpsat_wall_capped = model.wall_capped
        if sol is None:
            if cp_status == "infeasible" and s.best is None and not s.pruned:
                s.status = SolveStatus.INFEASIBLE
            return
        bad = validate(s.problem, sol)
        if bad:
            s.stats.cpsat_invalid = bad[:3]
            return
        obj = objective(s.problem, sol).total
        assert cp_obj is not None  # a solution comes with its objective
        # The model may carry slack in its overtime terms on a non-optimal solution
        # (cp_obj >= obj); anything else would be a modelling bug.
        if obj > cp_obj or (cp_status == "optimal" and obj != cp_obj):
            s.stats.objective_mismatch = (cp_obj, obj)
        if s.best_obj is None or obj <= s.best_obj:
            s.best, s.best_obj = sol, obj
        # Optimal for a model with pruned arcs is not optimal for the problem.
        optimal = cp_status == "optimal" and not s.pruned
        s.status = SolveStatus.OPTIMAL if optimal else SolveStatus.FEASIBLE
        s.method = "cpsat"
        s.bound = 0 if s.pruned else cp_bound
        if optimal:
            s.bound = s.best_obj

    def skip(self, s: SolveState) -> None:
        reason = _cpsat_veto(s)
        if reason is not None:
            s.stats.cpsat_skipped = reason
        s.stats.cpsat_status = "skipped"


class Lns(Phase):
    """Large-neighbourhood search on the best schedule, for all the time left: on the full
    model when one was built, else on window sub-models. Not after a proof of optimality."""

    name = "lns"

    def applies(self, s: SolveState) -> bool:
        proven = s.status == SolveStatus.OPTIMAL and not s.pruned
        return bool(s.lns_share) and s.best is not None and not proven

    def budget(self, s: SolveState) -> float:
        return s.clock.left()

    def starts(self, s: SolveState, seconds: float) -> bool:
        return seconds > s.params.lns_min_seconds

    def run(self, s: SolveState, seconds: float) -> None:
        assert s.best is not None and s.best_obj is not None  # applies() checked it
        if s.model is None:
            sol, s.stats.lns = lns.phase_without_model(
                s.problem, s.best, seconds, s.seed, s.deterministic
            )
        else:
            sol, s.stats.lns = lns.phase(s.model, s.best, seconds, s.seed, s.deterministic)
        sol = fill_setups(s.problem, sol)
        bad = validate(s.problem, sol)
        if bad:
            s.stats.lns_invalid = bad[:3]
            return
        obj = objective(s.problem, sol).total
        if obj < s.best_obj:
            s.best, s.best_obj, s.method = sol, obj, "lns"
            if s.status == SolveStatus.FALLBACK:
                s.status = SolveStatus.FEASIBLE


class FinalCheck(Phase):
    """The outcome: every schedule kept was checked by the independent validator when it
    was offered; here the status without a schedule and the bound reported are settled."""

    name = "final"

    def starts(self, s: SolveState, seconds: float) -> bool:
        return True

    def run(self, s: SolveState, seconds: float) -> None:
        if s.best is None or s.best_obj is None:
            if s.status != SolveStatus.INFEASIBLE:
                s.status = SolveStatus.UNKNOWN
            s.bound = 0
            return
        s.bound = min(max(s.bound, s.cheap_bound), s.best_obj)


PHASES: tuple[Phase, ...] = (
    Heuristic(),
    Bound(),
    IteratedGreedy(),
    LineSequences(),
    WorkingTimeAxis(),
    BuildModel(),
    CpSat(),
    Lns(),
    FinalCheck(),
)


def run_phases(state: SolveState) -> None:
    """Runs :data:`PHASES` in order on ``state``: each that applies is charged its budget
    and either runs or records why it did not start."""
    for phase in PHASES:
        if not phase.applies(state):
            continue
        seconds = phase.budget(state)
        state.clock.charge(seconds)
        if phase.starts(state, seconds):
            phase.run(state, seconds)
        else:
            phase.skip(state)
