"""The frozen window and the plan diff, on plans written by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from c2m.planning.stored import StoredLot, StoredOp
from c2m.replan import diff_plans, solver_budget
from c2m.replan.frozen import FrozenWindow, frozen_lots, line_state, previous_assignments

NOW = dt.datetime(2026, 11, 27, 22, 0)
LINES = {"L1", "L2"}


def lot(code, line="L1", start_h=30, qty=100, late=0, setup=0, style="S1", colour="red"):
    """A cut -> sew -> finish lot whose cutting starts ``start_h`` hours after midnight of 27th."""
    t0 = dt.datetime(2026, 11, 27) + dt.timedelta(hours=start_h)
    hours = dt.timedelta(hours=1)
    ops = (
        StoredOp(1, 1, "cut", "CUT", t0, t0 + hours),
        StoredOp(2, 1, "sew", line, t0 + 2 * hours, t0 + 6 * hours, setup),
        StoredOp(3, 1, "finish", "FIN", t0 + 7 * hours, t0 + 8 * hours),
    )
    return StoredLot(
        lot_id=1,
        code=code,
        style=style,
        colour=colour,
        category="tops",
        quantity=qty,
        need_date=(t0 + 24 * hours).date(),
        due=t0 + 24 * hours,
        release=t0,
        fabric=None,
        fabric_quantity=0.0,
        late_minutes=late,
        fixed=False,
        items={code + "-M": qty},
        ops=ops,
    )


def test_identical_plans_have_no_changes():
    old = [lot("A"), lot("B", line="L2", start_h=40)]
    changes = diff_plans(old, list(old), LINES)
    assert changes.total == 0
    assert changes.unchanged == 2
    assert changes.counts()["inside_frozen"] == 0


def test_each_kind_of_change_is_counted():
    old = [lot("A"), lot("B"), lot("C"), lot("D", qty=50), lot("E")]
    new = [
        lot("A", line="L2"),  # moved line (same time)
        lot("B", start_h=33),  # moved 3 h
        lot("D", qty=60),  # quantity
        lot("E", late=90),  # turned late
        lot("F"),  # added
    ]  # C removed
    c = diff_plans(old, new, LINES)
    assert (c.added, c.removed, c.moved_line, c.moved_time, c.qty_changed) == (1, 1, 1, 1, 1)
    assert c.turned_late == 1
    assert c.mean_shift_hours == pytest.approx(3.0)
    assert c.max_shift_hours == pytest.approx(3.0)
    assert c.lots["removed"] == ["C"]
    assert c.unchanged == 1  # E only turned late, nothing moved


def test_changes_to_frozen_lots_are_counted_inside_frozen():
    old = [lot("A"), lot("B")]
    new = [lot("A", start_h=31)]  # A moved, B removed
    c = diff_plans(old, new, LINES, frozen_codes={"A", "B"})
    assert c.inside_frozen == 2


def test_extra_changeovers_compare_setups():
    old = [lot("A", setup=20)]
    new = [lot("A", setup=20), lot("B", setup=90), lot("C", setup=0)]
    assert diff_plans(old, new, LINES).extra_changeovers == 1


def test_frozen_window_holds_started_and_soon_lots_not_done_or_later_ones():
    window = FrozenWindow.of(NOW, 24)
    done = lot("done", start_h=0)  # 00:00-08:00 on the 27th, finished before 22:00
    started = lot("started", start_h=20)  # began 20:00, still running
    soon = lot("soon", start_h=40)  # starts 16:00 on the 28th: inside 24 h
    later = lot("later", start_h=50)  # starts after the window
    frozen, completed = frozen_lots([done, started, soon, later], window, {"done-M": NOW.date()})
    assert {x.code for x in frozen} == {"started", "soon"}
    assert [x.code for x in completed] == ["done"]
    assert window.done(done) and not window.done(started)
    assert window.started(started) and not window.started(soon)


def test_zero_frozen_hours_still_keeps_started_lots():
    window = FrozenWindow.of(NOW, 0)
    frozen, _ = frozen_lots([lot("started", start_h=20), lot("soon", 23)], window)
    assert {x.code for x in frozen} == {"started"}


def test_a_finished_lot_stays_frozen_until_a_stock_count_covers_it():
    """Its units are work in progress for the netting until the count has them."""
    window = FrozenWindow.of(NOW, 24)
    done = lot("done", start_h=0)
    frozen, completed = frozen_lots([done], window, {"done-M": NOW.date() - dt.timedelta(1)})
    assert [x.code for x in frozen] == ["done"] and completed == []
    old = lot("old", start_h=-24 * 10)  # finished ten days ago, never counted: gone anyway
    frozen, completed = frozen_lots([old], window, {})
    assert frozen == [] and [x.code for x in completed] == ["old"]


def test_line_state_is_the_last_lot_sewn_before_now():
    lots = [
        lot("a", start_h=2, style="S1"),
        lot("b", start_h=12, style="S2", colour="blue"),
        lot("c", start_h=30, style="S3"),
        lot("d", line="L2", start_h=5, style="S9"),
    ]
    assert line_state(lots, NOW, LINES) == {"L1": ("S2", "blue"), "L2": ("S9", "red")}


def test_previous_assignments_key_by_code_and_step():
    prev = previous_assignments([lot("A")])
    assert prev[("A", "sew")][0] == "L1"
    assert set(prev) == {("A", "cut"), ("A", "sew"), ("A", "finish")}


def test_solver_budget_counts_time_already_spent():
    assert solver_budget(30, None, 100) == 30
    assert solver_budget(30, 10, 0) == 30  # 600 s deadline: the asked limit fits
    assert solver_budget(300, 2, 60) == pytest.approx(120 - 60 - 12)
    assert solver_budget(30, 1, 58) == 0.0  # nothing left: heuristic plan
