"""The mlforecast LightGBM reference of the forecast benchmark: it sees only what ``auto`` is
given (no future signal leaks in) and is skipped cleanly without the ``bench`` extra."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _reference():
    spec = importlib.util.spec_from_file_location("bench_mlf", BENCH / "mlforecast_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_signals_reach_the_model_only_h_days_late():
    ref = _reference()
    days = pd.date_range("2026-01-01", periods=10, freq="D")
    frame = pd.DataFrame({"unique_id": "A", "ds": days, "clicks": range(10)})
    lagged = ref.lagged_signals(frame, ["clicks"], h=3).set_index("ds")["clicks_mean7_lag3"]
    assert len(lagged) == 13  # the frame's days and the 3 of the horizon
    # the value on a day is the 7-day mean ending 3 days before it: nothing later
    assert lagged[days[5]] == pytest.approx(sum(range(0, 3)) / 3)
    assert lagged[days[9] + pd.Timedelta(days=3)] == pytest.approx(sum(range(3, 10)) / 7)


def test_the_reference_forecasts_every_seen_series_with_an_interval():
    pytest.importorskip("mlforecast")
    pytest.importorskip("lightgbm")
    ref = _reference()
    rng = pd.Series(range(120))
    rows = []
    for uid, scale in (("A", 5), ("B", 20)):
        days = pd.date_range("2026-01-01", periods=120, freq="D")
        y = (scale + (rng % 7 == 5) * scale).to_numpy(float)
        rows.append(
            pd.DataFrame(
                {"unique_id": uid, "ds": days, "y": y, "clicks": y * 10, "on_air": (rng % 7 == 5)}
            )
        )
    history = pd.concat(rows, ignore_index=True)
    future = pd.DataFrame(
        {
            "unique_id": ["A"] * 7 + ["B"] * 7 + ["NEW"] * 7,
            "ds": list(pd.date_range("2026-05-01", periods=7, freq="D")) * 3,
            "on_air": [0.0] * 21,
        }
    )
    fc = ref.lightgbm_forecast(history, future, 7, ["clicks"], ["on_air"])
    assert set(fc["unique_id"]) == {"A", "B"}  # a series it never saw gets nothing
    assert len(fc) == 14
    assert (fc["lo"] <= fc["yhat"] + 1e-9).all() and (fc["yhat"] <= fc["hi"] + 1e-9).all()
    level = fc.groupby("unique_id")["yhat"].mean()
    assert level["B"] > level["A"]
