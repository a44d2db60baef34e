"""Baselines: the yardstick every other model must beat, and the fallback when one fails."""

from __future__ import annotations

import numpy as np

from forecasting.models.base import Model, last_values, seasonal_naive_forecast


class Naive(Model):
    """Tomorrow looks like today."""

    alias = "naive"

    def predict(self, h: int) -> np.ndarray:
        return np.repeat(last_values(self.panel.y)[:, None], h, axis=1)


class SeasonalNaive(Model):
    """Next week looks like last week (next year like last year for weekly data)."""

    alias = "seasonal_naive"

    def predict(self, h: int) -> np.ndarray:
        return seasonal_naive_forecast(self.panel.y, self.panel.season, h)


class MovingAverage(Model):
    """Mean of the last ``window`` periods: one season for short seasons, else 8 periods."""

    alias = "moving_average"

    def __init__(self, window: int | None = None) -> None:
        super().__init__()
        self.window = window

    def predict(self, h: int) -> np.ndarray:
        p = self.panel
        window = self.window or (p.season if p.season <= 12 else 8)
        recent = p.y[:, -window:]
        with np.errstate(all="ignore"):
            mean = np.nanmean(recent, axis=1)
        return np.repeat(np.nan_to_num(mean)[:, None], h, axis=1)


class SeasonalMovingAverage(Model):
    """Recent level times a learned seasonal profile (day-of-week shares over a few seasons).

    A plain moving average ignores that Saturdays sell double; seasonal naive copies last
    week's noise. Averaging the profile over ``seasons`` seasons keeps the pattern, drops noise.
    """

    alias = "seasonal_ma"

    def __init__(self, seasons: int = 4, shrink: float = 2.0) -> None:
        super().__init__()
        self.seasons = seasons
        self.shrink = shrink

    def predict(self, h: int) -> np.ndarray:
        p = self.panel
        s = p.season
        if s <= 1 or s > 24 or 2 * s > p.T:
            return MovingAverage().fit(p).predict(h)
        span = min(self.seasons * s, (p.T // s) * s)
        recent = p.y[:, -span:].reshape(p.n, -1, s)
        with np.errstate(all="ignore"):
            level = np.nanmean(p.y[:, -s:], axis=1)
            by_pos = np.nansum(recent, axis=1)
            total = np.nansum(by_pos, axis=1, keepdims=True)
            # pooled profile across series stabilises sparse series
            pooled = np.nansum(by_pos, axis=0) / max(np.nansum(by_pos), 1e-9)
            weight = total / (total + self.shrink * s)
            own = np.where(total > 0, by_pos / np.where(total > 0, total, 1), 1.0 / s)
            profile = weight * own + (1 - weight) * pooled[None, :]
        level = np.nan_to_num(level)
        out = np.empty((p.n, h))
        # the span is whole seasons, so column j shares its phase with future step j
        for k in range(h):
            out[:, k] = level * s * profile[:, k % s]
        return out
