"""The working-time relaxation: batch floors of long lots solved on the calendar's axis."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scheduling.model import Calendar, Mode, Objective, Problem
from scheduling.params import SolveParams
from scheduling.search import axis
from scheduling.search.heuristic import solve as dispatch
from scheduling.solve import solve
from scheduling.validate import objective, validate
from tests.scheduling.scheduling_instances import garment_floor


def batch_floor(lots: int = 8, seed: int = 1, overtime: int = 0) -> Problem:
    """The test floor with lots thirty times as long: each sewing run crosses nights."""
    small = garment_floor(lots, seed=seed, days=40, lines=3, overtime=overtime)
    longer = tuple(
        replace(op, modes=tuple(Mode(m.resource, m.duration * 30) for m in op.modes))
        for op in small.operations
    )
    return replace(small, operations=longer, objective=Objective(tardiness=10, setup=50))


def test_the_relaxation_applies_to_long_lots_on_one_calendar_only():
    assert axis.applies(batch_floor(), min_span_ratio=1.0)
    assert not axis.applies(garment_floor(8, seed=1, days=40, lines=3), min_span_ratio=1.0)
    two = batch_floor()
    other = Calendar(windows=((0, 600),))
    two = replace(two, resources=(replace(two.resources[0], calendar=other), *two.resources[1:]))
    assert not axis.applies(two, min_span_ratio=1.0)
    with pytest.raises(ValueError, match="one calendar"):
        axis.AxisProblem.of(two)


def test_a_wall_schedule_goes_to_the_axis_and_back_unchanged():
    problem = batch_floor(overtime=120)
    first = dispatch(problem, 1.0, seed=0, max_runs=1)
    assert first is not None
    relaxation = axis.AxisProblem.of(problem)
    assert relaxation.to_wall(relaxation.to_axis(first)) == first


def test_every_axis_schedule_is_a_wall_schedule_the_checker_accepts():
    """Releases, due dates, transfer lags, setups, overtime windows, a fixed operation and a
    previous plan: the axis optimum maps back to a valid plan, priced by the checker."""
    base = batch_floor(overtime=120)
    first = dispatch(base, 1.0, seed=0, max_runs=1)
    assert first is not None
    pinned = first[4]
    ops = list(base.operations)
    ops[4] = replace(ops[4], fixed_resource=pinned.resource, fixed_start=pinned.start)
    problem = replace(base, operations=tuple(ops), previous=tuple(first))
    problem = replace(problem, objective=replace(problem.objective, deviation=1))
    relaxation = axis.AxisProblem.of(problem)
    result = solve(relaxation.axis, 2.0, workers=2, deterministic=True)
    assert result.solution is not None
    wall = relaxation.to_wall(result.solution)
    assert validate(problem, wall) == []
    assert wall[4].start == pinned.start and wall[4].resource == pinned.resource


def test_the_solve_uses_the_relaxation_on_batch_floors_and_keeps_the_better_plan():
    problem = batch_floor()
    result = solve(problem, 4.0, workers=2, deterministic=True)
    assert result.stats.axis_status is not None and result.stats.axis_objective is not None
    assert result.solution is not None and validate(problem, result.solution) == []
    assert result.objective == objective(problem, result.solution).total
    assert result.objective <= result.stats.heuristic_objective
    assert result.objective <= result.stats.axis_objective
    short = solve(garment_floor(8, seed=1, days=40, lines=3), 1.0, workers=2, deterministic=True)
    assert short.stats.axis_status is None


def test_the_relaxation_is_switched_off_by_its_parameter():
    off = SolveParams(axis_share=0.0)
    result = solve(batch_floor(), 2.0, workers=2, deterministic=True, params=off)
    assert result.stats.axis_status is None
