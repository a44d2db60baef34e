"""Cold start from analogues: a launch is forecast from similar launches, bounded by them, and
moved by its own first clicks once on air."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.analogues import analogue_forecast

START = pd.Timestamp("2026-01-01")
DAYS = 60


def launch_world(levels: dict[str, tuple[str, float, int]], clicks_per_unit: float = 10.0):
    """Daily history of SKUs launched on day ``offset`` selling ``level`` a day, ramping up.

    ``levels``: sku -> (category, level, launch offset in days).
    """
    rows, attrs = [], []
    for sku, (category, level, offset) in levels.items():
        for d in range(max(offset, 0), DAYS):
            age = d - offset
            y = level * min(1.0, (age + 1) / 5)
            rows.append((sku, START + pd.Timedelta(days=d), y, y * clicks_per_unit, y))
        attrs.append((sku, category, 100.0, START + pd.Timedelta(days=offset)))
    history = pd.DataFrame(rows, columns=["unique_id", "ds", "y", "clicks", "carts"])
    attributes = pd.DataFrame(attrs, columns=["unique_id", "category", "price", "launch"])
    return history, attributes


def with_newcomer(attributes, sku, category, offset, price=100.0):
    row = pd.DataFrame(
        [(sku, category, price, START + pd.Timedelta(days=offset))], columns=attributes.columns
    )
    return pd.concat([attributes, row], ignore_index=True)


def test_a_launch_in_the_horizon_is_positive_and_bounded_by_its_analogues():
    history, attrs = launch_world(
        {
            "a": ("dress", 4.0, 10),
            "b": ("dress", 8.0, 20),
            "c": ("dress", 6.0, 30),
            "x": ("jeans", 100.0, 15),
            "old": ("dress", 50.0, -5),  # launched before the history: its launch is unseen
        }
    )
    attrs = with_newcomer(attrs, "new", "dress", DAYS + 3)
    out = analogue_forecast(history, attrs, ["new"], 14)
    fc = out.forecast.set_index("ds")
    assert (fc["yhat"].iloc[:3] == 0).all(), "nothing sells before the launch"
    live = fc["yhat"].iloc[3:]
    assert (live > 0).all()
    # every day lies between the weakest and the strongest analogue at the same age
    ramp = np.minimum(1.0, (np.arange(11) + 1) / 5)
    assert np.all(live.to_numpy() >= 4.0 * ramp - 1e-9)
    assert np.all(live.to_numpy() <= 8.0 * ramp + 1e-9)
    assert set(out.analogues["new"]) == {"a", "b", "c"}, "no jeans, no unseen launch"
    assert (fc["q10"] <= fc["q50"]).all() and (fc["q50"] <= fc["q90"]).all()
    assert out.ratio["new"] == 1.0


@pytest.mark.parametrize("busier, moves", [(5.0, "up"), (0.2, "down")])
def test_first_clicks_once_on_air_move_the_curve(busier, moves):
    history, attrs = launch_world({s: ("dress", 5.0, 10 + 5 * i) for i, s in enumerate("abcd")})
    attrs = with_newcomer(attrs, "new", "dress", DAYS - 3)

    def on_air(factor):
        # the analogues' first 3 days: 1, 2, 3 orders, ten clicks and one cart per order
        days = pd.date_range(START + pd.Timedelta(days=DAYS - 3), periods=3, freq="D")
        base = np.array([1.0, 2.0, 3.0]) * factor
        own = pd.DataFrame(
            {"unique_id": "new", "ds": days, "y": base, "clicks": 10 * base, "carts": base}
        )
        return analogue_forecast(pd.concat([history, own]), attrs, ["new"], 7)

    alike, out = on_air(1.0), on_air(busier)
    assert alike.ratio["new"] == pytest.approx(1.0)
    ratio = out.ratio["new"]
    assert (ratio > 1.0) if moves == "up" else (ratio < 1.0)
    ahead, same = out.forecast["yhat"].sum(), alike.forecast["yhat"].sum()
    assert (ahead > same) if moves == "up" else (ahead < same)


def test_a_launch_without_analogues_or_launch_date_is_skipped_with_a_reason():
    history, attrs = launch_world({"a": ("dress", 4.0, -5)})  # launched before the history
    attrs = with_newcomer(attrs, "new", "dress", DAYS + 2)
    attrs = with_newcomer(attrs, "undated", "dress", 0)
    attrs.loc[attrs["unique_id"] == "undated", "launch"] = pd.NaT
    out = analogue_forecast(history, attrs, ["new", "undated"], 7)
    assert out.forecast.empty
    assert "borrow a launch curve" in out.skipped["new"]
    assert "no launch date" in out.skipped["undated"]
