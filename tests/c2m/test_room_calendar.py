"""The room calendar as per-SKU known-ahead columns (c2m.room_calendar)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from c2m.room_calendar import attach_calendar, calendar_exog, room_weights

SKUS = pd.DataFrame({"sku": ["A-S", "A-M", "B-S", "C-S"], "style": ["A", "A", "B", "C"]})
CLICKS = pd.DataFrame(
    {
        "room_id": ["r1", "r2", "r1", "r2"],
        "sku": ["A-S", "A-S", "A-M", "B-S"],
        "clicks": [30.0, 10.0, 0.0, 5.0],
    }
)


def _schedule(days, rows):
    """rows: {room: [(broadcast, promotion) per day]}"""
    out = []
    for room, flags in rows.items():
        for day, (b, p) in zip(days, flags, strict=True):
            out.append({"date": day, "room_id": room, "broadcast": b, "promotion": p})
    return pd.DataFrame(out)


def test_room_weights_fall_back_from_sku_to_style_to_all_rooms():
    w = room_weights(CLICKS, SKUS, ["r1", "r2"])
    np.testing.assert_allclose(w[0], [0.75, 0.25])  # its own clicks
    np.testing.assert_allclose(w[1], [0.75, 0.25])  # no clicks of its own: its style's
    np.testing.assert_allclose(w[2], [0.0, 1.0])  # sold in r2 only
    np.testing.assert_allclose(w[3], [30 / 45, 15 / 45])  # a style never clicked: all clicks
    np.testing.assert_allclose(w.sum(axis=1), 1.0)


def test_shares_on_air_and_on_promotion_per_sku_and_day():
    days = pd.date_range("2026-12-01", periods=3)
    sched = _schedule(days, {"r1": [(1, 0), (0, 0), (1, 1)], "r2": [(1, 1), (1, 0), (0, 0)]})
    exog = calendar_exog(CLICKS, sched, SKUS, days, days[1:])
    a = exog[exog["unique_id"] == "A-S"]
    np.testing.assert_allclose(a["on_air"], [1.0, 0.25, 0.75])
    np.testing.assert_allclose(a["promotion"], [0.25, 0.0, 0.75])
    b = exog[exog["unique_id"] == "B-S"]
    np.testing.assert_allclose(b["on_air"], [1.0, 1.0, 0.0])


def test_a_day_missing_inside_a_rooms_span_is_off_air_and_outside_unknown():
    days = pd.date_range("2026-12-01", periods=4)
    # r1 lists only its sessions on the 1st and 3rd; r2 starts on the 2nd
    sched = pd.DataFrame(
        {
            "date": [days[0], days[2], days[1], days[2], days[3]],
            "room_id": ["r1", "r1", "r2", "r2", "r2"],
            "broadcast": [1, 1, 1, 1, 1],
            "promotion": [0, 0, 0, 0, 0],
        }
    )
    exog = calendar_exog(CLICKS, sched, SKUS, days[:3], days[1:3])
    a = exog[exog["unique_id"] == "A-S"]["on_air"].to_numpy()
    assert np.isnan(a[0])  # r2's calendar had not started: unknown, not a guess
    np.testing.assert_allclose(a[1:], [0.25, 1.0])  # the 2nd: r1 off air (no row in its span)
    # the horizon reaches past r1's last listed day: the calendar is not used at all
    assert calendar_exog(CLICKS, sched, SKUS, days, days[2:]) is None


def test_attach_calendar_fills_quiet_days_and_gives_the_future():
    days = pd.date_range("2026-12-01", periods=5)
    sched = _schedule(days, {"r1": [(1, 0), (0, 0), (1, 0), (1, 1), (0, 0)]})
    history = pd.DataFrame(
        {
            "unique_id": ["A-S", "A-S", "B-S"],
            "ds": [days[0], days[2], days[1]],
            "y": [4.0, 5.0, 1.0],
            "clicks": [40.0, 50.0, 9.0],
        }
    )
    merged, future = attach_calendar(history, CLICKS, sched, SKUS[:3], days[4])
    a = merged[merged["unique_id"] == "A-S"].sort_values("ds")
    assert list(a["ds"]) == list(days[:3])
    assert list(a["y"]) == [4.0, 0.0, 5.0]  # the quiet, off-air 2nd is a day with 0 orders
    assert np.isnan(a["clicks"].iloc[1])
    assert list(a["on_air"]) == [1.0, 0.0, 1.0]
    b = merged[merged["unique_id"] == "B-S"]
    assert b["ds"].min() == days[1]  # nothing before a SKU's first row
    assert set(future["unique_id"]) == {"A-S", "B-S"}  # only SKUs with history
    assert sorted(future["ds"].unique()) == list(days[3:])
    fa = future[future["unique_id"] == "A-S"].sort_values("ds")
    assert list(fa["promotion"]) == [1.0, 0.0]

    short, none = attach_calendar(history, CLICKS, sched, SKUS[:3], days[4] + pd.Timedelta(1, "D"))
    assert none is None
    pd.testing.assert_frame_equal(short, history)


@pytest.mark.parametrize("empty", [pd.DataFrame(columns=["date", "room_id", "broadcast"])])
def test_no_calendar_gives_none(empty):
    days = pd.date_range("2026-12-01", periods=2)
    assert calendar_exog(CLICKS, empty, SKUS, days, days[1:]) is None
