"""Reference run: solve one instance with PyJobShop's plain CP-SAT model.

It imports nothing from this project, so it can run in a SEPARATE virtual environment
(PyJobShop may pin its own OR-Tools; it is a benchmark-only extra, never a dependency of
c2m-planner): the parent ``benchmarks/scheduling.py`` parses the instance and sends it here as
JSON on stdin. Two kinds of instance:

- a public benchmark (``jobs``)::

    {"jobs": [[[[machine, time], ...] per operation] per job], "num_machines": m,
     "setups": null | [[[...]]], "time_limit": s, "workers": n}

  answered with ``makespan``, ``lower_bound``, ``status``, ``seconds``;

- a floor problem (``floor``), already relaxed onto one working-time axis by
  ``benchmarks/floor_reference.py`` (which says what is relaxed and maps the answer back)::

    {"floor": {"num_resources": m, "jobs": [{"release", "due", "weight"}],
               "tasks": [{"job", "modes": [[resource, minutes]], "cls", "fixed": [r, t] | null}],
               "precedences": [[pred, succ, lag]], "matrices": [[[...]]],
               "resource_matrix": [index | null per resource],
               "initial_class": [class | null per resource],
               "weights": {"tardiness", "earliness", "setup"}, "horizon": minutes},
     "time_limit": s, "workers": n}

  answered with ``objective``, ``lower_bound``, ``status``, ``seconds`` and ``tasks``: per task
  ``[resource, start, end]`` on the axis (``null`` when no schedule was found).

Run in-process, :func:`solve_spec` does the same and returns the dictionary.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from typing import Any

from pyjobshop import Model


def _benchmark_model(spec: dict[str, Any]) -> Model:
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
    return model


def _floor_model(floor: dict[str, Any]) -> Model:
    """Modes, sequence-dependent setups per class pair, releases, due dates, weighted
    tardiness, earliness and setup time: the parts of a floor PyJobShop has."""
    model = Model()
    machines = [model.add_machine(name=f"R{r}") for r in range(floor["num_resources"])]
    # Every time ends by the horizon: PyJobShop's default (2^42) times the cost weights of a
    # floor overflows CP-SAT's objective ("possible integer overflow"), an invalid model.
    horizon = floor["horizon"]
    # PyJobShop refuses a job without tasks (a replan's lot whose steps are all done).
    used = {t["job"] for t in floor["tasks"]}
    jobs = {
        k: model.add_job(
            weight=j["weight"], release_date=j["release"], deadline=horizon, due_date=j["due"]
        )
        for k, j in enumerate(floor["jobs"])
        if k in used
    }
    tasks = []
    on_machine: list[list[int]] = [[] for _ in machines]
    for t in floor["tasks"]:
        fixed = t.get("fixed")
        kw = {"earliest_start": fixed[1], "latest_start": fixed[1]} if fixed else {}
        task = model.add_task(job=jobs[t["job"]], latest_end=horizon, **kw)
        for r, minutes in t["modes"]:
            if fixed and r != fixed[0]:
                continue
            model.add_mode(task, machines[r], minutes)
            on_machine[r].append(len(tasks))
        tasks.append(task)
    for a, b, lag in floor["precedences"]:
        model.add_end_before_start(tasks[a], tasks[b], lag)
    matrices = floor["matrices"]
    initial = floor.get("initial_class") or [None] * len(machines)
    for r, index in enumerate(floor["resource_matrix"]):
        if index is None:
            continue
        matrix = matrices[index]
        for i in on_machine[r]:
            ci = floor["tasks"][i]["cls"]
            for k in on_machine[r]:
                value = matrix[ci][floor["tasks"][k]["cls"]]
                if i != k and value:
                    model.add_setup_time(machines[r], tasks[i], tasks[k], value)
        if initial[r] is not None:
            # What the line has set up now: a zero-length task of that class pinned at the
            # start, so the line's first task pays the setup out of it. Added after the real
            # tasks, so the answer's first tasks are still the floor's own.
            line_job = model.add_job(weight=0, due_date=0)  # costs nothing
            now = model.add_task(job=line_job, earliest_start=0, latest_start=0)
            model.add_mode(now, machines[r], 0)
            for k in on_machine[r]:
                value = matrix[initial[r]][floor["tasks"][k]["cls"]]
                if value:
                    model.add_setup_time(machines[r], now, tasks[k], value)
    w = floor["weights"]
    model.set_objective(
        weight_total_tardiness=w["tardiness"],
        weight_total_earliness=w["earliness"],
        weight_total_setup_time=w["setup"],
    )
    return model


def solve_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Builds the PyJobShop model of ``spec``, solves it and returns the answer (see above)."""
    floor = spec.get("floor")
    model = _floor_model(floor) if floor is not None else _benchmark_model(spec)
    began = time.perf_counter()
    result = model.solve(
        solver="ortools",
        time_limit=spec["time_limit"],
        display=False,
        num_workers=spec["workers"],
    )
    seconds = round(time.perf_counter() - began, 2)
    found = result.objective != float("inf")
    out: dict[str, Any] = {
        "lower_bound": int(result.lower_bound),
        "status": result.status.value.lower(),
        "seconds": seconds,
    }
    if floor is None:
        return {"makespan": int(result.objective) if found else None, **out}
    tasks = None
    if found:
        real = result.best.tasks[: len(floor["tasks"])]
        tasks = [[s.resources[0], int(s.start), int(s.end)] for s in real]
    return {"objective": int(result.objective) if found else None, **out, "tasks": tasks}


def main() -> None:
    print(json.dumps(solve_spec(json.load(sys.stdin))))


if __name__ == "__main__":
    main()
