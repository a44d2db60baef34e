"""The learning curve of a new style: in the model, and in what it costs a small lot."""

from __future__ import annotations

import math

from planning_world import START, config, world

from c2m.config import Learning
from c2m.planning import PlanOptions, make_plan
from c2m.planning.timing import learning_rate, ramp_loss_days

CURVE = Learning(start_efficiency=0.45, days_to_steady=4, steady_share=0.95)


def test_efficiency_reaches_steady_share_on_the_day_given():
    k = learning_rate(CURVE)
    assert math.isclose(1 - 0.55 * math.exp(-k * 4), 0.95)


def test_ramp_loss_grows_with_work_but_its_share_shrinks():
    small, big = ramp_loss_days(0.1, CURVE), ramp_loss_days(5.0, CURVE)
    assert 0 < small < big < 0.55 / learning_rate(CURVE)  # bounded by the whole ramp area
    assert small / 0.1 > big / 5.0  # a small lot loses a larger share of its time
    # a lot short enough to sit entirely on day one runs at about start efficiency
    tiny = 0.01
    assert math.isclose((tiny + ramp_loss_days(tiny, CURVE)) * 0.45, tiny, rel_tol=0.02)


def test_no_learning_no_loss():
    steady = Learning(start_efficiency=1.0, days_to_steady=1, steady_share=0.95)
    assert ramp_loss_days(2.0, steady) == 0.0


def _sew_minutes(plan):
    ops = [op for lot in plan.lots for op in lot.ops if op.step == "sew"]
    return sum(op.learning_minutes for op in ops), sum(
        (op.end - op.start).total_seconds() / 60 + op.setup_minutes for op in ops
    )


def test_learning_curve_lengthens_a_new_styles_lot():
    inputs = world(styles=(("TS1", "tshirt"),), colours=("BLK",), sizes=("M",))
    options = PlanOptions(mode="c2m", start=START, time_limit=2, workers=1)
    learning = make_plan(inputs, config(), options)
    raw = config().model_dump()
    raw["learning"] = {"start_efficiency": 1.0, "days_to_steady": 1, "steady_share": 0.95}
    flat = make_plan(inputs, type(config()).model_validate(raw), options)
    lost, total = _sew_minutes(learning)
    lost_flat, total_flat = _sew_minutes(flat)
    assert lost_flat == 0
    assert lost > 0
    first = min(
        (op for lot in learning.lots for op in lot.ops if op.step == "sew"), key=lambda o: o.start
    )
    assert first.learning_minutes > 0  # the first lot of the style on its line pays the ramp
    assert total > total_flat
