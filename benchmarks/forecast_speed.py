"""Forecast speed: ``forecasting.forecast`` (auto) against statsforecast AutoETS, same data.

Synthetic live-commerce panels (weekly rhythm, low-volume intermittent SKUs, late launches,
click bursts that orders follow) of 1,000 and 10,000 series x 180 days, horizon 14. Both
libraries get all cores. Reports seconds, the ratio ours / AutoETS (target <= 2) and the
growth from 1,000 to 10,000 series (linear = 10x). Prints JSON and writes
``benchmarks/results/forecast_speed.json``.

Run: ``.venv/bin/python benchmarks/forecast_speed.py [--sizes 1000 10000] [--days 180]``
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

import forecasting

RESULTS = Path(__file__).resolve().parent / "results" / "forecast_speed.json"


def panel(n: int, days: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    week = np.array([1.0, 0.85, 0.85, 0.9, 1.05, 1.5, 1.7])
    level = rng.gamma(1.2, 4.0, n)
    t = np.arange(days)
    lam = level[:, None] * week[t % 7][None, :]
    burst = np.ones((n, days))
    for i in np.flatnonzero(rng.random(n) < 0.2):
        d = rng.integers(10, days)
        burst[i, d:] *= 1 + 4 * 0.85 ** np.arange(days - d)
    clicks = rng.poisson(30 * lam * burst)
    orders = rng.binomial(clicks, 1 / 30 * np.ones_like(lam))
    start = np.where(rng.random(n) < 0.1, rng.integers(0, days - 14, n), 0)
    keep = t[None, :] >= start[:, None]
    ids = np.array([f"sku{i:05d}" for i in range(n)])
    ds = pd.date_range("2026-01-01", periods=days, freq="D")
    ii, tt = np.nonzero(keep)
    return pd.DataFrame(
        {
            "unique_id": ids[ii],
            "ds": ds[tt],
            "y": orders[ii, tt].astype(float),
            "clicks": clicks[ii, tt].astype(float),
        }
    )


def time_ours(df: pd.DataFrame, h: int) -> float:
    t0 = time.perf_counter()
    forecasting.forecast(df, h)
    return time.perf_counter() - t0


def time_autoets(df: pd.DataFrame, h: int) -> float:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, Naive

    sf = StatsForecast(
        models=[AutoETS(season_length=7)], freq="D", n_jobs=-1, fallback_model=Naive()
    )
    t0 = time.perf_counter()
    sf.forecast(df=df[["unique_id", "ds", "y"]], h=h, level=[80])
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--horizon", type=int, default=14)
    args = parser.parse_args()
    # warm up both (imports, numba compilation) so neither pays it inside the timing
    small = panel(50, args.days, seed=1)
    time_ours(small, args.horizon)
    time_autoets(small, args.horizon)
    runs = []
    for n in args.sizes:
        df = panel(n, args.days)
        ours = time_ours(df, args.horizon)
        ets = time_autoets(df, args.horizon)
        runs.append(
            {
                "series": n,
                "days": args.days,
                "rows": len(df),
                "horizon": args.horizon,
                "seconds_ours_auto": round(ours, 2),
                "seconds_statsforecast_autoets": round(ets, 2),
                "ratio_ours_to_autoets": round(ours / ets, 3),
            }
        )
    result = {"benchmark": "forecast_speed", "cores": os.cpu_count(), "runs": runs}
    if len(runs) >= 2:
        a, b = runs[0], runs[-1]
        result["growth"] = {
            "series_factor": b["series"] / a["series"],
            "ours_time_factor": round(b["seconds_ours_auto"] / a["seconds_ours_auto"], 2),
            "autoets_time_factor": round(
                b["seconds_statsforecast_autoets"] / a["seconds_statsforecast_autoets"], 2
            ),
        }
    text = json.dumps(result, indent=2)
    if args.sizes == [1000, 10000] and args.days == 180:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
