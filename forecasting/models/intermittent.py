"""Intermittent demand: most SKUs sell nothing on most days.

Croston smooths the size of non-zero sales and the gap between them separately (with the
Syntetos-Boylan bias correction); TSB smooths the probability of a sale every period, so a SKU
that stopped selling decays towards zero instead of waiting forever for its next sale. Both run
vectorised over all series, one pass over time.
"""

from __future__ import annotations

import numpy as np

from forecasting.models.base import Model


class Croston(Model):
    """Croston's method with the SBA correction ``(1 - alpha / 2)``."""

    alias = "croston"

    def __init__(self, alpha: float = 0.1) -> None:
        super().__init__()
        self.alpha = alpha

    def predict(self, h: int) -> np.ndarray:
        y = self.panel.y
        n, T = y.shape
        a = self.alpha
        size = np.full(n, np.nan)
        interval = np.full(n, np.nan)
        gap = np.ones(n)
        for t in range(T):
            v = y[:, t]
            valid = ~np.isnan(v)
            sale = valid & (v > 0)
            first = sale & np.isnan(size)
            size = np.where(first, v, size)
            interval = np.where(first, gap, interval)
            upd = sale & ~first
            size = np.where(upd, size + a * (v - size), size)
            interval = np.where(upd, interval + a * (gap - interval), interval)
            gap = np.where(sale, 1.0, np.where(valid, gap + 1.0, gap))
        rate = np.where(np.isnan(size), 0.0, size / np.maximum(interval, 1.0) * (1 - a / 2))
        return np.repeat(rate[:, None], h, axis=1)


class TSB(Model):
    """Teunter-Syntetos-Babai: demand probability updated every period, size on sales."""

    alias = "tsb"

    def __init__(self, alpha: float = 0.1, beta: float = 0.1) -> None:
        super().__init__()
        self.alpha = alpha
        self.beta = beta

    def predict(self, h: int) -> np.ndarray:
        y = self.panel.y
        n, T = y.shape
        size = np.full(n, np.nan)
        prob = np.full(n, np.nan)
        for t in range(T):
            v = y[:, t]
            valid = ~np.isnan(v)
            sale = valid & (v > 0)
            start = valid & np.isnan(prob)
            prob = np.where(start, sale.astype(float), prob)
            size = np.where(sale & np.isnan(size), v, size)
            upd = valid & ~start
            prob = np.where(upd, prob + self.beta * (sale - prob), prob)
            size = np.where(upd & sale, size + self.alpha * (v - size), size)
        rate = np.nan_to_num(prob) * np.nan_to_num(size)
        return np.repeat(rate[:, None], h, axis=1)
