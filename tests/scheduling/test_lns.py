"""Large-neighbourhood search: never worse, always valid, really improves, deterministic for a
seed, and keeps what it does not relax (resource and order) as it was."""

from __future__ import annotations

import itertools
import random

import pytest
from ortools.sat.python import cp_model
from scheduling_instances import FT06, garment_floor, jobshop, random_problem

from scheduling import formats
from scheduling.cpsat import CpSatModel
from scheduling.model import (
    Assignment,
    Calendar,
    Job,
    Mode,
    Objective,
    Operation,
    Precedence,
    Problem,
    Resource,
    Solution,
)
from scheduling.result import fill_setups
from scheduling.search import heuristic, lns
from scheduling.search.lns import loop, submodels
from scheduling.search.lns.neighbourhoods import Relaxation
from scheduling.search.lns.window import window_sub_model
from scheduling.validate import objective, validate

UPM = """6 2 1
2
0 9 1 4
0 3 1 8
0 5 1 5
0 7 1 2
0 2 1 9
0 6 1 6
SSD
M0
0 1 9 9 9 9
9 0 1 9 9 9
9 9 0 1 9 9
9 9 9 0 1 9
9 9 9 9 0 1
1 9 9 9 9 0
M1
0 9 9 9 9 1
1 0 9 9 9 9
9 1 0 9 9 9
9 9 1 0 9 9
9 9 9 1 0 9
9 9 9 9 1 0
"""


def serial(problem) -> Solution:
    """The worst sensible schedule: one operation at a time, first mode, in index order."""
    t, out = 0, []
    for op in problem.operations:
        mode = op.modes[0]
        out.append(Assignment(mode.resource, t, t + mode.duration))
        t += mode.duration + 10  # room for any setup
    return fill_setups(problem, Solution(out))


def deterministic(**kw) -> lns.LnsParams:
    return lns.LnsParams(deterministic=True, **kw)


def test_improves_a_bad_job_shop_schedule_a_lot() -> None:
    problem = jobshop(FT06)
    start = serial(problem)
    assert not validate(problem, start)
    best, value, stats = lns.improve(problem, start, 30, deterministic(max_iterations=40))
    assert not validate(problem, best)
    assert value == objective(problem, best).total == best.makespan
    assert value < 0.5 * start.makespan  # 197 + gaps -> well below 100 (optimum 55)
    assert stats.improvements >= 3 and stats.iterations == 40
    assert stats.history[0][1] == objective(problem, start).total
    assert [v for _, v in stats.history] == sorted((v for _, v in stats.history), reverse=True)


def test_never_worse_and_valid_with_setups_calendars_and_due_dates() -> None:
    problem = garment_floor(8, seed=2, days=4, lines=2)
    start = heuristic.solve(problem, seed=1, max_runs=4)
    before = objective(problem, start).total
    best, value, _ = lns.improve(problem, start, 20, deterministic(max_iterations=4))
    assert not validate(problem, best)
    assert value == objective(problem, best).total <= before


def brute_force_upm(inst: formats.BenchmarkInstance) -> int:
    """Optimal makespan by enumerating every assignment and every order on each machine."""

    def cost(m: int, seq: tuple[int, ...]) -> int:
        total = sum(dict(inst.jobs[j][0])[m] for j in seq)
        return total + sum(inst.setups[m][a][b] for a, b in itertools.pairwise(seq))

    best = None
    for assign in itertools.product(range(inst.num_machines), repeat=inst.num_jobs):
        span = 0
        for m in range(inst.num_machines):
            jobs = [j for j in range(inst.num_jobs) if assign[j] == m]
            span = max(span, min(cost(m, p) for p in itertools.permutations(jobs)))
        best = span if best is None else min(best, span)
    return best


def test_upm_changeovers_are_exact_and_the_optimum_is_found() -> None:
    inst = formats.parse_upm(UPM, name="tiny")
    problem = formats.to_problem(inst)
    start = serial(problem)
    best, value, _ = lns.improve(problem, start, 20, deterministic(max_iterations=15))
    assert not validate(problem, best)  # the checker recomputes every changeover gap
    assert value == brute_force_upm(inst) == 19


