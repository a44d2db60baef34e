"""How the engine scales on garment-floor problems of 100 to 3,000 lots (issue 4).

    python benchmarks/floor_scale.py [--lots 100 300 600 1000 3000] [--time-limit S]
        [--workers N] [--seed K] [--json]

The problems are synthetic but shaped like the sample factory
(``c2m/data/configs/humen_factory.toml``), built here without importing ``c2m`` so the
benchmark measures the pure library:

- every lot is cut -> sewn -> finished with a 30-minute transfer between steps;
- cutting on one of the cutting tables, finishing on one of the finishing teams, sewing on one of
  the lines that can sew the lot's category, at a speed set by the line's operators and
  efficiency (standard minutes x units / (operators x efficiency));
- sewing lines pay exact changeovers: 240 min for a new category, 90 for another style of the same
  category, 20 for another colour of the same style (one setup class per style x colour);
- a 2-shift, 6-day calendar (07:00-15:00, 15:30-23:30, Sundays off): operations pause overnight;
- lots arrive with their fabric (release) and are due a few days later;
- the objective is weighted tardiness (x10) plus changeover minutes.

Factory size grows with the lot count (6 lines, 3 cutting tables, 2 finishing teams per 600 lots)
and the horizon keeps the floor about as loaded as 600 lots over 14 days on the sample factory.

For each size it prints: the time and objective of the heuristic's first schedule, the engine's
objective (all heuristic variants, CP-SAT and LNS within ``--time-limit``), what each phase
reached, its status and wall time, and whether the checker accepts it.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

# This folder holds a script named scheduling.py, which would shadow the scheduling package
# when a script here runs: take the folder off the import path first.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if str(Path(p or ".").resolve()) != _HERE]

from scheduling.model import (  # noqa: E402
    Calendar,
    Job,
    Mode,
    Objective,
    Operation,
    Precedence,
    Problem,
    Resource,
)
from scheduling.search import heuristic  # noqa: E402
from scheduling.solve import solve  # noqa: E402
from scheduling.validate import objective, validate  # noqa: E402

DAY = 24 * 60
# (category, standard minutes per unit) as in the sample factory's configuration.
CATEGORIES = (("tshirt", 4.5), ("polo", 13.0), ("hoodie", 12.0), ("jeans", 14.0),
              ("shirt", 18.0), ("dress", 15.0))  # fmt: skip
# Line templates of the sample factory: (operators, efficiency, category indices).
LINES = ((24, 0.72, (0, 1, 2)), (22, 0.70, (0, 1, 2)), (18, 0.68, (0, 5)),
         (20, 0.65, (3,)), (16, 0.66, (4, 5, 1)), (12, 0.62, (4, 5, 2, 3)))  # fmt: skip
STYLES_PER_CATEGORY = 4
COLOURS_PER_STYLE = 3
CHANGEOVER = {"category": 240, "style": 90, "colour": 20}
TRANSFER = 30


def two_shift_calendar(days: int) -> Calendar:
    """07:00-15:00 and 15:30-23:30, Monday to Saturday (day 0 is a Monday)."""
    windows = []
    for d in range(days):
        if d % 7 == 6:
            continue
        windows += [
            (d * DAY + 7 * 60, d * DAY + 15 * 60),
            (d * DAY + 15 * 60 + 30, d * DAY + 23 * 60 + 30),
        ]
    return Calendar(windows=tuple(windows), name="2-shift 6-day")


def changeover_matrix() -> tuple[tuple[int, ...], ...]:
    """Setup minutes between classes; class = (category, style, colour) flattened."""
    classes = [
        (c, s, k)
        for c in range(len(CATEGORIES))
        for s in range(STYLES_PER_CATEGORY)
        for k in range(COLOURS_PER_STYLE)
    ]
    rows = []
    for a in classes:
        row = []
        for b in classes:
            if a == b:
                row.append(0)
            elif a[0] != b[0]:
                row.append(CHANGEOVER["category"])
            elif a[1] != b[1]:
                row.append(CHANGEOVER["style"])
            else:
                row.append(CHANGEOVER["colour"])
        rows.append(tuple(row))
    return tuple(rows)


def floor_problem(lots: int, seed: int = 0) -> Problem:
    """A garment-floor problem with ``lots`` lots (3 operations each); deterministic per seed."""
    rng = random.Random(seed)
    scale = max(1, round(lots / 600))
    days = max(7, math.ceil(14 * lots / (600 * scale)))
    calendar = two_shift_calendar(days + 21)  # the calendar must reach beyond the due dates
    cutters = [Resource(name=f"CUT{k + 1}", calendar=calendar) for k in range(3 * scale)]
    lines = [LINES[k % len(LINES)] for k in range(6 * scale)]
    sewers = [Resource(name=f"L{k + 1}", calendar=calendar) for k in range(len(lines))]
    finishers = [Resource(name=f"FIN{k + 1}", calendar=calendar) for k in range(2 * scale)]
    resources = cutters + sewers + finishers
    first_line = len(cutters)
    first_finisher = first_line + len(sewers)
    matrix = changeover_matrix()
    setups = [None] * len(cutters) + [matrix] * len(sewers) + [None] * len(finishers)

    jobs, operations, precedences = [], [], []
    for j in range(lots):
        category = rng.randrange(len(CATEGORIES))
        style = rng.randrange(STYLES_PER_CATEGORY)
        colour = rng.randrange(COLOURS_PER_STYLE)
        units = rng.choice((20, 30, 50, 80, 100, 120))
        release = 0 if rng.random() < 0.4 else rng.randrange(0, int(0.6 * days)) * DAY
        due = release + rng.randrange(3, 8) * DAY
        jobs.append(Job(name=f"lot{j}", release=release, due=due, weight=max(1, units // 100)))
        sam = CATEGORIES[category][1]
        cut = [Mode(r, 30 + math.ceil(0.25 * units)) for r in range(len(cutters))]
        sew = [
            Mode(first_line + k, max(1, math.ceil(sam * units / (ops * eff))))
            for k, (ops, eff, cats) in enumerate(lines)
            if category in cats
        ]
        fin = [
            Mode(first_finisher + r, 15 + math.ceil(0.6 * units / 4)) for r in range(len(finishers))
        ]
        cls = (category * STYLES_PER_CATEGORY + style) * COLOURS_PER_STYLE + colour
        base = len(operations)
        operations += [
            Operation(job=j, modes=tuple(cut), name=f"lot{j}.cut"),
            Operation(job=j, modes=tuple(sew), setup_class=cls, name=f"lot{j}.sew"),
            Operation(job=j, modes=tuple(fin), name=f"lot{j}.finish"),
        ]
        precedences += [
            Precedence(base, base + 1, TRANSFER),
            Precedence(base + 1, base + 2, TRANSFER),
        ]
    return Problem(
        resources=tuple(resources),
        jobs=tuple(jobs),
        operations=tuple(operations),
        precedences=tuple(precedences),
        setups=tuple(setups),
        objective=Objective(tardiness=10, setup=1),
        name=f"floor-{lots}",
    )


def measure(lots: int, args: argparse.Namespace) -> dict:
    problem = floor_problem(lots, args.seed)
    began = time.perf_counter()
    first = heuristic.solve(problem, time_budget=0.0, seed=args.seed)
    heuristic_seconds = time.perf_counter() - began
    heuristic_objective = objective(problem, first).total if first is not None else None
    result = solve(problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
    valid = result.solution is not None and not validate(problem, result.solution)
    return {
        "lots": lots,
        "operations": len(problem.operations),
        "resources": len(problem.resources),
        "heuristic_seconds": round(heuristic_seconds, 3),
        "heuristic_objective": heuristic_objective,
        "objective": result.objective,
        "improvement": (
            round(1 - result.objective / heuristic_objective, 4)
            if result.objective is not None and heuristic_objective
            else None
        ),
        "bound": result.bound,
        "status": result.status,
        "method": result.method,
        "phases": {  # the pipeline's own heuristic (all variants), CP-SAT and LNS
            k: v
            for k, v in result.stats.as_dict().items()
            if k in ("heuristic_objective", "heuristic_seconds", "cpsat_status", "cpsat_seconds")
        }
        | {k: v for k, v in (result.stats.lns or {}).items() if not isinstance(v, dict)},
        "seconds": round(result.seconds, 2),
        "time_limit": args.time_limit,
        "workers": args.workers,
        "valid": valid,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lots", type=int, nargs="+", default=[100, 300, 600, 1000, 3000])
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    ok = True
    for lots in args.lots:
        row = measure(lots, args)
        ok = ok and row["valid"]
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print(
                f"{lots:>5} lots: heuristic {row['heuristic_objective']} in "
                f"{row['heuristic_seconds']} s; engine {row['objective']} ({row['status']}, "
                f"{row['method']}) in {row['seconds']} s; valid={row['valid']}",
                flush=True,
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
