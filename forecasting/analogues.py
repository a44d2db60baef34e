"""Cold start from analogues: a style launching inside the horizon has no history to read.

The first run of a new style is the test in test-and-reorder, so it must be planned before its
first sale. What is known of it is its category, its price and the day it goes on air; the rooms
have launched many styles before. This module picks the launched SKUs most like the newcomer
(same category first, then a price within :data:`PRICE_BAND`, then a launch in the same season,
each style in turn so that no one style stands for the category),
aligns their sales on their launch day (the rooms' launch pattern: the first broadcast's spike
and the decay after it) and forecasts the newcomer's day ``launch + k`` by the analogues' mean at
age ``k``, with the analogues' spread at that age as its quantiles.

Once the newcomer is on air, its first clicks and carts against the analogues' at the same age
say how much bigger or smaller it is; that ratio scales the curve, trusted more with every day
on air (:func:`signal_ratio`).

Daily data only: ages are counted in days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: analogue SKUs averaged per newcomer
ANALOGUES = 10
#: fewest analogues observed at an age for that age's mean to be used (else the last such age)
MIN_ANALOGUES = 3
#: prices within this factor of the newcomer's count as the same price band
PRICE_BAND = 1.5
#: launches fewer days apart than this (around the year) count as the same season
SEASON_DAYS = 45
#: days on air at which the newcomer's own signals get half the weight in the ratio
HALF_TRUST_DAYS = 3
#: the signal ratio is kept inside [1 / RATIO_LIMIT, RATIO_LIMIT]
RATIO_LIMIT = 5.0
ALIAS = "analogue"


@dataclass
class ColdStart:
    """Analogue forecasts in the long format, and what a planner needs to trust them."""

    forecast: pd.DataFrame
    #: newcomer -> the analogue SKUs it borrowed its curve from, most similar first
    analogues: dict[str, list[str]] = field(default_factory=dict)
    #: newcomer -> the factor its own first signals put on the curve (1.0 before launch)
    ratio: dict[str, float] = field(default_factory=dict)
    #: newcomer -> why it got no forecast
    skipped: dict[str, str] = field(default_factory=dict)


def analogue_forecast(
    history: pd.DataFrame,
    attributes: pd.DataFrame,
    newcomers: Sequence[str],
    horizon: int,
    quantiles: Sequence[float] = (0.1, 0.5, 0.8, 0.9),
    signals: Sequence[str] = ("clicks", "carts"),
    k: int = ANALOGUES,
) -> ColdStart:
    """Forecast ``newcomers`` ``horizon`` days past the last day of ``history``.

    Args:
        history: daily long frame ``unique_id``, ``ds``, ``y`` and the ``signals`` columns, up
            to the origin (its last ``ds``).
        attributes: ``unique_id``, ``category``, ``price``, ``launch`` (a date, may be missing)
            and optionally ``style`` for the history's SKUs and the newcomers. Only SKUs whose
            launch the history saw (a launch after its first day) serve as analogues.
        newcomers: ids (in ``attributes``, with a launch date) to forecast; one already on air
            may have rows in ``history``.
        horizon: days to forecast.
        quantiles: levels of the quantile columns (``q10`` for 0.1, ...).
        signals: activity columns the on-air ratio reads (orders where none is present).
        k: analogues per newcomer.

    Returns:
        a :class:`ColdStart` whose ``forecast`` has ``unique_id``, ``ds``, ``yhat``, one
        column per quantile and ``method`` (``"analogue"``); days before a launch forecast 0.
    """
    from forecasting.api import quantile_names

    if horizon < 1:
        raise ValueError(f"Horizon must be at least 1, got {horizon}.")
    names = quantile_names(quantiles)
    data = history.copy()
    data["ds"] = pd.to_datetime(data["ds"])
    first_day, origin = data["ds"].min(), data["ds"].max()
    T = int((origin - first_day).days) + 1
    ids = pd.Index(sorted(set(data["unique_id"]) | set(newcomers)))
    attrs = attributes.drop_duplicates("unique_id").set_index("unique_id").reindex(ids)
    launch = pd.to_datetime(attrs["launch"])
    launch_pos = ((launch - first_day).dt.days).to_numpy(dtype=float)  # NaN where unknown
    y = _matrix(data, "y", ids, first_day, T)
    act_cols = [c for c in signals if c in data.columns]
    act = sum((_matrix(data, c, ids, first_day, T) for c in act_cols), np.zeros_like(y))
    if not act_cols:
        act = y.copy()
    pool = np.flatnonzero((launch_pos > 0) & (launch_pos < T) & ~ids.isin(list(newcomers)))
    future = pd.date_range(origin + pd.Timedelta(days=1), periods=horizon, freq="D")
    frames, out = [], ColdStart(forecast=pd.DataFrame())
    for uid in newcomers:
        i = int(ids.get_indexer(pd.Index([uid]))[0])
        if np.isnan(launch_pos[i]):
            out.skipped[uid] = "no launch date in the catalogue to align a launch curve on"
            continue
        chosen = _choose(i, pool, attrs, launch, launch_pos, T, k)
        if len(chosen) == 0:
            out.skipped[uid] = "no launched SKU in the history to borrow a launch curve from"
            continue
        ages = np.arange(T, T + horizon) - int(launch_pos[i])
        curves = _aligned(y, chosen, launch_pos, T, int(max(ages.max(), 0)) + 1)
        mean, qs = _age_stats(curves, quantiles)
        if mean is None or qs is None:
            out.skipped[uid] = "its analogues have no sales on record at the ages it needs"
            continue
        on_air = int(T - launch_pos[i]) if launch_pos[i] < T else 0
        ratio = signal_ratio(act, i, chosen, launch_pos, on_air)
        live = ages >= 0
        at = np.clip(ages, 0, len(mean) - 1)
        frame = pd.DataFrame(
            {
                "unique_id": uid,
                "ds": future,
                "yhat": np.where(live, mean[at] * ratio, 0.0),
            }
        )
        for j, name in enumerate(names):
            frame[name] = np.where(live, qs[at, j] * ratio, 0.0)
        frame["method"] = ALIAS
        frames.append(frame)
        out.analogues[uid] = [str(ids[j]) for j in chosen]
        out.ratio[uid] = float(ratio)
    columns = ["unique_id", "ds", "yhat", *names, "method"]
    out.forecast = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return out


def signal_ratio(
    act: np.ndarray, i: int, chosen: np.ndarray, launch_pos: np.ndarray, on_air: int
) -> float:
    """How much busier the newcomer's first ``on_air`` days were than its analogues' first days.

    ``(own + 1) / (analogues' mean + 1)`` over clicks and carts, raised to
    ``on_air / (on_air + HALF_TRUST_DAYS)``: one day of clicks moves the curve a little, a week
    moves it most of the way. 1.0 before launch.
    """
    if on_air <= 0:
        return 1.0
    start = int(launch_pos[i])
    own = float(np.nansum(act[i, start : start + on_air]))
    peer = [np.nansum(act[j, int(launch_pos[j]) : int(launch_pos[j]) + on_air]) for j in chosen]
    ratio = (own + 1.0) / (float(np.mean(peer)) + 1.0)
    trust = on_air / (on_air + HALF_TRUST_DAYS)
    return float(np.clip(ratio**trust, 1.0 / RATIO_LIMIT, RATIO_LIMIT))


def _matrix(
    data: pd.DataFrame, col: str, ids: pd.Index, first_day: pd.Timestamp, T: int
) -> np.ndarray:
    """``(len(ids), T)`` daily values of ``col``; a day without a row counts 0."""
    out = np.zeros((len(ids), T))
    rows = ids.get_indexer(pd.Index(data["unique_id"]))
    pos = (data["ds"] - first_day).dt.days.to_numpy()
    np.add.at(out, (rows, pos), pd.to_numeric(data[col], errors="coerce").fillna(0.0).to_numpy())
    return out


def _choose(
    i: int,
    pool: np.ndarray,
    attrs: pd.DataFrame,
    launch: pd.Series,
    launch_pos: np.ndarray,
    T: int,
    k: int,
) -> np.ndarray:
    """The ``k`` pool SKUs most like SKU ``i``: category, then price band, then season.

    Other categories fill in only when the newcomer's own has fewer than ``MIN_ANALOGUES``.

    Ties go to the analogue seen longest after its launch (its curve reaches furthest), then to
    the closest price, then to the id, so the choice is deterministic.
    """
    if len(pool) == 0:
        return pool
    cat = attrs["category"].to_numpy(dtype=object)
    price = pd.to_numeric(attrs["price"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(all="ignore"):
        gap = np.abs(np.log(price[pool] / price[i]))
    gap = np.where(np.isfinite(gap), gap, np.inf)
    doy = launch.dt.day_of_year.to_numpy(dtype=float)
    apart = np.abs(doy[pool] - doy[i])
    apart = np.minimum(apart, 365 - apart)
    score = (
        4 * (cat[pool] == cat[i])
        + 2 * (gap <= np.log(PRICE_BAND))
        + 1 * (np.nan_to_num(apart, nan=np.inf) <= SEASON_DAYS)
    )
    seen = T - launch_pos[pool]
    order = np.lexsort((np.arange(len(pool)), gap, -seen, -score))
    same = cat[pool][order] == cat[i]
    if same.sum() >= MIN_ANALOGUES:
        order = order[same]  # another category is an analogue only when its own has too few
    if "style" in attrs.columns:
        # within a similarity tier, one SKU of each style before a second of any: a style with
        # many colours and sizes must not stand for the whole category
        style = attrs["style"].to_numpy(dtype=object)[pool][order]
        turn = pd.Series(style).groupby(style, sort=False).cumcount().to_numpy()
        order = order[np.lexsort((np.arange(len(order)), turn, -score[order]))]
    return pool[order[:k]]


def _aligned(
    y: np.ndarray, chosen: np.ndarray, launch_pos: np.ndarray, T: int, ages: int
) -> np.ndarray:
    """``(len(chosen), ages)`` sales by age since launch; NaN past the history's end."""
    out = np.full((len(chosen), ages), np.nan)
    for r, j in enumerate(chosen):
        start = int(launch_pos[j])
        n = min(ages, T - start)
        out[r, :n] = y[j, start : start + n]
    return out


def _age_stats(
    curves: np.ndarray, quantiles: Sequence[float]
) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """Mean and quantiles per age; an age seen by too few analogues repeats the last good one."""
    seen = np.sum(~np.isnan(curves), axis=0)
    good = seen >= min(MIN_ANALOGUES, curves.shape[0])
    if not good[0]:
        return None, None
    with np.errstate(all="ignore"):
        mean = np.nanmean(curves, axis=0)
        qs = np.nanquantile(curves, list(quantiles), axis=0).T  # (ages, q)
    last = np.maximum.accumulate(np.where(good, np.arange(len(good)), 0))
    mean, qs = mean[last], qs[last]
    return np.maximum(mean, 0.0), np.maximum.accumulate(np.maximum(qs, 0.0), axis=1)
