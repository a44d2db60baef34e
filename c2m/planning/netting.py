"""Net requirements per SKU (or per style) per day over the horizon.

The requirement to cover by the end of day ``t`` is the service-level quantile of the
*cumulative* demand, plus confirmed open orders, minus what is available (stock on hand and
work in progress)::

    R(t) = max(0, sum_{i<=t} mean_i + SS(t) + sum_{i<=t} orders_i - on_hand - wip)
    SS(t) = sign(p - 0.5) * sqrt(sum_{i<=t} (q_p,i - q50_i)^2)

Why not sum the daily ``q_p``: daily quantiles do not add up (ten days at the 80 % quantile
over-protect far beyond 80 % service). The safety stock SS comes from the forecast's own
spread at the policy's service level ``p`` (calibrated quantiles, possibly skewed), combined
over days as independent errors, so it grows like the square root of time, as textbook
safety stock does. The daily net need is the increase of ``R``; ``R`` is made non-decreasing
so a need once shown is never taken back by a later day.

Work in progress is counted as available from the start: lots already on the floor finish
within the frozen window, long before the needs they were made for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
from scipy.stats import norm

from c2m.errors import DataError
from c2m.planning.inputs import OpenOrderInfo, SkuInfo

QUANTILE_PREFIX = "q"


def quantile_levels(frame: pd.DataFrame) -> dict[float, str]:
    """Quantile columns of a forecast frame: ``q80`` -> 0.8, ``q975`` -> 0.975."""
    levels: dict[float, str] = {}
    for col in frame.columns:
        digits = col[1:]
        if col.startswith(QUANTILE_PREFIX) and digits.isdigit():
            levels[int(digits) / 10 ** len(digits)] = col
    return dict(sorted(levels.items()))


def quantile(frame: pd.DataFrame, p: float) -> np.ndarray:
    """Forecast at quantile ``p``, interpolated between the given quantile columns.

    Interpolation is linear in normal-score space (exact for a normal forecast) and
    extrapolates from the outermost pair; values are clipped at zero.
    """
    levels = quantile_levels(frame)
    if not levels:
        raise DataError("the forecast has no quantile columns (q10, q50, q80, q90...)")
    if p in levels:
        return frame[levels[p]].to_numpy(float)
    ps = np.array(list(levels))
    if len(ps) == 1:
        return frame[levels[ps[0]]].to_numpy(float)
    z = norm.ppf(ps)
    zp = norm.ppf(p)
    k = int(np.clip(np.searchsorted(ps, p), 1, len(ps) - 1))
    lo, hi = levels[ps[k - 1]], levels[ps[k]]
    w = (zp - z[k - 1]) / (z[k] - z[k - 1])
    out = frame[lo].to_numpy(float) * (1 - w) + frame[hi].to_numpy(float) * w
    return np.clip(out, 0, None)


def normalise_forecast(forecast: pd.DataFrame) -> pd.DataFrame:
    """The forecast with a ``sku`` column and ``ds`` as dates, whatever its id column."""
    frame = forecast.copy()
    if "sku" not in frame.columns:
        if "unique_id" not in frame.columns:
            raise DataError("the forecast has neither a unique_id nor a sku column")
        frame = frame.rename(columns={"unique_id": "sku"})
    for col in ("ds", "yhat"):
        if col not in frame.columns:
            raise DataError(f"the forecast has no {col!r} column")
    frame["sku"] = frame["sku"].astype(str)
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.date
    return frame


def _check_coverage(frame: pd.DataFrame, start: dt.date, end: dt.date) -> None:
    """DataError unless the forecast has every day of the plan [start, end): days it does
    not reach would be planned as days without demand (a 14-day plan from a 3-day forecast
    planned a sixth of the units, and a --start typo past the forecast planned only the
    open orders, each stored as the current plan with exit 0)."""
    last_day = end - dt.timedelta(days=1)
    need = f"the plan needs every day from {start} to {last_day}"
    if frame.empty:
        raise DataError(f"the forecast has no values; {need}: run `c2m forecast`")
    first, last = min(frame["ds"]), max(frame["ds"])
    if first > start or last < last_day:
        raise DataError(
            f"the forecast covers {first} to {last}, but {need}: run `c2m forecast` with a "
            "longer --horizon, or plan fewer days from a start inside it"
        )


def net_requirements(
    forecast: pd.DataFrame,
    skus: Mapping[str, SkuInfo],
    start: dt.date,
    horizon: int,
    service_quantile: float,
    on_hand: Mapping[str, float] | None = None,
    wip: Mapping[str, float] | None = None,
    orders: list[OpenOrderInfo] | None = None,
    key: Callable[[SkuInfo], str] | None = None,
) -> pd.DataFrame:
    """One row per key (SKU by default, e.g. style for the batch policy) and horizon day.

    Columns: ``key``, ``day`` (0-based), ``date``, ``demand`` (mean), ``orders``,
    ``safety`` (cumulative safety stock), ``available``, ``requirement`` (cumulative R) and
    ``net`` (the day's new need). Raises :class:`DataError` for a forecast SKU missing from
    the catalogue, or a forecast with nothing inside the horizon.
    """
    key = key or (lambda s: s.sku)
    frame = normalise_forecast(forecast)
    unknown = sorted(set(frame["sku"]) - set(skus))
    if unknown:
        more = f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else ""
        raise DataError(
            f"the forecast names SKU {unknown[0]!r}, which is not in the catalogue{more}"
        )
    end = start + dt.timedelta(days=horizon)
    _check_coverage(frame, start, end)
    frame = frame[(frame["ds"] >= start) & (frame["ds"] < end)]
    order_rows = [o for o in (orders or []) if o.due_date < end]
    for o in order_rows:
        if o.sku not in skus:
            raise DataError(f"open order for SKU {o.sku!r}, which is not in the catalogue")
    keys = sorted({key(skus[s]) for s in frame["sku"]} | {key(skus[o.sku]) for o in order_rows})
    index = {k: i for i, k in enumerate(keys)}
    n = len(keys)
    mean = np.zeros((n, horizon))
    spread2 = np.zeros((n, horizon))
    if not frame.empty:
        rows = frame["sku"].map(lambda s: index[key(skus[s])]).to_numpy()
        days = np.array([(d - start).days for d in frame["ds"]])
        yhat = np.clip(frame["yhat"].to_numpy(float), 0, None)
        spread = quantile(frame, service_quantile) - quantile(frame, 0.5)
        sign = 1.0 if service_quantile >= 0.5 else -1.0
        np.add.at(mean, (rows, days), yhat)
        np.add.at(spread2, (rows, days), spread**2)
    else:
        sign = 1.0
    booked = np.zeros((n, horizon))
    for o in order_rows:
        day = max((o.due_date - start).days, 0)
        booked[index[key(skus[o.sku])], day] += o.quantity
    available = np.zeros(n)
    for source in (on_hand or {}), (wip or {}):
        for sku, qty in source.items():
            if sku in skus and key(skus[sku]) in index:
                available[index[key(skus[sku])]] += qty
    safety = sign * np.sqrt(np.cumsum(spread2, axis=1))
    gross = np.cumsum(mean, axis=1) + np.cumsum(booked, axis=1) + safety
    requirement = np.maximum.accumulate(np.maximum(gross - available[:, None], 0), axis=1)
    net = np.diff(requirement, axis=1, prepend=0.0)
    dates = [start + dt.timedelta(days=d) for d in range(horizon)]
    return pd.DataFrame(
        {
            "key": np.repeat(keys, horizon),
            "day": np.tile(np.arange(horizon), n),
            "date": dates * n,
            "demand": mean.ravel(),
            "orders": booked.ravel(),
            "safety": safety.ravel(),
            "available": np.repeat(available, horizon),
            "requirement": requirement.ravel(),
            "net": net.ravel(),
        }
    )
