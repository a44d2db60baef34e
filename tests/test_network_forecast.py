"""The network's forecast as tasks of the library's fixed-size groups: the same forecast as
the library's own run of the whole panel, whatever runs the groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import forecasting
import forecasting.engine
from c2m.errors import DataError
from c2m.network.engine import EngineOptions
from c2m.network.forecast import forecast_on_cluster, group_tasks


def _history(n: int, days: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    ds = pd.date_range("2026-10-01", periods=days, freq="D")
    level = rng.gamma(2.0, 3.0, n)
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"SKU{i:03d}" for i in range(n)], days),
            "ds": np.tile(ds, n),
            "y": rng.poisson(np.repeat(level, days)).astype(float),
        }
    )


def test_groups_are_the_librarys_and_their_forecast_is_the_whole_panels(monkeypatch) -> None:
    monkeypatch.setattr(forecasting.engine, "GROUP_SIZE", 10)  # 37 series: 3 groups
    history = _history(37).sample(frac=1.0, random_state=1)  # any row order
    tasks = group_tasks(history, 7, "seasonal_ma")
    assert [len(t[0]["unique_id"].unique()) for t in tasks.values()] == [12, 12, 13]
    ours = forecast_on_cluster(history, 7, EngineOptions(serial=True), method="seasonal_ma")
    whole = forecasting.forecast(history, 7, method="seasonal_ma", n_jobs=1)
    pd.testing.assert_frame_equal(ours, whole)


def test_a_group_that_fails_fails_the_forecast_with_one_sentence() -> None:
    history = _history(5)
    history.loc[3, "y"] = np.nan  # the library refuses a missing sale
    with pytest.raises(DataError, match="forecast-00000"):
        forecast_on_cluster(history, 7, EngineOptions(serial=True), method="naive")


def test_on_two_local_workers_the_forecast_is_the_same() -> None:
    pytest.importorskip("distributed")
    history = _history(12)
    two = forecast_on_cluster(history, 7, EngineOptions(workers=2), method="seasonal_ma")
    whole = forecasting.forecast(history, 7, method="seasonal_ma", n_jobs=1)
    pd.testing.assert_frame_equal(two, whole)
