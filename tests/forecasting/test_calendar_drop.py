"""A drop the room calendar announces is forecast: the rooms go off air, ``auto`` goes down."""

from __future__ import annotations

import numpy as np
import pandas as pd

import forecasting

N, T, H = 40, 84, 14
#: share of a live day's demand a SKU sells through the shop window on a day off air
OFF_AIR = 0.2


def calendar_world(seed: int = 0):
    """Rooms broadcast on about 85 % of past days; after 3 more live days they go off air for
    the rest of the horizon, as their published calendar says."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2026-01-01", periods=T + H, freq="D")
    on = (rng.random((N, T + H)) < 0.85).astype(float)
    on[:, T:] = 0.0
    on[:, T : T + 3] = 1.0
    level = rng.uniform(2, 20, N)
    expected = level[:, None] * (OFF_AIR + (1 - OFF_AIR) * on)
    y = rng.poisson(expected).astype(float)
    clicks = rng.poisson(expected * 10).astype(float)
    ids = [f"s{i:02d}" for i in range(N)]
    history = pd.concat(
        pd.DataFrame(
            {
                "unique_id": ids[i],
                "ds": ds[:T],
                "y": y[i, :T],
                "clicks": clicks[i, :T],
                "on_air": on[i, :T],
            }
        )
        for i in range(N)
    )
    future = pd.concat(
        pd.DataFrame({"unique_id": ids[i], "ds": ds[T:], "on_air": on[i, T:]}) for i in range(N)
    )
    return history, future, expected[:, T:]


def test_auto_forecasts_a_calendar_driven_drop_down():
    history, future, expected = calendar_world()
    fc = forecasting.forecast(
        history, H, method="auto", future_exog=["on_air"], future_df=future, n_jobs=1
    )
    recent = history[history["ds"] > history["ds"].max() - pd.Timedelta(days=H)]["y"].sum()
    total = fc["yhat"].sum()
    assert total < 0.6 * recent, "the forecast must fall with the calendar"
    assert abs(total / expected.sum() - 1) < 0.15, "and land near what the calendar implies"
    by_day = fc.groupby("ds")["yhat"].sum().to_numpy()
    assert by_day[:3].mean() > 2.5 * by_day[3:].mean(), "live days above days off air"
    assert all("global" in m for m in fc["method"]), "auto picks the model that reads it"
