"""Where ``auto`` loses at the plan's horizon, and which selection rule wins: by step and segment.

For each sample world (seeds x scenarios) and each forecast origin in its true future (end of
history, +7, +14 days) the candidates ``auto`` weighs are fitted once, exactly as
``forecasting.engine`` fits them (CV windows and the final origin, clicks, carts and the rooms'
calendar as ``c2m forecast`` reads them). The candidates' forecasts are cached
(``--cache``), so the selection rules can be compared on the same forecasts:

- ``auto_panel``: the engine's rule, what ``auto`` forecasts (one model per panel, a segment
  switches on a paired test);
- ``auto_band``: the same rule per horizon band (steps 1-3, 4-7, 8-14), see
  :func:`forecasting.engine.choose_by_band` (measured, not used by ``auto``);
- ``_pz1`` / ``_pz2``: with the parsimony test (``engine.PARSIMONY_Z``, off in ``auto``);
- each single candidate, and the ``--extra`` models (``global_uncapped``: the global model
  before its ratio cap; ``global_recursive``).

Scored on the true demand: WAPE and bias per horizon step and per segment (segment of the series
at the origin, ``forecasting.engine.SEGMENTS``) against seasonal naive, and the gain per seed.
Prints JSON and writes ``benchmarks/results/forecast_horizon.json``.

Run: ``.venv/bin/python benchmarks/forecast_horizon.py --seeds 1 2 3 --scenarios default viral
promo [--extra global_uncapped global_recursive]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import pickle
import time
from pathlib import Path

import numpy as np
import pandas as pd

from c2m.room_calendar import CALENDAR_COLUMNS
from forecasting import engine
from forecasting.bias import horizon_bands
from forecasting.features import group_codes
from forecasting.models import register
from forecasting.models.global_gbm import GlobalGBM
from forecasting.panel import build_panel

RESULTS = Path(__file__).resolve().parent / "results" / "forecast_horizon.json"
SIGNALS = ["clicks", "carts"]
OFFSETS = (0, 7, 14)


@register
class GlobalUncapped(GlobalGBM):
    """The global model as it was before issue #17's cap on its target ratio (for the record)."""

    alias = "global_uncapped"

    def __init__(self, **kw) -> None:
        kw.setdefault("cap_ratio", False)
        super().__init__(**kw)


def world_panels(seed: int, scenario: str, h: int):
    """Yield (offset, panel, truth (n, h)) for the forecast origins of one sample world."""
    from c2m.sample import generate

    world = generate(seed, scenario=scenario, history_days=120, future_days=28)
    truth = world.truth.rename(columns={"sku": "unique_id", "date": "ds", "demand": "y"})
    truth["ds"] = pd.to_datetime(truth["ds"])
    hier = world.catalog[["sku", "style", "category"]].rename(columns={"sku": "unique_id"})
    for offset in OFFSETS:
        origin = world.history_end + dt.timedelta(days=offset)
        with_cal, future = world.long_with_calendar(origin, h)
        df = with_cal[["unique_id", "ds", "y", *SIGNALS, *CALENDAR_COLUMNS]]
        panel = build_panel(df, h, "D", CALENDAR_COLUMNS, future, hier)
        wide = truth.pivot_table(index="unique_id", columns="ds", values="y", aggfunc="sum")
        wide = wide.reindex(index=panel.ids, columns=panel.future_dates).fillna(0.0)
        yield offset, panel, wide.to_numpy(float)


def cached(cache: Path, key: str, make):
    """The pickled value at ``cache/key``, made (and stored) when missing."""
    path = cache / f"{key}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())
    value = make()
    cache.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(value))
    return value


def candidates(panel, h: int, extra: list[str]) -> tuple[engine.Candidates, dict[str, float]]:
    """Each candidate's CV errors and forecasts, one model at a time, with its seconds."""
    names = [*engine.auto_candidates(panel), *extra]
    origins = engine.cv_origins(panel, h, None)
    parts, seconds = [], {}
    for m in names:
        t0 = time.perf_counter()
        parts.append(engine.candidate_forecasts(panel, [m], h, origins, n_jobs=1))
        seconds[m] = time.perf_counter() - t0
    first = parts[0]
    return (
        engine.Candidates(
            errors={k: v for p in parts for k, v in p.errors.items()},
            preds={k: v for p in parts for k, v in p.preds.items()},
            cv_actual=first.cv_actual,
            cv_seg=first.cv_seg,
            failures={k: v for p in parts for k, v in p.failures.items()},
        ),
        seconds,
    )


