"""A network's night at scale: generated workshops and SKUs, forecast, allocation and
schedules on 1 and 2 Dask workers, and the allocation against the capacity-proportional
baseline.

The network: ``--workshops`` variants of the sample factory (each a random subset of its six
lines, 1-3 of them, efficiencies scaled by 0.85-1.1, a transfer of 0-2 days at 0.1-1 CNY a
unit), seeded. The demand: ``--skus`` SKUs (styles of 2 colours x 3 sizes over the sample's
categories, each as common as the network's lines can sew it), a flat forecast per SKU with
a normal spread, scaled so the mean demand asks for ``--load`` of the network's regular
SAM-minutes. The night's phases are ``forecast`` (``--history`` days of generated daily sales,
Poisson around each SKU's rate with a weekly rhythm, forecast by the project's forecasting
as Dask tasks of the library's fixed-size groups: :mod:`c2m.network.forecast`), ``allocate``
and ``schedule``. ``--no-forecast`` plans from the generated rates instead (the old night).
Each run starts its LocalCluster of ``workers`` processes before the clock starts (the
forecast and the schedules share it; ``cluster_start_seconds`` says what it took).

At the issue's scale (40 workshops, 12,000 SKUs) every schedule does not fit a shared
2-core machine's evening: ``--sample N`` forecasts and allocates the whole network but
schedules only the first N workshops with work, for the per-task time to extrapolate from.

Each run plans every workshop in deterministic mode (``--time-limit`` deterministic units a
workshop, one CP-SAT worker) on a LocalCluster of ``workers`` processes; ``identical`` says
whether the 1- and 2-worker plans are the same lot for lot; ``speedup`` is wall(1) /
wall(2). ``baseline`` plans the baseline's shares (each workshop its capacity share of the
work) and compares network fill rates.

    .venv/bin/python benchmarks/network_night.py [--workshops 6] [--skus 600] [--horizon 14]
        [--time-limit 2] [--history 84] [--workers 1 2] [--no-baseline] [--sample N]
        [--out benchmarks/results/network_night.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import os
import platform
import random
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from c2m.config import load_config  # noqa: E402
from c2m.network.capacity import daily_capacity  # noqa: E402
from c2m.network.config import Network, Workshop  # noqa: E402
from c2m.network.engine import EngineOptions  # noqa: E402
from c2m.network.forecast import forecast_on_cluster  # noqa: E402
from c2m.network.plan import plan_network  # noqa: E402
from c2m.planning.inputs import FabricInfo, PlanningInputs, PlanOptions, SkuInfo, StyleInfo  # noqa: E402

START = dt.datetime(2026, 12, 7)
COLOURS = ("BLK", "WHT")
SIZES = ("S", "M", "L")


def make_network(n: int, seed: int) -> Network:
    """``n`` workshops, each 1-3 of the sample's lines with scaled efficiency."""
    rng = random.Random(seed)
    base = load_config()
    shops = []
    for i in range(n):
        raw = base.model_dump()
        lines = rng.sample(raw["lines"], rng.randint(1, 3))
        for k, line in enumerate(lines):
            line["id"] = f"W{i:03d}L{k}"
            line["efficiency"] = round(min(line["efficiency"] * rng.uniform(0.85, 1.1), 1.2), 3)
        raw["lines"] = lines
        raw["factory"]["name"] = f"workshop {i:03d}"
        raw["solver"]["workers"] = 1
        cfg = type(base).model_validate(raw)
        sewable = frozenset(c for line in cfg.lines for c in line.categories)
        shops.append(
            Workshop(
                name=f"w{i:03d}",
                cfg=cfg,
                config_path=Path(),
                categories=sewable,
                transfer_days=rng.randint(0, 2),
                transfer_cost_per_unit=round(rng.uniform(0.1, 1.0), 2),
                min_weekly_minutes=0.0,
                max_weekly_minutes=None,
            )
        )
    return Network(f"generated {n}", tuple(shops), source="generated")


