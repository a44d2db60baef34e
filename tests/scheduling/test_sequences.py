"""The line-sequence local search: where it applies, exact decoding, never worse, repeatable."""

from __future__ import annotations

import random
from dataclasses import replace

from scheduling_instances import FT06, garment_floor, jobshop

from scheduling import Objective, solve, validate
from scheduling.search import heuristic, sequences
from scheduling.search.sequences import decoder, moves
from scheduling.validate import objective


def _floor(lots: int = 40, seed: int = 1):
    return garment_floor(
        lots,
        seed=seed,
        days=10,
        lines=3,
        overtime=60,
        objective=Objective(tardiness=10, setup=5, overtime=3, earliness=1),
    )


def test_applies_to_a_floor_with_a_changeover_stage_only():
    floor = _floor()
    assert sequences.applicable(floor)
    assert not sequences.applicable(jobshop(FT06))  # no changeovers
    assert not sequences.applicable(replace(floor, objective=Objective(makespan=1)))
    # A pinned operation that waits for one that moves: the decoder could not keep it.
    sew = next(
        p for p in floor.precedences if floor.has_setups(floor.operations[p.succ].modes[0].resource)
    )
    ops = list(floor.operations)
    line = ops[sew.succ].modes[0].resource
    ops[sew.succ] = replace(ops[sew.succ], fixed_resource=line, fixed_start=2 * 1440 + 480)
    assert not sequences.applicable(replace(floor, operations=tuple(ops)))


def _replan(floor, plan, frozen_until: int, deviation: int = 2):
    """``floor`` as the nightly replan sees it: what ``plan`` starts before ``frozen_until``
    is pinned where it is, and ``plan`` is the previous plan (moves cost ``deviation``)."""
    ops = tuple(
        replace(op, fixed_resource=a.resource, fixed_start=a.start)
        if a.start < frozen_until
        else op
        for op, a in zip(floor.operations, plan, strict=True)
    )
    objective = replace(floor.objective, deviation=deviation, reassign_minutes=60)
    return replace(floor, operations=ops, previous=tuple(plan), objective=objective)


def test_a_replan_keeps_what_is_pinned_and_is_never_worse():
    floor = _floor(80, seed=3)
    plan = heuristic.solve(floor, 0.5, max_runs=2)
    replan = _replan(floor, plan, frozen_until=1440 + 720)
    pinned = [i for i, op in enumerate(replan.operations) if op.fixed]
    assert pinned and len(pinned) < replan.num_operations
    assert sequences.applicable(replan)
    start = heuristic.solve(replan, 0.5, max_runs=2)
    better, stats = sequences.improve(replan, start, 60.0, seed=1, max_iterations=300)
    assert validate(replan, better) == []
    assert all(
        better[i].start == plan[i].start and better[i].resource == plan[i].resource for i in pinned
    )
    assert objective(replan, better).total <= objective(replan, start).total
    assert stats["sequence_decoded"] > 0


