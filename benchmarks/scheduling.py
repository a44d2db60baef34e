"""Measure the scheduling engine on public benchmark instances (issue 4).

    python benchmarks/scheduling.py FILE... [--format fjs|jsp|upm|floor] [--time-limit S]
        [--workers N] [--seed K] [--deterministic] [--solution-out DIR] [--reference]
        [--update-best-known] [--json]

Each instance is read with :mod:`scheduling.formats`, solved with :func:`scheduling.solve.solve`,
and its solution checked by the independent :func:`scheduling.validate.validate`. One JSON
object per instance goes to stdout (``--json``; a table otherwise): ``instance``, ``makespan``,
``lower_bound``, ``status``, ``seconds``, ``valid``, and ``best_known`` and ``gap`` (makespan
over best known, minus one) when a ``best_known.json`` lies beside the file. A last object with
``"summary": true`` gives the mean gaps.

Floor files (``--format floor``, or any ``.json`` / ``.json.gz``: the problem ``c2m plan
--problem-out`` writes, see ``docs/floor-format.md``) print ``objective`` and ``bound`` in the
plan's units (CNY: the solver's integer objective over the file's scale, as ``c2m plan
--json`` prints it) beside ``objective_units`` and ``bound_units``; ``gap`` is the gap to the
best-known objective and ``gap_to_bound`` the gap to the proven bound (weak on garment floors:
it is the only proof, not a quality score). Their ``best_known.json`` holds records (method,
time limit, workers, seed, date, history; see ``benchmarks/best_known.py``).
``--update-best-known`` lowers a record when this run's checked schedule (ours, or the
reference's when ``--reference`` runs) beats it; nothing else writes that file.

``--reference`` also runs PyJobShop's plain CP-SAT model on the same instance, with the same
time limit and workers, right after ours (never at the same time: the cores are shared). It
runs in its own virtual environment (``--reference-python``, default
``/work/venv-pyjobshop/bin/python``) because PyJobShop pins its own OR-Tools; when that
interpreter is missing, and PyJobShop is importable here, it runs in this interpreter instead;
otherwise the reference is skipped with a note on stderr. Its figures appear as
``ref_makespan``, ``ref_lower_bound``, ``ref_status``, ``ref_seconds``, ``ref_gap``; on floor
files as ``ref_objective`` (its schedule priced by OUR checker, in CNY), ``ref_own_objective``
(PyJobShop's own figure for its relaxed model, in units), ``ref_valid`` and ``ref_gap``;
``benchmarks/floor_reference.py`` says how the floor is relaxed into PyJobShop's terms.

``--solution-out DIR`` writes ``DIR/<stem>.csv`` with header ``job,operation,machine,start,end``
(0-based job and operation, machines numbered as in the instance file).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

# This folder holds a script named scheduling.py, which would shadow the scheduling package
# when a script here runs: take the folder off the import path first.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if str(Path(p or ".").resolve()) != _HERE]

from scheduling import formats  # noqa: E402
from scheduling.model import Problem  # noqa: E402
from scheduling.solve import solve  # noqa: E402
from scheduling.validate import objective as price  # noqa: E402
from scheduling.validate import validate  # noqa: E402

HERE = Path(__file__).resolve().parent
REFERENCE_SCRIPT = HERE / "pyjobshop_reference.py"
DEFAULT_REFERENCE_PYTHON = "/work/venv-pyjobshop/bin/python"


def sibling(name: str) -> ModuleType:
    """A module of this folder (the folder is off the import path, see above)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def instance_name(path: Path) -> str:
    return formats.floor_stem(path) if formats.guess_format(path) == "floor" else path.stem


def best_known(path: Path) -> float | None:
    """The best-known objective from a ``best_known.json`` beside the file or one level up."""
    value, _record = sibling("best_known").lookup(path, instance_name(path))
    return value