def picks(panel, cand: engine.Candidates, names: list[str]) -> dict[str, np.ndarray]:
    """The ``(n, h)`` forecast of each candidate and of each selection rule on them.

    Rules: ``panel`` or ``band`` (:func:`engine.choose_by_band`), with a parsimony test of
    ``z`` standard errors (``_pz1``) or without; ``_uncapped`` runs them with the global model
    as it was before its target ratio was capped (``GlobalGBM(cap_ratio=False)``).
    """
    out = {m: cand.preds[m] for m in cand.preds}
    seg = engine.segments(panel)
    rows = np.arange(panel.n)
    scale = engine.series_scale(panel.y, None)
    clusters = group_codes(panel)
    for variant, glob in (("", "global"), ("_uncapped", "global_uncapped")):
        if glob != "global" and (glob not in cand.preds or "global" not in names):
            continue
        errors = {m: cand.errors[glob if m == "global" else m] for m in names}
        preds = {m: cand.preds[glob if m == "global" else m] for m in names}
        base = list(errors)
        full = engine._add_combination(base, errors, preds, scale)
        stacked = np.stack([preds[m] for m in full])
        for pz in (None, 1.0, 2.0):
            tag = "" if pz is None else f"_pz{pz:g}"
            c = engine._choose(full, errors, seg, clusters, pz)
            out[f"auto_panel{tag}{variant}"] = stacked[c, rows]
            cb = engine.choose_by_band(full, errors, seg, clusters, pz)
            out[f"auto_band{tag}{variant}"] = np.take_along_axis(stacked, cb[None], 0)[0]
    return out


def score(y: np.ndarray, f: np.ndarray) -> dict[str, float]:
    total = float(np.abs(y).sum())
    if total <= 0:
        return {"wape": float("nan"), "bias": float("nan")}
    return {
        "wape": round(float(np.abs(y - f).sum() / total), 4),
        "bias": round(float((f - y).sum() / total), 4),
    }


def _band_name(bands: np.ndarray, b: int) -> str:
    steps = np.flatnonzero(bands == b) + 1
    return f"steps_{steps[0]}-{steps[-1]}"


def evaluate(records: list[dict], methods: list[str], h: int) -> dict:
    """Pooled WAPE/bias per method, per step and per segment, with gains over seasonal naive."""
    y = np.concatenate([r["y"] for r in records])
    seg = np.concatenate([r["seg"] for r in records])
    out: dict = {"methods": {}, "by_step": {}, "by_segment": {}, "by_band": {}}
    bands = horizon_bands(h)
    for m in methods:
        f = np.concatenate([r["f"][m] for r in records])
        out["methods"][m] = score(y, f)
        out["by_step"][m] = [score(y[:, k], f[:, k])["wape"] for k in range(h)]
        out["by_band"][m] = {
            _band_name(bands, b): score(y[:, bands == b], f[:, bands == b])
            for b in np.unique(bands)
        }
        out["by_segment"][m] = {
            name: {**score(y[seg == s], f[seg == s]), "series": int((seg == s).sum())}
            for s, name in enumerate(engine.SEGMENTS)
            if (seg == s).any()
        }
    sn = out["methods"]["seasonal_naive"]["wape"]
    out["gain_vs_seasonal_naive"] = {
        m: round(1 - v["wape"] / sn, 4) for m, v in out["methods"].items()
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--scenarios", nargs="+", default=["default", "viral", "promo"])
    parser.add_argument("--horizon", type=int, default=14)
    parser.add_argument("--extra", nargs="*", default=[], help="more model aliases to fit")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/c2m_forecast_horizon"))
    args = parser.parse_args()
    h = args.horizon
    per_scenario: dict[str, list[dict]] = {}
    seconds: dict[str, float] = {}
    for scenario in args.scenarios:
        for seed in args.seeds:
            for offset, panel, truth in world_panels(seed, scenario, h):
                key = f"{scenario}_s{seed}_o{offset}_h{h}"
                cand, secs = cached(args.cache, key, lambda p=panel: candidates(p, h, []))
                for alias in args.extra:
                    more, more_secs = cached(
                        args.cache,
                        f"{key}_{alias}",
                        lambda p=panel, a=alias: candidates_one(p, h, a),
                    )
                    cand.errors.update(more.errors)
                    cand.preds.update(more.preds)
                    secs.update(more_secs)
                for m, s in secs.items():
                    seconds[m] = seconds.get(m, 0.0) + s
                names = [m for m in cand.errors if m not in args.extra]
                f = picks(panel, cand, names)
                per_scenario.setdefault(scenario, []).append(
                    {"y": truth, "f": f, "seg": engine.segments(panel), "seed": seed}
                )
    result: dict = {"benchmark": "forecast_horizon", "horizon": h, "seeds": args.seeds}
    for scenario, records in per_scenario.items():
        methods = list(records[0]["f"])
        common = [m for m in methods if all(m in r["f"] for r in records)]
        result[scenario] = evaluate(records, common, h)
        result[scenario]["per_seed_gain"] = {
            str(seed): evaluate([r for r in records if r["seed"] == seed], common, h)[
                "gain_vs_seasonal_naive"
            ]
            for seed in args.seeds
        }
    result["candidate_seconds"] = {m: round(s, 1) for m, s in seconds.items()}
    print(json.dumps(result, indent=1))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")


def candidates_one(panel, h: int, alias: str):
    origins = engine.cv_origins(panel, h, None)
    t0 = time.perf_counter()
    cand = engine.candidate_forecasts(panel, [alias], h, origins, n_jobs=1)
    return cand, {alias: time.perf_counter() - t0}


if __name__ == "__main__":
    main()
