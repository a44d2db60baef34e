"""Features for the global model, built for many series at one forecast origin at once.

Everything here reads only ``y`` and observed signals strictly before the origin, and the
known-ahead exogenous columns up to origin + horizon — the same rule :meth:`Panel.cut` enforces
for every model. Values are divided by the series' recent level so that one model can learn
from small and big SKUs alike ("a product whose clicks tripled sells more next week").
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from forecasting.panel import Panel

#: observed-signal lags read by the global model (carts are paid up to two days later)
SIGNAL_LAGS = 3


def level_window(season: int) -> int:
    """History used for a series' level: four seasons for short seasons, a quarter for weeks."""
    return 4 * season if season <= 12 else 13


def rolling_windows(season: int) -> list[int]:
    if season <= 12:
        return sorted({3, season, 2 * season, 4 * season})
    return [4, 8, 13, 26]


class Cumulative:
    """Prefix sums of a ``(n, T)`` array (NaN treated as missing) for O(1) window means."""

    def __init__(self, x: np.ndarray) -> None:
        ok = ~np.isnan(x)
        n = x.shape[0]
        self.s = np.concatenate([np.zeros((n, 1)), np.cumsum(np.where(ok, x, 0.0), 1)], 1)
        self.c = np.concatenate([np.zeros((n, 1)), np.cumsum(ok, 1)], 1)

    def mean(self, rows: np.ndarray, end: int, w: int) -> np.ndarray:
        a = max(end - w, 0)
        cnt = self.c[rows, end] - self.c[rows, a]
        with np.errstate(all="ignore"):
            return np.where(cnt > 0, (self.s[rows, end] - self.s[rows, a]) / cnt, np.nan)

    def total(self, rows: np.ndarray, end: int, w: int) -> np.ndarray:
        a = max(end - w, 0)
        return cast(np.ndarray, self.s[rows, end] - self.s[rows, a])


