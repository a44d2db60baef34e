"""The neutral floor-problem format: a scheduling problem exactly as the solver receives it.

A garment plan's problem (``c2m plan --problem-out``) written as one versioned JSON document,
so that a plan can be re-solved, checked, compared against another solver or kept as a
benchmark instance without the database, the config or ``c2m``. ``docs/floor-format.md``
documents every field; this module is its only writer and reader.

Reading is two steps, like the other formats in :mod:`scheduling.formats`: the JSON becomes a
:class:`FloorInstance` (the document checked for shape, plain data), then
:func:`to_problem` builds the engine's :class:`~scheduling.model.Problem`, whose own checks
catch what is wrong in substance (a precedence cycle, an unknown resource). Calendars and setup
matrices are listed once and referred to by index: a factory's lines share them, and a 10x
plan's 650-class matrix written once per line would be hundreds of megabytes.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduling.model import (
    Assignment,
    Calendar,
    Job,
    Mode,
    Objective,
    Operation,
    Precedence,
    Problem,
    Resource,
)

FORMAT_NAME = "c2m-floor"
VERSION = 1
WEIGHTS = (
    "tardiness",
    "setup",
    "overtime",
    "earliness",
    "deviation",
    "makespan",
    "reassign_minutes",
)


class FloorFormatError(ValueError):
    """A floor file does not follow the format; the message names the file and the field."""


@dataclass(frozen=True)
class FloorInstance:
    """A floor document as plain, shape-checked data (see ``docs/floor-format.md``).

    ``name`` is the instance's name for benchmarks (the file's name without ``.json``); the
    problem keeps the document's own ``name``.

    ``scale`` is how many integer objective units make one yuan: the plan's objective in CNY
    is the solver's integer objective divided by it.
    """

    name: str
    document: Mapping[str, Any]
    scale: float = 1.0
    meta: Mapping[str, Any] = field(default_factory=dict)
    kind: str = "floor"

    @property
    def num_jobs(self) -> int:
        return len(self.document["jobs"])

    @property
    def num_machines(self) -> int:
        return len(self.document["resources"])

    @property
    def num_operations(self) -> int:
        return len(self.document["operations"])


def dumps_floor(
    problem: Problem,
    scale: float = 1.0,
    meta: Mapping[str, Any] | None = None,
    indent: int | None = None,
) -> str:
    """``problem`` as a floor document (JSON text); ``scale`` = objective units per yuan,
    ``meta`` = free facts about where it came from (kept, never read by the solver)."""
    return json.dumps(floor_document(problem, scale, meta), indent=indent, separators=(",", ":"))


def floor_document(
    problem: Problem, scale: float = 1.0, meta: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The floor document of ``problem`` as a dictionary (what :func:`dumps_floor` writes)."""
    calendars: list[Calendar] = []
    cal_index: dict[Calendar, int] = {}
    matrices: list[Any] = []
    mat_index: dict[int, int] = {}
    resources = []
    for r, res in enumerate(problem.resources):
        if res.calendar not in cal_index:
            cal_index[res.calendar] = len(calendars)
            calendars.append(res.calendar)
        matrix = problem.setups[r]
        m = None
        if matrix is not None:
            # Lines share one matrix object (see Problem._check_setups): keyed by identity.
            if id(matrix) not in mat_index:
                mat_index[id(matrix)] = len(matrices)
                matrices.append([list(row) for row in matrix])
            m = mat_index[id(matrix)]
        resources.append(
            {
                "name": res.name,
                "calendar": cal_index[res.calendar],
                "setup_matrix": m,
                "initial_class": res.initial_class,
            }
        )
    w = problem.objective
    return {
        "format": FORMAT_NAME,
        "version": VERSION,
        "name": problem.name,
        "time_unit": "minute",
        "objective": {
            "weights": {k: getattr(w, k) for k in WEIGHTS},
            "scale": scale,
            "currency": "CNY",
        },
        "calendars": [
            {"windows": [list(x) for x in c.windows], "overtime": [list(x) for x in c.overtime]}
            for c in calendars
        ],
        "setup_matrices": matrices,
        "resources": resources,
        "jobs": [
            {"name": j.name, "release": j.release, "due": j.due, "weight": j.weight}
            for j in problem.jobs
        ],
        "operations": [
            {
                "name": op.name,
                "job": op.job,
                "setup_class": op.setup_class,
                "modes": [[m.resource, m.duration] for m in op.modes],
                "fixed": None if not op.fixed else [op.fixed_resource, op.fixed_start],
            }
            for op in problem.operations
        ],
        "precedences": [[p.pred, p.succ, p.lag] for p in problem.precedences],
        "previous": (
            None
            if problem.previous is None
            else [
                None if a is None else [a.resource, a.start, a.end, a.setup]
                for a in problem.previous
            ]
        ),
        "meta": dict(meta or {}),
    }


