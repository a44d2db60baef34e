"""How ``auto`` picks models: one model for the panel, a segment's own pick only on evidence."""

from __future__ import annotations

import numpy as np

from forecasting.engine import _choose


def _errors(rng, n: int, spread: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """CV errors of 3 windows x ``n`` series x 7 steps with each model's per-series spread."""
    return {m: rng.normal(0, 1, (3, n, 7)) * s[None, :, None] for m, s in spread.items()}


def test_one_model_for_the_panel_when_the_others_are_only_noisily_different():
    rng = np.random.default_rng(0)
    n = 200
    seg = np.repeat([0, 1], n // 2)
    # "b" is a bit worse on average; per series either may look better by chance
    errors = _errors(rng, n, {"a": np.full(n, 1.0), "b": np.full(n, 1.02)})
    choice = _choose(["a", "b"], errors, seg)
    assert set(choice) == {0}


def test_a_segment_switches_where_another_model_is_clearly_better_there():
    rng = np.random.default_rng(1)
    n = 200
    seg = np.repeat([0, 1], n // 2)
    b = np.where(seg == 1, 0.5, 1.3)  # "b" halves the error on segment 1, worse elsewhere
    errors = _errors(rng, n, {"a": np.full(n, 1.0), "b": b})
    choice = _choose(["a", "b"], errors, seg)
    assert set(choice[seg == 0]) == {0}
    assert set(choice[seg == 1]) == {1}


def test_a_segment_without_cv_history_keeps_the_panel_model():
    rng = np.random.default_rng(2)
    n = 120
    seg = np.repeat([0, 2], n // 2)
    errors = _errors(rng, n, {"a": np.full(n, 1.0), "b": np.full(n, 0.3)})
    for e in errors.values():
        e[:, seg == 2, :] = np.nan  # new series: not started at any CV origin
    errors["a"][:, seg == 0, :] *= 0.2  # "a" best where there is evidence
    choice = _choose(["a", "b"], errors, seg)
    assert set(choice) == {0}


def test_evidence_is_counted_in_styles_not_in_their_skus():
    """A segment of 3 styles x 20 SKUs whose SKUs move together is 3 pieces of evidence."""
    rng = np.random.default_rng(3)
    n = 200
    seg = np.repeat([0, 1], n // 2)
    styles = np.concatenate([np.arange(100) // 5, 100 + np.arange(100) // 34])  # seg 1: 3 styles
    errors = _errors(rng, n, {"a": np.full(n, 1.0), "b": np.where(seg == 1, 0.5, 1.6)})
    assert set(_choose(["a", "b"], errors, seg)[seg == 1]) == {1}  # counted per SKU: switches
    assert set(_choose(["a", "b"], errors, seg, styles)[seg == 1]) == {0}  # per style: too few


def test_a_segment_of_many_styles_still_switches_on_clear_evidence():
    rng = np.random.default_rng(4)
    n = 200
    seg = np.repeat([0, 1], n // 2)
    styles = np.arange(n) // 4  # 25 styles per segment
    errors = _errors(rng, n, {"a": np.full(n, 1.0), "b": np.where(seg == 1, 0.5, 1.6)})
    choice = _choose(["a", "b"], errors, seg, styles)
    assert set(choice[seg == 0]) == {0} and set(choice[seg == 1]) == {1}


def noisy_short_world(n: int = 80, T: int = 56, h: int = 14, seed: int = 0):
    """Short, noisy Poisson demand (low levels, a weekly shape, a slow drift per SKU): three
    14-day CV windows cannot tell the candidates apart per SKU. Returns the history frame and
    the true ``(n, h)`` future."""
    from tests.worlds import WEEK, frame

    rng = np.random.default_rng(seed)
    week = np.tile(WEEK / WEEK.mean(), (T + h) // 7 + 1)[: T + h]
    series, future = {}, []
    for i in range(n):
        drift = np.linspace(1.0, rng.uniform(0.6, 1.5), T + h)
        y = rng.poisson(rng.gamma(1.5, 1.5) * week * drift)
        series[f"s{i:02d}"] = y[:T]
        future.append(y[T:])
    return frame(series), np.asarray(future, float)


def test_pooled_selection_does_not_lose_to_the_best_single_model_where_per_sku_choice_overfits():
    import forecasting
    from forecasting.engine import auto_candidates, candidate_forecasts, cv_origins
    from forecasting.panel import build_panel

    h = 14
    for seed in (0, 1):
        df, truth = noisy_short_world(seed=seed)
        panel = build_panel(df, h, "D")
        names = auto_candidates(panel)
        cand = candidate_forecasts(panel, names, h, cv_origins(panel, h, None), n_jobs=1)

        def wape(f: np.ndarray, y: np.ndarray = truth) -> float:
            return float(np.abs(y - f).sum() / y.sum())

        singles = {m: wape(cand.preds[m]) for m in names}
        own = np.stack([np.nansum(np.abs(cand.errors[m]), axis=(0, 2)) for m in names])
        per_sku = np.stack([cand.preds[m] for m in names])[np.argmin(own, 0), np.arange(panel.n)]
        out = forecasting.forecast(df, h)
        auto = out.pivot(index="unique_id", columns="ds", values="yhat").loc[panel.ids]
        got = wape(auto.to_numpy(float))
        assert got <= min(singles.values()) * 1.05, (got, singles)
        assert got < wape(per_sku), (got, wape(per_sku))
