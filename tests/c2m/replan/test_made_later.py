"""A replan says which lots it made later, from where to where, and what that costs."""

from __future__ import annotations

import dataclasses
import datetime as dt

from c2m.planning.stored import StoredLot, StoredOp
from c2m.replan.diff import diff_plans, explain
from c2m.replan.due_guard import DueVerdict, due_lots

MON = dt.datetime(2026, 12, 7, 8)
LINES = {"L1", "L2"}


def _lot(code: str, start: dt.datetime, late_minutes: int, line: str = "L1") -> StoredLot:
    sew = StoredOp(1, 1, "sew", line, start, start + dt.timedelta(hours=4))
    return StoredLot(
        lot_id=1,
        code=code,
        style="S1",
        colour="red",
        category="tops",
        quantity=380,
        need_date=MON.date(),
        due=MON,
        release=MON,
        fabric=None,
        fabric_quantity=0.0,
        late_minutes=late_minutes,
        fixed=False,
        items={code + "-M": 380},
        ops=(sew,),
    )


def test_every_lot_made_later_beyond_the_threshold_is_listed_with_its_slots_and_cost():
    old = [_lot("A", MON, 0), _lot("B", MON, 600), _lot("C", MON, 0)]
    new = [
        _lot("A", MON + dt.timedelta(days=14), 393 * 60, line="L2"),  # the two-week push
        _lot("B", MON + dt.timedelta(hours=20), 600 + 20 * 60),  # 20 h later: under 24
        _lot("C", MON - dt.timedelta(hours=2), 0),
    ]
    changes = diff_plans(old, new, LINES, later_hours=24, lateness_per_unit_day=2.0)
    assert changes.made_later == 1
    [a] = changes.later
    assert a == {
        "lot": "A",
        "quantity": 380,
        "before": {"line": "L1", "sewing_start": "2026-12-07 08:00:00"},
        "after": {"line": "L2", "sewing_start": "2026-12-21 08:00:00"},
        "late_hours_before": 0.0,
        "late_hours_after": 393.0,
        "lateness_cost_added": round(380 * 393 / 24 * 2.0, 2),
    }
    assert "later" not in changes.counts() and changes.counts()["made_later"] == 1
    assert diff_plans(old, new, LINES, later_hours=0).made_later == 2
    assert diff_plans(old, new, LINES).later == []  # no threshold given: nothing listed


def test_already_due_means_due_at_or_before_the_end_the_last_plan_gave_it():
    until = MON + dt.timedelta(days=1)
    late = _lot("LATE", MON + dt.timedelta(days=3), 600)  # due MON, ends days after it
    soon = dataclasses.replace(
        _lot("SOON", MON + dt.timedelta(days=3), 0), due=MON + dt.timedelta(days=5)
    )  # on time, and due after tonight's frozen window: not due yet
    exact = dataclasses.replace(
        _lot("EXACT", MON + dt.timedelta(days=3), 0), due=MON + dt.timedelta(days=3, hours=4)
    )  # ends exactly when due: due at or before its end, so already due
    frozen = _lot("FROZEN", MON + dt.timedelta(days=3), 600)
    due = due_lots([late, soon, exact, frozen], {"FROZEN"}, until)
    assert sorted(due) == ["EXACT", "LATE"]


def test_each_lot_made_later_says_why_the_published_plan_may_push_it():
    old = [_lot("A", MON, 0), _lot("B", MON, 0)]
    new = [
        _lot("A", MON + dt.timedelta(days=3), 72 * 60),
        _lot("B", MON + dt.timedelta(days=2), 48 * 60),
    ]
    changes = diff_plans(old, new, LINES, later_hours=24, lateness_per_unit_day=2.0)
    verdict = DueVerdict(
        decision="pushed",
        pushed=("A",),
        held=("A",),
        objective_pushed=1000.0,
        objective_held=1500.0,
        margin=15.0,
        reason="pushing saves 500.00 CNY of objective against holding the due lots",
    )
    explain(changes, verdict)
    a, b = changes.later
    assert a["objective_saving"] == 500.0 and "saves 500.00" in a["why"]
    assert b["objective_saving"] is None and "not a due lot pushed" in b["why"]
    assert changes.held_due == 0 and changes.due_guard["saving"] == 500.0
    held = dataclasses.replace(verdict, decision="held", pushed=(), reason="holding is cheaper")
    changes = diff_plans(old, new, LINES, later_hours=24)
    explain(changes, held)
    assert changes.held_due == 1 and changes.due_guard["decision"] == "held"
    assert "held_due" in changes.counts() and "due_guard" not in changes.counts()
