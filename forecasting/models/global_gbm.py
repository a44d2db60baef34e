"""One gradient-boosting model for all series: the model that reads every signal.

Local models see one short, noisy series; a global model learns from all of them how clicks,
carts, rank, planned price and promotions turn into orders, and it needs one fit for 10,000
series instead of 10,000 fits. It forecasts every horizon step directly (the step is a
feature), so no forecast error is fed back into the next step.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from forecasting.features import FeatureBuilder
from forecasting.models.base import Model
from forecasting.panel import Panel


class GlobalGBM(Model):
    """scikit-learn ``HistGradientBoostingRegressor`` on scaled lags, signals and exog."""

    alias = "global"
    uses_signals = True
    #: the engine may reuse one fit across its internal CV windows (it never sees their future)
    reuse_fit = False

    def __init__(
        self,
        use_signals: bool = True,
        max_rows: int = 60_000,
        max_origins: int | None = None,
        max_iter: int = 60,
        learning_rate: float = 0.15,
        seed: int = 0,
        n_threads: int = 1,
        loss: str = "poisson",
        cap_ratio: bool = True,
    ) -> None:
        super().__init__()
        self.use_signals = use_signals
        self.max_rows = max_rows
        self.max_origins = max_origins
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.seed = seed
        self.n_threads = n_threads
        self.loss = loss
        self.cap_ratio = cap_ratio
        self.ratio_cap = np.inf
        self.max_leaf_nodes = 15
        self.model: Any = None  # scikit-learn's regressor once fitted (sklearn has no types)
        self.h_fit = 0

    @classmethod
    def applicable(cls, panel: Panel) -> bool:
        return panel.T >= 8

    def _origins(self, panel: Panel, h: int) -> list[int]:
        most = self.max_origins or (8 * panel.season if panel.season <= 12 else 104)
        first = max(3, int(panel.start.min()) + 2)
        return list(range(max(first, panel.T - most), panel.T))

    def fit(self, panel: Panel) -> GlobalGBM:
        from sklearn.ensemble import HistGradientBoostingRegressor

        self.panel = panel
        h = panel.horizon
        self.h_fit = h
        fb = FeatureBuilder(panel, h, self.use_signals)
        origins = self._origins(panel, h)
        if not origins:
            raise ValueError("Too little history for the global model.")
        rng = np.random.default_rng(self.seed)
        young = 4 * panel.season if panel.season <= 12 else 26
        per_origin = panel.n * h
        frac = min(1.0, self.max_rows / max(per_origin * len(origins), 1))
        Xs, ys, established = [], [], []
        steps = np.arange(1, h + 1)
        for origin in origins:
            rows = np.flatnonzero(panel.start < origin)
            if frac < 1.0:
                take = rng.random(len(rows)) < frac
                rows = rows[take]
            if len(rows) == 0:
                continue
            X, s = fb.build(rows, origin, steps)
            target = origin + np.tile(steps, len(rows)) - 1
            r = np.repeat(rows, h)
            ok = target < panel.T
            if not ok.any():
                continue
            Xs.append(X[ok])
            ys.append(panel.y[r[ok], target[ok]] / s[ok])
            established.append((origin - panel.start[r[ok]]) >= young)
        if not Xs:
            raise ValueError("No training rows for the global model.")
        X = np.vstack(Xs)
        yy = np.concatenate(ys)
        old = np.concatenate(established)
        if self.cap_ratio and old.any():
            # a launch's first days give it a tiny level, and its later sales ratios of hundreds
            # to it; capped at the largest ratio an established series ever reached, those rows
            # cannot teach the log link to multiply a young SKU's level by thousands
            self.ratio_cap = float(yy[old].max())
            yy = np.minimum(yy, self.ratio_cap)
        # Poisson loss: demand is a count whose noise grows with its level, and a log link
        # cannot turn a spike in the features into an absurd linear overshoot (the
        # measurement is in docs/forecasting.md, "Why the global model uses Poisson loss")
        self.model = HistGradientBoostingRegressor(
            loss=self.loss,
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=False,
            random_state=self.seed,
        )
        # no sample_weight: weighted binning in scikit-learn is far slower than the fit itself.
        # One OpenMP thread by default: on a shared, busy machine more threads spin and
        # slow the fit by an order of magnitude; parallelism comes from processes instead.
        with threadpool_limits(limits=self.n_threads):
            self.model.fit(X, yy)
        self.feature_names = fb.names
        return self

    def update(self, panel: Panel) -> GlobalGBM:
        """Point the fitted model at newer data without refitting (used inside CV windows)."""
        self.panel = panel
        return self

    def predict(self, h: int) -> np.ndarray:
        p = self.panel
        fb = FeatureBuilder(p, h, self.use_signals)
        rows = np.arange(p.n)
        X, s = fb.build(rows, p.T, np.arange(1, h + 1))
        with threadpool_limits(limits=self.n_threads):
            pred = np.minimum(self.model.predict(X), self.ratio_cap) * s
        return cast(np.ndarray, np.maximum(pred, 0.0).reshape(p.n, h))


class GlobalGBMNoSignals(GlobalGBM):
    """The same global model blind to the live-room signals (measures what they are worth)."""

    alias = "global_nosignals"
    uses_signals = False

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("use_signals", False)
        super().__init__(**kw)


class GlobalGBMRecursive(GlobalGBM):
    """The same global model trained one step ahead and rolled forward on its own forecasts.

    The direct model (:class:`GlobalGBM`) learns every step at once with the step as a
    feature; this one learns only the next day and feeds each forecast back as the newest lag,
    so its lags and moving averages stay fresh across the horizon but its errors compound.
    The observed signals stay as they were on the last real day (no clicks exist past it).
    Kept to measure direct against recursive (docs/forecasting.md has the numbers).
    """

    alias = "global_recursive"

    def fit(self, panel: Panel) -> GlobalGBMRecursive:
        one_step = replace(panel, future_dates=panel.future_dates[:1])
        super().fit(one_step)
        self.panel = panel
        return self

    def predict(self, h: int) -> np.ndarray:
        p = self.panel
        all_dates = cast(pd.DatetimeIndex, p.dates.append(p.future_dates))
        y = np.concatenate([p.y, np.full((p.n, h), np.nan)], axis=1)
        rows, T = np.arange(p.n), p.T
        for k in range(h):
            ext = replace(
                p, y=y[:, : T + k], dates=all_dates[: T + k], future_dates=all_dates[T + k :]
            )
            fb = FeatureBuilder(ext, 1, self.use_signals)
            X, s = fb.build(rows, T + k, np.array([1]), signal_origin=T)
            with threadpool_limits(limits=self.n_threads):
                ratio = np.minimum(self.model.predict(X), self.ratio_cap)
                y[:, T + k] = np.maximum(ratio * s, 0.0)
        return y[:, T:]
