"""The cheap lower bounds hold for every schedule: never above a proven optimum or any
valid schedule, and tight where the argument is exact."""

from __future__ import annotations

import random

import pytest
from scheduling_instances import garment_floor, random_problem

from scheduling import bounds
from scheduling.bounds import (
    capacity_makespan,
    capacity_tardiness,
    earliest_ends,
    lower_bound,
    setup_lower_bound,
)
from scheduling.bounds import lp as bound_lp
from scheduling.cpsat import CpSatModel
from scheduling.model import (
    Calendar,
    Job,
    Mode,
    Objective,
    Operation,
    Precedence,
    Problem,
    Resource,
)
from scheduling.search import heuristic
from scheduling.solve import solve
from scheduling.validate import objective


@pytest.mark.parametrize("seed", range(25))
def test_bound_never_above_the_optimum(seed):
    p = random_problem(random.Random(seed))
    status, sol, *_ = CpSatModel(p).solve(5.0, 1, 0, deterministic=True)
    if status == "optimal":
        assert lower_bound(p) <= objective(p, sol).total
    h = heuristic.solve(p, 0.2, max_runs=4)
    if h is not None:
        assert lower_bound(p) <= objective(p, h).total


@pytest.mark.parametrize("seed", range(3))
def test_bound_below_heuristic_on_garment_floors(seed):
    p = garment_floor(40, seed=seed, overtime=60)
    h = heuristic.solve(p, 0.5, max_runs=4)
    assert 0 < lower_bound(p) <= objective(p, h).total
    assert 0 < setup_lower_bound(p) <= objective(p, h).setup


def test_earliest_end_pauses_over_the_night_and_counts_lags_in_working_minutes():
    day = Calendar(windows=((0, 480), (1440, 1920)))
    p = Problem(
        [Resource("a", day), Resource("b", day)],
        [Job(release=400, due=500)],
        [Operation(0, (Mode(0, 100),)), Operation(0, (Mode(1, 50),))],
        precedences=[Precedence(0, 1, 30)],
        objective=Objective(tardiness=1),
    )
    # 80 minutes before the night, 20 after 1440; the lag is 30 working minutes more.
    assert earliest_ends(p) == [1460, 1440 + 20 + 30 + 50]
    assert lower_bound(p) == 1540 - 500


def test_setup_bound_lets_one_class_per_free_line_start_free():
    """Three classes on two lines without an initial class: two start free, the third
    pays its cheapest way in; cutting (no setups) does not hide the lines' setups."""
    mat = ((0, 5, 9), (7, 0, 3), (8, 6, 0))
    ops = [Operation(j, (Mode(0, 10),), setup_class=j) for j in range(3)]
    ops += [Operation(j, (Mode(1, 10), Mode(2, 10)), setup_class=j) for j in range(3)]
    p = Problem(
        [Resource("cut"), Resource("L1"), Resource("L2")],
        [Job(), Job(), Job()],
        ops,
        setups=[None, mat, mat],
        objective=Objective(setup=1),
    )
    # ways in: class 0 min(7, 8) = 7, class 1 min(5, 6) = 5, class 2 min(9, 3) = 3
    assert setup_lower_bound(p) == 3
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.status == "optimal" and r.objective == 3


def test_solve_reports_the_cheap_bound_when_cpsat_has_none():
    p = garment_floor(12, seed=1)
    r = solve(p, 0.05, workers=1, deterministic=True)  # too short for CP-SAT
    assert r.bound == min(lower_bound(p), r.objective) > 0


def test_capacity_bound_sees_jobs_queue_on_one_line():
    """Three 10-minute jobs due at 10 on one line: someone finishes at 20 and at 30, so
    the tardiness is at least 0 + 10 + 20 (earliest ends alone would say 0)."""
    p = Problem(
        [Resource("L1"), Resource("L2", Calendar(windows=((0, 5),)))],
        [Job(due=10), Job(due=10), Job(due=10, weight=2)],
        [Operation(j, (Mode(0, 10),)) for j in range(3)] + [Operation(0, (Mode(1, 1),))],
        objective=Objective(tardiness=1),
    )
    assert capacity_tardiness(p) == 10 + 20
    assert lower_bound(p) == 30
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.objective == 30 and r.bound == 30


