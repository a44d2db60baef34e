"""Net requirements: the arithmetic a planner can check by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from c2m.errors import DataError
from c2m.planning.inputs import OpenOrderInfo, SkuInfo
from c2m.planning.netting import net_requirements, quantile
from tests.worlds import START

D0 = START.date()
SKUS = {
    "A-M": SkuInfo("A-M", "A", "BLK", "M"),
    "A-L": SkuInfo("A-L", "A", "BLK", "L"),
}


def frame(rows):
    return pd.DataFrame(rows, columns=["unique_id", "ds", "yhat", "q10", "q50", "q80", "q90"])


def flat(sku, days, mean, spread80=0.0):
    return [
        (sku, D0 + dt.timedelta(days=d), mean, mean, mean, mean + spread80, mean + spread80)
        for d in range(days)
    ]


def test_median_service_nets_stock_and_orders_day_by_day():
    fc = frame(flat("A-M", 5, 10.0))
    orders = [OpenOrderInfo("A-M", D0 + dt.timedelta(days=2), 7)]
    net = net_requirements(fc, SKUS, D0, 5, 0.5, on_hand={"A-M": 25}, orders=orders)
    # cumulative demand 10, 20, 37 (order), 47, 57 minus 25 on hand
    assert net["requirement"].tolist() == [0, 0, 12, 22, 32]
    assert net["net"].tolist() == [0, 0, 12, 10, 10]
    assert (net["safety"] == 0).all()


def test_safety_stock_grows_with_the_square_root_of_time():
    fc = frame(flat("A-M", 4, 10.0, spread80=3.0))
    net = net_requirements(fc, SKUS, D0, 4, 0.8)
    expected = 3.0 * np.sqrt([1, 2, 3, 4])
    assert np.allclose(net["safety"], expected)
    assert np.allclose(net["requirement"], 10 * np.arange(1, 5) + expected)


def test_work_in_progress_counts_as_available():
    fc = frame(flat("A-M", 3, 10.0))
    net = net_requirements(fc, SKUS, D0, 3, 0.5, on_hand={"A-M": 5}, wip={"A-M": 10})
    assert net["requirement"].tolist() == [0, 5, 15]


def test_style_key_pools_sizes():
    fc = frame(flat("A-M", 2, 4.0) + flat("A-L", 2, 6.0))
    net = net_requirements(fc, SKUS, D0, 2, 0.5, on_hand={"A-L": 3}, key=lambda s: s.style)
    assert net["key"].unique().tolist() == ["A"]
    assert net["requirement"].tolist() == [7, 17]


def test_quantile_interpolates_between_columns():
    fc = frame([("A-M", D0, 10, 5, 10, 14, 16)])
    assert quantile(fc, 0.8)[0] == 14
    between = quantile(fc, 0.85)[0]
    assert 14 < between < 16


def test_unknown_sku_and_empty_forecast_are_data_errors():
    with pytest.raises(DataError, match="not in the catalogue"):
        net_requirements(frame(flat("ZZ", 2, 1.0)), SKUS, D0, 2, 0.5)
    with pytest.raises(DataError, match="covers 2027-01-06 to 2027-01-07, but the plan needs"):
        late = frame(flat("A-M", 2, 1.0))
        late["ds"] = late["ds"] + dt.timedelta(days=30)
        net_requirements(late, SKUS, D0, 2, 0.5)


def test_a_forecast_shorter_than_the_plan_is_a_data_error_not_a_quiet_underplan():
    """Days past the forecast would be planned as days without demand."""
    fc = frame(flat("A-M", 3, 10.0))
    assert len(net_requirements(fc, SKUS, D0, 3, 0.5)) == 3
    with pytest.raises(DataError, match=r"but the plan needs every day from .* run `c2m forecast`"):
        net_requirements(fc, SKUS, D0, 14, 0.5)
    with pytest.raises(DataError, match="the plan needs every day"):
        net_requirements(fc, SKUS, D0 - dt.timedelta(days=1), 3, 0.5)
