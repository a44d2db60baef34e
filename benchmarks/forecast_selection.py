"""Which rule should ``auto`` select with: scored on cached candidates, held out across seeds.

``benchmarks/forecast_horizon.py`` fits ``auto``'s candidates once per sample world and origin
and caches them (``/tmp/c2m_forecast_horizon``). This script reads that cache (run
``forecast_horizon.py`` first for the same seeds and scenarios) and scores selection rules on
the same forecasts:

- ``auto_panel``: the engine's rule before issue #17's pooled selection (one model for the
  panel, a segment switches on a paired test, the two-model combination a candidate);
- ``panel_best``: the single model with the least pooled CV error, no switching;
- ``per_sku``: each SKU's own least CV error (what overfits three short windows);
- ``per_segment``: each segment's least pooled CV error (no test);
- ``shrink_tN``: each SKU's scaled CV error shrunk toward its segment's pooled error with the
  weight of N windows' worth of evidence;
- ``mean_kK`` / ``median_kK`` / ``inv_kK``: the mean, median or inverse-error weighted mean of
  the K candidates with the least pooled CV error (``engine.combine_top``);
- ``seg_mean_kK``: the mean of the top K chosen per segment;
- ``cv_pick``: the least pooled CV error among the single models and the combinations of
  ``engine.POOLED_COMBINATIONS``; ``cv_pick_1se_zZ``: with the one-SE rule over styles
  (``engine._pooled_best``), ``cv_pick_1se_z1`` being what ``auto`` serves.

Each rule is scored at h=7 (the first 7 steps of the 14-day forecasts; the CV errors read
over steps 1-7 only) and at h=14, per scenario, on the true demand. Held out: the rule with the
least mean WAPE over scenarios and horizons is chosen on one half of the seeds and reported on
the other, both ways. Writes ``benchmarks/results/forecast_selection.json``.

Run: ``.venv/bin/python benchmarks/forecast_selection.py --seeds 1 2 3 4 5 6``
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import forecast_horizon as fh

from forecasting import engine
from forecasting.calibration import series_scale
from forecasting.features import group_codes

RESULTS = Path(__file__).resolve().parent / "results" / "forecast_selection.json"
NAMES = ["seasonal_naive", "seasonal_ma", "moving_average", "tsb", "funnel", "global"]


def world_records(cache: Path, scenario: str, seed: int) -> list[dict]:
    """Per origin: the cached candidates plus truth, segments, scale and clusters."""
    side = cache / f"{scenario}_s{seed}_truth.pkl"
    if side.exists():
        extra = pickle.loads(side.read_bytes())
    else:
        extra = []
        for offset, panel, truth in fh.world_panels(seed, scenario, 14):
            extra.append(
                {
                    "offset": offset,
                    "y": truth,
                    "seg": engine.segments(panel),
                    "scale": series_scale(panel.y, None),
                    "clusters": group_codes(panel),
                }
            )
        side.write_bytes(pickle.dumps(extra))
    out = []
    for e in extra:
        cand, _ = pickle.loads((cache / f"{scenario}_s{seed}_o{e['offset']}_h14.pkl").read_bytes())
        out.append({**e, "cand": cand, "seed": seed})
    return out


def rules(rec: dict, h: int) -> dict[str, np.ndarray]:
    """Each rule's ``(n, h)`` forecast for one origin, its CV errors cut to steps 1-h."""
    cand, seg, scale = rec["cand"], rec["seg"], rec["scale"]
    names = [m for m in NAMES if m in cand.preds]
    errors = {m: cand.errors[m][:, :, :h] for m in names}
    preds = {m: cand.preds[m][:, :h] for m in names}
    n = len(seg)
    rows = np.arange(n)
    out: dict[str, np.ndarray] = {}
    e2, p2 = dict(errors), dict(preds)
    full = engine._add_combination(list(names), e2, p2, scale)
    stacked = np.stack([p2[m] for m in full])
    out["auto_panel"] = stacked[engine._choose(full, e2, seg, rec["clusters"]), rows]
    single = np.stack([preds[m] for m in names])
    abs_err = np.stack([np.abs(errors[m]) for m in names])  # (m, w, n, h)
    total = np.nansum(abs_err, axis=(1, 3))  # (m, n)
    seen = np.sum(~np.isnan(abs_err[0]), axis=(0, 2))  # (n,) error cells
    pooled = total[:, seen > 0].sum(axis=1)
    out["panel_best"] = single[int(np.argmin(pooled))]
    per_sku = np.where(seen > 0, np.argmin(total, axis=0), int(np.argmin(pooled)))
    out["per_sku"] = single[per_sku, rows]
    seg_pick = np.full(n, int(np.argmin(pooled)))
    seg_mean = {}
    with np.errstate(all="ignore"):
        scaled = total / np.maximum(seen, 1)[None] / scale[None]  # (m, n) mean scaled error
    for s in np.unique(seg):
        r = (seg == s) & (seen > 0)
        if r.sum() >= engine.SELECTION_MIN_SERIES:
            seg_pick[seg == s] = int(np.argmin(total[:, r].sum(axis=1)))
        seg_mean[s] = np.nanmean(scaled[:, r], axis=1) if r.any() else np.nanmean(scaled, axis=1)
    out["per_segment"] = single[seg_pick, rows]
    windows = np.sum(~np.isnan(abs_err[0]), axis=(0, 2)) / h
    for tau in (1, 3, 10):
        prior = np.stack([seg_mean[s] for s in seg], axis=1)  # (m, n)
        own = np.where(seen[None] > 0, scaled, prior)
        shr = (windows[None] * own + tau * prior) / (windows[None] + tau)
        out[f"shrink_t{tau}"] = single[np.argmin(np.nan_to_num(shr, nan=np.inf), axis=0), rows]
    for k in (2, 3, 4):
        for how in ("mean", "median", "inv"):
            out[f"{how}_k{k}"] = engine.combine_top(names, errors, preds, k, how)[0]
        sm = np.zeros((n, h))
        for s in np.unique(seg):
            r = seg == s
            rs = r & (seen > 0)
            pick = rs if rs.sum() >= engine.SELECTION_MIN_SERIES else seen > 0
            order = np.argsort(total[:, pick].sum(axis=1))[:k]
            sm[r] = single[order][:, r].mean(axis=0)
        out[f"seg_mean_k{k}"] = sm
    pool_e, pool_p = dict(errors), dict(preds)
    for k, how in ((2, "mean"), (3, "median"), (4, "median")):
        pool_p[f"{how}_k{k}"], pool_e[f"{how}_k{k}"], _ = engine.combine_top(
            names, errors, preds, k, how
        )
    cv = {m: np.nansum(np.abs(e)) for m, e in pool_e.items()}
    out["cv_pick"] = pool_p[min(cv, key=cv.get)]
    full = engine._add_pooled_combinations(list(names), pool_e, pool_p)
    for z in (0.5, 1.0, 2.0):
        i = engine._pooled_best(full, pool_e, rec["clusters"], z)
        out[f"cv_pick_1se_z{z:g}"] = pool_p[full[i]]
    for m in names:
        out[m] = preds[m]
    return out


