"""How strong and how fast the sound lower bounds of ``scheduling/bounds/`` are on the
garment floor of ``plan_scale.py`` (the sample factory at 1x, 3x, 10x).

Per scale and mode it builds the plan's scheduling problem (a 0.5 s plan: the problem is
what counts here, not the schedule) and prints, with the wall seconds of each part:
``unlimited_tardiness`` (every job alone on the floor), ``lp_tardiness`` (the
time-bucketed transportation LP of ``bounds/lp.py``, best group), ``capacity_tardiness``
(the best of that and the queues on resource sets, without and with the exact budget of
CP-SAT on small ones), ``setup_minutes`` (nested class sets) and ``bound`` (the weighted
total that a 60 s plan reports, with the exact budget a solve of ``--time-limit``
grants). The plan's objective itself comes from ``plan_scale.py``; divide there.

    .venv/bin/python benchmarks/bound_strength.py [--scales 1,3,10] [--modes c2m,batch]
        [--time-limit 60] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

# benchmarks/scheduling.py would shadow the scheduling package when run as a script
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE))

from plan_scale import sample_inputs, scaled_config  # noqa: E402

from c2m.planning import PlanOptions, make_plan  # noqa: E402
from scheduling import bounds  # noqa: E402
from scheduling.bounds import lp as bound_lp  # noqa: E402


def timed(fn, *args):
    """``fn(*args)`` and the wall seconds it took."""
    t0 = time.perf_counter()
    value = fn(*args)
    return value, round(time.perf_counter() - t0, 3)


def measure(copies: int, mode: str, time_limit: float) -> dict:
    """The bound's parts on the problem of one scale and mode."""
    inputs, start = sample_inputs(copies, 14)
    options = PlanOptions(mode=mode, start=start, horizon_days=14, time_limit=0.5)
    problem = make_plan(inputs, scaled_config(copies), options).built.problem
    budget = bounds.exact_budget(time_limit)
    (starts, ends), t_ends = timed(bounds.earliest_starts_ends, problem)
    completion = [0] * len(problem.jobs)
    for i, op in enumerate(problem.operations):
        completion[op.job] = max(completion[op.job], ends[i])
    unlimited = sum(
        job.weight * max(0, completion[j] - job.due)
        for j, job in enumerate(problem.jobs)
        if job.due is not None
    )
    cap = bounds.Capacity(problem, ends, starts)
    lp, t_lp = timed(bound_lp.lp_tardiness, problem, cap)
    cheap, t_cheap = timed(bounds.capacity_tardiness, problem, ends, starts)
    exact, t_exact = timed(bounds.capacity_tardiness, problem, ends, starts, budget)
    setup, t_setup = timed(bounds.setup_lower_bound, problem)
    total, t_total = timed(bounds.lower_bound, problem, budget)
    return {
        "scale": copies,
        "mode": mode,
        "operations": problem.num_operations,
        "earliest_seconds": t_ends,
        "unlimited_tardiness": unlimited,
        "lp_tardiness": lp,
        "lp_seconds": t_lp,
        "capacity_tardiness": cheap,
        "capacity_seconds": t_cheap,
        "exact_budget": budget,
        "capacity_tardiness_exact": exact,
        "capacity_exact_seconds": t_exact,
        "setup_minutes": setup,
        "setup_seconds": t_setup,
        "bound": total,
        "bound_seconds": t_total,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="1,3,10")
    ap.add_argument("--modes", default="c2m,batch")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    rows = []
    for copies in (int(s) for s in args.scales.split(",")):
        for mode in args.modes.split(","):
            rows.append(measure(copies, mode, args.time_limit))
            print(json.dumps(rows[-1]), flush=True)
    if args.out:
        args.out.write_text(json.dumps({"benchmark": "bound_strength", "results": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
