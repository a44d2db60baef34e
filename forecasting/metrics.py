"""Forecast accuracy measures, pooled over series, steps and folds.

WAPE and bias weight every unit equally (what a planner feels in the warehouse); MASE scales
each series by its own in-sample seasonal-naive error so small and big SKUs count alike; the
pinball loss and interval coverage judge the quantiles the lot sizing relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np


def wape(y: np.ndarray, yhat: np.ndarray) -> float:
    denom = np.nansum(np.abs(y))
    return float(np.nansum(np.abs(y - yhat)) / denom) if denom > 0 else float("nan")


def bias(y: np.ndarray, yhat: np.ndarray) -> float:
    """Relative over-forecast: positive means the forecast was too high."""
    denom = np.nansum(np.abs(y))
    return float(np.nansum(yhat - y) / denom) if denom > 0 else float("nan")


def mase(y: np.ndarray, yhat: np.ndarray, scale: np.ndarray) -> float:
    """Mean over series of MAE / in-sample seasonal-naive MAE (series with zero scale skipped)."""
    mae = np.nanmean(np.abs(y - yhat), axis=1)
    ok = scale > 0
    return float(np.mean(mae[ok] / scale[ok])) if ok.any() else float("nan")


def pinball(y: np.ndarray, q: np.ndarray, tau: float) -> np.ndarray:
    diff = y - q
    return cast(np.ndarray, np.maximum(tau * diff, (tau - 1) * diff))


def scaled_pinball(y: np.ndarray, qmat: np.ndarray, quantiles: Sequence[float]) -> float:
    """Mean pinball loss over the quantiles, divided by mean |y| (comparable across data sets)."""
    denom = np.nanmean(np.abs(y))
    if not denom > 0:
        return float("nan")
    losses = [np.nanmean(pinball(y, qmat[..., j], tau)) for j, tau in enumerate(quantiles)]
    return float(np.mean(losses) / denom)


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    ok = ~np.isnan(y)
    inside = (y >= lo - 1e-9) & (y <= hi + 1e-9)
    return float(inside[ok].mean()) if ok.any() else float("nan")


def insample_scale(y: np.ndarray, season: int) -> np.ndarray:
    """Seasonal-naive in-sample MAE per series (the MASE denominator); naive when too short."""
    n, T = y.shape
    lag = season if season + 1 < T else 1
    with np.errstate(all="ignore"):
        diff = np.abs(y[:, lag:] - y[:, :-lag])
        scale = np.nanmean(diff, axis=1) if lag < T else np.full(n, np.nan)
    return cast(np.ndarray, np.nan_to_num(scale))
