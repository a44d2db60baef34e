"""The CP-SAT model: known optima, brute force, and one test per constraint family that
fails when that family is dropped from the model (``CpSatModel(skip=...)``)."""

from __future__ import annotations

import dataclasses
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model
from scheduling_instances import FT06, day_calendar, garment_floor, jobshop, random_problem

from scheduling.cpsat import FAMILIES, CpSatModel, configure
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
from scheduling.search import heuristic
from scheduling.validate import objective, validate


def run(problem: Problem, skip=(), time_limit: float = 2.0, hint=None):
    model = CpSatModel(problem, hint=hint, skip=skip)
    status, sol, obj, bound, _ = model.solve(time_limit, workers=1, seed=0, deterministic=True)
    return status, sol, obj, bound


def test_ft06_is_solved_to_its_optimum_55():
    status, sol, obj, bound = run(jobshop(FT06), time_limit=5.0)
    assert (status, obj, bound) == ("optimal", 55, 55)
    assert validate(jobshop(FT06), sol) == []


def _brute_force(problem: Problem) -> int:
    """Best objective over every assignment and order (semi-active schedules)."""
    n, m = problem.num_operations, len(problem.resources)
    best = None
    for assign in itertools.product(range(m), repeat=n):
        if any(problem.operations[i].duration_on(r) is None for i, r in enumerate(assign)):
            continue
        groups = [[i for i in range(n) if assign[i] == r] for r in range(m)]
        for orders in itertools.product(*(itertools.permutations(g) for g in groups)):
            out = [None] * n
            for r, order in enumerate(orders):
                t, cls = 0, problem.resources[r].initial_class
                for i in order:
                    op = problem.operations[i]
                    s = problem.setup_time(r, cls, op.setup_class)
                    start = max(problem.jobs[op.job].release, t + s)
                    out[i] = Assignment(r, start, start + op.duration_on(r), s)
                    t, cls = start + op.duration_on(r), op.setup_class
            cost = objective(problem, Solution(out)).total
            best = cost if best is None else min(best, cost)
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_small_setup_instance_matches_brute_force(seed):
    rng = random.Random(seed)
    n, m, classes = 5, 2, 3
    mats = tuple(
        tuple(
            tuple(0 if a == b else rng.randint(1, 15) for b in range(classes))
            for a in range(classes)
        )
        for _ in range(m)
    )
    problem = Problem(
        resources=(Resource("m0", initial_class=2), Resource("m1")),
        jobs=tuple(
            Job(
                f"j{j}",
                release=rng.randint(0, 20),
                due=rng.randint(10, 60),
                weight=rng.randint(1, 3),
            )
            for j in range(n)
        ),
        operations=tuple(
            Operation(
                j,
                tuple(Mode(r, rng.randint(3, 20)) for r in range(m) if j != r or j > 1),
                setup_class=rng.randrange(classes),
            )
            for j in range(n)
        ),
        setups=mats,
        objective=Objective(tardiness=3, setup=1, makespan=1),
    )
    status, sol, obj, _ = run(problem, time_limit=5.0)
    assert status == "optimal"
    assert validate(problem, sol) == []
    assert obj == objective(problem, sol).total == _brute_force(problem)


# --- one test per constraint family: dropping it lets the checker find a violation -------


def _one_machine(ops, jobs=None, cal=None, setups=None, objective_=None, previous=None):
    return Problem(
        resources=(Resource("m", cal or Calendar()),),
        jobs=jobs or tuple(Job(f"j{k}") for k in range(len(ops))),
        operations=tuple(ops),
        setups=setups,
        objective=objective_ or Objective(makespan=1),
        previous=previous,
    )


