"""How long a season takes, and where the time goes: forecast, plan, execute.

Runs ``c2m.simulation.simulate`` on the sample factory (the issue's target: 28 days, batch
and C2M, under 10 minutes on 2 cores) and prints one JSON object: wall seconds in total and
per phase, seconds per simulated day and per daily plan, and the season KPIs per mode (so a
speed change that changed the answer shows up beside it).

The in-run reference is one C2M plan of the first day, made before the season with the same
solver settings: ``season_in_plans`` = season seconds / that plan's seconds says how many
"plans' worth" of time a season costs, which compares across machines and machine load
better than raw seconds do (this machine is shared).

    .venv/bin/python benchmarks/simulate_speed.py [--days 28] [--modes batch,c2m]
        [--scenario default] [--seed 7] [--time-limit 1.5] [--out FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

# benchmarks/scheduling.py would shadow the scheduling package when run as a script
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from c2m.config import load_config  # noqa: E402
from c2m.planning import PlanningInputs, PlanOptions, make_plan  # noqa: E402
from c2m.sample import generate  # noqa: E402
from c2m.simulation import SimulationOptions, simulate  # noqa: E402
from c2m.simulation import inputs as world_inputs  # noqa: E402
from c2m.simulation.season import day_forecast  # noqa: E402

TARGET_SECONDS = 600


def reference_plan(world, options: SimulationOptions, cfg) -> dict:
    """One C2M plan of the season's first night (forecast included, timed apart)."""
    cat = world_inputs.catalogue(world)
    t0 = time.perf_counter()
    forecast = day_forecast(world, world.future_start, options, set(cat.skus))
    forecast_s = time.perf_counter() - t0
    inputs = PlanningInputs(
        styles=cat.styles,
        skus=cat.skus,
        forecast=forecast,
        on_hand=world_inputs.initial_stock(world),
        open_orders=world_inputs.open_orders(world),
    )
    t0 = time.perf_counter()
    result = make_plan(
        inputs,
        cfg,
        PlanOptions(
            mode="c2m",
            start=dt.datetime.combine(world.future_start, dt.time()),
            horizon_days=options.horizon_days,
            time_limit=options.time_limit,
            workers=options.workers,
            deterministic=True,
        ),
    )
    return {
        "forecast_seconds": round(forecast_s, 3),
        "plan_seconds": round(time.perf_counter() - t0, 3),
        "lots": len(result.lots),
        "status": result.status,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--modes", default="batch,c2m")
    parser.add_argument("--scenario", default="default")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=1.5)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    cfg = load_config()
    options = SimulationOptions(
        days=args.days,
        modes=tuple(args.modes.split(",")),
        seed=args.seed,
        scenario=args.scenario,
        time_limit=args.time_limit,
    )
    world = generate(
        options.seed,
        options.scenario,
        history_days=options.history_days,
        future_days=options.days,
        config=cfg,
    )
    reference = reference_plan(world, options, cfg)
    t0 = time.perf_counter()
    result = simulate(
        options,
        config=cfg,
        world=world,
        progress=lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    total = time.perf_counter() - t0
    plans = len(options.modes) * options.days
    report = {
        "benchmark": "simulate_speed",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": result.as_json()["settings"],
        "world": {k: result.world[k] for k in ("skus", "styles", "future_demand")},
        "seconds": {**result.seconds, "wall": round(total, 2)},
        "share": {
            k: round(result.seconds[k] / result.seconds["total"], 3)
            for k in ("forecast", "plan", "execute")
        },
        "per_day_seconds": round(total / options.days, 2),
        "per_plan_seconds": round(result.seconds["plan"] / plans, 2),
        "reference": reference,
        "season_in_plans": round(total / max(reference["plan_seconds"], 1e-9), 1),
        "target_seconds": TARGET_SECONDS,
        "within_target": total < TARGET_SECONDS,
        "modes": result.modes,
    }
    text = json.dumps(report, indent=2, default=str)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