def write_floor(
    path: str | Path, problem: Problem, scale: float = 1.0, meta: Mapping[str, Any] | None = None
) -> Path:
    """Writes the floor document to ``path`` (gzip-compressed when it ends in ``.gz``)."""
    path = Path(path)
    text = dumps_floor(problem, scale, meta)
    if path.suffix == ".gz":
        # No name, mtime=0: the same problem gives the same bytes, so instance files diff cleanly.
        with path.open("wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as handle:
            handle.write(text.encode())
    else:
        path.write_text(text + "\n")
    return path


def is_floor_path(path: str | Path) -> bool:
    """Whether ``path``'s name marks a floor file (``.json`` or ``.json.gz``)."""
    name = Path(path).name.lower()
    return name.endswith(".json") or name.endswith(".json.gz")


def floor_stem(path: str | Path) -> str:
    """The instance name of a floor file: its name without ``.json`` / ``.json.gz``."""
    name = Path(path).name
    for suffix in (".json.gz", ".json"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return Path(path).stem


def read_floor(path: str | Path) -> FloorInstance:
    """Reads a floor file (plain or gzip JSON) and checks its shape."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        document = json.loads(raw)
    except OSError as exc:
        raise FloorFormatError(f"{path}: cannot read the file ({exc.strerror}).") from None
    except (ValueError, EOFError) as exc:
        raise FloorFormatError(f"{path}: not a JSON document ({exc}).") from None
    return parse_floor(document, name=floor_stem(path), where=str(path))


def parse_floor(document: Any, name: str = "instance", where: str = "") -> FloorInstance:
    """Checks a floor document's shape and version; raises :class:`FloorFormatError`."""
    at = where or name

    def fail(what: str) -> FloorFormatError:
        return FloorFormatError(f"{at}: {what}.")

    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise fail(f"not a floor document (the field 'format' must be {FORMAT_NAME!r})")
    version = document.get("version")
    if version != VERSION:
        raise fail(f"floor format version {version!r} is not supported (this reader: {VERSION})")
    for key in ("calendars", "resources", "jobs", "operations"):
        if not isinstance(document.get(key), list):
            raise fail(f"the field {key!r} must be a list")
    objective = document.get("objective")
    if not isinstance(objective, dict) or not isinstance(objective.get("weights"), dict):
        raise fail("the field 'objective' must hold a 'weights' object")
    scale = objective.get("scale", 1.0)
    if not isinstance(scale, (int, float)) or scale <= 0:
        raise fail("objective.scale must be a positive number")
    return FloorInstance(
        name=name,
        document=document,
        scale=float(scale),
        meta=document.get("meta") or {},
    )


def to_problem(instance: FloorInstance, where: str = "") -> Problem:
    """The engine's :class:`Problem` for a floor instance; a bad field raises
    :class:`FloorFormatError` naming the instance and what is wrong."""
    try:
        return _build(instance.document)
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc).rstrip(".")
        raise FloorFormatError(f"{where or instance.name}: {what}.") from None


def _build(doc: Mapping[str, Any]) -> Problem:
    """The problem from a shape-checked document (errors surface from the dataclasses)."""
    calendars = [
        Calendar(tuple(map(tuple, c.get("windows", []))), tuple(map(tuple, c.get("overtime", []))))
        for c in doc["calendars"]
    ]
    # One tuple per matrix, shared by every resource that names it (as the planner builds it).
    matrices = [
        tuple(tuple(int(x) for x in row) for row in m) for m in doc.get("setup_matrices", [])
    ]
    resources, setups = [], []
    for r in doc["resources"]:
        resources.append(
            Resource(r.get("name", ""), calendars[r["calendar"]], r.get("initial_class"))
        )
        m = r.get("setup_matrix")
        setups.append(None if m is None else matrices[m])
    jobs = [
        Job(j.get("name", ""), int(j.get("release", 0)), j.get("due"), int(j.get("weight", 1)))
        for j in doc["jobs"]
    ]
    operations = []
    for op in doc["operations"]:
        fixed = op.get("fixed") or (None, None)
        operations.append(
            Operation(
                job=op["job"],
                modes=tuple(Mode(int(r), int(d)) for r, d in op["modes"]),
                setup_class=int(op.get("setup_class", 0)),
                name=op.get("name", ""),
                fixed_resource=fixed[0],
                fixed_start=fixed[1],
            )
        )
    precedences = [Precedence(int(a), int(b), int(lag)) for a, b, lag in doc.get("precedences", [])]
    weights = doc["objective"]["weights"]
    unknown = set(weights) - set(WEIGHTS)
    if unknown:
        raise ValueError(f"unknown objective weights {sorted(unknown)}")
    previous = doc.get("previous")
    return Problem(
        resources=tuple(resources),
        jobs=tuple(jobs),
        operations=tuple(operations),
        precedences=tuple(precedences),
        setups=tuple(setups),
        objective=Objective(**{k: int(v) for k, v in weights.items()}),
        previous=(
            None
            if previous is None
            else tuple(None if a is None else Assignment(*map(int, a)) for a in previous)
        ),
        name=doc.get("name", ""),
    )
