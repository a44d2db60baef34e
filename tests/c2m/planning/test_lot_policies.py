"""The two lot policies on the same demand, and the lot arithmetic behind them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from c2m.config import FactoryConfig, LotPolicy
from c2m.errors import DataError
from c2m.planning import PlanOptions, make_plan
from c2m.planning.inputs import OpenOrderInfo
from c2m.planning.lots import LotSpec, group_sizes, lot_quantities, split_by_mix
from tests.worlds import START, config, planning_inputs


def test_lot_quantities_round_up_to_policy():
    policy = LotPolicy(service_quantile=0.8, min_lot=50, lot_multiple=10, max_lot=120, cover_days=3)
    assert lot_quantities(3, policy) == [50]
    assert lot_quantities(51, policy) == [60]
    assert lot_quantities(250, policy) == [120, 120, 50]
    assert sum(lot_quantities(250, policy)) >= 250


def test_split_by_mix_adds_up_and_follows_the_ratios():
    items = split_by_mix(1000, {"S": 1, "M": 2, "L": 2})
    assert sum(items.values()) == 1000
    assert items == {"S": 200, "M": 400, "L": 400}
    assert sum(split_by_mix(7, {"a": 1, "b": 1, "c": 1}).values()) == 7


def test_sizes_of_one_colour_share_a_lot_within_the_cover_window():
    policy = LotPolicy(service_quantile=0.8, min_lot=50, lot_multiple=10, max_lot=400, cover_days=3)
    day = START.date()

    def lot(sku, offset, qty=50):
        need = day + dt.timedelta(days=offset)
        return LotSpec(f"C-{sku}-{offset}", "TS1", "BLK", "tshirt", {sku: qty}, need, START)

    grouped = group_sizes([lot("M", 0), lot("L", 2), lot("M", 3), lot("XL", 5)], policy, "c2m")
    assert [g.items for g in grouped] == [{"M": 50, "L": 50}, {"M": 50, "XL": 50}]
    assert grouped[0].code == f"C-TS1-BLK-{day:%Y%m%d}"
    assert sum(g.quantity for g in grouped) == 200


@pytest.fixture(scope="module")
def both_modes():
    cfg = config()
    inputs = planning_inputs()
    return {
        mode: make_plan(
            inputs,
            cfg,
            PlanOptions(mode=mode, start=START, time_limit=2, workers=1, deterministic=True),
        )
        for mode in ("batch", "c2m")
    }


def test_c2m_makes_more_and_smaller_lots_than_batch(both_modes):
    batch, c2m = both_modes["batch"].kpis, both_modes["c2m"].kpis
    assert c2m.lots > batch.lots
    assert c2m.mean_lot_size < batch.mean_lot_size
    assert c2m.end_inventory_units < batch.end_inventory_units


def test_batch_lots_are_style_lots_in_fixed_ratios(both_modes):
    for lot in both_modes["batch"].lots:
        assert lot.colour is None
        qty = sorted(lot.items.values())
        assert qty[-1] - qty[0] <= 1  # the world's SKUs sell alike: equal shares


def test_c2m_lots_respect_min_multiple_and_max(both_modes):
    policy = config().policies.c2m
    for lot in both_modes["c2m"].lots:
        assert policy.min_lot <= lot.quantity <= policy.max_lot
        assert len({sku.split("-")[1] for sku in lot.items}) == 1  # one colour per lot


def test_a_typo_sized_order_stops_the_plan_with_the_sku_named():
    """An open order of 3,000,000,000 units once made the planner build lots until it ran
    out of memory; now the plan stops at once and names the SKU."""
    inputs = planning_inputs()
    sku = sorted(inputs.skus)[0]
    typo = OpenOrderInfo(sku, START.date() + dt.timedelta(days=3), 3_000_000_000)
    inputs = dataclasses.replace(inputs, open_orders=[*inputs.open_orders, typo])
    with pytest.raises(DataError, match=f"{sku} alone needs 3,000,000,[0-9]{{3}} units"):
        make_plan(
            inputs,
            config(),
            PlanOptions(mode="c2m", start=START, time_limit=2, workers=1, deterministic=True),
        )


def test_a_release_window_keeps_lots_from_being_cut_days_before_their_need():
    """Without ``release_days`` the solver cuts lots a week and more ahead of need (holding
    is cheaper than the setups it saves); with it, no new lot is cut earlier than the window."""
    inputs = planning_inputs(daily=30.0)
    options = PlanOptions(mode="c2m", start=START, time_limit=1, workers=1, deterministic=True)

    def days_ahead(release_days):
        raw = config().model_dump()
        raw["policies"]["c2m"]["release_days"] = release_days
        plan = make_plan(inputs, FactoryConfig.model_validate(raw), options)
        return [
            (dt.datetime.combine(lot.need_date, dt.time()) - lot.ops[0].start) / dt.timedelta(1)
            for lot in plan.lots
            if lot.ops
        ]

    free, held = days_ahead(None), days_ahead(2)
    assert max(free) > 4
    assert max(held) <= 2 and len(held) == len(free)
