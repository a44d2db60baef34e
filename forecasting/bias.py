"""Level correction: a multiplicative factor per segment and horizon band, from the CV windows.

A model can be right in shape and wrong in level: a moving average keeps last month's sales
while a style fades, the global model's Poisson fit leans on the promotion weeks it learnt
from. The plan buys fabric and capacity for the total, so a steady 20 % overshoot is worse
for the plan than noise of the same size. The rolling-origin windows ``auto`` already runs
show the chosen model's bias per segment and per horizon step: outcomes over forecasts,
pooled over the series of a cell (segment x horizon band). That ratio, shrunk toward 1 when
the cell holds few series, multiplies the forecast.

The same factor multiplies the chosen model's CV forecasts before the conformal quantiles
are calibrated on them, so the intervals are built around the corrected level and keep their
coverage (they are not simply stretched).
"""

from __future__ import annotations

from typing import cast

import numpy as np

#: horizon bands (first step of each, 1-based): the first days read the funnel, the rest
#: the calendar and the level; a factor per band lets the correction grow with the step
BAND_STARTS = (1, 4, 8, 15)
#: series in a cell at which its own ratio gets half the weight (the rest stays at 1)
SHRINK_SERIES = 20.0
#: the factor never moves a forecast by more than this ratio either way
MAX_FACTOR = 2.0
LOG_MAX = float(np.log(MAX_FACTOR))


def horizon_bands(h: int) -> np.ndarray:
    """Band index of each step ``0..h-1`` (steps 1-3, 4-7, 8-14, 15+)."""
    steps = np.arange(1, h + 1)
    return cast(np.ndarray, np.searchsorted(np.asarray(BAND_STARTS), steps, side="right") - 1)


def bias_factors(
    cv_pred: np.ndarray, actual: np.ndarray, cv_segments: np.ndarray
) -> dict[tuple[int, int], float]:
    """Factor per (segment, band) from CV forecasts and outcomes ``(w, n, h)`` (NaN unseen).

    ``cv_segments`` ``(w, n)`` is each series' segment *as it was at that window's origin*: a
    series fading today was often rising into its peak a month ago, and its errors then tell
    about rising series, not fading ones. Per window, the log of summed outcomes over summed
    forecasts in the cell; their mean, shrunk toward 0 by the windows' disagreement
    (:func:`_shrunk_mean`) and by ``m / (m + SHRINK_SERIES)`` for ``m`` (window, series) pairs
    with points there, clipped to ``[1 / MAX_FACTOR, MAX_FACTOR]``. A cell without forecasts
    keeps 1.
    """
    bands = horizon_bands(cv_pred.shape[2])
    ok = ~np.isnan(cv_pred) & ~np.isnan(actual)
    factors: dict[tuple[int, int], float] = {}
    for s in np.unique(cv_segments[cv_segments >= 0]):
        in_seg = (cv_segments == s)[:, :, None]
        for b in np.unique(bands):
            cell = ok & in_seg & (bands == b)[None, None, :]
            pred = np.where(cell, cv_pred, 0.0).sum(axis=(1, 2))  # per window
            out = np.where(cell, actual, 0.0).sum(axis=(1, 2))
            m = int(cell.any(axis=2).sum())
            seen = pred > 0
            if m == 0 or not seen.any():
                continue
            log_ratio = np.log(np.maximum(out[seen], 1e-9) / pred[seen])
            shift = _shrunk_mean(log_ratio) * m / (m + SHRINK_SERIES)
            factors[(int(s), int(b))] = float(np.exp(np.clip(shift, -LOG_MAX, LOG_MAX)))
    return factors


def validated_factors(
    cv_pred: np.ndarray, actual: np.ndarray, cv_segments: np.ndarray
) -> dict[tuple[int, int], float]:
    """:func:`bias_factors` from all windows, kept only in the cells where they proved out.

    The factors estimated on every window but the latest are tried on the latest: a cell
    keeps its correction only if it brought that window's total closer to the outcome. A bias
    that held in the past but not in the next window (demand rising into a festival, then
    falling) is left alone; with fewer than two windows nothing can be checked and nothing is
    corrected.
    """
    if cv_pred.shape[0] < 2:
        return {}
    early = bias_factors(cv_pred[:-1], actual[:-1], cv_segments[:-1])
    full = bias_factors(cv_pred, actual, cv_segments)
    bands = horizon_bands(cv_pred.shape[2])
    ok = ~np.isnan(cv_pred[-1]) & ~np.isnan(actual[-1])
    kept = {}
    for (seg, band), factor in full.items():
        cell = ok & (cv_segments[-1] == seg)[:, None] & (bands == band)[None, :]
        pred = float(np.where(cell, cv_pred[-1], 0.0).sum())
        out = float(np.where(cell, actual[-1], 0.0).sum())
        trial = early.get((seg, band), 1.0)
        if pred > 0 and abs(out - trial * pred) < abs(out - pred):
            kept[(seg, band)] = factor
    return kept


def _shrunk_mean(x: np.ndarray) -> float:
    """Mean of the windows' log ratios, shrunk by how much the windows agree.

    Weight ``mean^2 / (mean^2 + se^2)``: a bias the windows agree on is corrected, one whose
    sign flips from window to window (a promotion in one, a lull in the next) mostly is not.
    One window alone cannot show agreement and counts half.
    """
    mean = float(np.mean(x))
    if len(x) < 2:
        return 0.5 * mean
    se2 = float(np.var(x, ddof=1)) / len(x)
    return mean * mean**2 / (mean**2 + se2) if mean != 0 else 0.0


def factor_matrix(
    factors: dict[tuple[int, int], float], segments: np.ndarray, h: int
) -> np.ndarray:
    """The ``(n, h)`` factor of every series and step (1 where a cell has none)."""
    bands = horizon_bands(h)
    out = np.ones((len(segments), h))
    for (s, b), f in factors.items():
        out[np.ix_(segments == s, bands == b)] = f
    return out