def test_setup_bound_charges_each_style_its_way_in_not_just_its_colours():
    """Two styles of two colours each on one line loaded with another class: each colour
    is 5 minutes from its sibling, but each style costs 50 to bring in, so every schedule
    pays 50 + 5 + 50 + 5 (the per-class argument alone said 4 x 5)."""

    def cost(a: int, b: int) -> int:
        if a == b:
            return 0
        return 5 if a and b and (a - 1) // 2 == (b - 1) // 2 else 50

    mat = tuple(tuple(cost(a, b) for b in range(5)) for a in range(5))
    p = Problem(
        [Resource("L1", initial_class=0)],
        [Job() for _ in range(4)],
        [Operation(j, (Mode(0, 10),), setup_class=j + 1) for j in range(4)],
        setups=[mat],
        objective=Objective(setup=1),
    )
    assert setup_lower_bound(p) == 110
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.status == "optimal" and r.objective == 110


def test_setup_bound_lets_a_free_line_start_one_style_free():
    """The same styles on two lines, one without an initial class: one style can start
    there free, the other still pays its way in: 50 + 5 at least (the optimum, 60, also
    pays the free style's colour change; the bound lets the whole style off)."""

    def cost(a: int, b: int) -> int:
        if a == b:
            return 0
        return 5 if a and b and (a - 1) // 2 == (b - 1) // 2 else 50

    mat = tuple(tuple(cost(a, b) for b in range(5)) for a in range(5))
    p = Problem(
        [Resource("L1", initial_class=0), Resource("L2")],
        [Job() for _ in range(4)],
        [Operation(j, (Mode(0, 10), Mode(1, 10)), setup_class=j + 1) for j in range(4)],
        setups=[mat, mat],
        objective=Objective(setup=1),
    )
    assert setup_lower_bound(p) == 55
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.status == "optimal" and r.objective == 60


def test_capacity_bound_queues_jobs_that_only_one_line_can_take():
    """Three 10-minute jobs due at 10 that only L2 can sew queue there (0 + 10 + 20),
    though L1 is free: the set of both lines alone would let two finish by 10."""
    p = Problem(
        [Resource("L1"), Resource("L2")],
        [Job(due=10) for _ in range(4)],
        [Operation(j, (Mode(1, 10),)) for j in range(3)] + [Operation(3, (Mode(0, 5), Mode(1, 5)))],
        objective=Objective(tardiness=1),
    )
    assert capacity_tardiness(p) == 30
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.objective == 30 and r.bound == 30


def test_capacity_bound_counts_a_slow_line_at_its_speed():
    """Two jobs of 10 minutes on L1 or 40 on L2, both due at 10: L2 does a quarter of a
    job-minute per minute, so the pair needs 20 / 1.25 = 16 minutes (tardiness >= 6; the
    optimum, 10, runs both on L1); counting L2 as a full line would say 0. (The
    transportation LP adds the mean busy time of each job's block: 9.)"""
    p = Problem(
        [Resource("L1"), Resource("L2")],
        [Job(due=10), Job(due=10)],
        [Operation(j, (Mode(0, 10), Mode(1, 40))) for j in range(2)],
        objective=Objective(tardiness=1),
    )
    assert capacity_tardiness(p) == 9
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.status == "optimal" and r.objective == 10


def test_capacity_bound_waits_for_the_setup_from_the_initial_class():
    """A line loaded with class 0 needs 30 minutes to set up for class 1 before its first
    operation: two 10-minute class-1 jobs due at 10 end at 40 and 50 at best."""
    p = Problem(
        [Resource("L1", initial_class=0)],
        [Job(due=10), Job(due=10)],
        [Operation(j, (Mode(0, 10),), setup_class=1) for j in range(2)],
        setups=[((0, 30), (30, 0))],
        objective=Objective(tardiness=1),
    )
    assert capacity_tardiness(p) == 30 + 40
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.status == "optimal" and r.objective == 70 and r.bound == 70


def test_makespan_bound_counts_the_setups_between_operations():
    """Three 10-minute jobs on one line without an initial class, 5 minutes of setup
    between any two: 3 x (10 + 5) minus the free start's setup = 40, the optimum."""
    mat = tuple(tuple(0 if a == b else 5 for b in range(3)) for a in range(3))
    p = Problem(
        [Resource("L1")],
        [Job() for _ in range(3)],
        [Operation(j, (Mode(0, 10),), setup_class=j) for j in range(3)],
        setups=[mat],
    )
    assert capacity_makespan(p) == 40 == lower_bound(p)
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.status == "optimal" and r.objective == 40


def test_makespan_bound_sees_a_machine_overloaded_by_its_only_jobs():
    """Jobs that only M1 can run (3 x 20) outlast a job that could run anywhere."""
    p = Problem(
        [Resource("M1"), Resource("M2")],
        [Job() for _ in range(4)],
        [Operation(j, (Mode(0, 20),)) for j in range(3)] + [Operation(3, (Mode(0, 5), Mode(1, 5)))],
    )
    assert capacity_makespan(p) == 60 == lower_bound(p)