CHANGEOVER = _one_machine(
    [Operation(0, (Mode(0, 10),), setup_class=0), Operation(1, (Mode(0, 10),), setup_class=1)],
    setups=(((0, 30), (30, 0)),),
)
NIGHT = _one_machine([Operation(0, (Mode(0, 90),))], cal=Calendar(windows=((0, 60), (120, 300))))
RELEASE = _one_machine([Operation(0, (Mode(0, 10),))], jobs=(Job("late", release=50),))
FIXED = _one_machine(
    [Operation(0, (Mode(0, 20),)), Operation(1, (Mode(0, 10),), fixed_resource=0, fixed_start=30)]
)
OVERLAP = _one_machine([Operation(0, (Mode(0, 10),)), Operation(1, (Mode(0, 10),))])
PRECEDENCE = Problem(
    resources=(Resource("a"), Resource("b")),
    jobs=(Job(),),
    operations=(Operation(0, (Mode(0, 10),)), Operation(0, (Mode(1, 10),))),
    precedences=(Precedence(0, 1, 5),),
)


@pytest.mark.parametrize(
    "family, problem, words",
    [
        ("setups", CHANGEOVER, "setup"),
        ("calendars", NIGHT, "working minutes"),
        ("release_dates", RELEASE, "release"),
        ("fixed", FIXED, "fixed"),
        ("no_overlap", OVERLAP, "overlaps"),
        ("precedences", PRECEDENCE, "plus lag"),
    ],
)
def test_dropping_a_family_breaks_the_schedule(family, problem, words):
    status, sol, _, _ = run(problem)
    assert status == "optimal" and validate(problem, sol) == []
    # The load bound is redundant capacity reasoning: it would keep operations apart too.
    skip = [family, "load_bounds"] if family == "no_overlap" else [family]
    _, bad_sol, _, _ = run(problem, skip=skip)
    found = validate(problem, bad_sol)
    assert any(words in v for v in found), found


def test_setup_and_pause_values():
    assert run(CHANGEOVER)[2] == 50
    _, sol, obj, _ = run(NIGHT)
    assert (sol[0].start, sol[0].end, obj) == (0, 150, 150)


def test_stability_term_keeps_the_previous_start():
    op = Operation(0, (Mode(0, 10),))
    prev = (Assignment(0, 100, 110),)
    stable = _one_machine([op], objective_=Objective(makespan=1, deviation=5), previous=prev)
    loose = _one_machine([op], objective_=Objective(makespan=1), previous=prev)
    assert run(stable)[1][0].start == 100
    assert run(loose)[1][0].start == 0


def test_overtime_is_used_only_when_it_pays():
    cal = Calendar(windows=((0, 60), (200, 300)), overtime=((60, 120),))
    op = Operation(0, (Mode(0, 80),))
    cheap = _one_machine([op], cal=cal, objective_=Objective(makespan=1, overtime=0))
    dear = _one_machine([op], cal=cal, objective_=Objective(makespan=1, overtime=20))
    _, sol, obj, _ = run(cheap)
    assert (sol[0].end, objective(cheap, sol).overtime) == (80, 20)
    _, sol, obj, _ = run(dear)
    assert (sol[0].start, obj) == (200, 280)
    assert objective(dear, sol).total == 280


def test_earliness_pulls_completion_to_the_due_date():
    problem = _one_machine(
        [Operation(0, (Mode(0, 10),))],
        jobs=(Job(due=100),),
        objective_=Objective(earliness=1, tardiness=1),
    )
    _, sol, obj, _ = run(problem)
    assert (sol[0].end, obj) == (100, 0)


def test_every_family_is_known():
    with pytest.raises(ValueError, match="Unknown"):
        CpSatModel(CHANGEOVER, skip=["nope"])
    assert "setups" in FAMILIES and "calendars" in FAMILIES


def test_garment_floor_model_agrees_with_the_checker():
    """Calendars, overtime, initial classes, lags, tardiness: CP-SAT's objective must be
    exactly the checker's, and the schedule valid."""
    problem = garment_floor(
        6,
        seed=4,
        days=3,
        lines=2,
        overtime=60,
        objective=Objective(tardiness=5, setup=1, overtime=2, earliness=1, makespan=1),
    )
    _, sol, obj, bound = run(problem, time_limit=2.0)
    assert sol is not None and validate(problem, sol) == []
    assert obj == objective(problem, sol).total
    assert bound <= obj


