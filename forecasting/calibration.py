"""Calibrated quantiles from rolling-origin errors (split-conformal, per horizon step).

A model's own idea of its uncertainty is usually too narrow. Instead we take the errors it
made at earlier origins (the same windows ``auto`` uses to pick models), scale them per series
so that big and small SKUs share one error distribution, and read the quantiles off that
distribution, with a spread that grows with the horizon step as the errors did.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

MIN_SEGMENT = 60


def series_scale(y: np.ndarray, cv_abs_err: np.ndarray | None, window: int = 56) -> np.ndarray:
    """Per-series error scale: recent period-to-period change, blended with the CV error.

    ``cv_abs_err`` is ``(n, m)`` absolute CV errors of the chosen model (NaN where unknown).
    The floor keeps a series that has been silent from getting a zero-width interval.
    """
    recent = y[:, -window:]
    with np.errstate(all="ignore"):
        diff = np.nanmean(np.abs(np.diff(recent, axis=1)), axis=1)
        level = np.nanmean(recent, axis=1)
    base = 0.5 * np.nan_to_num(diff) + 0.5 * np.sqrt(np.nan_to_num(level)) + 0.05
    if cv_abs_err is None:
        return base
    cnt = np.sum(~np.isnan(cv_abs_err), axis=1)
    with np.errstate(all="ignore"):
        own = np.where(cnt > 0, np.nansum(cv_abs_err, axis=1) / np.maximum(cnt, 1), 0.0)
    k0 = 14.0
    return (cnt * own + k0 * base) / (cnt + k0) + 0.02


def conformal_quantiles(
    yhat: np.ndarray,
    errors: np.ndarray | None,
    scale: np.ndarray,
    quantiles,
    segments: np.ndarray | None = None,
    actual: np.ndarray | None = None,
) -> np.ndarray:
    """Quantile forecasts ``(n, h, len(quantiles))``, monotone in the quantile, non-negative.

    ``errors`` is ``(w, n, h)`` of actual minus forecast at earlier origins (NaN where a series
    had not started) and ``actual`` the outcomes there. Scaled errors are pooled within each
    segment (e.g. intermittent vs. smooth series) when it holds enough of them, else over all
    series. With ``actual`` the level of each quantile is then re-chosen so that, on those
    windows, the share of outcomes below it is what was asked: demand cannot go below zero and
    comes in whole units, so a symmetric error band would otherwise over-cover small SKUs.
    """
    n, h = yhat.shape
    qs = np.asarray(quantiles, dtype=float)
    out = np.empty((n, h, len(qs)))
    if errors is None or np.sum(~np.isnan(errors)) < 10:
        # no history to learn from: a normal band widening with the square root of the step
        z = norm.ppf(qs)
        steps = np.sqrt(np.arange(1, h + 1))
        out[:] = yhat[:, :, None] + 1.5 * scale[:, None, None] * steps[None, :, None] * z
        return _finish(out)
    z = errors / scale[None, :, None]
    segments = np.zeros(n, dtype=int) if segments is None else segments
    for seg in np.unique(segments):
        rows = segments == seg
        own = np.sum(~np.isnan(z[:, rows, :])) >= MIN_SEGMENT
        pick = rows if own else np.ones(n, dtype=bool)
        step, u = _shape(z[:, pick, :], h)
        levels = qs
        if actual is not None:
            pred = actual[:, pick, :] - errors[:, pick, :]
            levels = _levels(u, step, pred, actual[:, pick, :], scale[pick], qs)
        shape = np.quantile(u, levels)
        offsets = step[:, None] * shape[None, :]
        out[rows] = yhat[rows, :, None] + scale[rows, None, None] * offsets[None, :, :]
    return _finish(out)


def _shape(z: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-step spread ``(h,)`` and the pooled, spread-free error sample ``u``."""
    absz = np.abs(z)
    with np.errstate(all="ignore"):
        step = np.nanmean(absz, axis=(0, 1))
    pooled = np.nanmean(absz)
    step = np.where(np.isnan(step), pooled, step)
    counts = np.sum(~np.isnan(z), axis=(0, 1))
    weight = counts / (counts + 30.0)
    step = np.maximum(weight * step + (1 - weight) * pooled, 1e-6)
    u = (z / step[None, None, :]).ravel()
    return step, u[~np.isnan(u)]


GRID = np.linspace(0.0025, 0.9975, 200)


def _levels(u, step, pred, actual, scale, qs) -> np.ndarray:
    """Quantile levels whose clipped forecasts hit the asked shares on the CV windows."""
    ok = ~np.isnan(actual)
    p = pred[ok]
    y = actual[ok]
    spread = (scale[None, :, None] * step[None, None, :] * np.ones_like(pred))[ok]
    shapes = np.quantile(u, GRID)
    below = np.empty(len(GRID))
    above = np.empty(len(GRID))
    for j, sh in enumerate(shapes):
        q = np.maximum(p + spread * sh, 0.0)
        below[j] = np.mean(y < q - 1e-9)
        above[j] = np.mean(y > q + 1e-9)
    levels = []
    for tau in qs:
        # lower quantiles: outcomes under them should be tau; upper: over them 1 - tau
        miss = below - tau if tau < 0.5 else (1 - tau) - above
        levels.append(GRID[int(np.argmin(np.abs(miss)))])
    return np.asarray(levels)


def _finish(out: np.ndarray) -> np.ndarray:
    out = np.maximum(out, 0.0)
    return np.sort(out, axis=2)
