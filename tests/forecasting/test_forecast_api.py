"""The public API: shapes, calibrated and monotone quantiles, fallbacks, no peeking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecasting
from forecasting.models import MODELS, Model
from tests.worlds import frame, poisson_panel, weekly


def test_forecast_returns_the_long_format_with_named_quantiles():
    df = poisson_panel(n=5, T=56)
    out = forecasting.forecast(df, 7, method="seasonal_ma", quantiles=(0.05, 0.5, 0.95))
    assert list(out.columns) == ["unique_id", "ds", "yhat", "q5", "q50", "q95", "method"]
    assert len(out) == 5 * 7
    assert out["ds"].min() == pd.Timestamp(df["ds"].max()) + pd.Timedelta(days=1)
    assert set(out["method"]) == {"seasonal_ma"}


def test_auto_forecast_quantiles_are_monotone_and_non_negative():
    df = poisson_panel(n=20, T=70)
    out = forecasting.forecast(df, 7)
    q = out[["q10", "q50", "q80", "q90"]].to_numpy()
    assert np.all(np.diff(q, axis=1) >= -1e-9)
    assert np.all(q >= 0)
    assert all(m in MODELS or m.startswith("combo") for m in out["method"])


def test_80_percent_interval_covers_about_80_percent_of_simulated_outcomes():
    df = poisson_panel(n=60, T=98, seed=11)
    table = forecasting.backtest(df, 7, 3, methods=("seasonal_ma", "seasonal_naive"), cv_windows=3)
    for cover in table["coverage_80"]:
        assert 0.7 <= cover <= 0.9, table


def test_backtest_reports_the_issue_columns_and_beats_naive_on_weekly_data():
    df = poisson_panel(n=30, T=84, seed=2)
    table = forecasting.backtest(df, 7, 2, methods=("seasonal_ma", "naive"))
    for col in ("method", "wape", "mase", "bias", "coverage_80", "seconds", "pinball"):
        assert col in table.columns
    wape = table.set_index("method")["wape"]
    assert wape["seasonal_ma"] < wape["naive"]


class Broken(Model):
    """A model that always fails, to exercise the fallback path."""

    alias = "broken"

    def predict(self, h):
        raise RuntimeError("boom")


def test_a_failing_model_falls_back_to_seasonal_naive_and_is_counted(monkeypatch):
    monkeypatch.setitem(MODELS, "broken", Broken)
    df = frame({"a": weekly(6), "b": weekly(6, 2.0)})
    out = forecasting.forecast(df, 7, method="broken", cv_windows=1)
    assert out.attrs["failures"]["broken"] == 2 * 2  # two series, CV window + final fit
    np.testing.assert_allclose(out["yhat"].to_numpy()[:7], weekly(1))


def test_auto_survives_a_failing_candidate(monkeypatch):
    import forecasting.engine as engine

    monkeypatch.setitem(MODELS, "broken", Broken)
    original = engine.auto_candidates
    monkeypatch.setattr(engine, "auto_candidates", lambda p: [*original(p)[:2], "broken"])
    out = forecasting.forecast(poisson_panel(n=6, T=56), 7, cv_windows=2)
    assert out.attrs["failures"]["broken"] > 0
    assert np.all(np.isfinite(out["yhat"]))


def test_unknown_method_is_a_plain_error():
    with pytest.raises(ValueError, match="Unknown forecasting method 'magic'"):
        forecasting.forecast(poisson_panel(n=2, T=30), 7, method="magic")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.drop(columns="y"), "lacks column"),
        (lambda d: pd.concat([d, d.head(1)]), "duplicate"),
        (lambda d: d.assign(y="x"), "non-numeric"),
    ],
)
def test_bad_input_is_rejected_with_a_sentence(mutate, message):
    with pytest.raises(ValueError, match=message):
        forecasting.forecast(mutate(poisson_panel(n=2, T=30)), 7, method="naive")


def test_missing_future_exog_values_are_named():
    df = poisson_panel(n=2, T=30).assign(promo=0.0)
    future = pd.DataFrame(
        {"unique_id": ["s00"] * 7, "ds": pd.date_range(df["ds"].max(), periods=8)[1:], "promo": 1.0}
    )
    with pytest.raises(ValueError, match="no value of 'promo' for series 's01'"):
        forecasting.forecast(df, 7, future_exog=["promo"], future_df=future, method="naive")


def test_backtest_breaks_error_and_bias_down_by_segment_and_horizon_band():
    df = poisson_panel(n=20, T=84, seed=2)
    table = forecasting.backtest(df, 14, 2, methods=("seasonal_naive",))
    parts = table.attrs["breakdown"]
    pooled = parts[parts["segment"] == "all"].set_index("band")
    assert list(pooled.index) == ["1-3", "4-7", "8-14"]
    assert pooled["n_points"].sum() == table.iloc[0]["n_points"]
    cv = table.attrs["cv"]
    late = cv[cv["step"] >= 8]
    expected = float((late["yhat"] - late["y"]).sum() / late["y"].sum())
    assert pooled.loc["8-14", "bias"] == pytest.approx(expected)
    by_segment = parts[parts["segment"] != "all"]
    assert set(by_segment["segment"]) <= {"steady", "intermittent", "new", "hit", "fading"}
    assert by_segment["n_points"].sum() == table.iloc[0]["n_points"]


def test_no_model_peeks_past_the_origin():
    """Poison every outcome and signal after the first backtest origin: the forecasts made at
    that origin must not change by a hair, for every method including the signal readers."""
    df = poisson_panel(n=12, T=70, seed=4)
    df["promo"] = (df["ds"].dt.day_of_week == 5).astype(float)
    # auto runs every candidate, the global model too; the recursive one feeds its own forecasts
    methods = ("auto", "funnel", "tsb", "global_recursive")
    kw = {"methods": methods, "future_exog": ["promo"], "cv_windows": 2}
    cv = forecasting.cross_validation(df, 7, 2, **kw)
    first = cv["cutoff"].min()
    poisoned = df.copy()
    late = poisoned["ds"] > first
    poisoned.loc[late, "y"] = poisoned.loc[late, "y"] * 50 + 7
    poisoned.loc[late, "clicks"] = 1e6
    cv2 = forecasting.cross_validation(poisoned, 7, 2, **kw)
    a = cv[cv["cutoff"] == first].reset_index(drop=True)
    b = cv2[cv2["cutoff"] == first].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        a.drop(columns=["y", "scale"]), b.drop(columns=["y", "scale"]), check_exact=True
    )


def test_weekly_frequency_uses_a_yearly_season():
    rng = np.random.default_rng(0)
    t = np.arange(156)
    y = 100 + 40 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 3, 156)
    df = pd.DataFrame(
        {"unique_id": "w", "ds": pd.date_range("2023-01-06", periods=156, freq="W-FRI"), "y": y}
    )
    out = forecasting.forecast(df, 8, freq="W-FRI", method="seasonal_naive")
    np.testing.assert_allclose(out["yhat"], y[-52:-44])
    assert (out["ds"].diff().dropna() == pd.Timedelta(days=7)).all()


def test_known_future_promotion_lifts_the_global_forecast():
    rng = np.random.default_rng(9)
    T, parts = 98, []
    for i in range(25):
        promo = (rng.random(T + 7) < 0.15).astype(float)
        lam = 5 * (1 + 2 * promo)
        y = rng.poisson(lam[:T])
        parts.append(
            pd.DataFrame(
                {
                    "unique_id": f"s{i}",
                    "ds": pd.date_range("2026-01-01", periods=T + 7),
                    "y": np.r_[y, np.full(7, np.nan)],
                    "promo": promo,
                }
            )
        )
    full = pd.concat(parts, ignore_index=True)
    hist = full[full["y"].notna()]
    future = full[full["y"].isna()].drop(columns="y").copy()
    future["promo"] = np.tile([1.0, 0, 0, 0, 0, 0, 0], 25)
    out = forecasting.forecast(
        hist, 7, method="global", future_exog=["promo"], future_df=future, cv_windows=1
    )
    yhat = out["yhat"].to_numpy().reshape(25, 7)
    assert yhat[:, 0].mean() > 1.8 * yhat[:, 1:].mean()