def test_setups_pause_over_the_night_on_the_axis():
    """A setup that does not fit before the evening continues the next morning."""
    cal = day_calendar(3, start=0, end=100)
    problem = _one_machine(
        [Operation(0, (Mode(0, 90),), setup_class=0), Operation(1, (Mode(0, 50),), setup_class=1)],
        cal=cal,
        setups=(((0, 30), (30, 0)),),
    )
    _, sol, obj, _ = run(problem)
    assert validate(problem, sol) == []
    # 90 + 30 setup = 120 working minutes: the second op starts at minute 20 of day 2.
    assert obj == 1440 + 20 + 50


# --- semantics that the model, the heuristic and the checker must share ---------------------

DAY = Calendar(windows=((0, 100), (1000, 1100)))


def _transfer(second_calendar: Calendar) -> Problem:
    """Op 0 (90 min) on a day-calendar line, then op 1 after a 30-minute transfer."""
    return Problem(
        resources=(Resource("cut", DAY), Resource("sew", second_calendar)),
        jobs=(Job(),),
        operations=(Operation(0, (Mode(0, 90),)), Operation(0, (Mode(1, 10),))),
        precedences=(Precedence(0, 1, 30),),
    )


def test_a_transfer_on_one_calendar_counts_working_minutes():
    problem = _transfer(DAY)
    _, sol, obj, _ = run(problem)
    # 10 working minutes left today, 20 more tomorrow from 1000.
    assert (sol[1].start, obj) == (1020, 1030)
    assert validate(problem, sol) == []
    early = Solution((sol[0], Assignment(1, 1010, 1020)))
    assert any("lag (30 working minutes" in v for v in validate(problem, early))


def test_a_transfer_across_calendars_counts_wall_minutes():
    problem = _transfer(Calendar())
    _, sol, obj, _ = run(problem)
    assert (sol[1].start, obj) == (120, 130)
    assert validate(problem, sol) == []


def test_an_operation_that_may_run_on_two_calendars():
    """Mode choice between a day-calendar line (fast) and an always-open one (slow)."""
    problem = Problem(
        resources=(Resource("day", DAY), Resource("open"), Resource("next")),
        jobs=(Job(due=150),),
        operations=(
            Operation(0, (Mode(0, 80), Mode(1, 140))),
            Operation(0, (Mode(2, 10),)),
        ),
        precedences=(Precedence(0, 1, 5),),
        objective=Objective(tardiness=1),
    )
    _, sol, obj, _ = run(problem)
    # Day line: ends at 80; the next op (another calendar: wall lag) starts at 85.
    assert validate(problem, sol) == [] and obj == 0
    slow = dataclasses.replace(
        problem,
        operations=(
            Operation(0, (Mode(0, 180), Mode(1, 140))),
            problem.operations[1],
        ),
    )
    _, sol, obj, _ = run(slow)
    # The day line would finish at 1080: the always-open line is better (ends 140 + 15).
    assert sol[0].resource == 1 and obj == 5
    assert validate(slow, sol) == [] and objective(slow, sol).total == obj


def test_overtime_is_paid_until_the_last_work_in_the_window():
    cal = Calendar(windows=((0, 60),), overtime=((60, 120),))
    problem = Problem(
        resources=(Resource("m", cal),),
        jobs=(Job(), Job()),
        operations=(Operation(0, (Mode(0, 10),)), Operation(1, (Mode(0, 10),))),
        objective=Objective(overtime=1),
    )
    spread = Solution((Assignment(0, 60, 70), Assignment(0, 100, 110)))
    assert validate(problem, spread) == []
    assert objective(problem, spread).overtime == 50
    _, sol, obj, _ = run(problem)
    assert obj == 0 and objective(problem, sol).overtime == 0


