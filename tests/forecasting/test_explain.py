"""Each input's worth, measured by taking it away from the chosen model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.explain import explain

DAYS = 42


def frame(last_week: float = 10.0, before: float = 4.0) -> pd.DataFrame:
    """Two series: ``a`` sold ``before`` a day, then ``last_week`` a day in the last 7 days."""
    ds = pd.date_range("2026-03-01", periods=DAYS, freq="D")
    a = np.r_[np.full(DAYS - 7, before), np.full(7, last_week)]
    rows = [
        pd.DataFrame({"unique_id": "a", "ds": ds, "y": a, "clicks": 10 * a}),
        pd.DataFrame({"unique_id": "b", "ds": ds, "y": 3.0, "clicks": 30.0}),
    ]
    return pd.concat(rows, ignore_index=True)


def test_last_weeks_jump_is_worth_its_size_to_a_moving_average():
    e = explain(frame(), "a", 7, "moving_average")
    assert e.yhat == pytest.approx(np.full(7, 10.0))
    # without the jump the 7-day mean is 4: the last week was worth 7 x (10 - 4) units
    assert e.contributions["sales of the last 7 days vs the weeks before"] == pytest.approx(42.0)
    assert e.contributions["clicks (observed)"] == 0.0, "a moving average does not read clicks"


def test_a_combination_is_explained_as_the_mean_of_its_two_models():
    single = explain(frame(), "a", 7, "moving_average")
    naive = explain(frame(), "a", 7, "seasonal_naive")
    combo = explain(frame(), "a", 7, "combo:moving_average+seasonal_naive")
    assert combo.yhat == pytest.approx((single.yhat + naive.yhat) / 2)


def test_a_median_combination_is_explained_as_the_median_of_its_members():
    members = ["moving_average", "seasonal_naive", "tsb"]
    singles = np.stack([explain(frame(), "a", 7, m).yhat for m in members])
    combo = explain(frame(), "a", 7, "combo-median:" + "+".join(members))
    assert combo.yhat == pytest.approx(np.median(singles, axis=0))
    assert not np.allclose(combo.yhat, singles.mean(axis=0)), "the world must tell them apart"


def test_an_unknown_series_is_a_clear_error():
    with pytest.raises(ValueError, match="not in the data"):
        explain(frame(), "zz", 7, "moving_average")
