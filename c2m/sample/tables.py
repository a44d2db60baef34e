"""The tables a sample world shows, drawn from its simulated demand path.

:mod:`c2m.sample.world` decides *what* happens (catalogue, rooms, demand, stock); this module
only lays the path out as the rows a merchandiser would import (signals, room calendar) and
the rows a test or a simulation checks against (true demand, expected demand, viral days,
rooms). Row order is part of the output (the CSVs are byte-for-byte reproducible), so every
table is built in a fixed order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from c2m.sample.demand import WARMUP_DAYS, DemandPath, Rooms, SampleDays


def truth_tables(
    path: DemandPath,
    sample_days: SampleDays,
    skus: pd.DataFrame,
    daily_orders: np.ndarray,
    history_days: int,
    future_days: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(truth, expected)``: the future's real orders per SKU-day, and every day's mean."""
    sku_codes = skus["sku"].to_numpy()
    days = sample_days.dates[WARMUP_DAYS:]
    fut = slice(history_days, history_days + future_days)
    truth = _dense(days[fut], sku_codes, daily_orders[fut], "demand").astype({"demand": int})
    expected = _dense(days, sku_codes, path.expected[WARMUP_DAYS:], "mean")
    return truth, expected


def room_table(rooms: Rooms) -> pd.DataFrame:
    """One row per room: platform, reach and how often it broadcast."""
    return pd.DataFrame(
        {
            "room_id": rooms.ids,
            "platform": rooms.platforms,
            "reach": np.round(rooms.reach, 3),
            "broadcast_share": np.round(rooms.on_air[WARMUP_DAYS:].mean(axis=0), 3),
        }
    )


def viral_table(path: DemandPath, sample_days: SampleDays, styles: pd.DataFrame) -> pd.DataFrame:
    """The days a style went viral, from the first reported day (what a test can check)."""
    return pd.DataFrame(
        [
            {"date": sample_days.dates[t], "style": styles["style"].iat[s]}
            for t, s in path.viral_starts
            if t >= WARMUP_DAYS
        ],
        columns=["date", "style"],
    )


def room_calendar(sample_days: SampleDays, rooms: Rooms) -> pd.DataFrame:
    """The rooms' published calendar: planned broadcasts and promotions, one row per room-day.

    A room publishes its streams and promotions weeks ahead (platforms sell the promotion
    slots, and a platform festival's date is known months ahead), so the calendar covers the
    future too; the few sessions cancelled on the day stay in it as planned, as they would in
    a real schedule.
    """
    days = sample_days.dates[WARMUP_DAYS:]
    planned = rooms.planned[WARMUP_DAYS:]
    promo = rooms.promo.copy()
    if sample_days.festival is not None:
        promo[sample_days.festival] = True  # a platform festival is every room's promotion day
    promo = promo[WARMUP_DAYS:]
    R = len(rooms.ids)
    return pd.DataFrame(
        {
            "date": np.repeat(days, R),
            "room_id": np.tile(rooms.ids, len(days)),
            "broadcast": planned.reshape(-1).astype(int),
            "promotion": promo.reshape(-1).astype(int),
        }
    )


def _dense(days: pd.DatetimeIndex, skus: np.ndarray, values: np.ndarray, name: str) -> pd.DataFrame:
    """One row per day x SKU, ``values`` (days x SKUs) flattened day by day."""
    return pd.DataFrame(
        {
            "date": np.repeat(days.to_numpy(), len(skus)),
            "sku": np.tile(skus, len(days)),
            name: values.reshape(-1),
        }
    )


def signal_rows(
    path: DemandPath, sample_days: SampleDays, rooms: Rooms, skus: pd.DataFrame
) -> pd.DataFrame:
    """One row per day x room x SKU with any activity, from the first reported day."""
    clicks, carts, orders = path.clicks, path.carts, path.orders
    active = (clicks + carts + orders) > 0
    active[:WARMUP_DAYS] = False
    t, r, k = np.nonzero(active)
    price = skus["price"].to_numpy()[k] * (1 - rooms.discount[t, r])
    rank = pd.array(path.rank[t, r, k], dtype="Float64").astype("Int64")
    frame = pd.DataFrame(
        {
            "date": sample_days.dates[t],
            "room_id": np.asarray(rooms.ids)[r],
            "sku": skus["sku"].to_numpy()[k],
            "style": skus["style"].to_numpy()[k],
            "colour": skus["colour"].to_numpy()[k],
            "size": skus["size"].to_numpy()[k],
            "clicks": clicks[t, r, k],
            "carts": carts[t, r, k],
            "orders": orders[t, r, k],
            "rank": rank,
            "price": np.round(price, 1),
        }
    )
    return frame.sort_values(["date", "room_id", "sku"], kind="stable").reset_index(drop=True)
