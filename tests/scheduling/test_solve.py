"""The solve pipeline: heuristic, then hinted CP-SAT; fallback, statuses, determinism."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scheduling_instances import FT06, garment_floor, jobshop, random_problem

from scheduling import MaxRuntime, Objective, SolveParams, SolveStats, SolveStatus, solve, validate
from scheduling.model import (
    Assignment,
    Calendar,
    Job,
    Mode,
    Model,
    Operation,
    Problem,
    Resource,
    Solution,
)
from scheduling.phases import PHASES, Clock, SolveState
from scheduling.search import lns
from scheduling.sizing import is_large, neighbours
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
    assert result.stats.cpsat_status == "skipped"


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
    assert again.objective == 55 and again.stats.hint_objective == 55
    broken = type(best)([best[1], best[0], *best.assignments[2:]])
    assert solve(problem, time_limit=0.5, hint=broken, deterministic=True).stats.hint_rejected


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
    assert result.stats.objective_mismatch is None
    assert result.stats.cpsat_invalid is None
    if result.solution is not None:
        assert validate(problem, result.solution) == []
        assert result.objective == objective(problem, result.solution).total
        assert result.bound <= result.objective


def test_cpsat_improves_on_the_heuristic_on_a_small_floor():
    problem = garment_floor(15, seed=3, days=5, lines=3, objective=Objective(tardiness=10, setup=1))
    result = solve(problem, time_limit=2, workers=2, deterministic=True)
    assert result.status in ("optimal", "feasible")
    assert result.objective <= result.stats.heuristic_objective


def test_deterministic_large_pruned_floor_skips_full_cpsat_and_repeats():
    """On big floors the deterministic full-model search ran 40x past its budget (it may
    not be stopped by the clock); LNS, counted in iterations, gets the time instead, and
    the same input gives the same plan."""
    p = garment_floor(140, seed=2, lines=1, days=60)
    assert is_large(p) and neighbours(p) is not None
    runs = [solve(p, 1.0, workers=2, seed=0, deterministic=True) for _ in range(2)]
    assert runs[0].stats.cpsat_status == "skipped" and runs[0].stats.cpsat_skipped
    assert runs[0].objective == runs[1].objective
    assert runs[0].solution == runs[1].solution


def test_large_plans_with_routings_give_lns_on_window_models_the_whole_budget():
    problem = garment_floor(140, seed=1, days=10, lines=4)  # 420 operations
    assert lns.windowed(problem)
    first = solve(problem, time_limit=2.0, seed=3, deterministic=True)
    again = solve(problem, time_limit=2.0, seed=3, deterministic=True)
    assert first.stats.cpsat_status == "skipped" and first.stats.lns is not None
    assert not validate(problem, first.solution)
    assert first.objective == again.objective and first.solution == again.solution
    assert first.objective <= first.stats.heuristic_objective


# --- parameters, phases, statuses and statistics -----------------------------------------


def test_params_load_from_toml_and_compare_by_value(tmp_path):
    path = tmp_path / "solve.toml"
    path.write_text("lns_share = 1\nprune_above = 80\n", encoding="utf-8")
    loaded = SolveParams.from_toml(path)
    assert loaded == SolveParams(lns_share=1.0, prune_above=80)
    assert loaded != SolveParams()
    assert SolveParams.from_dict({}) == SolveParams()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("lns_shares = 0.5", "Unknown solve parameter"),
        ("prune_above = 1.5", "must be an integer"),
        ("lns_share = 1.5", "at most 1"),
        ("min_seconds = -1", ">= 0"),
        ("lns_share = 'half'", "must be a number"),
        ("lns_share = ", "not valid TOML"),
    ],
)
def test_bad_params_get_one_clear_sentence(tmp_path, text, message):
    path = tmp_path / "solve.toml"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        SolveParams.from_toml(path)


def _sequencing(jobs: int = 30, machines: int = 3, seed: int = 1) -> Problem:
    """Unrelated parallel machines with setups: iterated greedy's kind of problem."""
    rng = random.Random(seed)
    m = Model("upm")
    lines = [m.add_resource(f"M{k}") for k in range(machines)]
    for j in range(jobs):
        m.add_operation(m.add_job(), {r: rng.randint(5, 60) for r in lines}, setup_class=j)
    for r in lines:
        m.add_setup_matrix(r, [[rng.randint(1, 20) for _ in range(jobs)] for _ in range(jobs)])
    return m.data()


def test_params_decide_which_phase_runs():
    problem = _sequencing()
    default = solve(problem, 1.0, workers=1, deterministic=True)
    assert default.stats.iterated_greedy_objective is not None
    no_ig = solve(
        problem, 1.0, workers=1, deterministic=True, params=SolveParams(ig_min_operations=31)
    )
    assert no_ig.stats.iterated_greedy_objective is None
    no_model = solve(
        problem,
        1.0,
        workers=1,
        deterministic=True,
        params=SolveParams(full_model_max_operations=29),
    )
    assert no_model.stats.cpsat_status == "skipped" and no_model.method != "cpsat"
    assert not validate(problem, no_model.solution)


def test_phases_run_in_the_documented_order():
    assert [p.name for p in PHASES] == [
        "heuristic",
        "bound",
        "iterated_greedy",
        "sequences",
        "axis",
        "model",
        "cpsat",
        "lns",
        "final",
    ]


def test_status_values_are_the_stored_strings():
    assert [s.value for s in SolveStatus] == [
        "optimal",
        "feasible",
        "fallback",
        "infeasible",
        "unknown",
    ]
    result = solve(jobshop(FT06), time_limit=5, workers=2)
    assert result.status is SolveStatus.OPTIMAL
    assert json.dumps({"status": result.status}) == '{"status": "optimal"}'


def test_stats_as_dict_keep_the_old_keys():
    stats = SolveStats(heuristic_objective=9, cpsat_status="skipped", sequence={"sequence_x": 1})
    flat = stats.as_dict()
    assert flat["heuristic_objective"] == 9 and flat["cpsat_status"] == "skipped"
    assert flat["sequence_x"] == 1 and "sequence" not in flat
    assert "lns" not in flat and "cpsat_wall_capped" not in flat
    assert {"heuristic_seconds", "cheap_bound", "bound_seconds"} <= set(flat)


def test_a_phase_cannot_hand_on_an_invalid_schedule():
    """The checker referees every phase: a cheaper schedule that breaks the problem (here
    all operations at minute 0 on their first resource) never replaces the incumbent."""
    problem = jobshop(FT06)
    state = SolveState(problem, SolveParams(), Clock(1.0, True), 1, 0, True, False)
    PHASES[0].run(state, 0.5)  # the heuristic: a valid first schedule
    first, first_obj = state.best, state.best_obj
    assert first is not None and first_obj is not None
    cheat = Solution(
        [Assignment(op.modes[0].resource, 0, op.modes[0].duration) for op in problem.operations]
    )
    assert validate(problem, cheat)
    assert not state.offer(cheat, 0)
    assert (state.best, state.best_obj) == (first, first_obj)
    assert state.offer(first, first_obj - 1)  # valid and (said to be) better: taken
