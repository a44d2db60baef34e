"""The floor format: a problem written and read back is the same problem, and bad files fail
with one sentence naming the file."""

from __future__ import annotations

import gzip
import json
import random

import pytest
from scheduling_instances import garment_floor, random_problem

from scheduling import formats
from scheduling.floor import dumps_floor, parse_floor, write_floor
from scheduling.floor import to_problem as floor_to_problem
from scheduling.search import heuristic
from scheduling.validate import objective, validate


def _round_trip(problem, tmp_path, name="p.json"):
    path = write_floor(tmp_path / name, problem, scale=123.5, meta={"seed": 1})
    inst = formats.read(path)
    return inst, formats.to_problem(inst)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_problems_survive_the_round_trip(seed, tmp_path):
    problem = random_problem(random.Random(seed))
    inst, back = _round_trip(problem, tmp_path)
    assert inst.kind == "floor" and inst.scale == 123.5 and inst.meta == {"seed": 1}
    assert back == problem  # every field, calendars and setups included


def test_a_floor_with_setups_survives_gzip_and_keeps_its_objective(tmp_path):
    problem = garment_floor(30, seed=2)
    _, back = _round_trip(problem, tmp_path, "floor.json.gz")
    assert formats.guess_format(tmp_path / "floor.json.gz") == "floor"
    assert back == problem
    sol = heuristic.solve(problem)
    assert not validate(back, sol)
    assert objective(back, sol) == objective(problem, sol)


def test_shared_matrices_and_calendars_are_written_once():
    problem = garment_floor(30, seed=2)
    doc = json.loads(dumps_floor(problem))
    shared = {id(m) for m in problem.setups if m is not None}
    assert len(doc["setup_matrices"]) == len(shared)
    assert len(doc["calendars"]) == len({r.calendar for r in problem.resources})


def test_gzip_output_is_byte_stable(tmp_path):
    problem = garment_floor(10, seed=1)
    a = write_floor(tmp_path / "a.json.gz", problem).read_bytes()
    b = write_floor(tmp_path / "b.json.gz", problem).read_bytes()
    assert a == b and gzip.decompress(a).startswith(b"{")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=2), "version 2 is not supported"),
        (lambda d: d.update(format="other"), "not a floor document"),
        (lambda d: d.pop("jobs"), "'jobs' must be a list"),
        (lambda d: d["objective"].update(scale=0), "scale must be a positive number"),
        (lambda d: d["operations"][0].update(job=999), "job 999, which does not exist"),
        (lambda d: d["operations"][0].pop("modes"), "missing field 'modes'"),
        (lambda d: d["precedences"].append([0, 0, 0]), "cannot precede itself"),
    ],
)
def test_bad_documents_fail_with_a_sentence(change, message, tmp_path):
    doc = json.loads(dumps_floor(garment_floor(5, seed=1)))
    change(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(formats.FormatError, match=message) as info:
        formats.read_problem(path)
    assert str(info.value).startswith(str(path)) or "bad" in str(info.value)


def test_not_json_is_a_format_error(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{not json")
    with pytest.raises(formats.FormatError, match="not a JSON document"):
        formats.read(path)


def test_operation_keys_number_each_jobs_operations():
    problem = garment_floor(4, seed=1)
    inst = parse_floor(json.loads(dumps_floor(problem)))
    keys = formats.operation_keys(inst)
    assert len(keys) == problem.num_operations
    assert keys[:3] == [(0, 0), (0, 1), (0, 2)]
    assert floor_to_problem(inst) == problem
