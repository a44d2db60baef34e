"""Forecast accuracy: our ``auto`` against the baselines and statsforecast's AutoETS.

Two data sets, both with the truth known:

1. **The sample world** (``c2m.sample``): forecasts made at three origins inside the world's
   future (end of history, +7, +14 days), each scored against the true demand of the next 7
   days. Methods: ``auto`` (reading the live-room signals), ``auto`` with the signals removed
   (what reading the rooms is worth), the global model alone, seasonal naive, naive, and
   statsforecast AutoETS on exactly the same series (AutoETS on the default scenario only: it
   is slow). Coverage is
   reported per seed, per volume bin and per horizon step, with both tails.
2. **Weekly retail** (synthetic, generated here): store-item sales with yearly seasonality,
   price elasticity, temporary price cuts and promotion lifts; planned price and promotion are
   known ahead. Rolling-origin backtest with ``forecasting.backtest`` and the same cut-offs
   through statsforecast's ``cross_validation``.

Prints one JSON object and writes it to ``benchmarks/results/forecast_accuracy.json``.
Run: ``.venv/bin/python benchmarks/forecast_accuracy.py [--seeds 1 2 3] [--scenarios default
steady viral promo flat] [--skip-retail] [--skip-sample]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
from mlforecast_reference import lightgbm_forecast, mlforecast_installed

import forecasting
from c2m.room_calendar import CALENDAR_COLUMNS
from forecasting.calibration import VOLUME_EDGES, volume_bins
from forecasting.engine import SEGMENTS, segments
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
    """WAPE, bias and 80 % coverage of a frame with y, yhat, lo, hi.

    ``coverage_80`` counts an outcome on a bound as inside (demand 0 under a lower bound of 0
    is covered). With whole-unit demand that matters, so the two tails are reported too:
    ``below_q10`` (y < q10) and ``above_q90`` (y > q90), each 0.10 when calibrated, and
    ``at_or_below_q10`` (y <= q10, the quantile's own promise P(y <= q) = 0.10, which a small
    SKU whose q10 is 0 cannot keep: any zero-demand day counts).
    """
    y, f = frame["y"].to_numpy(float), frame["yhat"].to_numpy(float)
    total = np.abs(y).sum()
    out = {
        "wape": round(float(np.abs(y - f).sum() / total), 4),
        "bias": round(float((f - y).sum() / total), 4),
    }
    if "lo" in frame:
        lo, hi = frame["lo"].to_numpy(float), frame["hi"].to_numpy(float)
        out["coverage_80"] = round(float(np.mean((y >= lo - 1e-9) & (y <= hi + 1e-9))), 4)
        out["below_q10"] = round(float(np.mean(y < lo - 1e-9)), 4)
        out["above_q90"] = round(float(np.mean(y > hi + 1e-9)), 4)
        out["at_or_below_q10"] = round(float(np.mean(y <= lo + 1e-9)), 4)
    return out


def by_volume(frame: pd.DataFrame) -> list[dict]:
    """Coverage per volume bin of the forecast (the bins the calibration uses)."""
    edges = [0.0, *VOLUME_EDGES.tolist(), np.inf]
    names = [f"{a:g}-{b:g}" for a, b in pairwise(edges)]
    bins = volume_bins(frame["level"].to_numpy(float))
    rows = []
    for b, name in enumerate(names):
        part = frame[bins == b]
        if len(part):
            rows.append({"units_per_day": name, "points": len(part), **score(part)})
    return rows


def sample_world(
    seeds: list[int], scenario: str = "default", h: int = 7, autoets: bool = True
) -> dict:
    """All methods on one scenario, pooled over seeds, with per-seed and per-volume figures."""
    frames: dict[str, list[pd.DataFrame]] = {}
    seconds: dict[str, float] = {}
    series = 0
    for seed in seeds:
        for name, joined, secs in _sample_runs(seed, scenario, h, autoets):
            frames.setdefault(name, []).append(joined.assign(seed=seed))
            seconds[name] = seconds.get(name, 0.0) + secs
            series += int(name == "auto") * (len(joined) // h)
    pooled = {name: pd.concat(parts) for name, parts in frames.items()}
    methods = [
        {"method": name, **score(frame), "seconds": round(seconds[name], 2)}
        for name, frame in pooled.items()
    ]
    by = {m["method"]: m for m in methods}
    auto = pooled["auto"]
    out = {
        "data": f"c2m.sample world, {scenario} scenario, 120 days history, forecasts at 3 "
        f"origins in the true future (end of history, +7, +14 days), horizon {h}",
        "horizon": h,
        "scenario": scenario,
        "seeds": seeds,
        "forecasts": series,
        "methods": methods,
        "per_seed": [
            {
                "seed": seed,
                **{
                    name: {k: v for k, v in score(f[f["seed"] == seed]).items() if k != "bias"}
                    for name, f in pooled.items()
                    if name
                    in (
                        "auto",
                        "global",
                        "seasonal_naive",
                        "statsforecast_autoets",
                        "mlforecast_lightgbm",
                    )
                },
            }
            for seed in seeds
        ],
        "auto_by_volume": by_volume(auto),
        "auto_by_step": [{"step": int(k), **score(g)} for k, g in auto.groupby("step", sort=True)],
        "by_step": breakdown(pooled, "step"),
        "by_segment": breakdown(pooled, "segment"),
        "auto_vs_seasonal_naive_wape_gain": _gain(by, "auto", "seasonal_naive"),
        "auto_vs_seasonal_naive_wape_gain_per_seed": {
            seed: _seed_gain(pooled, seed, "auto", "seasonal_naive") for seed in seeds
        },
        "signal_value_wape_gain": _gain(by, "auto", "auto_without_signals"),
        "calendar_value_wape_gain": _gain(by, "auto", "auto_without_calendar"),
    }
    if "statsforecast_autoets" in by:
        out["auto_vs_autoets_wape_gain"] = _gain(by, "auto", "statsforecast_autoets")
    if "mlforecast_lightgbm" in by:
        # mlforecast forecasts only series it has seen: both scored on the forecasts it made
        out["auto_vs_mlforecast_wape_gain_on_its_skus"] = _common_gain(
            pooled, "auto", "mlforecast_lightgbm"
        )
    return out


def breakdown(pooled: dict[str, pd.DataFrame], key: str) -> dict:
    """WAPE and bias of auto and seasonal naive per horizon step or per segment (the series'
    segment at the origin, ``forecasting.engine.SEGMENTS``): where auto wins and loses."""
    out = {}
    for name in ("auto", "seasonal_naive"):
        if name in pooled:
            out[name] = {
                str(k): {**score(g), "points": len(g)}
                for k, g in pooled[name].groupby(key, sort=True)
            }
    return out


def _gain(by: dict, ours: str, other: str) -> float | None:
    """Relative WAPE gain; None when the other method made no error (nothing to gain)."""
    if not by[other]["wape"] > 0:
        return None
    return round(1 - by[ours]["wape"] / by[other]["wape"], 4)


def _common_gain(pooled: dict, ours: str, other: str) -> float | None:
    """Relative WAPE gain on the forecasts (seed, origin, SKU, step) both methods made."""
    keys = ["seed", "origin", "unique_id", "step"]
    both = pooled[ours].merge(pooled[other][keys], on=keys)
    theirs = pooled[other].merge(pooled[ours][keys], on=keys)
    return _gain({ours: score(both), other: score(theirs)}, ours, other)


def _seed_gain(pooled: dict, seed: int, ours: str, other: str) -> float | None:
    """Relative WAPE gain on one seed's forecasts."""
    by = {name: score(pooled[name][pooled[name]["seed"] == seed]) for name in (ours, other)}
    return _gain(by, ours, other)


