"""The one interface every model shares: ``fit(panel)`` then ``predict(h)`` -> ``(n, h)`` array.

Panel-wide models (the baselines, TSB, the funnel, the global gradient-boosting model) work on
all series at once with numpy. Per-series models (ETS, SARIMAX) subclass :class:`PerSeriesModel`,
which runs them over chunks of series in a process pool and replaces a series whose fit fails by
the seasonal naive forecast, counting the failure instead of crashing.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, ClassVar, cast

import numpy as np

from forecasting.panel import Panel


class Model:
    """Base class: subclasses set ``alias`` and implement ``fit`` and ``predict``."""

    alias: ClassVar[str] = "model"
    #: observed signals or exogenous columns the model needs to be useful (for ``auto``)
    uses_signals: ClassVar[bool] = False

    def __init__(self) -> None:
        self.failures = 0
        self._panel: Panel | None = None

    @property
    def panel(self) -> Panel:
        """The panel the model was fitted on; predicting before fitting is a caller's bug."""
        if self._panel is None:
            raise RuntimeError(f"{type(self).__name__} must be fitted before it predicts.")
        return self._panel

    @panel.setter
    def panel(self, panel: Panel) -> None:
        self._panel = panel

    def fit(self, panel: Panel) -> Model:
        self.panel = panel
        return self

    def update(self, panel: Panel) -> Model:
        """Give a fitted model newer data; models that cannot reuse a fit simply refit."""
        return self.fit(panel)

    def predict(self, h: int) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    @classmethod
    def applicable(cls, panel: Panel) -> bool:
        """Whether ``auto`` should try this model on ``panel`` (e.g. it has the signals)."""
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def last_values(y: np.ndarray) -> np.ndarray:
    """Last column of ``y`` (every started series has a value there)."""
    return cast(np.ndarray, np.nan_to_num(y[:, -1]))


def seasonal_naive_forecast(y: np.ndarray, season: int, h: int) -> np.ndarray:
    """Repeat the last observed season; fall back to the last value where a season is missing."""
    n, T = y.shape
    out = np.empty((n, h))
    last = last_values(y)
    for k in range(h):
        idx = T - season + (k % season)
        out[:, k] = y[:, idx] if idx >= 0 else last
        if idx >= 0:
            gap = np.isnan(out[:, k])
            out[gap, k] = last[gap]
    return out


#: one chunk of per-series work: model class, its parameters, then per series y, exog, signals
Chunk = tuple[
    type["PerSeriesModel"],
    dict[str, Any],
    list[np.ndarray],
    dict[str, list[np.ndarray]],
    dict[str, list[np.ndarray]],
    int,
    int,
]


def _run_chunk(args: Chunk) -> tuple[list[np.ndarray], int]:
    model_cls, params, ys, exogs, signals, season, h = args
    model = model_cls(**params)
    results, fails = [], 0
    for i, y in enumerate(ys):
        try:
            f = model.forecast_one(
                y,
                {k: v[i] for k, v in exogs.items()},
                {k: v[i] for k, v in signals.items()},
                season,
                h,
            )
            f = np.asarray(f, dtype=float)
            if f.shape != (h,) or not np.all(np.isfinite(f)):
                raise ValueError("non-finite forecast")
        except Exception:  # any failure of a third-party fit falls back; counted below
            fails += 1
            f = seasonal_naive_forecast(y[None, :], season, h)[0]
        results.append(np.maximum(f, 0.0))
    return results, fails


class PerSeriesModel(Model):
    """A model fitted series by series; parallel over chunks of series, deterministic order."""

    #: process count; ``None`` means all cores
    n_jobs: int | None = None
    min_parallel = 64

    def params(self) -> dict[str, Any]:
        return {}

    def forecast_one(
        self,
        y: np.ndarray,
        exog: dict[str, np.ndarray],
        signals: dict[str, np.ndarray],
        season: int,
        h: int,
    ) -> np.ndarray:
        raise NotImplementedError

    def predict(self, h: int) -> np.ndarray:
        p = self.panel
        ys = [p.y[i, p.start[i] :] for i in range(p.n)]
        exogs = {k: [v[i, p.start[i] : p.T + h] for i in range(p.n)] for k, v in p.exog.items()}
        sigs = {k: [v[i, p.start[i] :] for i in range(p.n)] for k, v in p.signals.items()}
        jobs = self.n_jobs or os.cpu_count() or 1
        if jobs <= 1 or p.n < self.min_parallel:
            chunks = [(0, p.n)]
        else:
            size = -(-p.n // (jobs * 4))
            chunks = [(a, min(a + size, p.n)) for a in range(0, p.n, size)]
        tasks = [
            (
                type(self),
                self.params(),
                ys[a:b],
                {k: v[a:b] for k, v in exogs.items()},
                {k: v[a:b] for k, v in sigs.items()},
                p.season,
                h,
            )
            for a, b in chunks
        ]
        if len(tasks) == 1:
            outs = [_run_chunk(tasks[0])]
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                outs = list(pool.map(_run_chunk, tasks))
        rows, self.failures = [], 0
        for res, fails in outs:
            rows.extend(res)
            self.failures += fails
        return np.vstack(rows) if rows else np.zeros((0, h))
