"""The live rooms' published calendar as known-ahead forecast inputs per SKU and day.

A room publishes its broadcast days and its promotions (paid traffic, coupons) weeks ahead,
and on a day without a broadcast a room sells only through its shop window, a fraction of a
live day. So tomorrow's demand for a SKU depends on which of the rooms that sell it will be on
air, which is known today. The forecaster takes such columns as ``future_exog``; this module
turns the room-level calendar into two SKU-level columns:

* ``on_air``: the share of the SKU's audience whose room broadcasts that day;
* ``promotion``: the share whose room runs a promotion that day.

A SKU's audience is split over rooms by its clicks in each room over the recent past (a room
that never shows the SKU does not move its demand); a SKU without clicks yet takes its
style's split, and a style without any the split of all clicks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: known-ahead columns this module adds, in the order the forecaster receives them
CALENDAR_COLUMNS = ("on_air", "promotion")
#: days of clicks before the origin that weigh the rooms for a SKU
WEIGHT_DAYS = 56


def room_weights(room_clicks: pd.DataFrame, skus: pd.DataFrame, rooms: list[str]) -> np.ndarray:
    """``(len(skus), len(rooms))`` shares of each SKU's audience per room (rows sum to 1).

    ``room_clicks``: ``room_id``, ``sku``, ``clicks`` over the weighting window; ``skus``:
    ``sku``, ``style`` in the order of the result's rows.
    """
    room_index = {r: i for i, r in enumerate(rooms)}
    clicks = room_clicks[room_clicks["room_id"].isin(room_index)]
    # float before the pivot: a 0.0 fill in integer clicks is deprecated (raises in pandas 4)
    clicks = clicks.assign(clicks=clicks["clicks"].astype(float))
    by_sku = clicks.pivot_table(
        index="sku", columns="room_id", values="clicks", aggfunc="sum", fill_value=0.0
    ).reindex(columns=rooms, fill_value=0.0)
    style_of = skus.set_index("sku")["style"]
    by_style = by_sku.groupby(style_of.reindex(by_sku.index).to_numpy()).sum()
    overall = by_sku.sum(axis=0).to_numpy(float)
    if overall.sum() <= 0:
        overall = np.ones(len(rooms))
    own = by_sku.reindex(skus["sku"]).fillna(0.0).to_numpy(float)
    style = by_style.reindex(skus["style"]).fillna(0.0).to_numpy(float)
    weights = np.where(own.sum(axis=1, keepdims=True) > 0, own, style)
    weights = np.where(weights.sum(axis=1, keepdims=True) > 0, weights, overall[None, :])
    return weights / weights.sum(axis=1, keepdims=True)


def calendar_exog(
    room_clicks: pd.DataFrame,
    schedule: pd.DataFrame,
    skus: pd.DataFrame,
    dates: pd.DatetimeIndex,
    known: pd.DatetimeIndex,
) -> pd.DataFrame | None:
    """Per SKU and date, the ``on_air`` and ``promotion`` shares; None if ``known`` has gaps.

    ``schedule``: ``date``, ``room_id``, ``broadcast``, ``promotion`` (0/1). A room's calendar
    runs from its first to its last listed day, and a day inside that span without a row is
    a day off air (schedules often list only the sessions). Outside every span a SKU's value
    is NaN (unknown). Every date in ``known`` (the forecast horizon) must lie inside every
    room's span, or the result would mix planned days with guesses: then None, and the caller
    forecasts without the calendar. ``room_clicks`` (``room_id``, ``sku``, ``clicks``) must
    end at the forecast origin, so nothing after it weighs in. Rooms that sell but are not in
    the calendar are left out of the shares.
    """
    if schedule.empty or len(dates) == 0:
        return None
    sched = schedule.assign(date=pd.to_datetime(schedule["date"]))
    rooms = sorted(sched["room_id"].unique())
    span = sched.groupby("room_id")["date"].agg(["min", "max"]).reindex(rooms)
    inside = np.column_stack(
        [(dates >= span.at[r, "min"]) & (dates <= span.at[r, "max"]) for r in rooms]
    )  # (D, R)
    known_rows = dates.isin(known)
    if known_rows.sum() < len(known) or not inside[known_rows].all():
        return None
    flags = {}
    for column in ("broadcast", "promotion"):
        table = sched.pivot_table(index="date", columns="room_id", values=column, aggfunc="max")
        values = table.reindex(index=dates, columns=rooms).fillna(0.0).to_numpy(float)
        flags[column] = np.where(inside, values, np.nan)  # (D, R)
    weights = room_weights(room_clicks, skus, rooms)  # (K, R)
    # a room that does not sell the SKU cannot make its value unknown
    on_air = _weighted(weights, flags["broadcast"])
    promotion = _weighted(weights, flags["promotion"])
    n_dates = len(dates)
    return pd.DataFrame(
        {
            "unique_id": np.repeat(skus["sku"].to_numpy(), n_dates),
            "ds": np.tile(dates, len(skus)),
            "on_air": on_air.reshape(-1).round(4),
            "promotion": promotion.reshape(-1).round(4),
        }
    )


def _weighted(weights: np.ndarray, flags: np.ndarray) -> np.ndarray:
    """``(K, D)`` weighted sums of ``(D, R)`` flags; NaN where a weighted room is unknown."""
    unknown = np.isnan(flags)
    total = weights @ np.nan_to_num(flags).T
    missing = (weights > 0).astype(float) @ unknown.T.astype(float)
    return np.where(missing > 0, np.nan, total)


def attach_calendar(
    history: pd.DataFrame,
    room_clicks: pd.DataFrame,
    schedule: pd.DataFrame,
    skus: pd.DataFrame,
    horizon_end: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """``history`` (long format) with the calendar columns, and their rows after it.

    Every day from a SKU's first row gets its calendar values, quiet days included (a day
    without a row would otherwise inherit the day before's broadcast, and quiet days are the
    off-air ones): such days come back as rows with ``y`` 0 and the signals missing, which is
    what the library reads an absent day as. The future rows run from the day after the
    history to ``horizon_end``. When the calendar does not cover that span, ``history`` comes
    back unchanged with None.
    """
    end = history["ds"].max()
    dates = pd.date_range(history["ds"].min(), horizon_end, freq="D")
    exog = calendar_exog(room_clicks, schedule, skus, dates, dates[dates > end])
    if exog is None:
        return history, None
    first = history.groupby("unique_id")["ds"].min()
    exog = exog[exog["unique_id"].isin(first.index)]
    past = exog[(exog["ds"] <= end) & (exog["ds"] >= exog["unique_id"].map(first))]
    merged = past.merge(history, on=["unique_id", "ds"], how="left")
    merged["y"] = merged["y"].fillna(0.0)
    future = exog[exog["ds"] > end].reset_index(drop=True)
    return merged.reset_index(drop=True), future
