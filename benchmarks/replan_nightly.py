"""Nights of replanning on the sample world: speed, and how much the plan churns.

A sample world is generated and imported through the real importers into a fresh SQLite
file; then, night after night, the day's live-room signals are imported and ``replan`` runs
at 02:30 the next morning, exactly as cron would. Each night reports the wall time per phase,
the solver status and the changes against the previous plan; ``inside_frozen`` must be 0.

The same nights run twice in this script: with the factory's plan-stability weight, and as
the in-run reference with the weight set to 0 (every night planned from scratch apart from
the frozen lots). Each night also reports the solver's objective and seconds.
``churn`` = lots moved to another line or time plus quantity changes, and
``mean_shift_hours`` = how far a lot that moved in time moved; their ratios with / without
stability are the figures that say the stability term works (below 1). Lots added and
removed come from the new demand (netting), not from the scheduler, and are reported apart.

    .venv/bin/python benchmarks/replan_nightly.py [--nights 3] [--time-limit 10]
        [--forecast-method seasonal_naive] [--styles 12] [--out benchmarks/results/...json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

# benchmarks/scheduling.py would shadow the scheduling package when run as a script
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from c2m.config import load_config  # noqa: E402
from c2m.db import open_engine  # noqa: E402
from c2m.importing import (  # noqa: E402
    import_catalog,
    import_fabric,
    import_inventory,
    import_orders,
    import_sales,
)
from c2m.replan import ReplanOptions, replan  # noqa: E402
from c2m.sample import SALES_COLUMNS, generate  # noqa: E402


def _config(stability: float | None, time_limit: float):
    cfg = load_config()
    raw = cfg.model_dump()
    raw["solver"]["time_limit_seconds"] = time_limit
    if stability is not None:
        raw["solver"]["stability_weight"] = stability
    return type(cfg).model_validate(raw)


def _prepare(workdir: Path, args) -> tuple[Path, object]:
    world = generate(
        args.seed, history_days=args.history_days, future_days=args.nights + 1, styles=args.styles
    )
    data = workdir / "data"
    world.write_csv(data, truth=False, messy=False)
    db = workdir / "base.db"
    engine = open_engine(f"sqlite:///{db}")
    import_catalog([data / "catalog.csv"], engine)
    import_inventory([data / "inventory.csv"], engine)
    import_fabric([data / "fabric.csv"], engine)
    import_orders([data / "orders.csv"], engine)
    import_sales([data / "sales.csv"], engine)
    engine.dispose()
    return db, world


def _nights(db: Path, world, cfg, args, label: str) -> list[dict]:
    url = f"sqlite:///{db}"
    engine = open_engine(url)
    rows = []
    for night in range(args.nights + 1):
        day = world.future_start + dt.timedelta(days=night)
        if night > 0:  # the rooms' export of the day before, imported in the evening
            path = db.parent / f"sales_{label}_{night}.csv"
            signals = world.signals_on(day - dt.timedelta(days=1))
            signals.assign(date=signals["date"].dt.strftime("%Y-%m-%d")).to_csv(
                path, columns=SALES_COLUMNS, index=False
            )
            import_sales([path], engine)
        now = dt.datetime.combine(day, dt.time(2, 30))
        t0 = time.perf_counter()
        outcome = replan(
            engine,
            cfg,
            ReplanOptions(now=now, horizon_days=args.horizon, forecast_method=args.forecast_method),
        )
        seconds = time.perf_counter() - t0
        counts = outcome.changes.counts() if outcome.changes else {}
        rows.append(
            {
                "night": night,
                "now": now.isoformat(sep=" "),
                "seconds": round(seconds, 2),
                "phases": outcome.phases,
                "status": outcome.status,
                "objective": outcome.solver.get("objective"),
                "solve_seconds": outcome.solver.get("seconds"),
                "lots": outcome.kpis.get("lots"),
                "fill_rate": outcome.kpis.get("fill_rate"),
                "changes": counts,
                "churn": counts.get("moved_line", 0)
                + counts.get("moved_time", 0)
                + counts.get("qty_changed", 0),
            }
        )
        print(f"{label} night {night}: {seconds:.1f} s, {outcome.status}", file=sys.stderr)
    engine.dispose()
    return rows


def summarise(results: dict[str, list[dict]], nights: int) -> dict:
    """Means over the nights after the first (the first has nothing to compare with)."""

    def mean(label: str, value) -> float:
        rows = [r for r in results[label] if r["night"] > 0]
        return statistics.mean(value(r) for r in rows) if rows else 0.0

    def ratio(values: dict[str, float]) -> float | None:
        base = values["no_stability"]
        return round(values["stability"] / base, 3) if base else None

    churn = {k: mean(k, lambda r: r["churn"]) for k in results}
    shift = {k: mean(k, lambda r: r["changes"].get("mean_shift_hours", 0.0)) for k in results}
    lines = {k: mean(k, lambda r: r["changes"].get("moved_line", 0)) for k in results}
    return {
        "nights": nights,
        "mean_seconds": {
            k: round(statistics.mean(r["seconds"] for r in v), 2) for k, v in results.items()
        },
        # Every night, first included: the solver's objective (lower is better) and time.
        "mean_objective": {
            k: round(statistics.mean(r["objective"] or 0 for r in v)) for k, v in results.items()
        },
        "mean_solve_seconds": {
            k: round(statistics.mean(r["solve_seconds"] or 0 for r in v), 2)
            for k, v in results.items()
        },
        "mean_churn_per_night": {k: round(v, 1) for k, v in churn.items()},
        "churn_ratio_stability_vs_none": ratio(churn),
        "mean_moved_line_per_night": {k: round(v, 1) for k, v in lines.items()},
        "moved_line_ratio_stability_vs_none": ratio(lines),
        "mean_shift_hours": {k: round(v, 2) for k, v in shift.items()},
        "shift_ratio_stability_vs_none": ratio(shift),
        "mean_added_removed_per_night": {
            k: round(
                mean(k, lambda r: r["changes"].get("added", 0) + r["changes"].get("removed", 0)), 1
            )
            for k in results
        },
        "inside_frozen_total": sum(
            r["changes"].get("inside_frozen", 0) for v in results.values() for r in v
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--horizon", type=int, default=14)
    parser.add_argument("--forecast-method", default="seasonal_naive")
    parser.add_argument("--styles", type=int, default=12)
    parser.add_argument("--history-days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=_HERE / "results" / "replan_nightly.json")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="replan_bench_"))
    try:
        base, world = _prepare(workdir, args)
        results = {}
        for label, weight in (("stability", None), ("no_stability", 0.0)):
            db = workdir / f"{label}.db"
            shutil.copy(base, db)
            results[label] = _nights(db, world, _config(weight, args.time_limit), args, label)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    summary = summarise(results, args.nights)
    payload = {
        "benchmark": "replan_nightly",
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "summary": summary,
        "nights": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(json.dumps(payload["summary"], indent=2))


if __name__ == "__main__":
    main()