def test_fixed_operations_stay_where_they_are() -> None:
    rng = random.Random(7)
    for _ in range(20):
        problem = random_problem(rng)
        if any(op.fixed for op in problem.operations):
            break
    start = heuristic.solve(problem, max_runs=4)
    assert start is not None
    best, _, _ = lns.improve(problem, start, 10, deterministic(max_iterations=5))
    for op, a in zip(problem.operations, best, strict=True):
        if op.fixed:
            assert (a.resource, a.start) == (op.fixed_resource, op.fixed_start)
    assert not validate(problem, best)


def test_same_seed_same_schedule_other_seed_may_differ() -> None:
    problem = formats.to_problem(formats.parse_fjs(FJS, name="small"))
    start = serial(problem)
    a = lns.improve(problem, start, 30, deterministic(seed=4, max_iterations=12))
    b = lns.improve(problem, start, 30, deterministic(seed=4, max_iterations=12))
    assert a[0] == b[0] and a[1] == b[1]
    assert a[2].tried == b[2].tried


FJS = """4 3
3 2 1 4 2 6 1 3 5 2 2 3 3 4
3 1 2 5 2 1 3 3 2 2 3 3 1 2
2 2 1 6 3 2 1 2 4
2 1 3 3 2 1 5 2 7
"""


def test_sub_problem_pins_resource_and_order_of_kept_operations() -> None:
    problem = formats.to_problem(formats.parse_fjs(FJS, name="small"))
    start = serial(problem)
    search = lns.Search(problem, start, lns.LnsParams(), None)
    relaxed = {0, 4}
    sub, _ = submodels.sub_problem(search.incumbent, relaxed)
    for i, (op, new) in enumerate(zip(problem.operations, sub.operations, strict=True)):
        if i in relaxed:
            assert new.modes == op.modes
        else:
            assert [m.resource for m in new.modes] == [start[i].resource]
    added = set(sub.precedences) - set(problem.precedences)
    for p in added:
        assert p.pred not in relaxed and p.succ not in relaxed
        assert start[p.pred].resource == start[p.succ].resource
        assert start[p.pred].start < start[p.succ].start
    # Kept operations on one resource form one chain: (kept - 1) links per used resource.
    kept_per_resource: dict[int, int] = {}
    for i, a in enumerate(start):
        if i not in relaxed:
            kept_per_resource[a.resource] = kept_per_resource.get(a.resource, 0) + 1
    assert len(added) == sum(n - 1 for n in kept_per_resource.values())


def test_phase_plugs_into_a_built_model() -> None:
    problem = jobshop(FT06)
    start = heuristic.solve(problem, max_runs=4)
    model = CpSatModel(problem, hint=start)
    best, stats = lns.phase(model, start, time_limit=2.0, seed=1, deterministic=True)
    assert not validate(problem, best)
    assert best.makespan <= start.makespan
    assert stats["lns_iterations"] == 5  # 2 s / 0.4 s per iteration


@pytest.mark.parametrize(
    "kw",
    [
        {"neighbourhoods": ()},
        {"neighbourhoods": ("nearby",)},
        {"sub_time": 0},
        {"initial_size": 0},
        {"max_fraction": 1.5},
    ],
)
def test_bad_parameters_are_refused_with_a_sentence(kw: dict) -> None:
    with pytest.raises(ValueError, match="Must"):
        lns.LnsParams(**kw)


def test_window_sub_models_for_large_problems_stay_exact() -> None:
    # window_above=0 forces the large-problem path on a small floor: only a time window is
    # modelled, the rest frozen; calendars, lags and changeovers must still check out.
    problem = garment_floor(10, seed=4, days=4, lines=2)
    start = heuristic.solve(problem, seed=2, max_runs=4)
    before = objective(problem, start).total
    params = deterministic(max_iterations=6, window_above=0, initial_cap=8)
    best, value, stats = lns.improve(problem, start, 30, params)
    assert set(stats.tried) <= {"window", "line", "group"}  # the time-local neighbourhoods
    assert not validate(problem, best)
    assert value == objective(problem, best).total <= before


