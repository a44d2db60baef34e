"""Golden runs: deterministic outputs that a behaviour-preserving change must leave identical.

Each run drives the code through its public faces only (``scheduling.solve`` and the ``c2m``
CLI), on fixed seeds, in deterministic mode, with budgets counted in solver work rather than
wall seconds, so the outputs depend on the code and not on the machine's load. Fields that
measure time or name temporary paths are removed before comparing (``_scrub``).

``python -m tests.golden.runs`` (from the repository root) records them into
``tests/golden/expected/``; ``tests/golden/test_golden.py`` runs them again and compares. Only
a change whose commit says why a number moved may re-record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scheduling import solve
from scheduling.formats import parse_fjs, parse_upm, to_problem
from tests.scheduling.scheduling_instances import FT06, garment_floor, jobshop, random_problem

EXPECTED = Path(__file__).parent / "expected"

# Brandimarte's mk01 (flexible job shop), kept here so the golden runs need no shared files.
MK01 = """10 6 2.09
6 2 1 5 3 4 3 5 3 3 5 2 1 2 3 4 6 2 3 6 5 2 6 1 1 1 3 1 3 6 6 3 6 4 3
5 1 2 6 1 3 1 1 1 2 2 2 6 4 6 3 6 5 2 6 1 1
5 1 2 6 2 3 4 6 2 3 6 5 2 6 1 1 3 3 4 2 6 6 6 2 1 1 5 5
5 3 6 5 2 6 1 1 1 2 6 1 3 1 3 5 3 3 5 2 1 2 3 4 6 2
6 3 5 3 3 5 2 1 3 6 5 2 6 1 1 1 2 6 2 1 5 3 4 2 2 6 4 6 3 3 4 2 6 6 6
6 2 3 4 6 2 1 1 2 3 3 4 2 6 6 6 1 2 6 3 6 5 2 6 1 1 2 1 3 4 2
5 1 6 1 2 1 3 4 2 3 3 4 2 6 6 6 3 2 6 5 1 1 6 1 3 1
5 2 3 4 6 2 3 3 4 2 6 6 6 3 6 5 2 6 1 1 1 2 6 2 2 6 4 6
6 1 6 1 2 1 1 5 5 3 6 6 3 6 4 3 1 1 2 3 3 4 2 6 6 6 2 2 6 4 6
6 2 3 4 6 2 3 3 4 2 6 6 6 3 5 3 3 5 2 1 1 6 1 2 2 6 4 6 2 1 3 4 2
"""

# Volatile fields: wall times, run timestamps, the host and temporary paths.
_VOLATILE = {
    "seconds",
    "wall_seconds",
    "phases",
    "started_at",
    "finished_at",
    "start_time",
    "end_time",
    "created_at",
    "files",
    "out",
    "pid",
    "host",
}


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


def _upm_text(jobs: int, machines: int, seed: int) -> str:
    """A random unrelated-parallel-machines instance with setups, in the UPM text format."""
    rng = random.Random(seed)
    lines = [f"{jobs} {machines}"]
    for _ in range(jobs):
        lines.append(" ".join(f"{m} {rng.randint(1, 99)}" for m in range(machines)))
    lines.append("SSD")
    for _ in range(machines):
        lines.append(f"M{_}")
        for _ in range(jobs):
            lines.append(" ".join(str(rng.randint(1, 49)) for _ in range(jobs)))
    return "\n".join(lines) + "\n"


def _schedule_record(problem: Any, time_limit: float, seed: int = 0) -> dict[str, Any]:
    result = solve(problem, time_limit=time_limit, workers=1, seed=seed, deterministic=True)
    rows = (
        [[a.resource, a.start, a.end, a.setup] for a in result.solution.assignments]
        if result.solution
        else []
    )
    digest = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
    return {
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "method": result.method,
        "schedule_sha256": digest,
    }


def scheduling_runs() -> dict[str, Any]:
    """Benchmark-format and garment-floor instances through ``scheduling.solve``."""
    return {
        "ft06": _schedule_record(jobshop(FT06), 2.0),
        "mk01": _schedule_record(to_problem(parse_fjs(MK01, name="mk01")), 2.0),
        "upm_30x4": _schedule_record(to_problem(parse_upm(_upm_text(30, 4, 5), "upm")), 2.0),
        "random_1": _schedule_record(random_problem(random.Random(1)), 1.0),
        "random_2": _schedule_record(random_problem(random.Random(2)), 1.0),
        "floor_40": _schedule_record(garment_floor(40, seed=3), 3.0),
        "floor_160": _schedule_record(garment_floor(160, seed=4), 3.0),
    }


def _cli(args: list[str]) -> dict[str, Any]:
    """Runs ``c2m ARGS --json`` in process and returns its JSON object."""
    from cli import app

    result = CliRunner().invoke(app, [*args, "--json"], catch_exceptions=False)
    if result.exit_code not in (0, 2):
        raise RuntimeError(f"c2m {' '.join(args)} exited {result.exit_code}: {result.output}")
    return json.loads(result.stdout)


def plan_runs(workdir: Path) -> dict[str, Any]:
    """A small world in a SQLite file: forecast, a C2M and a batch plan, the C2M lots."""
    from tests import worlds

    url = f"sqlite:///{workdir / 'plan.db'}"
    worlds.seed_replan_world(url, days=28, daily=12)
    db = ["--db", url]
    forecast = _cli([*db, "forecast", "--horizon", "14"])
    plans = {}
    now = ["--now", worlds.NOW.isoformat()]  # the guards' today: the world's, not the clock's
    for mode in ("c2m", "batch"):
        plans[mode] = _cli(
            [*db, "plan", "--mode", mode, "--time-limit", "2", "--deterministic", *now]
        )
    lots = _cli([*db, "show", str(plans["c2m"]["plan_id"])])
    return _scrub({"forecast": forecast, "plans": plans, "c2m_plan": lots})


def replan_runs(workdir: Path) -> dict[str, Any]:
    """Two nights of ``c2m replan``, two days of surging signals between: the second's diff."""
    from tests import worlds

    url = f"sqlite:///{workdir / 'replan.db'}"
    worlds.seed_replan_world(url, days=28, daily=12)
    db = ["--db", url]
    night = worlds.NOW
    first = _cli([*db, "replan", "--now", night.isoformat(), "--time-limit", "2"])
    worlds.add_signals(url, night.date(), 2, 45)
    second_now = night + dt.timedelta(days=2)
    second = _cli([*db, "replan", "--now", second_now.isoformat(), "--time-limit", "2"])
    return _scrub({"first": first, "second": second})


def simulation_runs() -> dict[str, Any]:
    """A two-day season of the default scenario, batch and C2M, on a three-style world."""
    summary = _cli(
        [
            "simulate",
            "--days",
            "2",
            "--styles",
            "3",
            "--history-days",
            "42",
            "--seed",
            "3",
            "--time-limit",
            "1",
        ]
    )
    return _scrub(summary)


def all_runs() -> dict[str, Callable[[], dict[str, Any]]]:
    """Name → a function producing that golden output (each in its own temporary folder)."""

    def in_tmp(run: Callable[[Path], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        def go() -> dict[str, Any]:
            with tempfile.TemporaryDirectory() as tmp:
                return run(Path(tmp))

        return go

    return {
        "scheduling": scheduling_runs,
        "plan": in_tmp(plan_runs),
        "replan": in_tmp(replan_runs),
        "simulation": simulation_runs,
    }


def dumps(value: dict[str, Any]) -> str:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False, default=str) + "\n"


def main(argv: list[str]) -> int:
    EXPECTED.mkdir(exist_ok=True)
    names = argv or list(all_runs())
    for name in names:
        (EXPECTED / f"{name}.json").write_text(dumps(all_runs()[name]()), encoding="utf-8")
        print(f"recorded {name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