def score(y: np.ndarray, f: np.ndarray) -> dict[str, float]:
    total = float(y.sum())
    return {
        "wape": round(float(np.abs(y - f).sum() / total), 4),
        "bias": round(float((f - y).sum() / total), 4),
    }


def table(records: list[dict], h: int) -> dict[str, dict[str, float]]:
    """Pooled WAPE and bias per rule over ``records`` at horizon ``h``."""
    fs = [rules(r, h) for r in records]
    y = np.concatenate([r["y"][:, :h] for r in records])
    out = {}
    for m in fs[0]:
        out[m] = score(y, np.concatenate([f[m] for f in fs]))
    sn = out["seasonal_naive"]["wape"]
    for v in out.values():
        v["gain"] = round(1 - v["wape"] / sn, 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--scenarios", nargs="+", default=["default", "viral", "promo"])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/c2m_forecast_horizon"))
    args = parser.parse_args()
    recs = {sc: {s: world_records(args.cache, sc, s) for s in args.seeds} for sc in args.scenarios}
    half = len(args.seeds) // 2
    splits = [(args.seeds[:half], args.seeds[half:]), (args.seeds[half:], args.seeds[:half])]
    result: dict = {"benchmark": "forecast_selection", "seeds": args.seeds, "held_out": []}
    for choose_on, report_on in splits:
        scores: dict[str, list[float]] = {}
        for sc in args.scenarios:
            for h in (7, 14):
                t = table([r for s in choose_on for r in recs[sc][s]], h)
                for m, v in t.items():
                    scores.setdefault(m, []).append(v["wape"])
        candidates = [m for m in scores if m not in NAMES]
        best = min(candidates, key=lambda m: np.mean(scores[m]))
        report = {
            sc: {
                f"h{h}": {
                    m: v
                    for m, v in table([r for s in report_on for r in recs[sc][s]], h).items()
                    if m in (best, "auto_panel", "cv_pick_1se_z1", "seasonal_naive", "global")
                }
                for h in (7, 14)
            }
            for sc in args.scenarios
        }
        result["held_out"].append(
            {
                "chosen_on": choose_on,
                "reported_on": report_on,
                "chosen": best,
                "ranking_on_choice_seeds": sorted(
                    ((m, round(float(np.mean(scores[m])), 4)) for m in candidates),
                    key=lambda x: x[1],
                ),
                "report": report,
            }
        )
    result["all_seeds"] = {
        sc: {f"h{h}": table([r for s in args.seeds for r in recs[sc][s]], h) for h in (7, 14)}
        for sc in args.scenarios
    }
    print(json.dumps(result, indent=1))
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
