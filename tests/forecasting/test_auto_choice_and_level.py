"""``auto`` reads the signals where they carry information; its level correction per segment x
horizon band (off by default, see ``engine.LEVEL_CORRECTION``) keeps interval coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd

import forecasting
from forecasting import engine
from forecasting.bias import bias_factors, factor_matrix, horizon_bands, validated_factors
from forecasting.models import MODELS
from tests.worlds import frame


def click_led_world(n: int = 60, T: int = 84, seed: int = 0) -> pd.DataFrame:
    """Clicks burst at random and orders follow them a day later: the signal is the news."""
    rng = np.random.default_rng(seed)
    ys, clicks = {}, {}
    for i in range(n):
        c = rng.poisson(100 + rng.gamma(4.0, 30.0), T).astype(float)
        bursts = rng.choice(np.arange(3, T), 6, replace=False)
        c[bursts] *= 6
        ys[f"s{i:02d}"] = np.r_[0.0, rng.poisson(0.05 * c[:-1])]
        clicks[f"s{i:02d}"] = c
    return frame(ys, clicks=clicks)


def test_auto_picks_a_signal_reading_model_where_clicks_lead_orders():
    out = forecasting.forecast(click_led_world(), 7)
    chosen = out.groupby("unique_id")["method"].first()
    readers = {m for m, cls in MODELS.items() if cls.uses_signals}
    share = chosen.map(lambda m: any(part in readers for part in m.split(":")[-1].split("+")))
    assert share.mean() > 0.9, chosen.value_counts()


def flat_world(n: int = 60, T: int = 84, seed: int = 0) -> pd.DataFrame:
    """Flat Poisson demand; the clicks are busy but unrelated to it (they carry no news)."""
    rng = np.random.default_rng(seed)
    ys, clicks = {}, {}
    for i in range(n):
        ys[f"s{i:02d}"] = rng.poisson(rng.gamma(3.0, 3.0), T).astype(float)
        clicks[f"s{i:02d}"] = rng.poisson(rng.gamma(3.0, 30.0), T).astype(float)
    return frame(ys, clicks=clicks)


def test_auto_picks_a_signal_free_model_on_a_flat_world():
    for seed in (0, 1):
        chosen = forecasting.forecast(flat_world(seed=seed), 14).groupby("unique_id")["method"]
        picked = chosen.first()
        assert not picked.map(engine.reads_signals).any(), picked.value_counts()


def test_bias_factors_follow_a_consistent_bias_and_ignore_a_flipping_one():
    h, n = 14, 80
    pred = np.full((3, n, h), 10.0)
    seg = np.zeros((3, n), dtype=int)
    steady = bias_factors(pred, 0.8 * pred, seg)  # every window 20 % over
    assert all(0.8 <= f < 0.85 for f in steady.values())
    flipping = pred * np.array([0.7, 1.3, 1.0])[:, None, None]
    assert all(abs(f - 1) < 0.02 for f in bias_factors(pred, flipping, seg).values())
    assert validated_factors(pred, 0.8 * pred, seg) == steady  # it held in the last window
    assert validated_factors(pred, pred * np.array([0.8, 0.8, 1.1])[:, None, None], seg) == {}
    matrix = factor_matrix(steady, np.zeros(n, dtype=int), h)
    assert matrix.shape == (n, h) and list(horizon_bands(h)[[0, 3, 7, 13]]) == [0, 1, 2, 2]


def fading_world(n: int = 60, T: int = 98, seed: int = 3) -> pd.DataFrame:
    """Every series loses 1.5 % a day: averages of the past overshoot, consistently."""
    rng = np.random.default_rng(seed)
    ys = {}
    decay = 0.985 ** np.arange(T + 28)
    for i in range(n):
        lam = rng.gamma(3.0, 4.0) * 3 * decay
        ys[f"s{i:02d}"] = rng.poisson(lam).astype(float)
    return frame(ys)


def test_the_level_correction_cuts_bias_and_keeps_the_80_percent_coverage(monkeypatch):
    df = fading_world()
    # averages only: the global model would learn the decay itself and leave nothing to correct
    monkeypatch.setattr(engine, "auto_candidates", lambda panel: ["seasonal_ma", "moving_average"])
    monkeypatch.setattr(engine, "LEVEL_CORRECTION", True)
    corrected = forecasting.backtest(df, 14, 2, methods=("auto",)).iloc[0]
    monkeypatch.setattr(engine, "LEVEL_CORRECTION", False)
    raw = forecasting.backtest(df, 14, 2, methods=("auto",)).iloc[0]
    assert raw["bias"] > 0.1  # the averages overshoot a fading demand
    assert abs(corrected["bias"]) < 0.5 * raw["bias"]
    assert 0.72 <= corrected["coverage_80"] <= 0.9
