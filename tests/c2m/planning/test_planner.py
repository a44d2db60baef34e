"""The pure planning core: results, not crashes; the same plan for the same inputs."""

from __future__ import annotations

import datetime as dt

from c2m.planning import FrozenLot, FrozenOp, PlanOptions, make_plan
from tests.worlds import START, config, planning_inputs


def test_same_inputs_same_lots_and_same_problem():
    """The planner's part of determinism: identical lots and an identical problem for the
    solver (the solver's own determinism for a seed is tested in tests/scheduling)."""
    options = PlanOptions(mode="c2m", start=START, time_limit=1, workers=1, deterministic=True)
    first = make_plan(planning_inputs(), config(), options)
    second = make_plan(planning_inputs(), config(), options)
    assert [(lot.code, lot.items, lot.due) for lot in first.lots] == [
        (lot.code, lot.items, lot.due) for lot in second.lots
    ]
    assert first.built.problem == second.built.problem


def test_a_lot_that_cannot_make_its_date_is_planned_late_and_reported():
    inputs = planning_inputs(styles=(("HD1", "hoodie"),), daily=400.0, days=3)
    plan = make_plan(
        inputs,
        config(),
        PlanOptions(mode="c2m", start=START, horizon_days=3, time_limit=2, deterministic=True),
    )
    assert plan.kpis.late_lots > 0
    assert plan.kpis.fill_rate < 1
    late = [lot for lot in plan.lots if lot.late_minutes > 0]
    assert all(lot.end > lot.due for lot in late)
    assert plan.status in ("optimal", "feasible", "fallback")


def test_the_cost_parts_add_up_to_the_objective():
    """What a planner reads as "where the cost is" is the solver's own objective, split."""
    inputs = planning_inputs(styles=(("HD1", "hoodie"), ("TS1", "tshirt")), daily=300.0, days=4)
    plan = make_plan(
        inputs,
        config(),
        PlanOptions(mode="c2m", start=START, horizon_days=4, time_limit=2, deterministic=True),
    )
    kpis = plan.kpis.as_json()
    parts = [kpis[k] for k in kpis if k.startswith("cost_")]
    assert len(parts) == 6 and all(x >= 0 for x in parts)
    assert plan.kpis.cost_lateness > 0 and plan.kpis.cost_changeover > 0
    assert plan.kpis.cost_unserved > 0  # 300 a day is more than four days of floor can sew
    assert abs(sum(parts) - plan.objective) <= 0.01 * len(parts)


def test_every_step_runs_in_order_on_eligible_resources_inside_shifts():
    cfg = config()
    plan = make_plan(
        planning_inputs(),
        cfg,
        PlanOptions(mode="c2m", start=START, time_limit=2, workers=1, deterministic=True),
    )
    eligible = {line.id: set(line.categories) for line in cfg.lines}
    for lot in plan.lots:
        steps = [op.step for op in lot.ops]
        assert steps == ["cut", "sew", "finish"]
        cut, sew, finish = lot.ops
        gap = dt.timedelta(minutes=cfg.transfer_minutes)
        assert cut.end + gap <= sew.start and sew.end + gap <= finish.start
        assert lot.category in eligible[sew.resource]
        assert sew.start.weekday() != 6  # no work on Sundays in the sample calendar
        assert dt.time(8) <= sew.start.time() < dt.time(23)


def test_fixed_lots_stay_put_and_count_as_work_in_progress():
    inputs = planning_inputs(styles=(("TS1", "tshirt"),), colours=("BLK",), sizes=("M",))
    base = make_plan(
        inputs, config(), PlanOptions(mode="c2m", start=START, time_limit=2, deterministic=True)
    )
    sew_start = START + dt.timedelta(hours=9)
    inputs.frozen_lots = [
        FrozenLot(
            code="C-OLD-1",
            style="TS1",
            colour="BLK",
            items=(("TS1-BLK-M", 100),),
            need_date=START.date(),
            due=START,
            ops=(FrozenOp("sew", "L3", sew_start, sew_start + dt.timedelta(minutes=60), 0),),
        )
    ]
    plan = make_plan(
        inputs, config(), PlanOptions(mode="c2m", start=START, time_limit=2, deterministic=True)
    )
    fixed = next(lot for lot in plan.lots if lot.code == "C-OLD-1")
    sew = next(op for op in fixed.ops if op.step == "sew")
    assert (sew.resource, sew.start, sew.fixed) == ("L3", sew_start, True)
    assert [op.step for op in fixed.ops] == ["sew", "finish"]  # not cut again
    new_units = sum(lot.quantity for lot in plan.lots if not lot.fixed)
    assert (
        new_units
        <= sum(lot.quantity for lot in base.lots) - 100 + config().policies.c2m.lot_multiple
    )