def make_inputs(
    network: Network, skus: int, horizon: int, load: float, seed: int
) -> PlanningInputs:
    """Styles over the sample's categories; demand scaled to ``load`` of the capacity."""
    rng = random.Random(seed + 1)
    cfg = network.lead.cfg
    categories = sorted(cfg.categories)
    per_style = len(COLOURS) * len(SIZES)
    n_styles = max(skus // per_style, 1)
    capacity = sum(sum(daily_capacity(w.cfg, START.date(), horizon)) for w in network.workshops)
    # a category is as common as the network's lines can sew it (each line's rate shared
    # between its categories), so no category asks for more than the network has
    share = dict.fromkeys(categories, 0.0)
    for shop in network.workshops:
        for line in shop.cfg.lines:
            for c in line.categories:
                share[c] += line.operators * line.efficiency / len(line.categories)
    styles, infos, weights = {}, {}, []
    for s in range(n_styles):
        category = rng.choices(categories, weights=[share[c] for c in categories])[0]
        name = f"ST{s:05d}"
        styles[name] = StyleInfo(
            name, category, fabric=f"F{s:05d}", fabric_per_unit=0.5, unit_cost=40, price=99
        )
        for c in COLOURS:
            for z in SIZES:
                code = f"{name}-{c}-{z}"
                infos[code] = SkuInfo(code, name, c, z)
                weights.append(
                    (code, cfg.categories[category].sam_minutes, rng.lognormvariate(0, 0.8))
                )
    sam_weight = sum(sam * w for _, sam, w in weights)
    scale = load * capacity / horizon / sam_weight
    rows = []
    for code, _, w in weights:
        daily = scale * w
        for d in range(horizon):
            rows.append(
                {
                    "unique_id": code,
                    "ds": START.date() + dt.timedelta(days=d),
                    "yhat": daily,
                    "q10": daily * 0.7,
                    "q50": daily,
                    "q80": daily * 1.2,
                    "q90": daily * 1.3,
                }
            )
    fabrics = {f.fabric: FabricInfo(f.fabric, on_hand=1e7, unit="m") for f in styles.values()}
    return PlanningInputs(styles=styles, skus=infos, forecast=pd.DataFrame(rows), fabrics=fabrics)


WEEK = np.array([1.0, 0.85, 0.85, 0.9, 1.05, 1.5, 1.7])  # Monday first: live rooms sell weekends


def make_history(inputs: PlanningInputs, days: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``days`` of daily sales before the horizon, Poisson around each SKU's generated rate
    with a weekly rhythm (mean 1 over the week), and the style/category hierarchy."""
    rng = np.random.default_rng(seed + 2)
    rates = inputs.forecast.groupby("unique_id", sort=True)["yhat"].mean()
    ds = pd.date_range(START - dt.timedelta(days=days), periods=days, freq="D")
    week = WEEK / WEEK.mean()
    lam = rates.to_numpy()[:, None] * week[ds.dayofweek.to_numpy()][None, :]
    sales = rng.poisson(lam).astype(float)
    history = pd.DataFrame(
        {
            "unique_id": np.repeat(rates.index.to_numpy(), days),
            "ds": np.tile(ds.to_numpy(), len(rates)),
            "y": sales.ravel(),
        }
    )
    styles = {sku: info.style for sku, info in inputs.skus.items()}
    hierarchy = pd.DataFrame({"unique_id": rates.index.to_numpy()})
    hierarchy["style"] = hierarchy["unique_id"].map(styles)
    hierarchy["category"] = hierarchy["style"].map(lambda s: inputs.styles[s].category)
    return history, hierarchy


def _signature(night) -> dict:
    return {
        name: [
            (lot.code, sorted(lot.items.items()), [(o.resource, str(o.start)) for o in lot.ops])
            for lot in plan.lots
        ]
        for name, plan in sorted(night.plans.items())
    }


def _night(args, network, inputs, history, workers: int, baseline: bool = False) -> dict:
    """One night on a fresh LocalCluster of ``workers`` processes: forecast, allocate, plan."""
    from distributed import LocalCluster

    options = PlanOptions(
        horizon_days=args.horizon, time_limit=args.time_limit, workers=1, deterministic=True
    )
    t0 = time.perf_counter()
    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    ) as cluster:
        engine = EngineOptions(scheduler=cluster.scheduler_address)
        t1 = time.perf_counter()
        forecast = None
        if history is not None:
            frame, hierarchy = history
            forecast = forecast_on_cluster(frame, args.horizon, engine, hierarchy=hierarchy)
            inputs = dataclasses.replace(inputs, forecast=forecast)
        t2 = time.perf_counter()
        night = plan_network(
            inputs, network, options, engine, args.work, baseline=baseline, sample=args.sample
        )
        t3 = time.perf_counter()
    phases = {"forecast": t2 - t1, **night.phases}
    return {
        "night": night,
        "forecast": forecast,
        "cluster_start_seconds": round(t1 - t0, 2),
        "seconds": t3 - t1,
        "phases": phases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workshops", type=int, default=6)
    parser.add_argument("--skus", type=int, default=600)
    parser.add_argument("--horizon", type=int, default=14)
    parser.add_argument("--load", type=float, default=0.8)
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument("--work", type=float, default=10.0, help="allocation work budget")
    parser.add_argument("--history", type=int, default=84, help="days of generated sales")
    parser.add_argument("--no-forecast", action="store_true", help="plan the generated rates")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline's night")
    parser.add_argument(
        "--sample", type=int, default=None, help="schedule only this many workshops (at scale)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    network = make_network(args.workshops, args.seed)
    inputs = make_inputs(network, args.skus, args.horizon, args.load, args.seed)
    history = None if args.no_forecast else make_history(inputs, args.history, args.seed)
    runs, signatures, nights, forecasts = [], {}, {}, {}
    for workers in args.workers:
        out = _night(args, network, inputs, history, workers)
        night, seconds = out["night"], out["seconds"]
        signatures[workers], nights[workers] = _signature(night), night
        forecasts[workers] = out["forecast"]
        task = [round(p.seconds, 2) for p in night.plans.values()]
        runs.append(
            {
                "workers": workers,
                "seconds": round(seconds, 2),
                "phases": {k: round(v / seconds, 3) for k, v in out["phases"].items()},
                "phase_seconds": {k: round(v, 2) for k, v in out["phases"].items()},
                "cluster_start_seconds": out["cluster_start_seconds"],
                "task_seconds_mean": round(sum(task) / len(task), 2) if task else None,
                "task_seconds_max": max(task) if task else None,
                "tasks": len(task),
                "fill_rate": night.fill_rate,
            }
        )
    first, last = args.workers[0], args.workers[-1]
    base = None
    if not args.no_baseline:
        base = _night(args, network, inputs, history, last, baseline=True)["night"]
    a = nights[first].allocation
    same_forecast = history is None or all(
        forecasts[w].equals(forecasts[first]) for w in args.workers
    )
    result = {
        "workshops": args.workshops,
        "skus": len(inputs.skus),
        "horizon_days": args.horizon,
        "history_days": None if history is None else args.history,
        "seed": args.seed,
        "time_limit": args.time_limit,
        "runs": runs,
        "speedup": round(runs[0]["seconds"] / runs[-1]["seconds"], 3),
        "identical": same_forecast and all(signatures[w] == signatures[first] for w in signatures),
        "allocation": {
            "status": a.status,
            "objective": round(a.objective, 2),
            "bound": round(a.bound, 2),
            "gap": a.gap,
            "baseline_objective": None
            if a.baseline_objective is None
            else round(a.baseline_objective, 2),
            "style_runs": len(a.runs),
            "unserved_runs": len(a.runs_of(None)),
        },
        "fill_rate": {
            "allocated": nights[first].fill_rate,
            "baseline": None if base is None else base.fill_rate,
        },
        "lots": sum(p.kpis.lots for p in nights[first].plans.values()),
        "sample": args.sample,  # only this many workshops scheduled: fill rates are partial
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": [round(x, 1) for x in os.getloadavg()],
        },
    }
    print(json.dumps(result, indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
