"""A whole season on a small factory: conservation, determinism, no peeking at the future.

Each test runs the real forecasting library, the real planner and CP-SAT for every day, so
they are marked slow (a few to some tens of seconds each).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from c2m.sample import generate
from c2m.simulation import Disturbances, simulate
from c2m.simulation.options import BadOptions, SimulationOptions
from tests.worlds import simulation_options, two_line_config


@pytest.fixture(scope="module")
def season():
    cfg = two_line_config()
    options = simulation_options(days=3)
    return cfg, options, simulate(options, config=cfg)


@pytest.mark.slow
def test_units_are_conserved_every_day(season):
    """initial + produced = shipped + in stock; demand = shipped + backordered + lost."""
    _, _, result = season
    for mode, kpis in result.modes.items():
        days = result.daily[result.daily["mode"] == mode].sort_values("day")
        produced = days["produced_units"].cumsum()
        shipped = days["shipped_units"].cumsum()
        demand = days["demand_units"].cumsum()
        lost = days["lost_units"].cumsum()
        initial = kpis["initial_inventory_units"]
        assert (initial + produced == shipped + days["inventory_units"]).all(), mode
        assert (demand == shipped + days["backorder_units"] + lost).all(), mode
        assert kpis["demand_units"] == int(demand.iloc[-1]) > 0


@pytest.mark.slow
def test_both_modes_meet_the_same_demand(season):
    _, _, result = season
    daily = result.daily.pivot(index="day", columns="mode", values="demand_units")
    assert (daily["batch"] == daily["c2m"]).all()


@pytest.mark.slow
def test_same_seed_same_season(season):
    cfg, options, first = season
    again = simulate(options, config=cfg)
    columns = [c for c in first.daily.columns if c != "plan_seconds"]
    pd.testing.assert_frame_equal(first.daily[columns], again.daily[columns])
    assert first.modes == again.modes
    assert [p["digest"] for p in first.plans["c2m"]] == [p["digest"] for p in again.plans["c2m"]]


@pytest.mark.slow
def test_the_planner_never_sees_future_demand():
    """Poison every signal and truth row from day 2 on: the plans of days 1 and 2 are the
    same, because they are made from the signals up to the night before only."""
    cfg = two_line_config()
    options = simulation_options(days=2, modes=("c2m",))
    world = generate(
        options.seed,
        options.scenario,
        history_days=options.history_days,
        future_days=options.days,
        config=cfg,
        styles=3,
    )
    cut = pd.Timestamp(world.future_start + dt.timedelta(days=1))
    signals = world.future_signals.copy()
    later = signals["date"] >= cut
    for column in ("clicks", "carts", "orders"):
        signals.loc[later, column] = signals.loc[later, column] * 50 + 7
    truth = world.truth.copy()
    truth.loc[truth["date"] >= cut, "demand"] = truth["demand"] * 50 + 7
    poisoned = dataclasses.replace(world, future_signals=signals, truth=truth)

    clean = simulate(options, config=cfg, world=world)
    dirty = simulate(options, config=cfg, world=poisoned)
    assert [p["digest"] for p in clean.plans["c2m"]] == [p["digest"] for p in dirty.plans["c2m"]]
    # and the poison did reach the season: day 2's demand is another
    assert clean.daily["demand_units"].iloc[1] != dirty.daily["demand_units"].iloc[1]


def test_bad_options_are_refused_before_any_work():
    with pytest.raises(BadOptions, match="mode"):
        SimulationOptions(modes=("batch", "weekly"))
    with pytest.raises(BadOptions, match="forecast method"):
        SimulationOptions(forecast_method="crystal_ball")
    with pytest.raises(BadOptions, match="at least one day"):
        SimulationOptions(days=0)


@pytest.mark.slow
def test_without_demand_uncertainty_the_fill_rates_meet():
    """Constant demand per SKU (``flat``), a floor that does what it is told, fabric in plenty,
    stock balanced over the SKUs at ``COVER`` days and no lumpy one-off orders: nothing is left
    that small lots close to demand could answer better, so batch serves as well as C2M.

    Batch lots cover 14 days here, not the shipped 42: on a two-line test factory with three
    styles a 42-day lot ties a line up for about 11 days, so the third style runs dry while
    the first two are made, uncertainty or not (fill rate about 0.94 at 10 days of starting
    cover). That is the batch production cycle, a lot-size effect this test keeps apart. With
    the world's open orders batch also misses the SKUs a wholesale order names (its fixed size
    mix); that too is a lot-policy effect, not demand uncertainty.
    """
    cover = 8
    cfg = two_line_config()
    raw = cfg.model_dump()
    raw["policies"]["batch"]["cover_days"] = 14.0
    cfg = type(cfg).model_validate(raw)
    options = simulation_options(days=12, scenario="flat", disturbances=Disturbances.none())
    world = generate(
        options.seed,
        "flat",
        history_days=options.history_days,
        future_days=options.days,
        config=cfg,
        styles=3,
    )
    rate = world.truth.groupby("sku")["demand"].mean()
    inventory = world.inventory.assign(
        on_hand=(world.inventory["sku"].map(rate).fillna(0) * cover).round().astype(int)
    )
    fabric = world.fabric.copy()
    fabric.loc[fabric["due_date"].isna(), "quantity"] *= 50
    world = dataclasses.replace(
        world, inventory=inventory, fabric=fabric, orders=world.orders.iloc[0:0]
    )
    result = simulate(options, config=cfg, world=world)
    batch, c2m = result.modes["batch"], result.modes["c2m"]
    assert batch["demand_units"] > inventory["on_hand"].sum()  # the season needs production
    assert batch["produced_units"] > 0 and c2m["produced_units"] > 0
    assert abs(batch["fill_rate"] - c2m["fill_rate"]) <= 0.01
    assert min(batch["fill_rate"], c2m["fill_rate"]) >= 0.99
