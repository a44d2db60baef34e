"""Public API: ``forecast``, ``cross_validation`` and ``backtest`` on long DataFrames.

The frames follow the statsforecast convention (``unique_id``, ``ds``, ``y`` plus signal
columns in; ``unique_id``, ``ds``, point and quantile columns out) so anyone who knows that
ecosystem can read them. ``backtest`` runs exactly the code ``forecast`` runs, at earlier
origins, on panels cut by :meth:`Panel.cut` — so what it measures is what production gets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from forecasting import metrics
from forecasting.bias import horizon_bands
from forecasting.engine import SEGMENTS, run_parallel, segments, young_age
from forecasting.panel import Panel, build_panel

DEFAULT_QUANTILES = (0.1, 0.5, 0.8, 0.9)


def quantile_names(quantiles: Sequence[float]) -> list[str]:
    """Column names for quantiles: 0.1 -> ``q10``, 0.975 -> ``q97.5``."""
    names = []
    for q in quantiles:
        if not 0 < q < 1:
            raise ValueError(f"Quantile {q} must lie strictly between 0 and 1.")
        pct = round(q * 100, 6)
        names.append(f"q{int(pct)}" if float(pct).is_integer() else f"q{pct:g}")
    return names


def forecast(
    df: pd.DataFrame,
    horizon: int,
    freq: str = "D",
    method: str = "auto",
    future_exog: Sequence[str] = (),
    future_df: pd.DataFrame | None = None,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    *,
    hierarchy: pd.DataFrame | None = None,
    season_length: int | None = None,
    cv_windows: int | None = None,
    n_jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Forecast every series ``horizon`` periods past its data.

    Args:
        df: long frame ``unique_id``, ``ds``, ``y`` plus signal columns. Columns listed in
            ``future_exog`` are known ahead; every other numeric column is an observed signal
            (clicks, carts, rank...) that models may use only up to the last date.
        horizon: number of periods to forecast.
        freq: pandas frequency alias ("D", "W", "W-MON", ...); sets the seasonal period.
        method: a model alias (see ``forecasting.MODELS``) or ``"auto"`` (the single model
            or combination of the best with the least rolling-origin CV error over the panel).
        future_exog: names of the known-ahead columns.
        future_df: ``unique_id``, ``ds`` and the ``future_exog`` columns for the horizon.
        quantiles: levels of the calibrated quantile columns (``q10`` for 0.1, ...).
        hierarchy: optional ``unique_id`` -> group columns ordered finest to coarsest (e.g.
            ``style`` then ``category``). The global model reads momentum of the finest group,
            the launch and funnel models borrow curves and conversion from the coarsest.
        season_length: override the seasonal period implied by ``freq``.
        cv_windows: internal rolling-origin windows for selection and calibration (default 3).
        n_jobs: worker processes (default: all cores).
        progress: called with (steps done, steps in all) as model fits finish.

    Returns:
        ``unique_id``, ``ds``, ``yhat``, one column per quantile, ``method`` (the model that
        produced the series' forecast). ``DataFrame.attrs["failures"]`` counts model failures
        that fell back to the seasonal naive forecast.
    """
    names = quantile_names(quantiles)
    panel = build_panel(df, horizon, freq, future_exog, future_df, hierarchy, season_length)
    result = run_parallel(panel, method, horizon, quantiles, cv_windows, n_jobs, progress)
    out = _frame(panel, result.yhat, result.quantiles, names, result.method)
    out.attrs["failures"] = result.failures
    out.attrs["cv_mae"] = result.cv_scores
    return out


def _frame(
    panel: Panel, yhat: np.ndarray, qmat: np.ndarray, names: list[str], method: np.ndarray
) -> pd.DataFrame:
    n, h = yhat.shape
    out = pd.DataFrame(
        {
            "unique_id": np.repeat(panel.ids, h),
            "ds": np.tile(panel.future_dates.to_numpy(), n),
            "yhat": yhat.ravel(),
        }
    )
    for j, name in enumerate(names):
        out[name] = qmat[:, :, j].ravel()
    out["method"] = np.repeat(method, h)
    return out


