"""The learning curve of a new style: in the model, and in what it costs a small lot."""

from __future__ import annotations

import math

from c2m.config import Learning
from c2m.planning import PlanOptions, make_plan
from c2m.planning.timing import learning_rate, ramp_loss_days
from tests.worlds import START, config, planning_inputs

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
    inputs = planning_inputs(styles=(("TS1", "tshirt"),), colours=("BLK",), sizes=("M",))
    options = PlanOptions(mode="c2m", start=START, time_limit=2, workers=1, deterministic=True)
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


def test_setup_matrix_is_changeover_plus_ramp_into_a_new_style():
    from c2m.planning.timing import SetupClass, changeover_minutes, setup_matrix

    cfg = config()
    classes = [SetupClass(None, None, None)] + [
        SetupClass(style, colour, category)
        for style, category in (("T1", "tshirt"), ("T2", "tshirt"), ("P1", "polo"))
        for colour in ("BLK", "WHT")
    ]
    ramp = {j: 100 + j for j in range(1, len(classes))}
    matrix = setup_matrix(classes, ramp, cfg)
    for i, a in enumerate(classes):
        for j, b in enumerate(classes):
            learning = ramp[j] if b.style is not None and a.style != b.style else 0
            assert matrix[i][j] == changeover_minutes(a, b, cfg) + learning
    t1_blk, t1_wht, t2_blk, p1_blk = 1, 2, 3, 5
    assert matrix[t1_blk][t1_wht] == 20  # colour change only: no new ramp-up
    assert matrix[t1_blk][t2_blk] == 90 + ramp[t2_blk]
    assert matrix[t1_blk][p1_blk] == 240 + ramp[p1_blk]
    assert matrix[0][t1_blk] == 90 + ramp[t1_blk]  # unknown set-up: the first lot pays too
