"""The floor benchmark: best-known records change only through the benchmark, and the
PyJobShop reference's schedule of a floor passes our checker."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from scheduling.floor import write_floor
from scheduling.model import Calendar, Objective, Resource
from scheduling.validate import objective, validate

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scheduling"))
from scheduling_instances import garment_floor

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
WEIGHTS = Objective(tardiness=10, setup=1, earliness=1, overtime=5)


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def floor_file(tmp_path: Path) -> Path:
    problem = garment_floor(10, seed=1, objective=WEIGHTS, overtime=60)
    return write_floor(tmp_path / "small.json", problem, scale=100.0)


def _run(floor_file: Path, *extra: str, capsys) -> dict:
    bench = _load("scheduling")
    args = [str(floor_file), "--time-limit", "1", "--deterministic", "--json", *extra]
    assert bench.main(args) == 0
    return json.loads(capsys.readouterr().out.splitlines()[0])


def test_a_beaten_best_known_is_lowered_by_the_benchmark_with_its_record(floor_file, capsys):
    table = floor_file.parent / "best_known.json"
    old = {"objective": 1e9, "objective_units": 10**11, "method": "old run", "seed": 3}
    table.write_text(json.dumps({"small": old}))
    # without --update-best-known nothing is written, however much better the run is
    row = _run(floor_file, capsys=capsys)
    assert json.loads(table.read_text()) == {"small": old}
    assert row["valid"] and row["best_known"] == 1e9 and row["gap"] < 0
    row = _run(floor_file, "--update-best-known", capsys=capsys)
    record = json.loads(table.read_text())["small"]
    assert row["best_known_lowered_by"] == record["method"]
    assert record["method"].startswith("c2m-engine")
    assert record["objective_units"] == row["objective_units"] < 10**11
    assert record["objective"] == row["objective"] == round(row["objective_units"] / 100, 2)
    assert (record["time_limit"], record["workers"], record["seed"]) == (1.0, 2, 0)
    assert record["deterministic"] is True and record["date"]
    assert record["history"] == [old]
    assert row["best_known"] == row["objective"] and row["gap"] == 0.0
    # the same result again does not beat it: the file stays as it is
    before = table.read_text()
    row = _run(floor_file, "--update-best-known", capsys=capsys)
    assert row["best_known_lowered_by"] is None and table.read_text() == before


def test_best_known_lower_never_raises_a_record(tmp_path):
    records = _load("best_known")
    table = tmp_path / "best_known.json"
    assert records.lower(table, "x", 5.0, 500, "a", {}) is not None
    assert records.lower(table, "x", 6.0, 600, "b", {}) is None
    assert records.lower(table, "x", 5.0, 500, "b", {}) is None
    record = records.lower(table, "x", 4.0, 400, "pyjobshop cp-sat", {"seed": 1})
    assert record["method"] == "pyjobshop cp-sat" and record["history"][0]["method"] == "a"
    assert json.loads(table.read_text())["x"]["objective_units"] == 400


def test_pyjobshop_translation_of_a_floor_passes_our_checker():
    pytest.importorskip("pyjobshop")
    reference = _load("pyjobshop_reference")
    translate = _load("floor_reference")
    floor = garment_floor(10, seed=1, objective=WEIGHTS, overtime=60)
    # Every line has something set up that takes 2,000 minutes to change from: its first lot
    # pays that out of working time, which the translation must model to be valid.
    size = len(next(m for m in floor.setups if m is not None))
    lines, setups = [], []
    for r, matrix in zip(floor.resources, floor.setups, strict=True):
        if matrix is None:
            lines.append(r)
            setups.append(None)
            continue
        grown = [[*row, 2000] for row in matrix] + [[2000] * (size + 1)]
        lines.append(dataclasses.replace(r, initial_class=size))
        setups.append(grown)
    problem = dataclasses.replace(floor, resources=tuple(lines), setups=tuple(setups))
    out = reference.solve_spec(
        {"floor": translate.to_spec(problem), "time_limit": 10, "workers": 1}
    )
    assert out["tasks"] is not None, out["status"]
    solution = translate.to_solution(problem, out["tasks"])
    assert validate(problem, solution) == []
    # PyJobShop counts tardiness and earliness on the working-time axis and pays no overtime:
    # our checker's price of the same schedule is never below its own figure.
    assert objective(problem, solution).total >= out["objective"]


def test_the_reference_refuses_resources_on_different_calendars():
    translate = _load("floor_reference")
    problem = garment_floor(3, seed=1)
    other = Calendar(((0, 600),))
    resources = (Resource("odd", other), *problem.resources[1:])
    odd = type(problem)(
        resources, problem.jobs, problem.operations, problem.precedences, problem.setups
    )
    with pytest.raises(translate.NotTranslatable, match="one calendar"):
        translate.to_spec(odd)