def test_small_random_replans_stay_valid_and_keep_their_pins():
    rng = random.Random(5)
    for _ in range(4):
        floor = garment_floor(rng.randint(8, 40), seed=rng.randrange(100), days=8, lines=2)
        plan = heuristic.solve(floor, 0.2, max_runs=1)
        starts = sorted(a.start for a in plan)
        replan = _replan(floor, plan, frozen_until=starts[len(starts) // rng.choice([2, 3, 5])])
        if not sequences.applicable(replan):
            continue
        start = heuristic.solve(replan, 0.2, max_runs=1)
        if start is None:  # pins that leave no room for their setups: nothing to improve
            continue
        sol, _ = sequences.improve(replan, start, 10.0, seed=1, max_iterations=40)
        assert validate(replan, sol) == []
        for i, op in enumerate(replan.operations):
            if op.fixed:
                assert (sol[i].resource, sol[i].start) == (op.fixed_resource, op.fixed_start)


def test_the_surrogate_prices_moving_away_from_the_previous_plan():
    """With the previous plan's sequences, the deviation term is 0 where the surrogate puts
    every line operation where it was; anywhere else it costs."""
    floor = _floor(30, seed=2)
    plan = heuristic.solve(floor, 0.5, max_runs=2)
    calm = sequences.LineSurrogate(_replan(floor, plan, frozen_until=0, deviation=0))
    strict = sequences.LineSurrogate(_replan(floor, plan, frozen_until=0, deviation=5))
    seqs = sequences.sequences_of(floor, plan, calm)
    r = max(seqs, key=lambda r: len(seqs[r]))
    assert strict.cost(r, seqs[r]) >= calm.cost(r, seqs[r])
    swapped = list(reversed(seqs[r]))
    extra = strict.cost(r, swapped) - calm.cost(r, swapped)
    assert extra > strict.cost(r, seqs[r]) - calm.cost(r, seqs[r])


def test_decode_keeps_each_line_order_and_is_valid():
    floor = _floor()
    start = heuristic.solve(floor, 0.5, max_runs=2)
    lines = sequences.LineSurrogate(floor)
    seqs = sequences.sequences_of(floor, start, lines)
    decoded = sequences.decode(floor, lines, seqs)
    assert validate(floor, decoded) == []
    assert sequences.sequences_of(floor, decoded, lines) == seqs


def test_insertion_prices_agree_with_pricing_the_whole_line():
    """Insertion re-prices only the suffix after the place (from the prefix's state): the
    same number as pricing the line from scratch, overtime windows included."""
    floor = _floor()
    start = heuristic.solve(floor, 0.5, max_runs=2)
    lines = sequences.LineSurrogate(floor)
    seqs = sequences.sequences_of(floor, start, lines)
    r = max(seqs, key=lambda r: len(seqs[r]))
    i = seqs[r].pop(len(seqs[r]) // 2)
    costs = {q: lines.cost(q, s) for q, s in seqs.items()}
    delta, line, pos, new = lines.best_insertion([i], seqs, costs)
    inserted = [*seqs[line][:pos], i, *seqs[line][pos:]]
    assert new == lines.cost(line, inserted)
    assert delta == new - costs[line]


def test_improve_is_never_worse_valid_and_repeatable():
    floor = _floor(60, seed=4)
    start = heuristic.solve(floor, 0.5, max_runs=2)
    first, stats = sequences.improve(floor, start, 60.0, seed=2, max_iterations=150)
    again, _ = sequences.improve(floor, start, 60.0, seed=2, max_iterations=150)
    assert validate(floor, first) == []
    assert objective(floor, first).total <= objective(floor, start).total
    assert first == again
    assert stats["sequence_iterations"] + stats["sequence_exact_iterations"] > 0


def test_busy_intervals_merge_and_gaps_fit_between_them():
    busy: list[tuple[int, int]] = []
    for t, e in [(10, 20), (30, 40), (20, 30), (50, 60)]:
        decoder.occupy(busy, t, e)
    assert busy == [(10, 40), (50, 60)]
    assert decoder.earliest_gap(busy, 0, 10) == 0
    assert decoder.earliest_gap(busy, 0, 11) == 60
    assert decoder.earliest_gap(busy, 35, 10) == 40


def test_solve_runs_the_sequence_phase_on_a_larger_floor_deterministically():
    floor = garment_floor(
        140,
        seed=5,
        days=10,
        lines=4,
        overtime=60,
        objective=Objective(tardiness=10, setup=5, overtime=3, earliness=1),
    )
    assert floor.num_operations >= 150
    runs = [solve(floor, 1.0, workers=2, seed=1, deterministic=True) for _ in range(2)]
    assert runs[0].stats.sequence_objective is not None
    assert validate(floor, runs[0].solution) == []
    assert runs[0].objective <= runs[0].stats.heuristic_objective
    assert runs[0].solution == runs[1].solution
    assert runs[0].status == "feasible" and runs[0].method in ("sequences", "lns")


def test_a_deterministic_solve_leaves_the_full_model_out_after_the_sequence_search():
    """Its deterministic search has no wall limit worth the name (a 396-operation replan took
    26.6 s of a 10 s plan for nothing): LNS, whose steps are counted, polishes instead."""
    floor = garment_floor(
        60, seed=2, days=10, lines=4, objective=Objective(tardiness=10, setup=5, earliness=1)
    )
    assert floor.num_operations >= 150
    result = solve(floor, 1.0, workers=2, seed=1, deterministic=True)
    assert result.stats.cpsat_skipped == "deterministic, after the sequence search"
    assert result.stats.sequence_objective is not None
    assert validate(floor, result.solution) == []


def test_small_random_floors_stay_valid():
    rng = random.Random(0)
    for _ in range(3):
        floor = garment_floor(rng.randint(5, 30), seed=rng.randrange(100), days=8, lines=2)
        start = heuristic.solve(floor, 0.2, max_runs=1)
        sol, _ = sequences.improve(floor, start, 10.0, seed=1, max_iterations=20)
        assert validate(floor, sol) == []


def test_a_block_tries_its_own_line_and_a_sample_of_the_others(monkeypatch):
    floor = _floor()
    lines = sequences.LineSurrogate(floor)
    i = lines.line_ops[0]
    eligible = lines.eligible([i])
    assert len(eligible) == 3
    assert moves.lines_tried(lines, [i], eligible[1], random.Random(0)) == eligible
    monkeypatch.setattr(moves, "MAX_LINES_TRIED", 2)
    for seed in range(5):
        tried = moves.lines_tried(lines, [i], eligible[1], random.Random(seed))
        assert len(tried) == 2 and eligible[1] in tried and set(tried) <= set(eligible)
