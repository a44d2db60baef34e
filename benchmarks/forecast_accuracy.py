"""Forecast accuracy: our ``auto`` against the baselines and statsforecast's AutoETS.

Two data sets, both with the truth known:

1. **The sample world** (``c2m.sample``): forecasts made at three origins inside the world's
   future (end of history, +7, +14 days), each scored against the true demand of the next 7
   days. Methods: ``auto`` (reading the live-room signals), ``auto`` with the signals removed
   (what reading the rooms is worth), seasonal naive, naive, the global model alone, and
   statsforecast AutoETS on exactly the same series.
2. **Weekly retail** (synthetic, generated here): store-item sales with yearly seasonality,
   price elasticity, temporary price cuts and promotion lifts; planned price and promotion are
   known ahead. Rolling-origin backtest with ``forecasting.backtest`` and the same cut-offs
   through statsforecast's ``cross_validation``.

Prints one JSON object and writes it to ``benchmarks/results/forecast_accuracy.json``.
Run: ``.venv/bin/python benchmarks/forecast_accuracy.py [--seeds 1 2] [--quick]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

import forecasting
from forecasting.panel import build_panel

RESULTS = Path(__file__).resolve().parent / "results" / "forecast_accuracy.json"
# the signals c2m.forecasts hands the library (rank and price measured to add noise there)
SIGNALS = ["clicks", "carts"]


def dense(df: pd.DataFrame, freq: str) -> pd.DataFrame:
    """The gap-filled frame our library sees (zeros after a series starts), for statsforecast."""
    panel = build_panel(df[["unique_id", "ds", "y"]], 1, freq)
    rows = []
    for i, uid in enumerate(panel.ids):
        s = panel.start[i]
        rows.append(pd.DataFrame({"unique_id": uid, "ds": panel.dates[s:], "y": panel.y[i, s:]}))
    return pd.concat(rows, ignore_index=True)


def autoets_forecast(df: pd.DataFrame, h: int, season: int, freq: str) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, Naive

    sf = StatsForecast(
        models=[AutoETS(season_length=season)], freq=freq, n_jobs=1, fallback_model=Naive()
    )
    fc = sf.forecast(df=dense(df, freq), h=h, level=[80])
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    return fc.rename(
        columns={"AutoETS": "yhat", "AutoETS-lo-80": "lo", "AutoETS-hi-80": "hi"}
    ).assign(yhat=lambda d: d["yhat"].clip(lower=0))


def score(frame: pd.DataFrame) -> dict:
    """WAPE, bias and 80 % coverage of a frame with y, yhat, lo, hi."""
    y, f = frame["y"].to_numpy(float), frame["yhat"].to_numpy(float)
    total = np.abs(y).sum()
    out = {
        "wape": round(float(np.abs(y - f).sum() / total), 4),
        "bias": round(float((f - y).sum() / total), 4),
    }
    if "lo" in frame:
        inside = (y >= frame["lo"].to_numpy() - 1e-9) & (y <= frame["hi"].to_numpy() + 1e-9)
        out["coverage_80"] = round(float(inside.mean()), 4)
    return out


def sample_world(seeds: list[int], h: int = 7) -> dict:
    from c2m.sample import generate

    per_method: dict[str, list[pd.DataFrame]] = {}
    seconds: dict[str, float] = {}
    series = 0
    for seed in seeds:
        world = generate(seed, history_days=120, future_days=28)
        truth = world.truth.rename(columns={"sku": "unique_id", "date": "ds", "demand": "y"})
        truth["ds"] = pd.to_datetime(truth["ds"])
        hier = world.catalog[["sku", "style", "category"]].rename(columns={"sku": "unique_id"})
        for offset in (0, 7, 14):
            origin = world.history_end + dt.timedelta(days=offset)
            df = world.to_long(until=origin)[["unique_id", "ds", "y", *SIGNALS]]
            window = truth[
                (truth["ds"] > pd.Timestamp(origin))
                & (truth["ds"] <= pd.Timestamp(origin) + pd.Timedelta(days=h))
            ]
            series += df["unique_id"].nunique()
            runs = {
                "auto": lambda df=df, hier=hier: forecasting.forecast(df, h, hierarchy=hier),
                "auto_without_signals": lambda df=df, hier=hier: forecasting.forecast(
                    df[["unique_id", "ds", "y"]], h, hierarchy=hier
                ),
                "seasonal_naive": lambda df=df: forecasting.forecast(
                    df, h, method="seasonal_naive"
                ),
                "naive": lambda df=df: forecasting.forecast(df, h, method="naive"),
                "statsforecast_autoets": lambda df=df: autoets_forecast(df, h, 7, "D"),
            }
            for name, make in runs.items():
                t0 = time.perf_counter()
                fc = make()
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t0
                if "q10" in fc:
                    fc = fc.rename(columns={"q10": "lo", "q90": "hi"})
                fc["ds"] = pd.to_datetime(fc["ds"])
                joined = fc.merge(window, on=["unique_id", "ds"], how="left")
                joined["y"] = joined["y"].fillna(0.0)
                per_method.setdefault(name, []).append(joined[["y", "yhat", "lo", "hi"]])
    methods = []
    for name, frames in per_method.items():
        methods.append(
            {"method": name, **score(pd.concat(frames)), "seconds": round(seconds[name], 2)}
        )
    by = {m["method"]: m for m in methods}
    return {
        "data": "c2m.sample world, default scenario, 120 days history, forecasts at 3 origins "
        "in the true future, horizon 7",
        "seeds": seeds,
        "forecasts": series,
        "methods": methods,
        "auto_vs_seasonal_naive_wape_gain": round(
            1 - by["auto"]["wape"] / by["seasonal_naive"]["wape"], 4
        ),
        "auto_vs_autoets_wape_gain": round(
            1 - by["auto"]["wape"] / by["statsforecast_autoets"]["wape"], 4
        ),
        "signal_value_wape_gain": round(
            1 - by["auto"]["wape"] / by["auto_without_signals"]["wape"], 4
        ),
    }


def weekly_retail(n_series: int = 150, weeks: int = 156, seed: int = 0) -> pd.DataFrame:
    """Store-item weekly sales: yearly season, holiday peak, price elasticity, promo lifts.

    Planned price and promotion are decided ahead (known future exogenous columns); the
    elasticity differs by item, so a model has to learn it across series.
    """
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2023-01-06", periods=weeks, freq="W-FRI")
    week = np.asarray(ds.isocalendar().week, dtype=float)
    parts = []
    for i in range(n_series):
        base = rng.lognormal(3.5, 0.8)
        amp = rng.uniform(0.1, 0.5)
        phase = rng.uniform(0, 2 * np.pi)
        season = 1 + amp * np.sin(2 * np.pi * week / 52 + phase)
        holiday = 1 + rng.uniform(0.2, 1.0) * np.isin(week, [47, 48, 51, 52])
        list_price = rng.uniform(5, 50)
        cut = np.zeros(weeks)
        starts = rng.choice(weeks, size=weeks // 10, replace=False)
        for s in starts:
            cut[s : s + rng.integers(1, 4)] = rng.uniform(0.1, 0.4)
        price = list_price * (1 - cut)
        promo = (rng.random(weeks) < 0.08).astype(float)
        elasticity = rng.uniform(1.0, 3.0)
        lift = rng.uniform(1.3, 2.5)
        trend = np.exp(rng.normal(0, 0.002) * np.arange(weeks))
        lam = base * season * holiday * trend * (price / list_price) ** -elasticity
        lam = lam * np.where(promo > 0, lift, 1.0)
        y = rng.negative_binomial(10, 10 / (10 + lam))
        parts.append(
            pd.DataFrame(
                {
                    "unique_id": f"item{i:03d}",
                    "ds": ds,
                    "y": y.astype(float),
                    "price": price,
                    "promo": promo,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def retail(h: int = 8, folds: int = 4) -> dict:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS, Naive

    df = weekly_retail()
    t0 = time.perf_counter()
    ours = forecasting.backtest(
        df,
        h,
        folds,
        freq="W-FRI",
        methods=("auto", "global", "seasonal_naive", "naive"),
        future_exog=["price", "promo"],
    )
    blind = forecasting.backtest(
        df[["unique_id", "ds", "y"]], h, folds, freq="W-FRI", methods=("auto",)
    )
    ours_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    sf = StatsForecast(
        models=[AutoETS(season_length=52)], freq="W-FRI", n_jobs=1, fallback_model=Naive()
    )
    cv = sf.cross_validation(
        df=df[["unique_id", "ds", "y"]], h=h, n_windows=folds, step_size=h, level=[80]
    )
    ets_seconds = time.perf_counter() - t0
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    cv = cv.rename(columns={"AutoETS": "yhat", "AutoETS-lo-80": "lo", "AutoETS-hi-80": "hi"})
    cv["yhat"] = cv["yhat"].clip(lower=0)
    methods = [
        {
            k: (round(float(v), 4) if isinstance(v, float | np.floating) else v)
            for k, v in row.items()
            if k in ("method", "wape", "mase", "bias", "coverage_80", "pinball", "seconds")
        }
        for row in ours.to_dict("records")
    ]
    row = blind.iloc[0]
    methods.append(
        {
            "method": "auto_without_price_promo",
            "wape": round(float(row["wape"]), 4),
            "bias": round(float(row["bias"]), 4),
            "coverage_80": round(float(row["coverage_80"]), 4),
            "seconds": round(float(row["seconds"]), 2),
        }
    )
    methods.append(
        {"method": "statsforecast_autoets", **score(cv), "seconds": round(ets_seconds, 2)}
    )
    by = {m["method"]: m for m in methods}
    best_baseline = min(by[m]["wape"] for m in ("naive", "seasonal_naive", "statsforecast_autoets"))
    return {
        "data": "synthetic weekly retail: 150 store-items x 156 weeks, yearly season, price "
        "elasticity 1-3, temporary price cuts, promotion lifts 1.3-2.5x; price and promo known "
        "ahead",
        "horizon": h,
        "folds": folds,
        "methods": methods,
        "auto_vs_best_baseline_wape_gain": round(1 - by["auto"]["wape"] / best_baseline, 4),
        "seconds_ours": round(ours_seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--skip-retail", action="store_true")
    parser.add_argument("--skip-sample", action="store_true")
    args = parser.parse_args()
    result: dict = {"benchmark": "forecast_accuracy"}
    if not args.skip_sample:
        result["sample_world"] = sample_world(args.seeds)
    if not args.skip_retail:
        result["weekly_retail"] = retail()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2)
    # a partial run (--skip-...) updates its own part of the saved results
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps({**saved, **result}, indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    main()
