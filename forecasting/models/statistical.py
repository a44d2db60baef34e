"""Classical per-series models from statsmodels: ETS and SARIMAX with lagged signals.

They fit one series at a time (run in a process pool by :class:`PerSeriesModel`) and so are the
slow ones; ``auto`` leaves them out of its default candidates on big panels, and a user can
still ask for them by name. A fit that fails falls back to the seasonal naive forecast and is
counted.
"""

from __future__ import annotations

import warnings
from typing import cast

import numpy as np

from forecasting.models.base import PerSeriesModel


class ETS(PerSeriesModel):
    """statsmodels ``ETSModel``: additive errors, optional damped trend, additive season.

    The trend and no-trend variants are both fitted and the lower AIC wins, the usual way
    automatic ETS picks a form.
    """

    alias = "ets"

    def forecast_one(
        self,
        y: np.ndarray,
        exog: dict[str, np.ndarray],
        signals: dict[str, np.ndarray],
        season: int,
        h: int,
    ) -> np.ndarray:
        from statsmodels.tsa.exponential_smoothing.ets import (
            ETSModel,
        )

        seasonal = "add" if 2 < season <= 24 and len(y) >= 2 * season + 2 else None
        if len(y) < 6 or np.allclose(y, y[0]):
            return np.full(h, y[-1] if len(y) else 0.0)
        best, best_aic = None, np.inf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for trend in (None, "add"):
                model = ETSModel(
                    np.asarray(y, float),
                    error="add",
                    trend=trend,
                    damped_trend=trend is not None,
                    seasonal=seasonal,
                    seasonal_periods=season if seasonal else None,
                )
                fit = model.fit(disp=False, maxiter=200)
                if np.isfinite(fit.aic) and fit.aic < best_aic:
                    best, best_aic = fit, fit.aic
        if best is None:
            raise ValueError("ETS did not converge")
        return cast(np.ndarray, best.forecast(h))


class SARIMAX(PerSeriesModel):
    """statsmodels SARIMAX with lagged observed signals and known-ahead exog as regressors.

    Future clicks are unknown, so each observed signal enters lagged by the horizon: the value
    used for a forecast step was already observed at the origin. Known-ahead columns enter
    unlagged.
    """

    alias = "sarimax"
    uses_signals = True

    def forecast_one(
        self,
        y: np.ndarray,
        exog: dict[str, np.ndarray],
        signals: dict[str, np.ndarray],
        season: int,
        h: int,
    ) -> np.ndarray:
        from statsmodels.tsa.statespace.sarimax import (
            SARIMAX as _SARIMAX,
        )

        y = np.asarray(y, float)
        n_obs = len(y)
        if n_obs < 3 * h + 4:
            raise ValueError("too short for SARIMAX")
        regs, futs = [], []
        for v in signals.values():
            v = np.nan_to_num(np.asarray(v, float))
            lagged = np.concatenate([np.full(h, np.nan), v])  # value at t is v[t - h]
            hist = lagged[:n_obs]
            hist = np.where(np.isnan(hist), np.nanmean(v[:h]) if h else 0.0, hist)
            regs.append(np.log1p(np.maximum(hist, 0)))
            futs.append(np.log1p(np.maximum(lagged[n_obs : n_obs + h], 0)))
        for v in exog.values():
            v = np.asarray(v, float)
            regs.append(v[:n_obs])
            futs.append(v[n_obs : n_obs + h])
        X: np.ndarray | None = np.column_stack(regs) if regs else None
        Xf: np.ndarray | None = np.column_stack(futs) if futs else None
        if X is not None and Xf is not None:
            keep = np.std(X, axis=0) > 1e-9
            X, Xf = (X[:, keep], Xf[:, keep]) if keep.any() else (None, None)
        seasonal = 2 < season <= 24 and n_obs >= 3 * season
        seasonal_order = (0, 1, 1, season) if seasonal else (0, 0, 0, 0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = _SARIMAX(
                y,
                exog=X,
                order=(1, 0, 1),
                seasonal_order=seasonal_order,
                trend="c" if seasonal_order[1] == 0 else "n",
                enforce_stationarity=False,
                enforce_invertibility=False,
            )
            fit = model.fit(disp=False, maxiter=50)
        return cast(np.ndarray, fit.forecast(h, exog=Xf))