def _sample_runs(seed: int, scenario: str, h: int, autoets: bool):
    """Yield (method, forecasts joined with the truth, seconds) for the 3 origins of a world."""
    from c2m.sample import generate

    world = generate(seed, scenario=scenario, history_days=120, future_days=28)
    truth = world.truth.rename(columns={"sku": "unique_id", "date": "ds", "demand": "y"})
    truth["ds"] = pd.to_datetime(truth["ds"])
    hier = world.catalog[["sku", "style", "category"]].rename(columns={"sku": "unique_id"})
    for offset in (0, 7, 14):
        origin = world.history_end + dt.timedelta(days=offset)
        df = world.to_long(until=origin)[["unique_id", "ds", "y", *SIGNALS]]
        history = build_panel(df[["unique_id", "ds", "y"]], 1, "D")
        seg = dict(zip(history.ids, np.asarray(SEGMENTS)[segments(history)], strict=True))
        # what `c2m forecast` reads once the rooms' schedule is imported: the same signals
        # plus the broadcast and promotion calendar known ahead
        with_cal, future = world.long_with_calendar(origin, h)
        cal_df = with_cal[["unique_id", "ds", "y", *SIGNALS, *CALENDAR_COLUMNS]]
        window = truth[
            (truth["ds"] > pd.Timestamp(origin))
            & (truth["ds"] <= pd.Timestamp(origin) + pd.Timedelta(days=h))
        ]
        calendar = {"future_exog": CALENDAR_COLUMNS, "future_df": future, "hierarchy": hier}
        runs = {
            "auto": lambda cal_df=cal_df, calendar=calendar: forecasting.forecast(
                cal_df, h, **calendar
            ),
            "auto_without_calendar": lambda df=df: forecasting.forecast(df, h, hierarchy=hier),
            "auto_without_signals": lambda df=df: forecasting.forecast(
                df[["unique_id", "ds", "y"]], h, hierarchy=hier
            ),
            "global": lambda cal_df=cal_df, calendar=calendar: forecasting.forecast(
                cal_df, h, method="global", **calendar
            ),
            "seasonal_naive": lambda df=df: forecasting.forecast(df, h, method="seasonal_naive"),
            "naive": lambda df=df: forecasting.forecast(df, h, method="naive"),
        }
        if autoets:
            runs["statsforecast_autoets"] = lambda df=df: autoets_forecast(df, h, 7, "D")
            if mlforecast_installed():
                runs["mlforecast_lightgbm"] = lambda cal_df=cal_df, future=future: (
                    lightgbm_forecast(cal_df, future, h, SIGNALS, CALENDAR_COLUMNS)
                )
        for name, make in runs.items():
            t0 = time.perf_counter()
            fc = make()
            secs = time.perf_counter() - t0
            yield name, _join(fc, window, h, seg).assign(origin=offset), secs


