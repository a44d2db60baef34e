"""Iterated greedy on the line sequences: a surrogate phase, then a phase that accepts on
the checker's objective of the decoded schedule (see the package docstring)."""

from __future__ import annotations

import math
import random
import time
from typing import Any

from scheduling.model import Problem, Solution
from scheduling.search.sequences.decoder import decode
from scheduling.search.sequences.moves import copy_sequences, step
from scheduling.search.sequences.surrogate import LineSurrogate, sequences_of, small_setup
from scheduling.validate import objective


def applicable(problem: Problem) -> bool:
    """Whether :func:`improve` applies (the package docstring lists the conditions)."""
    if problem.objective.makespan:
        return False
    lines = {r for r in range(len(problem.resources)) if problem.has_setups(r)}
    if not lines or not problem.precedences:
        return False
    if len({r.calendar for r in problem.resources}) != 1:
        return False
    per_job: dict[int, int] = {}
    preds = problem.predecessors()
    for i, op in enumerate(problem.operations):
        # A pinned operation waits for nothing that moves (the decoder places it first).
        if op.fixed and any(not problem.operations[q.pred].fixed for q in preds[i]):
            return False
        on = {m.resource in lines for m in op.modes}
        if len(on) != 1:
            return False
        if True in on:
            per_job[op.job] = per_job.get(op.job, 0) + 1
            if per_job[op.job] > 1:
                return False
    ops = problem.operations
    return bool(per_job) and all(ops[p.pred].job == ops[p.succ].job for p in problem.precedences)


def improve(
    problem: Problem,
    start: Solution,
    time_budget: float,
    seed: int = 0,
    max_iterations: int | None = None,
) -> tuple[Solution, dict[str, Any]]:
    """Improve ``start`` by iterated greedy on the line sequences (package docstring).

    Returns the decoded schedule of the best sequences found (the caller validates it and
    keeps whichever of it and ``start`` is better) and statistics. Deterministic for a seed
    and ``max_iterations``.
    """
    t0 = time.perf_counter()
    lines = LineSurrogate(problem)
    rng = random.Random(seed)
    small = small_setup(problem, lines.lines)
    exact = ExactBest(problem, lines, start, sequences_of(problem, start, lines))
    surrogate_iterations = exact_iterations = None
    if max_iterations is not None:
        exact_iterations = round(EXACT_PHASE_SHARE * max_iterations / EXACT_STEP_COST)
        surrogate_iterations = max_iterations - round(EXACT_PHASE_SHARE * max_iterations)
    stats = _surrogate_phase(
        lines, exact, rng, small, t0 + (1 - EXACT_PHASE_SHARE) * time_budget, surrogate_iterations
    )
    stats |= _exact_phase(lines, exact, rng, small, t0 + time_budget, exact_iterations)
    stats["sequence_seconds"] = round(time.perf_counter() - t0, 3)
    return exact.solution, stats


class _Budget:
    """Iterations (deterministic runs) or a deadline; a timed run does not start a step
    that would end past the deadline, judged by the last step (an exact step on a big
    floor takes seconds)."""

    def __init__(self, deadline: float, cap: int | None) -> None:
        self.deadline, self.cap = deadline, cap
        self.iterations = 0
        self.began: float | None = None

    def running(self) -> bool:
        now = time.perf_counter()
        step = 0.0 if self.began is None else now - self.began
        self.began = now
        if self.cap is not None:
            return self.iterations < self.cap
        return now + step < self.deadline

    def next(self) -> int:
        self.iterations += 1
        return self.iterations


