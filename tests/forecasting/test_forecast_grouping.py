"""The forecast groups series by a fixed size, so the core count never changes a forecast."""

from __future__ import annotations

import pandas as pd

import forecasting
from forecasting import engine
from tests.worlds import poisson_panel


def test_group_edges_depend_on_the_number_of_series_only():
    assert list(engine.group_bounds(10)) == [0, 10]
    n = 5 * engine.GROUP_SIZE + 7
    edges = engine.group_bounds(n)
    assert len(edges) == 6 and edges[0] == 0 and edges[-1] == n


def test_one_worker_and_two_workers_give_the_same_forecast(monkeypatch):
    monkeypatch.setattr(engine, "GROUP_SIZE", 10)  # 3 groups of the 30 series below
    df = poisson_panel(n=30, T=63, seed=5)
    one = forecasting.forecast(df, 7, method="seasonal_ma", n_jobs=1)
    two = forecasting.forecast(df, 7, method="seasonal_ma", n_jobs=2)
    pd.testing.assert_frame_equal(one, two)
