"""The solve pipeline: heuristic, then hinted CP-SAT; fallback, statuses, determinism."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scheduling_instances import FT06, garment_floor, jobshop, random_problem

from scheduling import MaxRuntime, Objective, solve, validate
from scheduling.model import Calendar, Job, Mode, Operation, Problem, Resource
from scheduling.search import lns
from scheduling.validate import objective


def test_ft06_through_the_pipeline():
    result = solve(jobshop(FT06), time_limit=5, workers=2, deterministic=True)
    assert result.status == "optimal"
    assert (result.objective, result.bound, result.gap) == (55, 55, 0.0)
    assert result.method == "cpsat"
    assert "optimal: objective 55" in result.summary()


def test_fallback_when_the_time_limit_is_tiny():
    problem = garment_floor(40, seed=2)
    result = solve(problem, time_limit=0.02)
    assert result.status == "fallback" and result.method == "heuristic"
    assert validate(problem, result.solution) == []
    assert result.objective == objective(problem, result.solution).total
    assert result.stats["cpsat_status"] == "skipped"


def test_stop_rule_object_and_bad_limits():
    assert solve(jobshop(FT06), MaxRuntime(3)).objective == 55
    with pytest.raises(ValueError):
        MaxRuntime(0)
    with pytest.raises(ValueError):
        solve(jobshop(FT06), time_limit=0)


def test_deterministic_for_a_fixed_seed_and_workers():
    problem = garment_floor(12, seed=5, days=4, lines=2)
    a = solve(problem, time_limit=0.3, workers=2, seed=3, deterministic=True)
    b = solve(problem, time_limit=0.3, workers=2, seed=3, deterministic=True)
    assert a.solution == b.solution and a.objective == b.objective


def test_a_good_hint_is_kept_and_a_bad_one_rejected():
    problem = jobshop(FT06)
    best = solve(problem, time_limit=5, deterministic=True).solution
    again = solve(problem, time_limit=0.02, hint=best, deterministic=True)
    assert again.objective == 55 and again.stats["hint_objective"] == 55
    broken = type(best)([best[1], best[0], *best.assignments[2:]])
    assert "hint_rejected" in solve(problem, time_limit=0.5, hint=broken, deterministic=True).stats


def test_no_schedule_when_the_calendar_runs_out():
    problem = Problem(
        resources=(Resource("m", Calendar(windows=((0, 10),))),),
        jobs=(Job(),),
        operations=(Operation(0, (Mode(0, 20),)),),
    )
    result = solve(problem, time_limit=1, deterministic=True)
    assert result.solution is None and result.status == "infeasible"
    assert "no schedule" in result.summary()


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10**9))
def test_pipeline_schedules_are_valid_and_objectives_agree(seed):
    problem = random_problem(random.Random(seed))
    result = solve(problem, time_limit=0.5, workers=1, deterministic=True)
    assert "objective_mismatch" not in result.stats
    assert "cpsat_invalid" not in result.stats
    if result.solution is not None:
        assert validate(problem, result.solution) == []
        assert result.objective == objective(problem, result.solution).total
        assert result.bound <= result.objective


def test_cpsat_improves_on_the_heuristic_on_a_small_floor():
    problem = garment_floor(15, seed=3, days=5, lines=3, objective=Objective(tardiness=10, setup=1))
    result = solve(problem, time_limit=2, workers=2, deterministic=True)
    assert result.status in ("optimal", "feasible")
    assert result.objective <= result.stats["heuristic_objective"]


def test_deterministic_large_pruned_floor_skips_full_cpsat_and_repeats():
    """On big floors the deterministic full-model search ran 40x past its budget (it may
    not be stopped by the clock); LNS, counted in iterations, gets the time instead, and
    the same input gives the same plan."""
    from scheduling_instances import garment_floor

    from scheduling.solve import is_large, neighbours

    p = garment_floor(140, seed=2, lines=1, days=60)
    assert is_large(p) and neighbours(p) is not None
    runs = [solve(p, 1.0, workers=2, seed=0, deterministic=True) for _ in range(2)]
    assert runs[0].stats["cpsat_status"] == "skipped" and "cpsat_skipped" in runs[0].stats
    assert runs[0].objective == runs[1].objective
    assert runs[0].solution == runs[1].solution


def test_large_plans_with_routings_give_lns_on_window_models_the_whole_budget():
    problem = garment_floor(140, seed=1, days=10, lines=4)  # 420 operations
    assert lns.windowed(problem)
    first = solve(problem, time_limit=2.0, seed=3, deterministic=True)
    again = solve(problem, time_limit=2.0, seed=3, deterministic=True)
    assert first.stats["cpsat_status"] == "skipped" and "lns" in first.stats
    assert not validate(problem, first.solution)
    assert first.objective == again.objective and first.solution == again.solution
    assert first.objective <= first.stats["heuristic_objective"]