def _surrogate_phase(
    lines: LineSurrogate,
    exact: ExactBest,
    rng: random.Random,
    small: int,
    deadline: float,
    cap: int | None,
) -> dict[str, Any]:
    """Iterated greedy accepting on the surrogate; its bests are offered to ``exact`` (the
    surrogate ignores queues at the other stages, so its best is not always the checker's)."""
    seqs = copy_sequences(exact.seqs)
    costs = {r: lines.cost(r, s) for r, s in seqs.items()}
    cur = sum(costs.values())
    best, best_seqs, first = cur, copy_sequences(seqs), cur
    temperature = TEMPERATURE * cur / max(1, len(lines.line_ops))
    accepted = checked = 0
    budget = _Budget(deadline, cap)
    while budget.running():
        it = budget.next()
        got = step(lines, seqs, costs, rng, small)
        if got is None:
            continue
        new, new_costs = got
        value = sum(new_costs.values())
        if value <= cur or rng.random() < math.exp(-(value - cur) / max(1e-9, temperature)):
            seqs, costs, cur = new, new_costs, value
            accepted += 1
            if cur < best:
                best, best_seqs = cur, copy_sequences(seqs)
                if it - checked >= CHECK_EVERY:
                    exact.offer(best_seqs)
                    checked = it
    exact.offer(best_seqs)
    return {
        "sequence_iterations": budget.iterations,
        "sequence_accepted": accepted,
        "sequence_surrogate": [first, best],
        "sequence_decoded": exact.decoded,
        "sequence_surrogate_objective": exact.value,
    }


def _exact_phase(
    lines: LineSurrogate,
    exact: ExactBest,
    rng: random.Random,
    small: int,
    deadline: float,
    cap: int | None,
) -> dict[str, Any]:
    """Moves chosen by the surrogate (best insertion) but accepted on the checker's
    objective of their decoded schedule, from the best schedule so far: where the
    surrogate's own search stalls, this still finds what the queues at cutting and
    finishing let through."""
    seqs = copy_sequences(exact.seqs)
    costs = {r: lines.cost(r, s) for r, s in seqs.items()}
    cur = exact.value
    accepted = 0
    budget = _Budget(deadline, cap)
    while budget.running():
        budget.next()
        got = step(lines, seqs, costs, rng, small)
        if got is None:
            continue
        new, new_costs = got
        value = exact.offer(new)
        if value is not None and value <= cur:
            seqs, costs, cur = new, new_costs, value
            accepted += 1
    return {"sequence_exact_iterations": budget.iterations, "sequence_exact_accepted": accepted}


# Acceptance temperature: this fraction of the mean cost per line operation (a worse
# candidate by that much is accepted with probability 1/e).
TEMPERATURE = 0.05


# Iterations between two exact decodes of a new surrogate best.
CHECK_EVERY = 25


# Share of the budget of the phase that accepts on the checker's objective, and the cost of
# its steps in surrogate steps (a decode and a re-pricing on top; for deterministic runs).
EXACT_PHASE_SHARE = 0.4


EXACT_STEP_COST = 6


class ExactBest:
    """The best schedule by the checker's objective among those offered (and the start),
    with its line sequences."""

    def __init__(
        self, problem: Problem, lines: LineSurrogate, start: Solution, seqs: dict[int, list[int]]
    ) -> None:
        self.problem, self.lines = problem, lines
        self.solution, self.value, self.seqs = start, objective(problem, start).total, seqs
        self.decoded = 0

    def offer(self, seqs: dict[int, list[int]]) -> int | None:
        """Decode and price ``seqs``, keep them if best; their value (None: no schedule)."""
        sol = decode(self.problem, self.lines, seqs)
        self.decoded += 1
        if sol is None:
            return None
        value = objective(self.problem, sol).total
        if value < self.value:
            self.solution, self.value, self.seqs = sol, value, copy_sequences(seqs)
        return value


# Blocks per step and seconds per operation priced, to turn seconds into iterations for
# deterministic solves (docs/scheduling-search.md has the measurements behind them).
SECONDS_PER_PRICED = 3e-6


BLOCKS_PER_STEP = 2.5


def iterations_for(problem: Problem, start: Solution, seconds: float) -> int:
    """Iterations of :func:`improve` that take about ``seconds`` (deterministic solves):
    a block's insertion prices, on each eligible line, every suffix of its sequence."""
    lines = LineSurrogate(problem)
    seqs = sequences_of(problem, start, lines)
    half_squares = {r: len(s) * len(s) / 2 for r, s in seqs.items()}
    ops = lines.line_ops
    per_block = sum(sum(half_squares[r] for r in lines.d.dur[i]) for i in ops) / max(1, len(ops))
    step = SECONDS_PER_PRICED * BLOCKS_PER_STEP * max(1.0, per_block)
    return max(1, int(seconds / step))
