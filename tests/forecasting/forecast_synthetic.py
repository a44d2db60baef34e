"""Small synthetic panels with a known answer, shared by the forecasting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

WEEK = np.array([10.0, 8.0, 8.0, 9.0, 12.0, 20.0, 25.0])


def frame(series: dict[str, np.ndarray], start: str = "2026-01-05", **signals) -> pd.DataFrame:
    """Long frame from ``{id: y}`` (and ``{name: {id: values}}`` signal columns)."""
    parts = []
    for uid, y in series.items():
        ds = pd.date_range(start, periods=len(y), freq="D")
        part = pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.asarray(y, float)})
        for name, values in signals.items():
            part[name] = np.asarray(values[uid], float)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def weekly(n_weeks: int = 10, scale: float = 1.0) -> np.ndarray:
    return np.tile(WEEK * scale, n_weeks)


def poisson_panel(n: int = 40, T: int = 84, seed: int = 0) -> pd.DataFrame:
    """Weekly-patterned Poisson demand with clicks that track the level (a calm shop)."""
    rng = np.random.default_rng(seed)
    series, clicks = {}, {}
    for i in range(n):
        level = rng.gamma(2.0, 3.0)
        lam = level * np.tile(WEEK / WEEK.mean(), T // 7 + 1)[:T]
        series[f"s{i:02d}"] = rng.poisson(lam)
        clicks[f"s{i:02d}"] = rng.poisson(lam * 25)
    return frame(series, clicks=clicks)