def test_window_sub_problem_freezes_context_and_bounds_the_window() -> None:
    problem = garment_floor(10, seed=4, days=4, lines=2)
    start = heuristic.solve(problem, seed=2, max_runs=4)
    search = lns.Search(problem, start, lns.LnsParams(window_above=0), None)
    relaxation = search.chooser.relax("window", 5)
    relaxed = relaxation.ops
    window = window_sub_model(search.incumbent, relaxation, search.max_neighbours)
    sub, index = window.model.problem, window.index
    for k, i in enumerate(index):
        if i in relaxed:
            assert not sub.operations[k].fixed
        else:  # context, frozen neighbours and the two window markers
            assert sub.operations[k].fixed
    t0 = min(start[i].start for i in relaxed)
    t1 = max(start[i].end for i in relaxed)
    markers = [op.fixed_start for op, i in zip(sub.operations, index, strict=True) if i == -1]
    assert max(markers) == t1 and (t0 == 0 or min(markers) == t0 - 1)


def test_window_model_counts_the_tardiness_of_relaxed_jobs() -> None:
    # The window's end marker is a successor of every relaxed operation; the model once took
    # that as "not the job's last operation", so relaxed jobs' tardiness left its objective
    # and sub-solves optimised changeovers alone. The model's value must be the checker's.
    problem = garment_floor(20, seed=1, days=3, lines=2)
    start = heuristic.solve(problem, seed=2, max_runs=4)
    search = lns.Search(problem, start, lns.LnsParams(window_above=0), None)
    ends = {j: max(start[i].end for i in ops) for j, ops in enumerate(problem.job_operations())}
    late = max(ends, key=lambda j: ends[j] - problem.jobs[j].due)
    assert ends[late] > problem.jobs[late].due  # the instance has a late job
    relaxation = Relaxation(set(search.incumbent.jobs[late]))
    model = window_sub_model(search.incumbent, relaxation, search.max_neighbours).model
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_number_of_conflicts = 200
    assert solver.solve(model.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    found = model.extract(solver)
    assert objective(model.problem, found).tardiness > 0
    assert round(solver.objective_value) == objective(model.problem, found).total


def test_line_neighbourhood_moves_lots_only_between_two_lines() -> None:
    problem = garment_floor(30, seed=3, days=6, lines=3)
    start = heuristic.solve(problem, seed=1, max_runs=4)
    search = lns.Search(problem, start, lns.LnsParams(window_above=0, seed=5), None)
    for _ in range(10):
        relaxation = search.chooser.relax("line", 12)
        relaxed = relaxation.ops
        assert relaxed <= search.incumbent.free_set
        window = window_sub_model(search.incumbent, relaxation, search.max_neighbours)
        model, index = window.model, window.index
        lines = set().union(*(relaxation.resources_of[i] for i in relaxed))
        for k, i in enumerate(index):
            op = model.problem.operations[k]
            if i in relaxed:  # only its allowed resources, which always include its own
                allowed = relaxation.resources_of[i]
                assert {md.resource for md in op.modes} <= allowed
                assert start[i].resource in allowed
            elif i >= 0:  # context and frozen neighbours: one mode, pinned
                assert len(op.modes) == 1 and op.fixed
        circuit_lines = {r for r in lines if r in search.incumbent.circuits}
        assert len(circuit_lines) <= 2


def test_large_plan_search_with_line_neighbourhood_improves_and_stays_valid() -> None:
    problem = garment_floor(30, seed=3, days=6, lines=3)
    start = heuristic.solve(problem, seed=1, max_runs=4)
    before = objective(problem, start).total
    params = deterministic(max_iterations=12, window_above=0, neighbourhoods=("line",))
    best, value, stats = lns.improve(problem, start, 60, params)
    assert stats.tried == {"line": 12}
    assert not validate(problem, best)
    assert value == objective(problem, best).total < before


@pytest.mark.parametrize("seed", range(6))
def test_a_change_valid_on_its_window_model_is_valid_in_the_whole_plan(monkeypatch, seed) -> None:
    # Window steps are validated on their sub-problem only; the whole plan is checked every
    # FULL_CHECK_EVERY improvements and a failure reverts. Checking after every improvement,
    # none may fail: calendars with overtime, lags over nights, fixed operations, setups.
    monkeypatch.setattr(loop, "FULL_CHECK_EVERY", 1)
    problem = random_problem(random.Random(seed))
    start = heuristic.solve(problem, seed=seed, max_runs=4)
    params = deterministic(max_iterations=15, window_above=0, seed=seed, initial_cap=6)
    best, value, stats = lns.improve(problem, start, 30, params)
    assert stats.reverted == 0
    assert not validate(problem, best)
    assert value == objective(problem, best).total <= objective(problem, start).total


def test_a_whole_plan_that_fails_the_check_goes_back_to_the_last_that_passed() -> None:
    problem = garment_floor(10, seed=4, days=4, lines=2)
    start = fill_setups(problem, heuristic.solve(problem, seed=2, max_runs=4))
    search = lns.Search(problem, start, lns.LnsParams(window_above=0), None)
    a = start[1]
    broken = list(start)
    broken[1] = Assignment(a.resource, a.start - 1, a.end - 1, a.setup)  # moved off its calendar
    inc = search.incumbent
    inc.best, inc.best_objective = Solution(broken), 0
    assert validate(problem, inc.best)
    assert not search.check()
    assert inc.best == start and inc.best_objective == objective(problem, start).total
    assert search.reverts == 1 and search.check()


def test_window_model_counts_a_lag_to_a_frozen_neighbour_in_working_minutes() -> None:
    # Both operations of the lot run on one calendar, so the 30-minute lag counts working
    # minutes: the cut ends at 90, 10 minutes before the night, so sewing may start at 220,
    # not at 200. The frozen cut once sat on an always-open stand-in, where 200 looked fine.
    cal = Calendar(windows=((0, 100), (200, 300), (400, 500)))
    problem = Problem(
        resources=(Resource("cut", cal), Resource("sew", cal)),
        jobs=(Job("lot", due=0), Job("other")),
        operations=(
            Operation(0, (Mode(0, 90),)),
            Operation(0, (Mode(1, 50),)),
            Operation(1, (Mode(1, 10),)),
        ),
        precedences=(Precedence(0, 1, 30),),
        objective=Objective(tardiness=1),
    )
    start = Solution([Assignment(0, 0, 90), Assignment(1, 250, 300), Assignment(1, 200, 210)])
    assert not validate(problem, start)
    search = lns.Search(problem, start, lns.LnsParams(window_above=0), None)
    window = window_sub_model(search.incumbent, Relaxation({1, 2}), search.max_neighbours)
    model, index = window.model, window.index  # the window is [200, 300]
    solver = cp_model.CpSolver()
    assert solver.solve(model.model) == cp_model.OPTIMAL
    assert model.extract(solver)[index.index(1)].start == 220


def test_group_neighbourhood_moves_one_class_run_past_operations_that_keep_their_order() -> None:
    problem = garment_floor(30, seed=3, days=6, lines=3)
    start = heuristic.solve(problem, seed=1, max_runs=4)
    search = lns.Search(problem, start, lns.LnsParams(window_above=0, seed=2), None)
    ops = problem.operations
    seen_chain = False
    for _ in range(12):
        hood = next(h for h in search.hoods if h.name == "group")
        relaxation = search.chooser.relax(hood.name, hood.size)
        relaxed = relaxation.ops
        window = window_sub_model(search.incumbent, relaxation, search.max_neighbours)
        model, index = window.model, window.index
        position = {i: k for k, i in enumerate(index)}
        for chain in relaxation.chains:  # kept order: consecutive chain members are chained
            assert [start[i].start for i in chain] == sorted(start[i].start for i in chain)
            pairs = {(q.pred, q.succ) for q in model.problem.precedences}
            for a, b in itertools.pairwise(chain):
                assert (position[a], position[b]) in pairs
                seen_chain = True
        for i in relaxed:  # only the group's operations may change resource
            allowed = relaxation.resources_of[i]
            assert start[i].resource in allowed and len(allowed) <= 2
            if len(allowed) == 2:
                assert all(ops[i].duration_on(r) for r in allowed)
    assert seen_chain


def test_large_plan_search_with_group_neighbourhood_improves_and_stays_valid() -> None:
    problem = garment_floor(40, seed=0, days=3, lines=2)  # many late lots
    start = heuristic.solve(problem, seed=1, max_runs=4)
    before = objective(problem, start).total
    params = deterministic(max_iterations=12, window_above=0, neighbourhoods=("group",))
    best, value, stats = lns.improve(problem, start, 60, params)
    assert stats.tried == {"group": 12} and stats.reverted == 0
    assert not validate(problem, best)
    assert value == objective(problem, best).total < before
