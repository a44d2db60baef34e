"""How planning scales: the sample factory at 1x, 3x and 10x its SKUs, lines scaled to match.

For each scale the sample catalogue, stock, fabric and open orders are copied ``k`` times
(styles, SKUs and fabrics renamed per copy) and the sewing lines, cutting tables and
finishing stations are multiplied by ``k``, so the load per line stays that of the sample.
The forecast is a plain one made here from the sample's sales history (last 28 days' mean
daily orders per SKU, quantiles from a normal with Poisson-plus-spread variance): this
benchmark measures planning, not forecasting.

Per scale and mode it reports: lots and operations; ``first_feasible_seconds`` = wall time
from the inputs to the first valid schedule (netting, lots, fabric, problem build and the
solver's dispatching-heuristic start); ``final_seconds`` = wall time of the full plan at the
fixed solver limit; the solver status, objective, bound and gap (in the solver's integer
units); and, as the in-run reference, the heuristic's objective and the ratio final /
heuristic (below 1: CP-SAT improved on it). Every schedule is checked by the independent
validator inside the planner.

    .venv/bin/python benchmarks/plan_scale.py [--scales 1,3,10] [--time-limit 60]
        [--modes c2m,batch] [--out benchmarks/results/plan_scale.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import time
from pathlib import Path

# benchmarks/scheduling.py would shadow the scheduling package when run as a script
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import norm  # noqa: E402

from c2m.config import load_config  # noqa: E402
from c2m.planning import PlanOptions, make_plan  # noqa: E402
from c2m.planning.inputs import FabricInfo, OpenOrderInfo, PlanningInputs, SkuInfo, StyleInfo  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "c2m" / "data" / "sample_data"


def sample_inputs(copies: int, horizon: int) -> tuple[PlanningInputs, dt.datetime]:
    cat = pd.read_csv(SAMPLE / "catalog.csv", keep_default_na=False)
    inv = pd.read_csv(SAMPLE / "inventory.csv", keep_default_na=False)
    fab = pd.read_csv(SAMPLE / "fabric.csv", keep_default_na=False)
    orders = pd.read_csv(SAMPLE / "orders.csv", keep_default_na=False)
    sales = pd.read_csv(SAMPLE / "sales.csv", usecols=["date", "sku", "orders"])
    sales["date"] = pd.to_datetime(sales["date"]).dt.normalize()
    last = sales["date"].max()
    recent = sales[sales["date"] > last - pd.Timedelta(days=28)]
    mean = recent.groupby("sku")["orders"].sum() / 28.0
    start = (last + pd.Timedelta(days=1)).to_pydatetime()

    styles, skus, on_hand, fabrics, open_orders, rows = {}, {}, {}, {}, [], []
    for c in range(copies):
        tag = "" if c == 0 else f"x{c}"
        for r in cat.drop_duplicates("style").itertuples():
            styles[r.style + tag] = StyleInfo(
                r.style + tag,
                r.category,
                float(r.sam_minutes) if r.sam_minutes != "" else None,
                (r.fabric + tag) if r.fabric else None,
                float(r.fabric_per_unit or 0),
                float(r.unit_cost or 0),
                float(r.price or 0),
            )
        for r in cat.itertuples():
            skus[r.sku + tag] = SkuInfo(r.sku + tag, r.style + tag, r.colour, r.size)
            mu = float(mean.get(r.sku, 0.0))
            sd = np.sqrt(mu * (1 + mu / 5)) if mu > 0 else 0.0
            for d in range(horizon):
                q = {
                    f"q{int(p * 100)}": max(0.0, mu + norm.ppf(p) * sd)
                    for p in (0.1, 0.5, 0.8, 0.9)
                }
                rows.append(
                    {
                        "unique_id": r.sku + tag,
                        "ds": (start + dt.timedelta(days=d)).date(),
                        "yhat": mu,
                        **q,
                    }
                )
        for r in inv.itertuples():
            on_hand[r.sku + tag] = int(r.on_hand)
        for name, group in fab.groupby("fabric"):
            stock = group[group["due_date"] == ""]["quantity"].astype(float).sum()
            deliveries = tuple(
                (dt.date.fromisoformat(g.due_date), float(g.quantity))
                for g in group.itertuples()
                if g.due_date
            )
            first = group.iloc[0]
            fabrics[name + tag] = FabricInfo(
                name + tag,
                stock,
                first["unit"],
                float(first["roll_size"]) if first["roll_size"] != "" else None,
                deliveries,
            )
        for r in orders.itertuples():
            open_orders.append(
                OpenOrderInfo(r.sku + tag, dt.date.fromisoformat(r.due_date), int(r.quantity))
            )
    inputs = PlanningInputs(styles, skus, pd.DataFrame(rows), on_hand, open_orders, fabrics)
    return inputs, start


def scaled_config(copies: int):
    cfg = load_config()
    raw = cfg.model_dump()
    raw["lines"] = [
        {**line, "id": line["id"] if c == 0 else f"{line['id']}x{c}"}
        for c in range(copies)
        for line in raw["lines"]
    ]
    raw["cutting"]["stations"] *= copies
    raw["finishing"]["stations"] *= copies
    return type(cfg).model_validate(raw)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,3,10")
    parser.add_argument("--modes", default="c2m,batch")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--horizon", type=int, default=14)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/plan_scale.json"))
    args = parser.parse_args(argv)
    results = []
    for copies in [int(x) for x in args.scales.split(",")]:
        inputs, start = sample_inputs(copies, args.horizon)
        cfg = scaled_config(copies)
        for mode in args.modes.split(","):
            t0 = time.perf_counter()
            plan = make_plan(
                inputs,
                cfg,
                PlanOptions(
                    mode=mode,
                    start=start,
                    horizon_days=args.horizon,
                    time_limit=args.time_limit,
                    workers=args.workers,
                ),
            )
            final = time.perf_counter() - t0
            solve = plan.solve
            heuristic_objective = solve.stats.heuristic_objective
            row = {
                "scale": copies,
                "mode": mode,
                "skus": len(inputs.skus),
                "lines": len(cfg.lines),
                "lots": plan.kpis.lots,
                "operations": plan.kpis.operations,
                "first_feasible_seconds": plan.timings.get("first_feasible"),
                "prepare_seconds": plan.timings.get("prepare"),
                "time_limit": args.time_limit,
                "final_seconds": round(final, 2),
                "status": plan.status,
                "method": solve.method,
                "objective": solve.objective,
                "bound": solve.bound,
                "gap": None if solve.gap is None else round(solve.gap, 4),
                "heuristic_objective": heuristic_objective,
                "ratio_to_heuristic": (
                    round(solve.objective / heuristic_objective, 4)
                    if heuristic_objective and solve.objective is not None
                    else None
                ),
                "fill_rate": plan.kpis.fill_rate,
                "changeovers": plan.kpis.changeovers,
            }
            results.append(row)
            print(json.dumps(row), flush=True)
    report = {
        "benchmark": "plan_scale",
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
        "time_limit": args.time_limit,
        "workers": args.workers,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
