"""Reference run: solve one benchmark instance with PyJobShop's plain CP-SAT model.

Runs in a SEPARATE virtual environment (PyJobShop pins its own OR-Tools; it is a benchmark-only
extra, never a dependency of c2m-planner), so it imports nothing from this project: the parent
``benchmarks/scheduling.py`` parses the instance and sends it here as JSON on stdin

    {"jobs": [[[[machine, time], ...] per operation] per job], "num_machines": m,
     "setups": null | [[[...]]], "time_limit": s, "workers": n}

and this script prints one JSON object: ``makespan``, ``lower_bound``, ``status``, ``seconds``.
"""

from __future__ import annotations

import itertools
import json
import sys
import time

from pyjobshop import Model


def main() -> None:
    spec = json.load(sys.stdin)
    model = Model()
    machines = [model.add_machine(name=f"M{m}") for m in range(spec["num_machines"])]
    tasks = []
    for ops in spec["jobs"]:
        job = model.add_job()
        job_tasks = []
        for modes in ops:
            task = model.add_task(job=job)
            for machine, duration in modes:
                model.add_mode(task, machines[machine], duration)
            job_tasks.append(task)
        for before, after in itertools.pairwise(job_tasks):
            model.add_end_before_start(before, after)
        tasks.append(job_tasks)
    setups = spec.get("setups")
    if setups:
        # UPM: one operation per job, setup (i, j) when job j follows job i on machine m.
        for m, matrix in enumerate(setups):
            for i, row in enumerate(matrix):
                for j, value in enumerate(row):
                    if i != j and value:
                        model.add_setup_time(machines[m], tasks[i][0], tasks[j][0], value)
    model.set_objective(weight_makespan=1)
    began = time.perf_counter()
    result = model.solve(
        solver="ortools",
        time_limit=spec["time_limit"],
        display=False,
        num_workers=spec["workers"],
    )
    seconds = time.perf_counter() - began
    found = result.objective != float("inf")
    print(
        json.dumps(
            {
                "makespan": int(result.objective) if found else None,
                "lower_bound": int(result.lower_bound),
                "status": result.status.value.lower(),
                "seconds": round(seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
