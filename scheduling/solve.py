"""One call solves: heuristic first (always a schedule), then CP-SAT warm-started from it.

Pipeline of :func:`solve`:

1. **Heuristic** (``heuristic.solve``): a few dispatching variants in a small budget; the
   best valid schedule is the incumbent (a caller's ``hint`` competes with it). On pure
   sequencing problems (``greedy.sequencing_only``) iterated greedy then improves it.
2. **CP-SAT** on the full model (``cpsat.CpSatModel``), hinted with the incumbent, for the
   time left. Big circuits get their arcs pruned around the incumbent's order (see
   ``cpsat``): the search space shrinks, validity does not, and the bound is then not
   reported (it would not hold for the full problem).
   Where one stage has changeovers in routed jobs (``sequences.applicable``: sewing lines
   between cutting and finishing), a local search over the lines' sequences
   (``scheduling/sequences.py``) first gets ``SEQUENCE_SHARE`` of the time left; a
   deterministic solve then skips the full model (its search overran 10 s plans by 2-3x).
3. **Large-neighbourhood search** (:func:`_lns_phase`, ``scheduling/lns.py``): part of the
   budget (``LNS_SHARE`` of it for large models, ``LNS_SHARE_SMALL`` otherwise) is kept
   for LNS, which runs unless CP-SAT proved optimality in its share. Problems where LNS
   works on window models (``lns.windowed``: above 400 operations, with routings) skip
   step 2 and its model: LNS gets the whole budget.
4. The best schedule found is checked by the independent validator and its objective is
   recomputed there; a CP-SAT schedule that failed the checker would be dropped (and
   reported in ``stats``), never returned.

Statuses: ``optimal`` / ``feasible`` (CP-SAT's schedule), ``fallback`` (CP-SAT found
nothing in time: the heuristic's schedule), ``infeasible`` (no schedule at all).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from scheduling import bounds
from scheduling.cpsat import CpSatModel
from scheduling.model import Problem, Solution
from scheduling.result import Result, fill_setups
from scheduling.search import greedy, heuristic, lns, sequences
from scheduling.validate import objective, validate

# A circuit with more nodes than this gets pruned arcs: each operation keeps the
# operations within K places of it, in the incumbent's order, as possible neighbours, with
# K = PRUNE_ARCS_PER_CIRCUIT / nodes clamped to [PRUNE_MIN, PRUNE_NEIGHBOURS] (the circuit
# then has about 2 K n arcs, a few thousand, whatever the size).
PRUNE_ABOVE = 120
PRUNE_NEIGHBOURS = 30
PRUNE_MIN = 6
PRUNE_ARCS_PER_CIRCUIT = 3000


def neighbours(problem: Problem) -> int | None:
    """The K of arc pruning for this problem, or None when every circuit stays complete."""
    n = max(_circuit_sizes(problem), default=0)
    if n <= PRUNE_ABOVE:
        return None
    return max(PRUNE_MIN, min(PRUNE_NEIGHBOURS, PRUNE_ARCS_PER_CIRCUIT // n))


# Above this many circuit arcs (after pruning) or operations, the model counts as large.
LARGE_ARCS = 40_000
LARGE_OPERATIONS = 400
LNS_SHARE = 0.7
# Share of the time left after the heuristic that iterated greedy gets on pure sequencing
# problems. Its iteration budget in deterministic solves is IG_WORK_PER_SECOND / operations
# a second: an iteration (re-insertions and the descent) costs about linear in the size
# (measured: 3,270 iterations a second at 50 x 10 Vallada-Ruiz, 1,670 at 100 x 10, 1,050 at
# 150 x 20, 530 at 250 x 30); under half that rate leaves room for a busy machine.
IG_SHARE = 0.5
# Smaller sequencing problems go straight to CP-SAT, which proves them optimal in a second.
IG_MIN_OPERATIONS = 25
IG_WORK_PER_SECOND = 60_000
# Share of the time left after the heuristic that the line-sequence search gets where it
# applies (``sequences.applicable``); LNS gets the rest. Measured on the 217-lot C2M plan
# (60 s): LNS after it gained under 1 % in 26 s (32 steps), the search's own exact phase more.
SEQUENCE_SHARE = 0.8
# Smaller problems leave the time to CP-SAT, which proves many of them optimal.
SEQUENCE_MIN_OPERATIONS = 150
# Below this many seconds left, a phase is not started.
MIN_SECONDS = 0.05
# Smaller models get LNS too when CP-SAT has not proven optimality: measured on Brandimarte
# mk06/mk09/mk10, 40 % CP-SAT then LNS beat CP-SAT alone for the same 10 s.
LNS_SHARE_SMALL = 0.6


@dataclass(frozen=True)
class MaxRuntime:
    """Stopping rule: wall-clock seconds for the whole solve (heuristic included)."""

    seconds: float

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError("Must have a positive time limit.")


def _beats(problem: Problem, candidate: Solution, value: int, incumbent: int) -> bool:
    """Whether a phase's schedule (of objective ``value``) replaces the incumbent: strictly
    better, and valid (a phase's own checks are not trusted: the checker is the referee)."""
    return value < incumbent and not validate(problem, candidate)


def _circuit_sizes(problem: Problem) -> list[int]:
    sizes = []
    for r in range(len(problem.resources)):
        if problem.has_setups(r):
            sizes.append(sum(1 for op in problem.operations if op.duration_on(r) is not None))
    return sizes


def is_large(problem: Problem) -> bool:
    """Whether the full model is too big to do well in seconds (LNS then gets time)."""
    k = neighbours(problem)
    arcs = sum(min(n, 2 * (k or n) + 1) * n for n in _circuit_sizes(problem))
    return arcs > LARGE_ARCS or problem.num_operations > LARGE_OPERATIONS


def _lns_phase(
    model: CpSatModel | None,
    problem: Problem,
    incumbent: Solution,
    time_limit: float,
    seed: int,
    deterministic: bool = False,
) -> tuple[Solution, dict]:
    """Large-neighbourhood search (``scheduling/lns.py``) on ``incumbent``: on the full
    model when one was built (its horizon and arc pruning are reused), else on window
    sub-models only (the problem was too big, or window models do better there)."""
    if model is None:
        return lns.phase_without_model(problem, incumbent, time_limit, seed, deterministic)
    return lns.phase(model, incumbent, time_limit, seed, deterministic)


# Above this many operations the full model takes longer to build than any sensible budget
# (measured: ~60 s for 9,000 on a loaded 2-core machine): it is skipped and LNS works on
# window sub-models from the heuristic's schedule.
FULL_MODEL_MAX_OPERATIONS = 4000


def solve(
    problem: Problem,
    time_limit: float | MaxRuntime = 10.0,
    workers: int = 2,
    seed: int = 0,
    hint: Solution | None = None,
    deterministic: bool = False,
    log: bool = False,
) -> Result:
    """Solve ``problem`` within ``time_limit`` wall seconds; see the module docstring.

    ``deterministic=True`` gives the same result for the same seed and workers (fixed
    heuristic variants, interleaved CP-SAT search on a deterministic-time budget); the
    wall time may then overrun the limit a little on a slow machine.
    """
    limit = time_limit.seconds if isinstance(time_limit, MaxRuntime) else float(time_limit)
    if limit <= 0:
        raise ValueError("Must have a positive time limit.")
    t0 = time.perf_counter()
    stats: dict = {}
    spent_nominal = 0.0  # deterministic solves budget each phase by the plan, not the clock
    # The bound (with its exact relaxations and LP) is computed right after the first
    # schedule, and the search gets what is left: its time comes out of the limit whatever
    # it turns out to be (10 s on the 10x garment floor under load, where a fixed reserve
    # after the search made a 60 s plan end at 65 s).
    exact = bounds.exact_budget(limit)

    def left() -> float:
        if deterministic:
            return limit - spent_nominal
        return limit - (time.perf_counter() - t0)

    # The first variant is the first feasible schedule; the others are cheap improvements
    # (on the garment floor the best rule beats the first by 1.2x to 100x).
    budget = min(2.0, 0.1 * limit)
    spent_nominal += budget
    inc = heuristic.solve(
        problem, budget, seed=seed, max_runs=heuristic.DETERMINISTIC_RUNS if deterministic else None
    )
    inc_obj = objective(problem, inc).total if inc is not None else None
    stats["heuristic_objective"] = inc_obj
    stats["heuristic_seconds"] = round(time.perf_counter() - t0, 3)
    if hint is not None:
        hint = fill_setups(problem, hint)
        bad = validate(problem, hint)
        if bad:
            stats["hint_rejected"] = bad[:3]
        else:
            h_obj = objective(problem, hint).total
            stats["hint_objective"] = h_obj
            if inc_obj is None or h_obj <= inc_obj:
                inc, inc_obj = hint, h_obj

    # CP-SAT's bound is 0 when arcs were pruned (or it did not run): the cheap bounds of
    # ``bounds.py`` hold for every schedule (they never read one) and still give a gap.
    t_bound = time.perf_counter()
    wall = None if deterministic else bounds.EXACT_WALL_FACTOR * exact
    stats["cheap_bound"] = cheap = bounds.lower_bound(problem, exact, wall)
    stats["bound_seconds"] = round(time.perf_counter() - t_bound, 3)
    if exact:  # deterministic: the nominal cost of the relaxations and the LP
        spent_nominal += exact + bounds.LP_WALL_SECONDS

    if (
        inc is not None
        and problem.num_operations >= IG_MIN_OPERATIONS
        and greedy.sequencing_only(problem)
    ):
        # Pure sequencing (parallel lines with setups, no routings): iterated greedy is the
        # method of choice there (50-job Vallada-Ruiz: ~6 % from the best known in 5 s,
        # where CP-SAT and LNS stayed at 25-40 %); CP-SAT then starts from its schedule.
        ig_time = IG_SHARE * left()
        spent_nominal += ig_time
        if ig_time > MIN_SECONDS:
            t1 = time.perf_counter()
            rate = IG_WORK_PER_SECOND / problem.num_operations
            runs = int(rate * ig_time) if deterministic else None
            better = greedy.iterated_greedy(problem, inc, ig_time, seed, max_iterations=runs)
            stats["iterated_greedy_seconds"] = round(time.perf_counter() - t1, 3)
            obj = stats["iterated_greedy_objective"] = objective(problem, better).total
            if _beats(problem, better, obj, inc_obj):
                inc, inc_obj = better, obj

    improved_by = None
    sequenced = False
    if (
        inc is not None
        and problem.num_operations >= SEQUENCE_MIN_OPERATIONS
        and sequences.applicable(problem)
    ):
        # A changeover stage (sewing lines) in routed jobs: local search over the lines'
        # sequences, priced by a surrogate, gets a share first (measured on the 217-lot C2M
        # plan: 11.3e9 -> 4.8e9 in 20 s, where 60 s of LNS alone reached 10.5e9); LNS then
        # polishes the decoded schedule.
        seq_time = SEQUENCE_SHARE * left()
        spent_nominal += seq_time
        if seq_time > MIN_SECONDS:
            sequenced = True
            runs = sequences.iterations_for(problem, inc, seq_time) if deterministic else None
            better, seq_stats = sequences.improve(problem, inc, seq_time, seed, max_iterations=runs)
            stats.update(seq_stats)
            obj = stats["sequence_objective"] = objective(problem, better).total
            if _beats(problem, better, obj, inc_obj):
                inc, inc_obj = better, obj
                improved_by = "sequences"

    k = neighbours(problem) if inc is not None else None
    pruned = k is not None
    stats["pruned_arcs"] = pruned
    # Where LNS works on window models it is the main improver and gets the whole budget:
    # measured at 30-60 s, 2 workers, same runs, full CP-SAT then LNS vs LNS alone: C2M 1x
    # 1.18 / 1.18 % vs 1.77 / 1.90 % better than the heuristic (seeds 1, 2), 1,000-lot floor
    # 0.68 vs 2.16 %, 600-lot floor 0.80 vs 0.35 % and 1.01 vs 1.06 % (seeds 0, 1).
    windows = inc is not None and lns.windowed(problem)
    # Building a big model takes seconds: not when the budget is already spent.
    model = None
    if left() > MIN_SECONDS and problem.num_operations <= FULL_MODEL_MAX_OPERATIONS and not windows:
        model = CpSatModel(problem, hint=inc, max_neighbours=k)
    elif windows:
        stats["cpsat_skipped"] = "LNS on window models gets the budget"
    remaining = left()
    large = inc is not None and is_large(problem)
    lns_share = (LNS_SHARE if large else LNS_SHARE_SMALL) if inc is not None else 0
    cp_time = remaining * (1 - lns_share) if model is not None else 0
    if deterministic and large and pruned:
        # Measured on the 234-lot floor: deterministic (interleaved) search on the pruned full
        # model spent 50-85 s of wall time on 1.35 deterministic units and never improved on
        # the hint; no clock may stop it early (that made plans differ), so LNS, whose
        # iterations are counted, gets the whole budget.
        cp_time = 0
        stats["cpsat_skipped"] = "deterministic, large and pruned"
    elif deterministic and sequenced:
        # Measured on a 396-operation nightly replan (10 s): after the sequence search the
        # full model's deterministic search took 26.6 s of wall time and returned its hint;
        # LNS, whose iterations are counted, polishes instead.
        cp_time = 0
        stats["cpsat_skipped"] = "deterministic, after the sequence search"
    spent_nominal += cp_time

    best, best_obj, status, bound = inc, inc_obj, "fallback", 0
    method = "heuristic"
    if improved_by is not None:  # a searched schedule, not the dispatching fallback
        status, method = "feasible", improved_by
    if cp_time > MIN_SECONDS:
        cp_status, sol, cp_obj, cp_bound, secs = model.solve(
            cp_time, workers, seed, deterministic=deterministic, log=log
        )
        stats["cpsat_status"], stats["cpsat_seconds"] = cp_status, round(secs, 3)
        if model.wall_capped:  # a deterministic solve stopped by the clock: not reproducible
            stats["cpsat_wall_capped"] = True
        if sol is not None:
            bad = validate(problem, sol)
            if bad:
                stats["cpsat_invalid"] = bad[:3]
            else:
                obj = objective(problem, sol).total
                # The model may carry slack in its overtime terms on a non-optimal
                # solution (cp_obj >= obj); anything else would be a modelling bug.
                if obj > cp_obj or (cp_status == "optimal" and obj != cp_obj):
                    stats["objective_mismatch"] = (cp_obj, obj)
                if best_obj is None or obj <= best_obj:
                    best, best_obj = sol, obj
                # Optimal for a model with pruned arcs is not optimal for the problem.
                status = "optimal" if cp_status == "optimal" and not pruned else "feasible"
                method = "cpsat"
                bound = 0 if pruned else cp_bound
                if status == "optimal" and not pruned:
                    bound = best_obj
        elif cp_status == "infeasible" and best is None and not pruned:
            status = "infeasible"
    else:
        stats["cpsat_status"] = "skipped"

    proven = status == "optimal" and not pruned
    if lns_share and best is not None and not proven:
        lns_time = left()
        if lns_time > 0.1:
            sol, stats["lns"] = _lns_phase(model, problem, best, lns_time, seed, deterministic)
            sol = fill_setups(problem, sol)
            bad = validate(problem, sol)
            if bad:
                stats["lns_invalid"] = bad[:3]
            else:
                obj = objective(problem, sol).total
                if obj < best_obj:
                    best, best_obj, method = sol, obj, "lns"
                    if status == "fallback":
                        status = "feasible"

    if best is None:
        status = "infeasible" if status == "infeasible" else "unknown"
        return Result(status, None, None, 0, time.perf_counter() - t0, method, stats)
    bound = max(bound, cheap)
    return Result(
        status, best, best_obj, min(bound, best_obj), time.perf_counter() - t0, method, stats
    )
