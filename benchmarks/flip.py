"""The flip, measured: batch, C2M and the oracle across scenarios, loads and seeds (issue #16).

Each cell is one season (``c2m.simulation.simulate``) with the modes ``batch,c2m,oracle`` on
the same world, floor and luck. Per cell it reports, for every mode, the fill rate, the unsold
share of what the season made and the total cost, plus C2M's mean lot size and lead time, the
season's realised load and the lost-demand split; then it checks the issue's outcome targets
and says which cells miss them (a benchmark, not a test: nothing here asserts).

Sets (``--set``):

- ``sweep``: 14-day seasons of ``default``, ``steady`` and ``viral`` at loads 0.6, 0.75, 0.9
  and 1.05, three seeds a cell (36 seasons, 1,512 daily plans; not run yet: estimate it from
  one cell's wall time, see ``docs/simulation.md``);
- ``headline``: 28-day seasons of ``default`` at loads 0.75 and 1.05, five seeds;
- ``smoke``: one 2-day cell on a three-style world, to check the script runs.

``--loads``, ``--seeds`` and ``--scenarios`` narrow a set to some of its cells (one headline
cell: ``--set headline --loads 0.75 --seeds 1``). Cells run in ``--jobs`` worker processes
(default 2: one per core, each solver single-threaded, deterministic budgets, so a cell's
answer does not depend on the machine's load)::

    .venv/bin/python benchmarks/flip.py --set smoke
    .venv/bin/python benchmarks/flip.py --set sweep --jobs 2 --out benchmarks/results/flip.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# benchmarks/scheduling.py would shadow the scheduling package when run as a script
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from c2m.config import load_config  # noqa: E402
from c2m.simulation import SimulationOptions, simulate  # noqa: E402

MODES = ("batch", "c2m", "oracle")


@dataclass(frozen=True)
class Preset:
    scenarios: tuple[str, ...]
    loads: tuple[float, ...]
    seeds: tuple[int, ...]
    days: int
    styles: int | None = None
    time_limit: float = 1.5


PRESETS = {
    "sweep": Preset(("default", "steady", "viral"), (0.6, 0.75, 0.9, 1.05), (1, 2, 3), 14),
    "headline": Preset(("default",), (0.75, 1.05), (1, 2, 3, 4, 5), 28),
    "smoke": Preset(("default",), (0.75,), (3,), 2, styles=3, time_limit=1.0),
}


def run_cell(cell: dict[str, Any]) -> dict[str, Any]:
    """One season; the figures the issue asks for, and the cell's wall time."""
    config = load_config(cell["config"]) if cell["config"] else load_config()
    options = SimulationOptions(
        days=cell["days"],
        modes=MODES,
        seed=cell["seed"],
        scenario=cell["scenario"],
        time_limit=cell["time_limit"],
        load=cell["load"],
        world_overrides=(("styles", cell["styles"]),) if cell["styles"] else (),
    )
    t0 = time.perf_counter()
    result = simulate(options, config=config)
    modes = {
        mode: {
            key: kpis.get(key)
            for key in (
                "fill_rate",
                "unsold_share",
                "total_cost",
                "made_units",
                "made_for_after_season_units",
                "end_inventory_units",
                "mean_lot_size",
                "lead_time_days",
                "reorders",
                "changeover_hours",
                "learning_hours",
                "lost_demand",
                "preseason",
            )
            if key in kpis
        }
        for mode, kpis in result.modes.items()
    }
    checks = targets(cell["load"], modes)
    return {
        "scenario": cell["scenario"],
        "target_load": cell["load"],
        "seed": cell["seed"],
        "days": cell["days"],
        "load": result.world.get("load"),
        "modes": modes,
        "targets": checks,
        "misses": [name for name, met in checks.items() if not met],
        "wall_seconds": round(time.perf_counter() - t0, 1),
    }


def targets(load: float, modes: dict[str, dict[str, Any]]) -> dict[str, bool]:
    """The issue's outcome targets that apply at ``load`` (the asked-for one), met or not."""
    batch, c2m, oracle = modes["batch"], modes["c2m"], modes["oracle"]
    out = {}
    if load <= 0.9:
        out["c2m fill >= 0.95"] = c2m["fill_rate"] >= 0.95
        out["c2m unsold share <= 0.10"] = c2m["unsold_share"] <= 0.10
        out["c2m mean lot <= 200"] = c2m["mean_lot_size"] <= 200
        out["batch unsold share >= 0.30"] = batch["unsold_share"] >= 0.30
    out["c2m fill >= oracle fill - 0.03"] = c2m["fill_rate"] >= oracle["fill_rate"] - 0.03
    out["c2m total cost < batch's"] = c2m["total_cost"] < batch["total_cost"]
    return out


def tally(results: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per target, in how many cells it was checked and met."""
    out: dict[str, dict[str, int]] = {}
    for cell in results:
        for name, met in cell["targets"].items():
            row = out.setdefault(name, {"cells": 0, "met": 0})
            row["cells"] += 1
            row["met"] += int(met)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="preset", choices=sorted(PRESETS), default="smoke")
    parser.add_argument("--loads", type=float, nargs="+", help="only these loads of the set")
    parser.add_argument("--seeds", type=int, nargs="+", help="only these seeds of the set")
    parser.add_argument("--scenarios", nargs="+", help="only these scenarios of the set")
    parser.add_argument("--jobs", type=int, default=2, help="cells run at once (processes)")
    parser.add_argument("--config", type=Path, default=None, help="factory TOML (default: shipped)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    preset = PRESETS[args.preset]
    cells = [
        {
            "scenario": scenario,
            "load": load,
            "seed": seed,
            "days": preset.days,
            "styles": preset.styles,
            "time_limit": preset.time_limit,
            "config": str(args.config) if args.config else None,
        }
        for scenario, load, seed in itertools.product(
            args.scenarios or preset.scenarios,
            args.loads or preset.loads,
            args.seeds or preset.seeds,
        )
    ]
    t0 = time.perf_counter()
    results = []
    with ProcessPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        for done in pool.map(run_cell, cells):
            results.append(done)
            print(
                f"{done['scenario']} load {done['target_load']} seed {done['seed']}: "
                f"{done['wall_seconds']} s, misses {done['misses'] or 'none'}",
                file=sys.stderr,
                flush=True,
            )
    report = {
        "benchmark": "flip",
        "set": args.preset,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "jobs": args.jobs,
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "cells": results,
        "cells_meeting_every_target": sum(not c["misses"] for c in results),
        "targets": tally(results),
    }
    text = json.dumps(report, indent=2, default=str)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