class FeatureBuilder:
    """Builds ``(rows, features)`` matrices for (series, origin, step) triples of one panel."""

    def __init__(self, panel: Panel, h: int, use_signals: bool = True) -> None:
        self.p = panel
        self.h = h
        self.use_signals = use_signals
        self.cy = Cumulative(panel.y)
        self.signals = panel.signals if use_signals else {}
        self.cs = {k: Cumulative(v) for k, v in self.signals.items()}
        self.counts = {k for k, v in self.signals.items() if _is_funnel_count(v, panel.y)}
        self.L = level_window(panel.season)
        self.wins = rolling_windows(panel.season)
        with np.errstate(all="ignore"):
            lv = np.nanmean(panel.y[:, -self.L :], axis=1)
        med = np.nanmedian(lv) if np.any(~np.isnan(lv)) else 1.0
        self.eps = 0.2 * max(float(med), 1e-3) + 1e-3
        all_dates = cast(pd.DatetimeIndex, panel.dates.append(panel.future_dates))
        self.phase = _calendar_phase(all_dates, panel.season)
        self.group_codes = group_codes(panel)
        self.names: list[str] | None = None

    def scale(self, rows: np.ndarray, origin: int) -> np.ndarray:
        lvl = self.cy.mean(rows, origin, self.L)
        return cast(np.ndarray, np.nan_to_num(lvl) + self.eps)

    def build(
        self, rows: np.ndarray, origin: int, steps: np.ndarray, signal_origin: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Features for series ``rows`` at ``origin`` for each step in ``steps`` (1-based).

        ``signal_origin`` (default ``origin``) is where the observed signals are read: a
        recursive forecast moves ``origin`` past the data with its own forecasts as ``y``,
        but no clicks exist there, so the signals stay as they were at the last real day.

        Returns ``(X, s)``: ``X`` has ``len(rows) * len(steps)`` rows, series-major; ``s`` the
        per-row scale to multiply predictions by.
        """
        p, y = self.p, self.p.y
        n = len(rows)
        s = self.scale(rows, origin)
        cols: dict[str, np.ndarray] = {}
        # history features, the same for every step
        nlags = min(p.season, 14) if p.season <= 14 else 8
        for lag in range(1, nlags + 1):
            t = origin - lag
            cols[f"lag{lag}"] = (y[rows, t] if t >= 0 else np.full(n, np.nan)) / s
        for w in self.wins:
            cols[f"mean{w}"] = self.cy.mean(rows, origin, w) / s
        recent = y[rows, max(origin - self.L, 0) : origin]
        with np.errstate(all="ignore"):
            cols["std"] = np.nanstd(recent, axis=1) / s
            cols["zeros"] = np.nanmean(recent == 0, axis=1)
        cols["log_level"] = np.log1p(s - self.eps)
        cols["age"] = np.minimum(origin - p.start[rows], 4 * self.L).astype(float)
        so = origin if signal_origin is None else signal_origin
        cols.update(self._signal_features(rows, so, s))
        if self.group_codes is not None:
            g = self.group_codes[rows]
            m3 = np.nan_to_num(self.cy.mean(rows, origin, 3))
            ml = np.nan_to_num(self.cy.mean(rows, origin, self.L))
            g3 = np.bincount(g, weights=m3, minlength=g.max() + 1)
            gl = np.bincount(g, weights=ml, minlength=g.max() + 1)
            with np.errstate(all="ignore"):
                cols["group_momentum"] = np.where(gl[g] > 0, g3[g] / gl[g], np.nan)
                cols["group_share"] = np.where(gl[g] > 0, ml / gl[g], np.nan)
            cols.update(self._group_signal_momentum(rows, g, so))
        base = np.column_stack(list(cols.values())) if cols else np.zeros((n, 0))
        names = list(cols)
        # step-specific features
        k = np.asarray(steps)
        K = len(k)
        X_base = np.repeat(base, K, axis=0)
        r = np.repeat(rows, K)
        kk = np.tile(k, n)
        target = origin + kk - 1
        s_rep = np.repeat(s, K)
        extra = {"step": kk.astype(float), "phase": self.phase[target].astype(float)}
        if p.season > 1:
            back = p.season * np.ceil(kk / p.season).astype(int)
            t_seas = target - back
            ok = t_seas >= 0
            seas = np.full(len(r), np.nan)
            seas[ok] = y[r[ok], t_seas[ok]]
            extra["seasonal_lag"] = seas / s_rep
            if p.season <= 12:
                acc = np.zeros(len(r))
                cnt = np.zeros(len(r))
                for j in range(4):
                    tj = t_seas - j * p.season
                    okj = tj >= 0
                    v = np.full(len(r), np.nan)
                    v[okj] = y[r[okj], tj[okj]]
                    good = ~np.isnan(v)
                    acc[good] += v[good]
                    cnt[good] += 1
                with np.errstate(all="ignore"):
                    extra["seasonal_mean"] = np.where(cnt > 0, acc / cnt, np.nan) / s_rep
        for name, arr in p.exog.items():
            fut = arr[r, target]
            now = arr[r, origin - 1]
            a = max(origin - self.L, 0)
            with np.errstate(all="ignore"):
                hist = np.nanmean(arr[rows, a:origin], axis=1)
            hist = np.repeat(hist, K)
            extra[f"{name}"] = fut
            extra[f"{name}_change"] = fut - now
            if p.season > 1:
                # against the day the seasonal lag reads: "last Saturday the room was off air"
                last = np.full(len(r), np.nan)
                last[ok] = arr[r[ok], t_seas[ok]]
                extra[f"{name}_vs_season"] = fut - last
            with np.errstate(all="ignore"):
                extra[f"{name}_rel"] = np.where(np.abs(hist) > 1e-9, fut / hist, np.nan)
        X = np.column_stack([X_base, *extra.values()])
        self.names = names + list(extra)
        return X, s_rep

    def _signal_features(
        self, rows: np.ndarray, origin: int, s: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Each observed signal's recent values against its level, and funnel-implied demand."""
        p, n = self.p, len(rows)
        cols: dict[str, np.ndarray] = {}
        for name, arr in self.signals.items():
            c = self.cs[name]
            sc = np.nan_to_num(c.mean(rows, origin, self.L)) + 1e-3
            last = arr[rows, origin - 1] if origin >= 1 else np.full(n, np.nan)
            m3 = c.mean(rows, origin, 3)
            cols[f"{name}_last"] = last / sc
            for lag in range(2, SIGNAL_LAGS + 1):
                t = origin - lag
                cols[f"{name}_lag{lag}"] = (arr[rows, t] if t >= 0 else np.full(n, np.nan)) / sc
            cols[f"{name}_mean3"] = m3 / sc
            cols[f"{name}_mean_season"] = c.mean(rows, origin, min(p.season, 14)) / sc
            cols[f"{name}_log_level"] = np.sign(sc) * np.log1p(np.abs(sc))
            if name not in self.counts:
                continue
            # funnel-implied demand: recent signal x the series' own conversion to orders
            conv_num = self.cy.total(rows, origin, self.L)
            conv_den = c.total(rows, origin, self.L)
            with np.errstate(all="ignore"):
                conv = np.where(conv_den > 0, conv_num / conv_den, np.nan)
            cols[f"{name}_implied"] = m3 * conv / s
            cols[f"{name}_implied_last"] = last * conv / s
            lag2 = arr[rows, origin - 2] if origin >= 2 else np.full(n, np.nan)
            cols[f"{name}_implied_lag2"] = lag2 * conv / s  # same columns at every origin
        return cols

    def _group_signal_momentum(
        self, rows: np.ndarray, g: np.ndarray, origin: int
    ) -> dict[str, np.ndarray]:
        """Each signal's last day and last 3 days against its level, summed over the group.

        Interest turns at the style level (a room features a style, not a size): the sum over
        a style's SKUs is far less noisy than one small SKU's clicks and leads its orders.
        """
        out = {}
        for name, arr in self.signals.items():
            c = self.cs[name]
            last = np.nan_to_num(arr[rows, origin - 1]) if origin >= 1 else np.zeros(len(rows))
            m3 = np.nan_to_num(c.mean(rows, origin, 3))
            ml = np.nan_to_num(c.mean(rows, origin, self.L))
            gs = [np.bincount(g, weights=v, minlength=g.max() + 1)[g] for v in (last, m3, ml)]
            with np.errstate(all="ignore"):
                out[f"group_{name}_last"] = np.where(gs[2] > 0, gs[0] / gs[2], np.nan)
                out[f"group_{name}_mean3"] = np.where(gs[2] > 0, gs[1] / gs[2], np.nan)
        return out


def _is_funnel_count(signal: np.ndarray, y: np.ndarray) -> bool:
    """A stage above orders in the funnel: whole, non-negative counts at least as many as
    the orders (clicks, carts, views). Prices and ranks are not, and their "implied demand"
    would only be noise for the model to fit."""
    values = signal[~np.isnan(signal)]
    if values.size == 0 or values.min() < 0 or not np.allclose(values, np.round(values)):
        return False
    return bool(values.sum() >= np.nansum(y))


def _calendar_phase(dates: pd.DatetimeIndex, season: int) -> np.ndarray:
    """Position in the season from the calendar (weekday, week of year) where it applies."""
    if season == 7:
        return np.asarray(dates.day_of_week)
    if season == 52:
        return np.asarray(dates.isocalendar().week, dtype=int) - 1
    if season == 12:
        return np.asarray(dates.month) - 1
    return np.arange(len(dates)) % max(season, 1)


def group_codes(panel: Panel) -> np.ndarray | None:
    """Codes of each series' finest group after itself (its style), None without a hierarchy."""
    if panel.groups is None or panel.groups.shape[1] < 2:
        return None
    col = panel.groups.columns[1]  # the finest group after unique_id, e.g. the style
    return np.unique(panel.groups[col].astype(str).to_numpy(), return_inverse=True)[1]
