"""Measure the scheduling engine on public benchmark instances (issue 4).

    python benchmarks/scheduling.py FILE... [--format fjs|jsp|upm] [--time-limit S]
        [--workers N] [--seed K] [--solution-out DIR] [--reference] [--json]

Each instance is read with :mod:`scheduling.formats`, solved with :func:`scheduling.solve.solve`,
and its solution checked by the independent :func:`scheduling.validate.validate`. One JSON
object per instance goes to stdout (``--json``; a table otherwise): ``instance``, ``makespan``,
``lower_bound``, ``status``, ``seconds``, ``valid``, and ``best_known`` and ``gap`` (makespan
over best known, minus one) when a ``best_known.json`` lies beside the file. A last object with
``"summary": true`` gives the mean gaps.

``--reference`` also runs PyJobShop's plain CP-SAT model on the same instance, with the same
time limit and workers, right after ours (never at the same time: the cores are shared). It
runs in its own virtual environment (``--reference-python``, default
``/work/venv-pyjobshop/bin/python``) because PyJobShop pins its own OR-Tools; when that
interpreter is missing the reference is skipped with a note on stderr. Its figures appear as
``ref_makespan``, ``ref_lower_bound``, ``ref_status``, ``ref_seconds``, ``ref_gap``.

``--solution-out DIR`` writes ``DIR/<stem>.csv`` with header ``job,operation,machine,start,end``
(0-based job and operation, machines numbered as in the instance file).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

# This folder holds a script named scheduling.py, which would shadow the scheduling package
# when a script here runs: take the folder off the import path first.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if str(Path(p or ".").resolve()) != _HERE]

from scheduling import formats  # noqa: E402
from scheduling.solve import solve  # noqa: E402
from scheduling.validate import validate  # noqa: E402

HERE = Path(__file__).resolve().parent
REFERENCE_SCRIPT = HERE / "pyjobshop_reference.py"
DEFAULT_REFERENCE_PYTHON = "/work/venv-pyjobshop/bin/python"


def best_known(path: Path) -> int | None:
    """The best-known makespan from a ``best_known.json`` beside the file or one level up."""
    for folder in (path.parent, path.parent.parent):
        table = folder / "best_known.json"
        if table.exists():
            value = json.loads(table.read_text()).get(path.stem)
            if value is not None:
                return int(value)
    return None


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


def run_reference(
    inst: formats.BenchmarkInstance, python: str, time_limit: float, workers: int
) -> dict:
    """PyJobShop on the same instance, in its own interpreter; {} with a note when absent."""
    if not Path(python).exists():
        print(f"note: {python} not found, PyJobShop reference skipped", file=sys.stderr)
        return {}
    spec = {
        "jobs": inst.jobs,
        "num_machines": inst.num_machines,
        "setups": inst.setups,
        "time_limit": time_limit,
        "workers": workers,
    }
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
    return {f"ref_{k}": v for k, v in out.items()}


def gap(value: int | None, reference: int | None) -> float | None:
    if value is None or not reference:
        return None
    return round(value / reference - 1, 4)


def measure(path: Path, args: argparse.Namespace) -> dict:
    inst = formats.read(path, args.format)
    problem = formats.to_problem(inst)
    result = solve(problem, time_limit=args.time_limit, workers=args.workers, seed=args.seed)
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
        "phases": {  # what each phase of the pipeline reached (see scheduling.solve)
            k: v
            for k, v in result.stats.as_dict().items()
            if k in ("heuristic_objective", "iterated_greedy_objective", "cpsat_status")
        }
        | {k: v for k, v in (result.stats.lns or {}).items() if not isinstance(v, dict)},
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


def summarise(rows: list[dict]) -> dict:
    def mean(key: str) -> float | None:
        values = [r[key] for r in rows if r.get(key) is not None]
        return round(sum(values) / len(values), 4) if values else None

    return {
        "summary": True,
        "instances": len(rows),
        "all_valid": all(r["valid"] for r in rows),
        "mean_gap": mean("gap"),
        "ref_mean_gap": mean("ref_gap"),
        "solved_by_reference": sum(1 for r in rows if r.get("ref_makespan") is not None),
        "time_limit": rows[0]["time_limit"] if rows else None,
        "workers": rows[0]["workers"] if rows else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--format", choices=formats.FORMATS, default=None)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--solution-out", default=None)
    parser.add_argument("--reference", action="store_true", help="also run PyJobShop")
    parser.add_argument("--reference-python", default=DEFAULT_REFERENCE_PYTHON)
    parser.add_argument("--json", action="store_true", help="JSON lines on stdout")
    args = parser.parse_args(argv)

    rows = []
    for path in args.files:
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
            if "ref_makespan" in row:
                ref = f"  pyjobshop {row['ref_makespan']} ({row.get('ref_gap')})"
            print(
                f"{row['instance']:>20}  makespan {row['makespan']}  lb {row['lower_bound']}  "
                f"best {row.get('best_known')}  gap {row.get('gap')}  {row['status']}  "
                f"{row['seconds']} s  valid={row['valid']}{ref}",
                flush=True,
            )
    summary = summarise(rows)
    print(json.dumps(summary) if args.json else f"summary: {summary}")
    return 0 if summary["all_valid"] else 1


if __name__ == "__main__":
    sys.exit(main())
