"""The independent checker catches every kind of violation on hand-made bad solutions."""

from __future__ import annotations

import dataclasses

import pytest

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
from scheduling.validate import objective, validate

# Resource 0 works [0, 100) and [200, 300), overtime [100, 120); resource 1 always open.
CAL = Calendar(windows=((0, 100), (200, 300)), overtime=((100, 120),))
PROBLEM = Problem(
    resources=(Resource("line", CAL, initial_class=0), Resource("other")),
    jobs=(Job("a", release=0, due=50, weight=2), Job("b", release=10, due=400, weight=1)),
    operations=(
        Operation(0, (Mode(0, 30), Mode(1, 40)), setup_class=0),  # 0
        Operation(0, (Mode(1, 10),)),  # 1, after 0 with lag 5
        Operation(1, (Mode(0, 50),), setup_class=1),  # 2
        Operation(1, (Mode(0, 20),), setup_class=0, fixed_resource=0, fixed_start=220),  # 3
    ),
    precedences=(Precedence(0, 1, 5),),
    setups=(((0, 15), (25, 0)), None),
    objective=Objective(tardiness=3, setup=1, overtime=2, earliness=1, makespan=1),
)
# Line: op0 [0,30) class 0; setup 15 -> op2 [45, 95) class 1; setup 25 -> op3 at 220.
GOOD = Solution(
    (
        Assignment(0, 0, 30, 0),
        Assignment(1, 35, 45, 0),
        Assignment(0, 45, 95, 15),
        Assignment(0, 220, 240, 25),
    )
)


def _with(i, **changes):
    out = list(GOOD.assignments)
    out[i] = dataclasses.replace(out[i], **changes)
    return Solution(out)


def test_good_solution_has_no_violation():
    assert validate(PROBLEM, GOOD) == []


def test_objective_is_recomputed_from_times():
    b = objective(PROBLEM, GOOD)
    # job a ends at 45: 0 late, 5 early (x2); job b ends at 240: 160 early.
    assert (b.tardiness, b.earliness, b.setup, b.overtime, b.makespan) == (0, 170, 40, 0, 240)
    assert b.total == 170 + 40 + 240


@pytest.mark.parametrize(
    "bad, words",
    [
        (_with(1, resource=0), "not eligible"),
        (_with(0, end=25), "needs 30"),
        (_with(2, start=150, end=250), "outside working time"),
        (_with(2, start=80, end=130), "needs 50"),  # worked through the night
        (_with(2, start=20, end=70), "overlaps"),
        (_with(2, start=35, end=85), "setup"),
        (_with(1, start=30, end=40), "plus lag"),
        (_with(2, start=5, end=55, setup=15), "release"),
        (_with(3, start=240, end=260), "fixed"),
        (_with(2, setup=0), "reports a setup"),
        (Solution(GOOD.assignments[:3]), "3 assignments"),
    ],
)
def test_each_violation_kind_is_caught(bad, words):
    found = validate(PROBLEM, bad)
    assert any(words in v for v in found), found


def test_a_pause_over_the_night_is_valid():
    # op2 starts at 80, works 20 + 20 (overtime) minutes, pauses, then 10 more from 200.
    sol = Solution(
        (
            Assignment(0, 0, 30, 0),
            Assignment(1, 35, 45, 0),
            Assignment(0, 80, 210, 15),
            Assignment(0, 235, 255, 25),
        )
    )
    problem = dataclasses.replace(
        PROBLEM,
        operations=(
            *PROBLEM.operations[:3],
            dataclasses.replace(PROBLEM.operations[3], fixed_start=235),
        ),
    )
    assert validate(problem, sol) == []
    assert objective(problem, sol).overtime == 20


def test_deviation_counts_moves_and_reassignments():
    problem = dataclasses.replace(
        PROBLEM,
        previous=(Assignment(1, 0, 40), None, Assignment(0, 40, 90), None),
        objective=Objective(deviation=1, reassign_minutes=100),
    )
    b = objective(problem, GOOD)
    assert b.deviation == 0 + 100 + 5
    assert b.total == 105
