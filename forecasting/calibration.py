"""Calibrated quantiles from rolling-origin errors (split-conformal, per horizon step).

A model's own idea of its uncertainty is usually too narrow. Instead we take the errors it
made at earlier origins (the same windows ``auto`` uses to pick models), scale them per series
so that big and small SKUs share one error distribution, and read the quantiles off that
distribution, with a spread that grows with the horizon step as the errors did.

Two things keep the earlier errors exchangeable with the one to come (what conformal
prediction needs to hold its promise):

- each window's errors are scaled by the series' scale *as it was at that origin*
  (:func:`origin_scales`): a SKU whose sales halved since the first window would otherwise
  bring errors twice too big, relative to its scale now, into today's interval;
- the calibration is Mondrian: errors are pooled within cells of (segment, volume bin), the
  bin read from the forecast level at each origin, so that the whole-unit outcomes of small
  SKUs (whose lower quantile is often zero and cannot be undercut) do not decide the width of
  a big SKU's interval, nor the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
from scipy.stats import norm

MIN_SEGMENT = 60
#: volume-bin edges, in units per period: below 0.5 most outcomes are zero; below 2.3 the 10 %
#: quantile of a Poisson count is zero (e^-2.3 = 0.1); above 8 one unit is a small part of the
#: spread. Properties of whole-unit counts, not of any data set.
VOLUME_EDGES = np.array([0.5, 2.3, 8.0])


def series_scale(y: np.ndarray, cv_abs_err: np.ndarray | None, window: int = 56) -> np.ndarray:
    """Per-series error scale: recent period-to-period change, blended with the CV error.

    ``cv_abs_err`` is ``(n, m)`` absolute CV errors of the chosen model (NaN where unknown).
    The floor keeps a series that has been silent from getting a zero-width interval.
    """
    recent = y[:, -window:]
    diff = _mean_seen(np.abs(np.diff(recent, axis=1)))
    level = _mean_seen(recent)
    base = 0.5 * diff + 0.5 * np.sqrt(np.maximum(level, 0.0)) + 0.05
    if cv_abs_err is None:
        return cast(np.ndarray, base)
    cnt = np.sum(~np.isnan(cv_abs_err), axis=1)
    with np.errstate(all="ignore"):
        own = np.where(cnt > 0, np.nansum(cv_abs_err, axis=1) / np.maximum(cnt, 1), 0.0)
    k0 = 14.0
    return cast(np.ndarray, (cnt * own + k0 * base) / (cnt + k0) + 0.02)


def _mean_seen(x: np.ndarray) -> np.ndarray:
    """Means over the last axis of the non-NaN values; 0 where there are none (a series not
    yet started)."""
    seen = np.sum(~np.isnan(x), axis=-1)
    return cast(np.ndarray, np.nansum(x, axis=-1) / np.maximum(seen, 1))


def origin_scales(y: np.ndarray, origins: Sequence[int], scale: np.ndarray) -> np.ndarray:
    """Each series' scale at each CV origin ``(w, n)``, for scaling that window's errors.

    The level-driven part is recomputed from the data seen at the origin; the series' own
    factor (``scale`` over its level-driven part today, which carries its CV error) is kept.
    So an error is measured against the scale the series had when the error was made, just
    as today's interval is built from today's scale.
    """
    if len(origins) == 0:
        return np.empty((0, len(scale)))
    own = scale / series_scale(y, None)
    return np.stack([series_scale(y[:, :o], None) * own for o in origins])


def volume_bins(level: np.ndarray) -> np.ndarray:
    """Volume bin (0..3) of a mean forecast level per period."""
    return cast(np.ndarray, np.searchsorted(VOLUME_EDGES, np.nan_to_num(level), side="right"))


def conformal_quantiles(
    yhat: np.ndarray,
    errors: np.ndarray | None,
    scale: np.ndarray,
    quantiles: Sequence[float],
    segments: np.ndarray | None = None,
    actual: np.ndarray | None = None,
    cv_scale: np.ndarray | None = None,
) -> np.ndarray:
    """Quantile forecasts ``(n, h, len(quantiles))``, monotone in the quantile, non-negative.

    ``errors`` is ``(w, n, h)`` of actual minus forecast at earlier origins (NaN where a series
    had not started), ``actual`` the outcomes there and ``cv_scale`` ``(w, n)`` the series'
    scale at each origin (default: today's ``scale``). Scaled errors are pooled per cell of
    (segment, volume bin); a cell with too few errors borrows its segment's, then everyone's.
    With ``actual`` the level of each quantile is then re-chosen so that, on those windows,
    the share of outcomes below it is what was asked: demand cannot go below zero and comes
    in whole units, so a symmetric error band would otherwise over-cover small SKUs.
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
    cvs = np.broadcast_to(scale[None, :], errors.shape[:2]) if cv_scale is None else cv_scale
    z = errors / cvs[:, :, None]
    segments = np.zeros(n, dtype=int) if segments is None else segments
    seg_pt, bin_pt = _point_cells(errors, segments, actual)
    bin_row = volume_bins(yhat.mean(axis=1))
    ok = ~np.isnan(z)
    for seg, vbin in sorted(set(zip(segments.tolist(), bin_row.tolist(), strict=True))):
        rows = (segments == seg) & (bin_row == vbin)
        mask = _calibration_points(ok, seg_pt == seg, bin_pt == vbin)
        step, u = _shape(np.where(mask, z, np.nan), h)
        levels = qs
        if actual is not None:
            spread = np.broadcast_to(cvs[:, :, None] * step[None, None, :], z.shape)
            levels = _levels(u, (actual - errors)[mask], actual[mask], spread[mask], qs)
        shape = np.quantile(u, levels)
        offsets = step[:, None] * shape[None, :]
        out[rows] = yhat[rows, :, None] + scale[rows, None, None] * offsets[None, :, :]
    return _finish(out)


def _point_cells(
    errors: np.ndarray, segments: np.ndarray, actual: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Segment and volume bin of every CV error ``(w, n, h)``; the bin from that origin's level."""
    seg_pt = np.broadcast_to(segments[None, :, None], errors.shape)
    if actual is None:
        return seg_pt, np.zeros(errors.shape, dtype=int)
    level = _mean_seen(actual - errors)  # the forecasts' level at each origin
    return seg_pt, np.broadcast_to(volume_bins(level)[:, :, None], errors.shape)


def _calibration_points(ok: np.ndarray, in_segment: np.ndarray, in_bin: np.ndarray) -> np.ndarray:
    """The cell's errors; its segment's, then all, when the cell holds too few."""
    for mask in (ok & in_segment & in_bin, ok & in_segment):
        if mask.sum() >= MIN_SEGMENT:
            return cast(np.ndarray, mask)
    return ok


def _shape(z: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-step spread ``(h,)`` and the spread-free errors ``u`` (``z``'s shape, NaN kept)."""
    absz = np.abs(z)
    with np.errstate(all="ignore"):
        step = np.nanmean(absz, axis=(0, 1))
    pooled = np.nanmean(absz)
    step = np.where(np.isnan(step), pooled, step)
    counts = np.sum(~np.isnan(z), axis=(0, 1))
    weight = counts / (counts + 30.0)
    step = np.maximum(weight * step + (1 - weight) * pooled, 1e-6)
    u = z / step[None, None, :]
    return step, u[~np.isnan(u)]


GRID = np.linspace(0.0025, 0.9975, 200)


def _levels(
    u: np.ndarray, p: np.ndarray, y: np.ndarray, spread: np.ndarray, qs: np.ndarray
) -> np.ndarray:
    """Quantile levels whose clipped forecasts hit the asked shares on the CV windows.

    ``p``, ``y`` and ``spread`` are the cell's CV forecasts, outcomes and error spreads.
    """
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