def cross_validation(
    df: pd.DataFrame,
    horizon: int,
    folds: int,
    freq: str = "D",
    methods: Sequence[str] = ("auto", "seasonal_naive"),
    future_exog: Sequence[str] = (),
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    *,
    hierarchy: pd.DataFrame | None = None,
    season_length: int | None = None,
    cv_windows: int | None = None,
    n_jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Rolling-origin forecasts: ``folds`` origins one horizon apart, ending at the last date.

    Returns one row per (method, fold, series, step): ``method``, ``cutoff`` (last date
    seen), ``unique_id``, ``ds``, ``y`` (the outcome), ``yhat``, quantile columns, ``chosen``
    (model picked), ``new`` (series younger than 4 seasons at the cutoff), ``segment`` (its
    segment at the cutoff, ``engine.SEGMENTS``), ``step`` (1-based), ``scale`` (its
    in-sample seasonal-naive MAE, for MASE) and, in ``attrs``, seconds and failures per method.
    """
    names = quantile_names(quantiles)
    if folds < 1:
        raise ValueError(f"Folds must be at least 1, got {folds}.")
    full = build_panel(
        df, 1, freq, future_exog, _last_exog(df, future_exog, freq), hierarchy, season_length
    )
    # the panel was built with a dummy 1-period future; backtests only use the history
    T = full.T
    origins = [T - f * horizon for f in range(folds, 0, -1)]
    if origins[0] < 2:
        raise ValueError(
            f"{T} periods of history are too short for {folds} folds of horizon {horizon}."
        )
    frames, seconds, failures, step = [], {}, {}, 0
    for method in methods:
        seconds[method] = 0.0
        failures[method] = 0
        for origin in origins:
            sub = full.cut(origin, horizon)
            t0 = time.perf_counter()
            res = run_parallel(sub, method, horizon, quantiles, cv_windows, n_jobs)
            step += 1
            if progress:
                progress(step, len(methods) * len(origins))
            seconds[method] += time.perf_counter() - t0
            failures[method] += sum(res.failures.values())
            frame = _frame(sub, res.yhat, res.quantiles, names, res.method)
            frame = frame.rename(columns={"method": "chosen"})
            idx = sub.meta["index"]
            frame.insert(0, "cutoff", sub.dates[-1])
            frame.insert(0, "method", method)
            frame["y"] = full.y[idx, origin : origin + horizon].ravel()
            frame["new"] = np.repeat(sub.age < young_age(sub.season), horizon)
            frame["segment"] = np.repeat(np.asarray(SEGMENTS)[segments(sub)], horizon)
            frame["step"] = np.tile(np.arange(1, horizon + 1), sub.n)
            frame["scale"] = np.repeat(metrics.insample_scale(sub.y, sub.season), horizon)
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["seconds"] = seconds
    out.attrs["failures"] = failures
    return out


def _last_exog(df: pd.DataFrame, future_exog: Sequence[str], freq: str) -> pd.DataFrame | None:
    """A one-period future frame repeating the last exog values (backtests never read it)."""
    if not future_exog:
        return None
    data = df.copy()
    data["ds"] = pd.to_datetime(data["ds"])
    last = data.sort_values("ds").groupby("unique_id", sort=False).tail(1)
    from forecasting.frequency import make_grid

    nxt = make_grid(data["ds"].min(), 1, freq)  # only the step matters
    step = make_grid(nxt[0], 2, freq)
    fut = last[["unique_id", *future_exog]].copy()
    fut["ds"] = data["ds"].max() + (step[1] - step[0])
    return fut


def evaluate(cv: pd.DataFrame, quantiles: Sequence[float] = DEFAULT_QUANTILES) -> pd.DataFrame:
    """Metrics per method from a :func:`cross_validation` frame (rows may be pre-filtered)."""
    names = quantile_names(quantiles)
    lo, hi = _interval_columns(quantiles, names)
    rows = []
    for method, g in cv.groupby("method", sort=False):
        y = g["y"].to_numpy(float)
        yhat = g["yhat"].to_numpy(float)
        per_series = g.groupby(["cutoff", "unique_id"], sort=False)
        # pandas-stubs read include_groups as an argument of the function (ParamSpec)
        mae = per_series.apply(_mean_absolute_error, include_groups=False)  # type: ignore[call-overload]
        scale = per_series["scale"].first()
        ok = scale > 0
        row = {
            "method": method,
            "wape": metrics.wape(y, yhat),
            "mase": float(np.mean(mae[ok] / scale[ok])) if ok.any() else float("nan"),
            "bias": metrics.bias(y, yhat),
            "coverage_80": metrics.coverage(y, g[lo].to_numpy(float), g[hi].to_numpy(float))
            if lo
            else float("nan"),
            "pinball": metrics.scaled_pinball(y, g[names].to_numpy(float), list(quantiles)),
            "n_series": int(g["unique_id"].nunique()),
            "n_points": len(g),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def _mean_absolute_error(s: pd.DataFrame) -> float:
    return float(np.mean(np.abs(s["y"] - s["yhat"])))


def _interval_columns(
    quantiles: Sequence[float], names: list[str]
) -> tuple[str, str] | tuple[None, None]:
    qs = list(quantiles)
    if 0.1 in qs and 0.9 in qs:
        return names[qs.index(0.1)], names[qs.index(0.9)]
    return None, None


def backtest(
    df: pd.DataFrame,
    horizon: int,
    folds: int,
    freq: str = "D",
    methods: Sequence[str] = ("auto", "seasonal_naive", "naive"),
    future_exog: Sequence[str] = (),
    *,
    quantiles: Sequence[float] = DEFAULT_QUANTILES,
    hierarchy: pd.DataFrame | None = None,
    season_length: int | None = None,
    cv_windows: int | None = None,
    n_jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Rolling-origin evaluation, one row per method.

    Columns: ``method``, ``wape``, ``mase``, ``bias``, ``coverage_80`` (share of outcomes
    inside the 10-90 % band), ``pinball`` (mean pinball loss over the quantiles / mean y),
    ``seconds`` (wall time over all folds), ``failures``, ``n_series``, ``n_points``, and the
    same measures for new series (``wape_new``, ``coverage_80_new``, ``n_series_new``).
    ``attrs["cv"]`` holds the per-point frame of :func:`cross_validation`.
    """
    cv = cross_validation(
        df,
        horizon,
        folds,
        freq,
        methods,
        future_exog,
        quantiles,
        hierarchy=hierarchy,
        season_length=season_length,
        cv_windows=cv_windows,
        n_jobs=n_jobs,
        progress=progress,
    )
    table = evaluate(cv, quantiles)
    table["seconds"] = table["method"].map(cv.attrs["seconds"])
    table["failures"] = table["method"].map(cv.attrs["failures"])
    new = cv[cv["new"]]
    if len(new):
        sub = evaluate(new, quantiles).set_index("method")
        table["wape_new"] = table["method"].map(sub["wape"])
        table["coverage_80_new"] = table["method"].map(sub["coverage_80"])
        table["n_series_new"] = table["method"].map(sub["n_series"]).fillna(0).astype(int)
    else:
        table["wape_new"] = np.nan
        table["coverage_80_new"] = np.nan
        table["n_series_new"] = 0
    table.attrs["cv"] = cv
    table.attrs["breakdown"] = breakdown(cv)
    return table


def breakdown(cv: pd.DataFrame) -> pd.DataFrame:
    """WAPE and bias per method x segment x horizon band of a :func:`cross_validation` frame.

    Where the error and the bias sit: a model can win on the first days and lose by the
    second week, or be right for steady SKUs and overshoot fading ones. Bands are those of
    :func:`forecasting.bias.horizon_bands` (steps 1-3, 4-7, 8-14, 15+); ``segment`` ``"all"``
    pools the segments.
    """
    bands = horizon_bands(int(cv["step"].max()))
    names = {b: _band_label(bands, b) for b in np.unique(bands)}
    data = cv.assign(band=[names[b] for b in bands[cv["step"].to_numpy() - 1]])
    rows = []
    for by in (["method", "band"], ["method", "segment", "band"]):
        for key, g in data.groupby(by, sort=False):
            y, f = g["y"].to_numpy(float), g["yhat"].to_numpy(float)
            rows.append(
                {
                    "method": key[0],
                    "segment": key[1] if len(by) == 3 else "all",
                    "band": key[-1],
                    "wape": metrics.wape(y, f),
                    "bias": metrics.bias(y, f),
                    "n_series": int(g["unique_id"].nunique()),
                    "n_points": len(g),
                }
            )
    return pd.DataFrame(rows)


def _band_label(bands: np.ndarray, b: int) -> str:
    steps = np.flatnonzero(bands == b) + 1
    return f"{steps[0]}-{steps[-1]}"