def write_solution(
    out_dir: Path, inst: formats.BenchmarkInstance, keys: list[tuple[int, int]], solution
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / f"{inst.name}.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["job", "operation", "machine", "start", "end"])
        rows = sorted(
            ((j, o, a.resource + inst.machine_base, a.start, a.end))
            for (j, o), a in zip(keys, solution, strict=True)
        )
        writer.writerows(rows)


def reference_python(python: str) -> str | None:
    """The interpreter that runs PyJobShop: ``python`` if it exists, else this one when it
    can import PyJobShop, else None."""
    if Path(python).exists():
        return python
    if importlib.util.find_spec("pyjobshop") is not None:
        return sys.executable
    return None


def run_reference(
    inst: formats.BenchmarkInstance | formats.FloorInstance,
    python: str,
    time_limit: float,
    workers: int,
    problem: Problem | None = None,
) -> dict:
    """PyJobShop on the same instance, in its own interpreter; {} with a note when absent."""
    chosen = reference_python(python)
    if chosen is None:
        print(f"note: {python} not found, PyJobShop reference skipped", file=sys.stderr)
        return {}
    python = chosen
    if isinstance(inst, formats.FloorInstance):
        translate = sibling("floor_reference")
        try:
            spec = {"floor": translate.to_spec(problem)}
        except translate.NotTranslatable as exc:
            print(f"note: PyJobShop not run on {inst.name}: {exc}", file=sys.stderr)
            return {"ref_status": "not run", "ref_reason": str(exc)}
    else:
        spec = {"jobs": inst.jobs, "num_machines": inst.num_machines, "setups": inst.setups}
    spec |= {"time_limit": time_limit, "workers": workers}
    try:
        done = subprocess.run(
            [python, str(REFERENCE_SCRIPT)],
            input=json.dumps(spec),
            capture_output=True,
            text=True,
            timeout=time_limit * 3 + 60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"ref_status": "timeout"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        print(f"note: PyJobShop failed on {inst.name}: {last}", file=sys.stderr)
        return {"ref_status": "error"}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    if isinstance(inst, formats.FloorInstance):
        return floor_reference_row(inst, problem, out)
    return {f"ref_{k}": v for k, v in out.items()}


def floor_reference_row(inst: formats.FloorInstance, problem: Problem, out: dict) -> dict:
    """The reference's floor answer, mapped back to wall minutes and priced by our checker."""
    row = {
        "ref_own_objective": out["objective"],
        "ref_lower_bound": out["lower_bound"],
        "ref_status": out["status"],
        "ref_seconds": out["seconds"],
        "ref_objective": None,
        "ref_objective_units": None,
        "ref_valid": False,
    }
    if out.get("tasks"):
        solution = sibling("floor_reference").to_solution(problem, out["tasks"])
        units = price(problem, solution).total
        row["ref_valid"] = not validate(problem, solution)
        row["ref_objective_units"] = units
        row["ref_objective"] = round(units / inst.scale, 2)
    return row


def gap(value: int | None, reference: int | None) -> float | None:
    if value is None or not reference:
        return None
    return round(value / reference - 1, 4)


def phase_figures(result) -> dict:
    """What each phase of the pipeline reached (see scheduling.solve). ``heuristic_seconds``
    is when the heuristic phase ended: the first feasible plan was there no later."""
    keep = (
        "heuristic_objective",
        "heuristic_seconds",
        "bound_seconds",
        "iterated_greedy_objective",
        "axis_status",
        "axis_objective",
        "cpsat_status",
        "cpsat_skipped",
    )
    return {k: v for k, v in result.stats.as_dict().items() if k in keep} | {
        k: v for k, v in (result.stats.lns or {}).items() if not isinstance(v, dict)
    }


def measure(path: Path, args: argparse.Namespace) -> dict:
    inst = formats.read(path, args.format)
    problem = formats.to_problem(inst)
    result = solve(
        problem,
        time_limit=args.time_limit,
        workers=args.workers,
        seed=args.seed,
        deterministic=args.deterministic,
    )
    if isinstance(inst, formats.FloorInstance):
        return measure_floor(path, inst, problem, result, args)
    solution = result.solution
    valid = solution is not None and not validate(problem, solution)
    makespan = solution.makespan if solution is not None else None
    row = {
        "instance": inst.name,
        "format": inst.kind,
        "jobs": inst.num_jobs,
        "machines": inst.num_machines,
        "operations": inst.num_operations,
        "makespan": makespan,
        "lower_bound": result.bound,
        "status": result.status,
        "seconds": round(result.seconds, 2),
        "valid": valid,
        "method": result.method,
        "phases": phase_figures(result),
        "time_limit": args.time_limit,
        "workers": args.workers,
    }
    known = best_known(path)
    if known is not None:
        row["best_known"] = known
        row["gap"] = gap(makespan, known)
    if args.solution_out and solution is not None:
        write_solution(Path(args.solution_out), inst, formats.operation_keys(inst), solution)
    if args.reference:
        ref = run_reference(inst, args.reference_python, args.time_limit, args.workers)
        if ref and known is not None:
            ref["ref_gap"] = gap(ref.get("ref_makespan"), known)
        row.update(ref)
    return row


def measure_floor(
    path: Path, inst: formats.FloorInstance, problem: Problem, result, args: argparse.Namespace
) -> dict:
    """One floor instance's row: objective and bound in CNY and in units, gap to the best
    known and to the bound, the reference's figures, and the best-known record lowered when
    ``--update-best-known`` asks and a checked schedule beats it."""
    solution = result.solution
    valid = solution is not None and not validate(problem, solution)
    units = price(problem, solution).total if solution is not None else None
    name = formats.floor_stem(path)
    row = {
        "instance": name,
        "format": "floor",
        "jobs": inst.num_jobs,
        "machines": inst.num_machines,
        "operations": inst.num_operations,
        "objective": None if units is None else round(units / inst.scale, 2),
        "objective_units": units,
        "bound": round(result.bound / inst.scale, 2),
        "bound_units": result.bound,
        "status": result.status,
        "seconds": round(result.seconds, 2),
        "valid": valid,
        "method": result.method,
        "phases": phase_figures(result),
        "time_limit": args.time_limit,
        "workers": args.workers,
        "seed": args.seed,
        "deterministic": args.deterministic,
        "gap_to_bound": None if result.gap is None else round(result.gap, 4),
    }
    if args.solution_out and solution is not None:
        write_solution(Path(args.solution_out), inst, formats.operation_keys(inst), solution)
    if args.reference:
        row.update(
            run_reference(inst, args.reference_python, args.time_limit, args.workers, problem)
        )
    if args.update_best_known:
        row["best_known_lowered_by"] = update_best_known(path, name, row)
    known = best_known(path)
    if known is not None:
        row["best_known"] = known
        row["gap"] = gap(row["objective"], known)
        if "ref_objective" in row:
            row["ref_gap"] = gap(row["ref_objective"], known)
    return row


def update_best_known(path: Path, name: str, row: dict) -> str | None:
    """Offers this run's checked schedules (ours, then the reference's) to the best-known
    table; returns the method that lowered the record, or None."""
    records = sibling("best_known")
    table = records.table_path(path) or path.parent / records.FILE_NAME
    settings = {
        "time_limit": row["time_limit"],
        "workers": row["workers"],
        "seed": row["seed"],
        "deterministic": row["deterministic"],
    }
    offers = []
    if row["valid"]:
        offers.append((f"c2m-engine {row['method']}", row["objective"], row["objective_units"]))
    if row.get("ref_valid"):
        offers.append(("pyjobshop cp-sat", row["ref_objective"], row["ref_objective_units"]))
    lowered = None
    for method, objective, units in sorted(offers, key=lambda o: o[2]):
        today = dt.datetime.now(dt.UTC).date()
        if records.lower(table, name, objective, units, method, settings, today) is not None:
            lowered = method
    return lowered


def summarise(rows: list[dict]) -> dict:
    def mean(key: str) -> float | None:
        values = [r[key] for r in rows if r.get(key) is not None]
        return round(sum(values) / len(values), 4) if values else None

    return {
        "summary": True,
        "instances": len(rows),
        "all_valid": all(r["valid"] for r in rows),
        "mean_gap": mean("gap"),
        "mean_gap_to_bound": mean("gap_to_bound"),
        "ref_mean_gap": mean("ref_gap"),
        "solved_by_reference": sum(
            1 for r in rows if r.get("ref_makespan", r.get("ref_objective")) is not None
        ),
        "time_limit": rows[0]["time_limit"] if rows else None,
        "workers": rows[0]["workers"] if rows else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--format", choices=formats.ALL_FORMATS, default=None)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--deterministic", action="store_true", help="work-budgeted solver (same result again)"
    )
    parser.add_argument(
        "--update-best-known",
        action="store_true",
        help="lower an instance's best-known record when this run's checked schedule beats it",
    )
    parser.add_argument("--solution-out", default=None)
    parser.add_argument("--reference", action="store_true", help="also run PyJobShop")
    parser.add_argument("--reference-python", default=DEFAULT_REFERENCE_PYTHON)
    parser.add_argument("--json", action="store_true", help="JSON lines on stdout")
    args = parser.parse_args(argv)

    rows = []
    # a folder's glob (benchmarks/floor/*.json*) also catches its best-known table
    for path in [p for p in args.files if p.name != "best_known.json"]:
        try:
            row = measure(path, args)
        except (formats.FormatError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 65
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            ref = ""
            if "ref_makespan" in row or "ref_objective" in row:
                ref_value = row.get("ref_makespan", row.get("ref_objective"))
                ref = f"  pyjobshop {ref_value} ({row.get('ref_gap')})"
            value = row.get("makespan", row.get("objective"))
            bound = row.get("lower_bound", row.get("bound"))
            print(
                f"{row['instance']:>20}  objective {value}  bound {bound}  "
                f"best {row.get('best_known')}  gap {row.get('gap')}  {row['status']}  "
                f"{row['seconds']} s  valid={row['valid']}{ref}",
                flush=True,
            )
    summary = summarise(rows)
    print(json.dumps(summary) if args.json else f"summary: {summary}")
    return 0 if summary["all_valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
