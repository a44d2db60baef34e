"""Style -> SKU: shares learned from sales and attribute curves, forecasts that add up."""

from __future__ import annotations

import numpy as np
import pandas as pd

import forecasting
from tests.worlds import frame, weekly


def catalogue():
    rows = []
    for style in ("A", "B"):
        for colour in ("black", "white"):
            for size in ("S", "M", "L"):
                rows.append((f"{style}-{colour}-{size}", style, "tee", colour, size))
    return pd.DataFrame(rows, columns=["unique_id", "style", "category", "colour", "size"])


def sku_sales(cat):
    size_mix = {"S": 1.0, "M": 3.0, "L": 2.0}
    colour_mix = {"black": 2.0, "white": 1.0}
    series = {}
    for r in cat.itertuples():
        scale = size_mix[r.size] * colour_mix[r.colour] * (0.0 if r.unique_id == "B-white-L" else 1)
        series[r.unique_id] = weekly(6, scale / 4)
    return frame(series)


def test_shares_sum_to_one_and_follow_sales():
    cat = catalogue()
    shares = forecasting.learn_shares(sku_sales(cat), cat, "style", ("colour", "size"))
    sums = shares.groupby("style")["share"].sum()
    np.testing.assert_allclose(sums, 1.0)
    s = shares.set_index("unique_id")["share"]
    assert s["A-black-M"] > s["A-black-L"] > s["A-black-S"]
    # a SKU with no sales keeps a small share from the size and colour curves
    assert 0 < s["B-white-L"] < s["B-black-L"]


def test_split_adds_up_to_the_style_forecast():
    cat = catalogue()
    df = sku_sales(cat)
    styles = forecasting.aggregate(df, cat, "style")
    assert set(styles["unique_id"]) == {"A", "B"}
    top = forecasting.forecast(styles, 7, method="seasonal_ma")
    shares = forecasting.learn_shares(df, cat, "style", ("colour", "size"))
    skus = forecasting.split(top, shares, "style")
    assert len(skus) == len(cat) * 7
    joined = skus.merge(cat[["unique_id", "style"]], on="unique_id")
    back = joined.groupby(["style", "ds"])["yhat"].sum().reset_index()
    merged = back.merge(top, left_on=["style", "ds"], right_on=["unique_id", "ds"])
    np.testing.assert_allclose(merged["yhat_x"], merged["yhat_y"])
    assert (skus["q10"] <= skus["q90"]).all()


def test_reconcile_rescales_sku_forecasts_to_the_style_total():
    cat = catalogue()
    df = sku_sales(cat)
    sku_fc = forecasting.forecast(df, 7, method="seasonal_naive")
    top = forecasting.forecast(forecasting.aggregate(df, cat, "style"), 7, method="naive")
    rec = forecasting.reconcile(sku_fc, top, cat, "style")
    joined = rec.merge(cat[["unique_id", "style"]], on="unique_id")
    back = joined.groupby(["style", "ds"])["yhat"].sum().reset_index()
    merged = back.merge(top, left_on=["style", "ds"], right_on=["unique_id", "ds"])
    np.testing.assert_allclose(merged["yhat_x"], merged["yhat_y"])
    q = rec[["q10", "q50", "q80", "q90"]].to_numpy()
    assert np.all(np.diff(q, axis=1) >= -1e-9)