def test_earliest_start_waits_for_the_cheapest_way_in_from_the_initial_class():
    """A line loaded with class 0: class 2 is 100 minutes of setup away directly, but 10
    (into class 1) + 20 (the class-1 job) + 5 (into class 2) = 35 through class 1; the
    class-2 job (due 0, 10 minutes) cannot end before 45, nor the class-1 job before 30."""
    mat = ((0, 10, 100), (10, 0, 5), (10, 5, 0))
    p = Problem(
        [Resource("L1", initial_class=0)],
        [Job(due=0), Job(due=0)],
        [Operation(0, (Mode(0, 20),), setup_class=1), Operation(1, (Mode(0, 10),), setup_class=2)],
        setups=[mat],
        objective=Objective(tardiness=1),
    )
    assert earliest_ends(p) == [30, 45]
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.status == "optimal" and r.objective == 30 + 45 == lower_bound(p)


def test_exact_queue_sees_two_big_jobs_fight_for_the_fast_line():
    """Two jobs of 100 minutes on L1 or 150 on L2, due at 100: one of them ends at 150 at
    best (tardiness 50). The completion slots say 20 (L2 counted at 2/3 of L1, split
    across lines), the transportation LP 34 (a job split over both lines still has a mean
    busy time); CP-SAT, granted a second on the queue of the two, proves 50."""
    p = Problem(
        [Resource("L1"), Resource("L2")],
        [Job(due=100), Job(due=100)],
        [Operation(j, (Mode(0, 100), Mode(1, 150))) for j in range(2)],
        objective=Objective(tardiness=1),
    )
    assert capacity_tardiness(p) == 34
    assert capacity_tardiness(p, exact_seconds=1.0) == 50 == lower_bound(p, 1.0)
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.status == "optimal" and r.objective == 50 == r.bound


def test_makespan_bound_from_the_assignment_lp_on_unrelated_machines():
    """A runs 10 minutes anywhere, B and C 10 on M1 but 100 on M2. M2 counted at its best
    speed (1, for A) says 30 / 2 = 15; the assignment LP sees that B and C belong on M1
    (load 19.1 at best, so 20), which is the optimum: B, C on M1 and A on M2."""
    p = Problem(
        [Resource("M1"), Resource("M2")],
        [Job() for _ in range(3)],
        [Operation(0, (Mode(0, 10), Mode(1, 10)))]
        + [Operation(j, (Mode(0, 10), Mode(1, 100))) for j in (1, 2)],
    )
    assert capacity_makespan(p) == 20 == lower_bound(p)
    r = solve(p, 2.0, workers=1, deterministic=True)
    assert r.status == "optimal" and r.objective == 20


def three_lots() -> Problem:
    """Two lots due together on one machine, a third released later."""
    return Problem(
        [Resource("m")],
        [Job(due=40, weight=2), Job(due=40, weight=3), Job(release=40, due=70, weight=1)],
        [Operation(0, (Mode(0, 30),)), Operation(1, (Mode(0, 40),)), Operation(2, (Mode(0, 10),))],
        objective=Objective(tardiness=1),
    )


def test_transportation_lp_sees_a_queue_the_slots_miss():
    """The slots match lots to completion times one by one (10); the LP sees that one of
    the two lots due together pays for waiting either way (optimum 70: the 3-weight lot
    first, then the other)."""
    p = three_lots()
    status, sol, *_ = CpSatModel(p).solve(5.0, 1, 0, deterministic=True)
    assert status == "optimal" and objective(p, sol).tardiness == 70
    assert 30 <= capacity_tardiness(p) <= 70


def test_transportation_lp_pools_identical_machines_and_alike_lots():
    """Machines no operation tells apart pool their capacity and alike lots share columns:
    three copies of a floor, each lot eligible on every copy of its machine, get three
    times the bound of one copy."""
    one, k = three_lots(), 3
    three = Problem(
        [Resource(f"m{c}") for c in range(k)],
        one.jobs * k,
        tuple(
            Operation(
                op.job + c * len(one.jobs), tuple(Mode(r, op.modes[0].duration) for r in range(k))
            )
            for c in range(k)
            for op in one.operations
        ),
        objective=one.objective,
    )
    single = bound_lp.lp_tardiness(one, bounds.Capacity(one, None, None))
    assert single >= 30
    tripled = bound_lp.lp_tardiness(three, bounds.Capacity(three, None, None))
    assert abs(tripled - k * single) <= k