def _join(
    fc: pd.DataFrame, window: pd.DataFrame, h: int, seg: dict[str, str] | None = None
) -> pd.DataFrame:
    """Forecasts with the true outcome, horizon step, the series' mean forecast level and its
    segment at the origin."""
    if "q10" in fc:
        fc = fc.rename(columns={"q10": "lo", "q90": "hi"})
    fc["ds"] = pd.to_datetime(fc["ds"])
    fc = fc.sort_values(["unique_id", "ds"], kind="stable")
    joined = fc.merge(window, on=["unique_id", "ds"], how="left")
    joined["y"] = joined["y"].fillna(0.0)
    joined["step"] = joined.groupby("unique_id").cumcount() + 1
    joined["level"] = joined.groupby("unique_id")["yhat"].transform("mean")
    joined["segment"] = joined["unique_id"].map(seg or {}).fillna("none")
    return joined[["unique_id", "y", "yhat", "lo", "hi", "step", "level", "segment"]]


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
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument(
        "--scenarios",
        nargs="+",
        default=["default"],
        help="sample-world scenarios (configs/scenarios.toml); AutoETS runs on 'default' only",
    )
    parser.add_argument(
        "--horizons",
        type=int,
        nargs="+",
        default=[7],
        help="sample-world horizons; h=7 keeps the old keys, others get a _h<H> suffix",
    )
    parser.add_argument("--no-autoets", action="store_true", help="skip AutoETS (slow)")
    parser.add_argument("--skip-retail", action="store_true")
    parser.add_argument("--skip-sample", action="store_true")
    args = parser.parse_args()
    result: dict = {"benchmark": "forecast_accuracy"}
    if not args.skip_sample:
        for h in args.horizons:
            for scenario in args.scenarios:
                autoets = scenario == "default" and not args.no_autoets
                part = sample_world(args.seeds, scenario, h=h, autoets=autoets)
                key = "sample_world" if scenario == "default" else f"sample_world_{scenario}"
                result[key if h == 7 else f"{key}_h{h}"] = part
                save(result)
    if not args.skip_retail:
        result["weekly_retail"] = retail()
        save(result)
    print(json.dumps(result, indent=2))


def save(result: dict) -> None:
    """Merge into the saved results after each part (a partial run updates its own parts)."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    saved = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    RESULTS.write_text(json.dumps({**saved, **result}, indent=2) + "\n")


if __name__ == "__main__":
    main()
