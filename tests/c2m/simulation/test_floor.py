"""The floor executes a plan: learning in the actual sequence, fabric gating, noise."""

from __future__ import annotations

import dataclasses
import datetime as dt

from c2m.config import load_config
from c2m.planning.inputs import StyleInfo
from c2m.planning.scheduled import ScheduledLot, ScheduledOp
from c2m.simulation.floor import Floor

MONDAY = dt.date(2026, 11, 2)
T0 = dt.datetime.combine(MONDAY, dt.time())
STYLES = {
    s: StyleInfo(s, "tshirt", sam_minutes=4.5, fabric="JER", fabric_per_unit=0.2, unit_cost=20)
    for s in ("S1", "S2")
}
COLOUR = {f"{s}-BLK-M": "BLK" for s in STYLES}


def lot(code: str, style: str, qty: int, line: str = "L1", at: int = 0) -> ScheduledLot:
    """A lot planned to start ``at`` minutes after Monday midnight on cutting, then ``line``."""
    t = T0 + dt.timedelta(minutes=at)
    ops = [
        ScheduledOp("cut", "CUT1", t, t + dt.timedelta(minutes=60)),
        ScheduledOp("sew", line, t, t + dt.timedelta(minutes=60)),
        ScheduledOp("finish", "FIN1", t, t + dt.timedelta(minutes=60)),
    ]
    return ScheduledLot(
        code=code,
        style=style,
        colour="BLK",
        category="tshirt",
        items={f"{style}-BLK-M": qty},
        need_date=MONDAY,
        due=T0 + dt.timedelta(days=3),
        release=T0,
        fabric="JER",
        fabric_quantity=qty * 0.2,
        fabric_rolls=None,
        fixed=False,
        ops=ops,
    )


def floor(fabric: float = 1e6) -> Floor:
    return Floor(load_config(), STYLES, COLOUR, {"JER": fabric})


def run(f: Floor, days: int = 3, efficiency: float = 1.0, absent: int = 0) -> list:
    out = []
    for k in range(days):
        day = MONDAY + dt.timedelta(days=k)
        lines = {line: efficiency for line in f.lines}
        out.append(f.run_day(day, lines, {line: absent for line in f.lines if absent}, {}))
    return out


def test_a_planned_lot_is_cut_sewn_finished_and_lands_in_stock():
    f = floor()
    f.adopt([lot("A", "S1", 300)])
    days = run(f)
    made = sum(d.finished.get("S1-BLK-M", 0) for d in days)
    assert made == 300
    assert not f.lots  # finished lots leave the floor
    assert days[0].changeovers == 1  # a line whose set-up is unknown pays a style change


def test_finished_units_are_counted_by_the_need_date_they_were_made_for():
    """What the season reports as made for after its end comes from here: every finished
    unit is counted once, under its lot's need date."""
    f = floor()
    later = dataclasses.replace(
        lot("B", "S2", 200, line="L2"), need_date=MONDAY + dt.timedelta(days=9)
    )
    f.adopt([lot("A", "S1", 300), later])
    days = run(f)
    by_need: dict[dt.date, int] = {}
    for d in days:
        for need, q in d.finished_for.items():
            by_need[need] = by_need.get(need, 0) + q
    assert by_need == {MONDAY: 300, MONDAY + dt.timedelta(days=9): 200}
    assert sum(by_need.values()) == sum(sum(d.finished.values()) for d in days)


def test_learning_is_paid_in_the_actual_sequence():
    """S1, S2, S1 on one line pays three new styles; S1, S1, S2 pays two and learns less."""
    alternating, grouped = floor(), floor()
    alternating.adopt(
        [lot("A", "S1", 150, at=0), lot("B", "S2", 150, at=1), lot("C", "S1", 150, at=2)]
    )
    grouped.adopt([lot("A", "S1", 150, at=0), lot("C", "S1", 150, at=1), lot("B", "S2", 150, at=2)])
    a, g = run(alternating, 4), run(grouped, 4)
    assert sum(d.changeovers for d in a) == 3
    assert sum(d.changeovers for d in g) == 2
    assert sum(d.learning_minutes for d in a) > sum(d.learning_minutes for d in g)
    assert sum(d.changeover_minutes for d in a) > sum(d.changeover_minutes for d in g)


def test_no_fabric_no_cut_until_it_arrives():
    f = floor(fabric=0.0)
    f.adopt([lot("A", "S1", 100)])
    first = f.run_day(MONDAY, {}, {}, {})
    assert not first.cut_lots and first.fabric_waits > 0
    second = f.run_day(MONDAY + dt.timedelta(days=1), {}, {}, {"JER": 100.0})
    assert [x.code for x in second.cut_lots] == ["A"]
    assert f.fabric["JER"] == 100.0 - 20.0


def test_a_slow_day_makes_less():
    fast, slow = floor(), floor()
    fast.adopt([lot("A", "S1", 6000)])
    slow.adopt([lot("A", "S1", 6000)])
    run(fast, 2, efficiency=1.0)
    run(slow, 2, efficiency=0.7, absent=3)
    done = {name: f.lots["A"].steps["sew"].done_work for name, f in (("f", fast), ("s", slow))}
    assert 0 < done["s"] < done["f"]


def test_the_floor_does_not_start_work_before_the_plan_says():
    f = floor()
    f.adopt([lot("A", "S1", 100, at=2 * 1440)])  # planned for Wednesday
    days = run(f, 2)
    assert not any(d.cut_lots for d in days)


def test_started_lots_are_handed_back_pinned():
    f = floor()
    f.adopt([lot("A", "S1", 1200)])
    run(f, 1)
    now = T0 + dt.timedelta(days=1)
    [fixed] = f.started_lots(now)
    steps = {op.step: op for op in fixed.ops}
    assert steps["cut"].end <= now  # done: the planner drops it
    assert steps["sew"].resource == "L1" and steps["sew"].end > now  # running: pinned
    assert f.line_state() == {"L1": ("S1", "BLK")}


def test_bundles_flow_so_a_big_lot_ships_before_it_is_all_sewn():
    f = floor()
    f.adopt([lot("A", "S1", 3000)])
    days = run(f, 2)
    made = sum(d.finished.get("S1-BLK-M", 0) for d in days)
    assert 0 < made < 3000
    assert f.wip_units() == 3000 - made
    [fixed] = f.started_lots(T0 + dt.timedelta(days=2))
    assert dict(fixed.items) == {"S1-BLK-M": 3000 - made}  # what is in stock is not WIP
