"""Issue #16's simulation side: batch's pre-season build, per-SKU lead time and reorders.

The build and the tracking are checked by hand on small inputs; the seasons run the real
forecast, planner and CP-SAT on the two-line factory with a deterministic budget (slow).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from c2m.planning.inputs import SkuInfo, StyleInfo
from c2m.sample import generate
from c2m.simulation import simulate
from c2m.simulation.floor import DayResult, FloorLot
from c2m.simulation.options import BadOptions
from c2m.simulation.preseason import build_preseason
from c2m.simulation.tracking import SkuTrack, first_signals
from tests.worlds import simulation_options, two_line_config

DAY = dt.date(2026, 12, 1)


def _catalogue() -> tuple[dict[str, SkuInfo], dict[str, StyleInfo]]:
    skus = {f"S{n}-{c}": SkuInfo(f"S{n}-{c}", f"S{n}", c, "M") for n in (1, 2) for c in ("B", "W")}
    styles = {f"S{n}": StyleInfo(f"S{n}", "tshirt", 10.0, None, 0.0, 20.0, 50.0) for n in (1, 2)}
    return skus, styles


def _season_forecast(per_day: dict[str, float], days: int) -> pd.DataFrame:
    rows = [
        {"unique_id": s, "ds": DAY + dt.timedelta(days=k), "yhat": q}
        for s, q in per_day.items()
        for k in range(days)
    ]
    return pd.DataFrame(rows)


def test_the_build_nets_each_sku_and_cuts_the_batch_policys_style_lots():
    skus, styles = _catalogue()
    cfg = two_line_config()
    forecast = _season_forecast({"S1-B": 30, "S1-W": 10, "S2-B": 5, "S2-W": 0}, days=20)
    build = build_preseason(forecast, skus, styles, {"S1-B": 100}, cfg, window_days=20)
    policy = cfg.policies.batch
    # S1: 600 - 100 stock + 200 = 700 net; S2: 100 net, raised to the policy's minimum lot
    assert sum(build.lots["S1"]) == 700 and sum(build.lots["S2"]) == policy.min_lot
    assert all(q % policy.lot_multiple == 0 for parts in build.lots.values() for q in parts)
    assert build.units["S1-B"] == 500 and build.units["S1-W"] == 200
    assert build.units.get("S2-W", 0) == 0  # no forecast, no build
    assert build.total == sum(build.units.values()) == 700 + policy.min_lot
    assert build.cut_back == 1.0 and build.forecast_units == pytest.approx(900)


def test_the_build_never_takes_more_than_the_pre_season_window_can_sew():
    skus, styles = _catalogue()
    cfg = two_line_config()
    forecast = _season_forecast({s: 2_000.0 for s in skus}, days=28)
    build = build_preseason(forecast, skus, styles, {}, cfg, window_days=2)
    assert 0 < build.cut_back < 1
    assert build.minutes <= build.capacity_minutes
    assert build.summary()["capacity_share"] <= 1
    # a window twice as long builds more, and none builds nothing
    longer = build_preseason(forecast, skus, styles, {}, cfg, window_days=4)
    assert longer.total > build.total
    assert build_preseason(forecast, skus, styles, {}, cfg, window_days=0).total == 0


def test_lead_time_runs_from_a_skus_first_signal_to_its_first_goods_and_lots_count_reorders():
    signals = pd.DataFrame(
        {
            "date": pd.to_datetime([DAY, DAY + dt.timedelta(days=1), DAY]),
            "sku": ["A", "B", "C"],
            "clicks": [0, 4, 0],
            "carts": [0, 0, 0],
            "orders": [2, 0, 0],
        }
    )
    first = first_signals(signals)
    assert first == {"A": DAY, "B": DAY + dt.timedelta(days=1)}  # C never signalled
    track = SkuTrack()
    track.first_lots(["A"])  # built before the season: A's first lot, not a finish

    def lot(code: str, items: dict[str, int]) -> FloorLot:
        return FloorLot(code, "S", None, items, DAY, dt.datetime(2026, 12, 1), None, 0.0)

    track.record(DAY, DayResult(finished={"B": 5}, cut_lots=[lot("L1", {"A": 50, "B": 50})]))
    track.record(DAY + dt.timedelta(days=3), DayResult(finished={"A": 9, "B": 1, "C": 3}))
    # B's goods of day 1 came before its first signal; A's first goods came on day 4
    assert track.lead_times(first) == {"A": 3, "B": 2}
    summary = track.summary(first)
    assert summary["lead_time_days"] == 2.5 and summary["lead_time_skus"] == 2
    assert summary["reorders"] == 1 and summary["reordered_skus"] == 1  # A's second lot


def _scaled_season(world, skus: list[str], factor) -> object:
    """``world`` with the season's orders, clicks and carts of ``skus`` scaled by
    ``factor(k)`` on the season's day ``k``."""
    signals = world.future_signals.copy()
    day = (signals["date"] - pd.Timestamp(world.future_start)).dt.days
    rows = signals["sku"].isin(skus)
    scale = day[rows].map(factor).to_numpy(float)
    for column in ("orders", "clicks", "carts"):
        signals.loc[rows, column] = np.round(signals.loc[rows, column] * scale).astype(int)
    return dataclasses.replace(world, future_signals=signals)


