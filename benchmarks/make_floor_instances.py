"""Makes the floor instance library ``benchmarks/floor/`` (issue 18).

    .venv/bin/python benchmarks/make_floor_instances.py [--out benchmarks/floor] [--only NAME...]

Each instance is the scheduling problem ``c2m`` hands the solver, written in the floor format
(``docs/floor-format.md``) exactly as ``c2m plan --problem-out`` writes it:

- ``{c2m,batch}_{1x,3x}_s7``: the shipped sample world (``c2m/data/sample_data/``, seed 7, scenario
  ``default``) at 1x and 3x its SKU count, lines scaled to match (``plan_scale``'s scaling);
- ``{c2m,batch}_{1x,3x}_s11viral``: a second world, seed 11, scenario ``viral``, generated here;
- ``c2m_10x_s7``: the sample world at 10x;
- ``replan_night_s7``: the second night of ``c2m replan`` on the sample world imported into a
  fresh SQLite file: lots already on the floor are fixed operations, last night's plan is the
  previous solution the stability term keeps close to.

The planner solves each problem briefly while building it (deterministic, 1 s budget): only
the problem is kept. Files above ``GZIP_ABOVE`` bytes are written gzip-compressed
(``.json.gz``, byte-stable). The same code and seeds give the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from pathlib import Path

# benchmarks/scheduling.py would shadow the scheduling package when run as a script
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from c2m.planning import PlanOptions, make_plan  # noqa: E402
from c2m.planning.problem_file import problem_meta  # noqa: E402
from scheduling.floor import dumps_floor, write_floor  # noqa: E402

HORIZON = 14
GZIP_ABOVE = 200_000
BUILD_SECONDS = 1.0
WORLDS = {"s7": None, "s11viral": (11, "viral")}  # None: the shipped sample data


def _plan_scale():
    import importlib.util

    spec = importlib.util.spec_from_file_location("plan_scale", _HERE / "plan_scale.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _world_dir(tag: str, tmp: Path) -> Path:
    """The folder of a world's CSV files (generated into ``tmp`` unless shipped)."""
    ps = _plan_scale()
    if WORLDS[tag] is None:
        return ps.SAMPLE
    from c2m.sample import generate

    seed, scenario = WORLDS[tag]
    out = tmp / tag
    if not (out / "sales.csv").exists():
        generate(seed, scenario).write_csv(out, truth=False, messy=False)
    return out


def _write(out: Path, name: str, problem, scale: float, meta: dict) -> Path:
    size = len(dumps_floor(problem, scale, meta))
    path = out / (f"{name}.json.gz" if size > GZIP_ABOVE else f"{name}.json")
    for stale in (out / f"{name}.json", out / f"{name}.json.gz"):
        stale.unlink(missing_ok=True)
    return write_floor(path, problem, scale, meta)


def plan_instance(out: Path, tmp: Path, mode: str, copies: int, tag: str) -> Path:
    """One plan problem of a world at ``copies`` times its SKUs."""
    ps = _plan_scale()
    inputs, start = ps.sample_inputs(copies, HORIZON, _world_dir(tag, tmp))
    cfg = ps.scaled_config(copies)
    options = PlanOptions(
        mode=mode,
        start=start,
        horizon_days=HORIZON,
        time_limit=BUILD_SECONDS,
        workers=1,
        seed=0,
        deterministic=True,
    )
    result = make_plan(inputs, cfg, options)
    meta = problem_meta(result, {"source": "benchmarks/make_floor_instances.py", "world": tag})
    meta |= {"copies": copies, "skus": len(inputs.skus)}
    return _write(out, f"{mode}_{copies}x_{tag}", result.built.problem, result.built.scale, meta)


def replan_instance(out: Path, tmp: Path) -> Path:
    """The second night's replan problem on the sample world, through the real pipeline."""
    from c2m.config import load_config
    from c2m.db import open_engine
    from c2m.demo import fresh_engine, import_sample
    from c2m.replan import ReplanOptions, replan

    url = f"sqlite:///{tmp / 'replan.db'}"
    fresh_engine(url, reset=True)
    engine = open_engine(url)
    import_sample(engine, _plan_scale().SAMPLE)
    cfg = load_config()
    first = dt.datetime(2026, 11, 23, 22, 0)
    path = tmp / "replan_night.json"
    for night, now in enumerate((first, first + dt.timedelta(days=1))):
        outcome = replan(
            engine,
            cfg,
            ReplanOptions(
                now=now,
                time_limit=BUILD_SECONDS,
                forecast_method="seasonal_naive",
                problem_out=path if night == 1 else None,
            ),
        )
        if outcome.plan_id is None:
            raise RuntimeError(f"replan night {night + 1} published no plan: {outcome.message}")
    from scheduling import formats

    inst = formats.read(path)
    problem = formats.to_problem(inst)
    meta = dict(inst.meta) | {"source": "benchmarks/make_floor_instances.py", "world": "s7"}
    return _write(out, "replan_night_s7", problem, inst.scale, meta)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=_HERE / "floor")
    parser.add_argument("--only", nargs="*", default=None, help="instance names to (re)make")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    jobs = {
        f"{mode}_{copies}x_{tag}": (mode, copies, tag)
        for tag in WORLDS
        for copies in (1, 3)
        for mode in ("c2m", "batch")
    }
    jobs["c2m_10x_s7"] = ("c2m", 10, "s7")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for name, (mode, copies, tag) in jobs.items():
            if args.only is None or name in args.only:
                print(plan_instance(args.out, tmp, mode, copies, tag), flush=True)
        if args.only is None or "replan_night_s7" in args.only:
            print(replan_instance(args.out, tmp), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