def test_deviation_counts_working_minutes():
    problem = _one_machine(
        [Operation(0, (Mode(0, 10),))],
        cal=DAY,
        objective_=Objective(deviation=1),
        previous=(Assignment(0, 90, 100),),
    )
    moved = Solution((Assignment(0, 1010, 1020),))
    assert objective(problem, moved).deviation == 20
    _, sol, obj, _ = run(problem)
    assert (sol[0].start, obj) == (90, 0)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**9))
def test_the_heuristic_hint_is_a_feasible_assignment_of_the_model(seed):
    """Every variable is hinted from a valid schedule and the hint satisfies the model, so
    CP-SAT starts from it at once (an infeasible hint is silently 'repaired', i.e. lost)."""
    problem = random_problem(random.Random(seed))
    hint = heuristic.solve(problem, max_runs=2)
    if hint is None:
        return
    model = CpSatModel(problem, hint=hint)
    proto = model.model.proto
    hinted = set(proto.solution_hint.vars)
    domains = [list(var.domain) for var in proto.variables]
    free = {k for k, d in enumerate(domains) if d[0] != d[-1]}
    assert free <= hinted
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 5
    assert solver.solve(model.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_deterministic_parameters_are_safe_and_leave_the_wall_clock_out():
    """One worker never interleaves (OR-Tools 9.15 aborted the process on interleaved
    search with one worker: ``Check failed: heuristics.fixed_search != nullptr``); several
    workers do, in deterministic batches; and the wall-clock cap sits far beyond the
    deterministic budget, so a loaded machine does not change where the search stops."""
    for workers, interleave in ((1, False), (2, True), (4, True)):
        prm = cp_model.CpSolver().parameters
        configure(prm, 3.0, workers, 0, deterministic=True, big=True)
        assert prm.interleave_search is interleave
        assert prm.max_deterministic_time == 3.0
        assert prm.max_time_in_seconds >= 20 * 3.0
        assert not prm.cp_model_presolve
    prm = cp_model.CpSolver().parameters
    configure(prm, 3.0, 1, 0)
    assert prm.max_time_in_seconds == 3.0 and not prm.interleave_search


def test_one_worker_deterministic_solve_runs_in_a_child_process():
    """The combination that aborted (one worker, deterministic) solves, and twice alike;
    run in a child process so that an abort fails this test instead of killing pytest."""
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, 'tests/scheduling')\n"
        "from scheduling_instances import garment_floor\n"
        "from scheduling.search import heuristic\n"
        "from scheduling.cpsat import CpSatModel\n"
        "p = garment_floor(12, seed=3)\n"
        "h = heuristic.solve(p, 1.0, max_runs=1)\n"
        "out = []\n"
        "for _ in range(2):\n"
        "    st, sol, obj, bound, wall = CpSatModel(p, hint=h).solve(0.3, 1, 0, True)\n"
        "    out.append((st, obj, tuple(sol)))\n"
        "assert out[0] == out[1], out\n"
        "print(out[0][0])\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() in ("optimal", "feasible")


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("neighbours", [None, 3])
def test_heuristic_hint_is_feasible_on_garment_floors_with_overtime(seed, neighbours):
    """The planner's case: shift calendars, overtime windows paid by the objective, lags
    between steps, big (pruned) circuits. CP-SAT with every variable fixed to its hint must
    accept it ("The solution hint is complete, but it is infeasible" was the symptom)."""
    weights = Objective(tardiness=10, setup=1, overtime=3, earliness=1)
    problem = garment_floor(30, seed=seed, overtime=120, objective=weights)
    hint = heuristic.solve(problem, max_runs=4)
    assert hint is not None and not validate(problem, hint)
    model = CpSatModel(problem, hint=hint, max_neighbours=neighbours)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.cp_model_presolve = False
    solver.parameters.max_time_in_seconds = 20
    assert solver.solve(model.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
