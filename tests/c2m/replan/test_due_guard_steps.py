"""The due-lot guard's verdict when holding is impossible: the first plan stands, and says why.

The night's plan is a real one (:func:`make_plan` on the planning world); the previous plan's
lot is that plan's last lot as it stood three days earlier, due then, so tonight's plan pushes
it three days: a due lot pushed past ``later_hours``.
"""

from __future__ import annotations

import datetime as dt

from c2m.errors import DataError
from c2m.planning.inputs import PlanOptions
from c2m.planning.planner import make_plan
from c2m.planning.stored import StoredLot, StoredOp
from c2m.replan.due_guard import guard
from tests.worlds import START, config, planning_inputs

EARLIER = dt.timedelta(days=3)


def _night():
    cfg = config()
    inputs = planning_inputs()
    plan = make_plan(inputs, cfg, PlanOptions(mode="c2m", start=START, time_limit=1, workers=1))
    last = max((lot for lot in plan.lots if lot.ops), key=lambda lot: lot.end)
    ops = tuple(
        StoredOp(1, k, op.step, op.resource, op.start - EARLIER, op.end - EARLIER)
        for k, op in enumerate(last.ops)
    )
    before = StoredLot(
        lot_id=1,
        code=last.code,
        style=last.style,
        colour=last.colour,
        category=last.category,
        quantity=last.quantity,
        need_date=last.need_date,
        due=last.end - EARLIER,  # due when it ended: already due
        release=last.release,
        fabric=None,
        fabric_quantity=0.0,
        late_minutes=0,
        fixed=False,
        items=dict(last.items),
        ops=ops,
    )
    return cfg, inputs, plan, {before.code: before}


def test_a_hold_that_gives_no_plan_publishes_the_first_plan_and_says_why():
    cfg, inputs, plan, due = _night()

    def collides(_inputs):
        raise DataError("no schedule exists for these lots on this factory calendar")

    guarded = guard(plan, due, inputs, cfg.guards, collides)
    assert guarded.result is plan
    verdict = guarded.verdict
    assert verdict.decision == "unheld" and verdict.pushed == tuple(due)
    assert "holding them gave no plan (no schedule exists" in verdict.reason
    assert verdict.solves == 0 and verdict.saving is None


def test_no_time_left_for_the_hold_publishes_the_first_plan_and_says_so():
    cfg, inputs, plan, due = _night()
    guarded = guard(plan, due, inputs, cfg.guards, lambda _inputs: None)
    assert guarded.result is plan and guarded.verdict.decision == "unheld"
    assert guarded.verdict.reason == "no time was left to plan holding them"


def test_a_lot_ending_within_the_threshold_is_not_held():
    cfg, inputs, plan, due = _night()
    lenient = cfg.guards.model_copy(update={"later_hours": 24 * 4})  # 4 days > 3 days pushed
    asked = []
    guarded = guard(plan, due, inputs, lenient, lambda i: asked.append(i))
    assert guarded.verdict.decision == "none" and not asked and guarded.result is plan