@pytest.mark.slow
def test_batch_builds_its_season_forecast_ahead_and_is_left_with_it_when_demand_falls():
    """A season whose demand falls to a fifth of the history's: batch starts with stock
    covering its season forecast and ends with a large share of its build unsold."""
    cfg = two_line_config()
    options = simulation_options(days=5, modes=("batch",))
    world = generate(
        options.seed,
        options.scenario,
        history_days=options.history_days,
        future_days=options.days,
        config=cfg,
        styles=3,
    )
    world = _scaled_season(world, list(world.catalog["sku"]), lambda k: 0.2)
    result = simulate(options, config=cfg, world=world)
    batch = result.modes["batch"]
    build = batch["preseason"]
    assert build["units"] > 0 and build["cut_back"] == 1.0
    # stock at the start (what was on hand and the build) covers the season forecast
    start = batch["initial_inventory_units"] + build["units"]
    assert start >= build["season_forecast_units"]
    assert batch["made_units"] >= build["units"]
    assert batch["unsold_share"] >= 0.3
    assert batch["reorders"] >= 0 and batch["mean_lot_size"] >= cfg.policies.batch.min_lot


@pytest.mark.slow
def test_a_viral_sku_is_reordered_in_the_season_and_a_flat_one_is_not():
    """One SKU's room signals run ahead day after day (x3, x5, x7...): the nightly C2M replans
    see its orders climb and cut it lot after lot. A SKU with steady small sales and stock
    for the whole season is never cut again."""
    cfg = two_line_config()
    options = simulation_options(days=6, modes=("c2m",))
    world = generate(
        options.seed,
        options.scenario,
        history_days=options.history_days,
        future_days=options.days,
        config=cfg,
        styles=3,
    )
    sales = world.signals.groupby("sku")["orders"].sum().sort_values()
    style = dict(zip(world.catalog["sku"], world.catalog["style"], strict=True))
    viral = str(sales.index[-1])
    others = [s for s in sales.index if style[s] != style[viral]]
    flat = str(others[len(others) // 2])  # a middling SKU of another style
    world = _scaled_season(world, [viral], lambda k: 3 + 2 * k)
    stock = world.inventory.copy()
    # stock for two months at the flat SKU's busiest day of history and season
    busiest = world.all_signals[world.all_signals["sku"] == flat].groupby("date")["orders"].sum()
    stock.loc[stock["sku"] == flat, "on_hand"] = int(busiest.max()) * 60 + 100
    stock.loc[stock["sku"] == viral, "on_hand"] = 0
    world = dataclasses.replace(world, inventory=stock)
    result = simulate(options, config=cfg, world=world)
    lots = result.tracks["c2m"].lots
    assert lots.get(viral, 0) >= 2, lots  # a first lot, then reorders
    assert lots.get(flat, 0) == 0
    assert result.modes["c2m"]["reorders"] >= lots[viral] - 1


def test_a_negative_pre_season_window_is_refused_before_any_work():
    with pytest.raises(BadOptions, match="pre-season"):
        simulation_options(preseason_days=-1)
    done = subprocess.run(
        [sys.executable, "-c", "import cli; cli.main()", "simulate", "--preseason-days", "-1"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0 and "--preseason-days" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_season_forecasts_its_launches_from_analogues_as_production_does():
    """A style launching inside the season was left out of the simulated nights' forecast
    (no history of its own), so the C2M planner cut no first run for it; the nightly forecast
    borrows from analogues. The season now shares that cold start (method ``analogue``,
    which the planner cuts as a ``first_run``)."""
    from c2m.simulation.season import day_forecast

    options = dataclasses.replace(simulation_options(), days=14, forecast_method="launch")
    world = generate(7, "default", history_days=options.history_days, future_days=14)
    day = world.history_end + dt.timedelta(days=1)
    horizon_end = day + dt.timedelta(days=options.horizon_days - 1)
    launch = pd.to_datetime(world.catalog["launch_date"]).dt.date
    launching = set(world.catalog.loc[(launch >= day) & (launch <= horizon_end), "sku"])
    assert launching, "the default world launches a style inside the season"

    fc = day_forecast(world, day, options, set(world.catalog["sku"]))

    methods = fc.groupby("unique_id")["method"].first()
    assert launching <= set(methods.index)
    assert (methods[list(launching)] == "analogue").all()
