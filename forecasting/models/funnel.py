"""The funnel model: project clicks forward, convert them to orders at the learned rate.

A live room shows demand before the orders do: clicks jump after a good session and orders
follow. Extrapolating orders misses that turn; this model reads the top of the funnel instead.
Clicks are projected from a short-memory level that decays back towards the longer-run level
(viral spikes fade) at a rate learned from the panel, times the clicks' weekly profile; the
click -> order conversion is the series' own recent rate, shrunk towards its group's (or the
panel's) rate when the series has few clicks.
"""

from __future__ import annotations

import warnings
from typing import ClassVar, cast

import numpy as np

from forecasting.models.base import Model
from forecasting.panel import Panel


def funnel_column(panel: Panel, preferred: tuple[str, ...]) -> str | None:
    """The top-of-funnel signal: the first of ``preferred`` the panel has."""
    for name in preferred:
        if name in panel.signals:
            return name
    return None


class Funnel(Model):
    """Clicks forecast x click->order conversion."""

    alias = "funnel"
    uses_signals = True
    #: signal names tried in order; the first present is the top of the funnel
    columns: ClassVar[tuple[str, ...]] = ("clicks", "views", "page_views", "carts")

    def __init__(self, window: int | None = None, prior_clicks: float = 200.0) -> None:
        super().__init__()
        self.window = window
        self.prior_clicks = prior_clicks

    @classmethod
    def applicable(cls, panel: Panel) -> bool:
        return funnel_column(panel, cls.columns) is not None

    def predict(self, h: int) -> np.ndarray:
        p = self.panel
        col = funnel_column(p, self.columns)
        if col is None:
            raise ValueError("The funnel model needs a clicks (or views/carts) signal.")
        c = np.where(np.isnan(p.signals[col]), 0.0, p.signals[col])
        started = np.arange(p.T)[None, :] >= p.start[:, None]
        c = np.where(started, c, np.nan)
        window = self.window or (4 * p.season if p.season <= 12 else 13)
        conv = self._conversion(p, c, window)
        profile = _profile(c, p.season)
        # deseasonalise so a Saturday spike is not mistaken for a surge
        phase = (np.arange(p.T) - p.T) % profile.shape[1]
        c_adj = c / np.maximum(profile[:, phase], 1e-6)
        phi = self._learn_decay(c_adj, window)
        level_short = _ewma(c_adj, 0.5)
        with np.errstate(all="ignore"):
            level_long = np.nan_to_num(np.nanmean(c_adj[:, -window:], axis=1))
        out = np.empty((p.n, h))
        for k in range(h):
            lvl = level_long + (level_short - level_long) * phi ** (k + 1)
            out[:, k] = np.maximum(lvl, 0) * profile[:, k % profile.shape[1]] * conv
        return out

    def _conversion(self, p: Panel, c: np.ndarray, window: int) -> np.ndarray:
        orders = np.nansum(p.y[:, -window:], axis=1)
        clicks = np.nansum(c[:, -window:], axis=1)
        if p.groups is not None and p.groups.shape[1] >= 2:
            g = np.unique(p.groups.iloc[:, -1].astype(str).to_numpy(), return_inverse=True)[1]
        else:
            g = np.zeros(p.n, dtype=int)
        go = np.bincount(g, weights=orders)
        gc = np.bincount(g, weights=clicks)
        total = orders.sum() / max(clicks.sum(), 1e-9)
        with np.errstate(all="ignore"):
            group_rate = np.where(gc > 0, go / gc, total)[g]
        return cast(
            np.ndarray, (orders + self.prior_clicks * group_rate) / (clicks + self.prior_clicks)
        )

    @staticmethod
    def _learn_decay(c: np.ndarray, window: int) -> float:
        """Decay of a click surprise, picked on the panel's own recent history."""
        T = c.shape[1]
        best, best_err = 0.7, np.inf
        origins = [T - 7 * j for j in range(1, 4) if T - 7 * j > window // 2 + 3]
        if not origins:
            return best
        for phi in (0.3, 0.5, 0.7, 0.85, 0.95):
            err = 0.0
            for o in origins:
                hist = c[:, :o]
                short = _ewma(hist, 0.5)
                with np.errstate(all="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)
                    long = np.nan_to_num(np.nanmean(hist[:, -window:], axis=1))
                for k in range(min(7, T - o)):
                    pred = long + (short - long) * phi ** (k + 1)
                    err += np.nansum(np.abs(c[:, o + k] - pred))
            if err < best_err:
                best, best_err = phi, err
        return best


def _ewma(x: np.ndarray, alpha: float) -> np.ndarray:
    """Exponentially weighted level at the end of each row (NaN-aware)."""
    lvl = np.full(x.shape[0], np.nan)
    for t in range(max(0, x.shape[1] - 60), x.shape[1]):
        v = x[:, t]
        ok = ~np.isnan(v)
        lvl = np.where(ok & np.isnan(lvl), v, lvl)
        lvl = np.where(ok, lvl + alpha * (v - lvl), lvl)
    return cast(np.ndarray, np.nan_to_num(lvl))


def _profile(c: np.ndarray, season: int) -> np.ndarray:
    """Multiplicative seasonal profile of the signal, pooled over series (phase = step)."""
    if season <= 1 or season > 24 or c.shape[1] < 2 * season:
        return np.ones((c.shape[0], 1))
    span = min(4 * season, (c.shape[1] // season) * season)
    block = np.nan_to_num(c[:, -span:]).reshape(c.shape[0], -1, season).sum(axis=(0, 1))
    pooled = block / max(block.mean(), 1e-9)
    return np.repeat(pooled[None, :], c.shape[0], axis=0)
