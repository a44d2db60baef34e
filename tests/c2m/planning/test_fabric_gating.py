"""Fabric gating: no lot is cut before its fabric is on hand; shortages name the lots."""

from __future__ import annotations

import dataclasses
import datetime as dt

from c2m.planning import PlanOptions, make_plan
from c2m.planning.fabric import gate
from c2m.planning.inputs import FabricInfo, StyleInfo
from c2m.planning.lots import LotSpec
from tests.worlds import START, config, planning_inputs


def lot(code, qty, due_day):
    due = START + dt.timedelta(days=due_day)
    return LotSpec(code, "S", "BLK", "tshirt", {"S-BLK-M": qty}, due.date(), due)


def test_release_waits_for_the_delivery_that_covers_the_lot():
    styles = {"S": StyleInfo("S", "tshirt", fabric="F", fabric_per_unit=1.0)}
    arrives = START.date() + dt.timedelta(days=3)
    fabrics = {"F": FabricInfo("F", on_hand=100, deliveries=((arrives, 100),), roll_size=30)}
    lots = [lot("A", 80, 1), lot("B", 80, 2), lot("C", 80, 4)]
    shortages = gate(lots, styles, fabrics, START)
    assert lots[0].release == START  # 80 of the 100 on hand
    assert lots[1].release == dt.datetime.combine(arrives, dt.time())  # needs the delivery
    assert lots[2].release is None  # 240 needed, 200 will ever come
    assert lots[0].fabric_rolls == 3  # 80 / 30 per roll, whole rolls
    assert [s.as_json()["lots"] for s in shortages] == [["C"]]
    assert shortages[0].short == 40


def test_a_later_lot_never_takes_fabric_an_earlier_release_needs():
    styles = {"S": StyleInfo("S", "tshirt", fabric="F", fabric_per_unit=1.0)}
    arrives = START.date() + dt.timedelta(days=5)
    fabrics = {"F": FabricInfo("F", on_hand=50, deliveries=((arrives, 100),))}
    lots = [lot("A", 120, 1), lot("B", 40, 2)]
    gate(lots, styles, fabrics, START)
    assert lots[0].release.date() == arrives
    # 40 of today's 50 would fit B, but then A's 120 would not be there on day 5
    # (150 - 40 = 110 < 120): the urgent lot keeps its fabric, B waits for more
    assert lots[1].release is None
    smaller = [lot("A", 120, 1), lot("B", 30, 2)]
    gate(smaller, styles, fabrics, START)
    assert smaller[1].release == START  # 150 - 30 = 120 still covers A on day 5


def test_scheduled_cutting_starts_after_fabric_arrives():
    inputs = planning_inputs(styles=(("TS1", "tshirt"),), fabric_on_hand=0.0)
    arrives = START.date() + dt.timedelta(days=4)
    inputs.fabrics = {
        "F-TS1": dataclasses.replace(inputs.fabrics["F-TS1"], deliveries=((arrives, 1e6),))
    }
    plan = make_plan(
        inputs,
        config(),
        PlanOptions(mode="c2m", start=START, time_limit=2, workers=1, deterministic=True),
    )
    cuts = [op for lot in plan.lots for op in lot.ops if op.step == "cut"]
    assert cuts and all(op.start.date() >= arrives for op in cuts)
    assert plan.kpis.held_lots == 0


def test_held_lots_are_reported_not_scheduled():
    inputs = planning_inputs(styles=(("TS1", "tshirt"),), fabric_on_hand=30.0)
    plan = make_plan(
        inputs,
        config(),
        PlanOptions(mode="c2m", start=START, time_limit=2, workers=1, deterministic=True),
    )
    assert plan.held and plan.kpis.held_lots == len(plan.held)
    (short,) = plan.kpis.fabric_shortages
    assert short["fabric"] == "F-TS1"
    assert set(short["lots"]) == {lot.code for lot in plan.held}
    assert all(not lot.ops for lot in plan.held)
