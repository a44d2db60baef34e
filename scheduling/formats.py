"""Readers for the standard scheduling benchmark formats.

Public benchmarks are how we know the engine is good, so each reader turns a file into a plain,
format-neutral :class:`BenchmarkInstance` first (easy to test, easy to compare with the paper),
and :func:`to_problem` then maps that onto the engine's own :mod:`scheduling.model` model.
Keeping the two steps apart means a change in the problem model never touches the parsers.

Formats (all whitespace-separated integers):

- ``fjs`` — Brandimarte flexible job shop: ``jobs machines [avg]``, then per job the number of
  operations and, per operation, ``k`` followed by ``k`` pairs ``machine time`` (machines from 1).
- ``jsp`` — classic job shop (ft, la, ta): ``jobs machines``, then per job ``machine time`` pairs in
  routing order (machines from 0).
- ``upm`` — Vallada & Ruiz unrelated parallel machines with sequence-dependent setups:
  ``jobs machines 1``, a line with the machine count, per job ``machine time`` pairs (machines
  from 0), then ``SSD`` and per machine ``M<k>`` and a jobs x jobs matrix where entry (i, j) is the
  setup when job j follows job i on that machine. No setup before a machine's first job.
- ``floor`` — a garment floor's problem exactly as the solver receives it (``c2m plan
  --problem-out``): versioned JSON, plain or gzip (``.json``, ``.json.gz``); see
  :mod:`scheduling.floor` and ``docs/floor-format.md``. Its instance is a
  :class:`~scheduling.floor.FloorInstance`; ``dumps_floor`` writes one.

Machines are stored 0-based; ``machine_base`` remembers how the file numbers them, so a solution
can be written back in the file's own numbering.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scheduling.floor import (
    FloorFormatError,
    FloorInstance,
    dumps_floor,
    floor_stem,
    is_floor_path,
    read_floor,
)
from scheduling.floor import to_problem as floor_to_problem
from scheduling.model import (
    MAKESPAN,
    Job,
    Mode,
    Operation,
    Precedence,
    Problem,
    Resource,
    routing,
)

FORMATS = ("fjs", "jsp", "upm")
"""The whitespace-separated text formats (each with its parser and :func:`dumps`)."""
ALL_FORMATS = (*FORMATS, "floor")
"""Every format :func:`read` accepts."""

FileMode = tuple[int, int]
"""One way to run an operation: (machine, 0-based; processing time)."""


class FormatError(ValueError):
    """A benchmark file does not follow its format; the message names the file and the place."""


@dataclass(frozen=True)
class BenchmarkInstance:
    """A benchmark instance as plain data, independent of the engine's problem model.

    ``jobs[j][o]`` lists the modes of operation ``o`` of job ``j``; operations of a job run in
    list order. ``setups[m][i][j]`` (UPM only) is the setup on machine ``m`` when job ``j``
    directly follows job ``i``.
    """

    name: str
    kind: str
    num_machines: int
    machine_base: int
    jobs: tuple[tuple[tuple[FileMode, ...], ...], ...]
    setups: tuple[tuple[tuple[int, ...], ...], ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in FORMATS:
            raise ValueError(f"Unknown benchmark kind {self.kind!r}; expected one of {FORMATS}.")
        if self.num_machines <= 0:
            raise ValueError("Must have at least one machine.")
        for j, ops in enumerate(self.jobs):
            if not ops:
                raise ValueError(f"Job {j} has no operations.")
            for o, modes in enumerate(ops):
                if not modes:
                    raise ValueError(f"Operation {o} of job {j} has no eligible machine.")
                for machine, duration in modes:
                    if not 0 <= machine < self.num_machines:
                        raise ValueError(
                            f"Operation {o} of job {j} names unknown machine {machine}."
                        )
                    if duration < 0:
                        raise ValueError(f"Operation {o} of job {j} has a negative duration.")
        if self.setups is not None:
            n = len(self.jobs)
            if len(self.setups) != self.num_machines or any(
                len(matrix) != n or any(len(row) != n for row in matrix) for matrix in self.setups
            ):
                raise ValueError("Setup matrices must be one jobs x jobs matrix per machine.")

    @property
    def num_jobs(self) -> int:
        return len(self.jobs)

    @property
    def num_operations(self) -> int:
        return sum(len(ops) for ops in self.jobs)


class _Tokens:
    """Integer tokens with their line numbers, so errors can point at the right place."""

    def __init__(self, path: str, lines: list[str], start: int = 0) -> None:
        self.path = path
        self.items: list[tuple[str, int]] = [
            (tok, no + 1) for no, line in enumerate(lines) if no >= start for tok in line.split()
        ]
        self.pos = 0

    def error(self, what: str) -> FormatError:
        where = f"line {self.items[self.pos][1]}" if self.pos < len(self.items) else "end of file"
        return FormatError(f"{self.path}, {where}: {what}.")

    def bad_last(self, what: str) -> FormatError:
        """An error about the token just read (a value that parsed but is out of range)."""
        line = self.items[self.pos - 1][1] if self.pos else 1
        return FormatError(f"{self.path}, line {line}: {what}.")

    def int(self, what: str, minimum: int = 0) -> int:
        if self.pos >= len(self.items):
            raise self.error(f"file ends where {what} was expected")
        tok, _line = self.items[self.pos]
        try:
            value = int(tok)
        except ValueError:
            raise self.error(f"expected {what} (an integer), found {tok!r}") from None
        if value < minimum:
            raise self.error(f"{what} must be at least {minimum}, found {value}")
        self.pos += 1
        return value

    def done(self) -> bool:
        return self.pos >= len(self.items)


def _header(path: str, lines: list[str], minimum_fields: int) -> list[str]:
    if not lines or len(lines[0].split()) < minimum_fields:
        raise FormatError(f"{path}, line 1: expected a header of jobs and machines.")
    return lines[0].split()


def _header_int(path: str, token: str, what: str) -> int:
    try:
        value = int(token)
    except ValueError:
        raise FormatError(f"{path}, line 1: {what} must be an integer, found {token!r}.") from None
    if value <= 0:
        raise FormatError(f"{path}, line 1: {what} must be positive, found {value}.")
    return value


def parse_fjs(text: str, name: str = "instance", path: str | None = None) -> BenchmarkInstance:
    """Parse a Brandimarte flexible job shop file (machines numbered from 1)."""
    where = path or name
    lines = [line for line in text.splitlines() if line.strip()]
    head = _header(where, lines, 2)
    n_jobs = _header_int(where, head[0], "the number of jobs")
    n_machines = _header_int(where, head[1], "the number of machines")
    toks = _Tokens(where, lines, start=1)
    jobs = []
    for j in range(n_jobs):
        n_ops = toks.int(f"the operation count of job {j + 1}", minimum=1)
        ops = []
        for o in range(n_ops):
            k = toks.int(f"the machine count of operation {o + 1} of job {j + 1}", minimum=1)
            modes = []
            for _ in range(k):
                machine = toks.int(f"a machine of operation {o + 1} of job {j + 1}", minimum=1)
                if machine > n_machines:
                    raise toks.bad_last(
                        f"machine {machine} of job {j + 1} exceeds the {n_machines} machines"
                    )
                duration = toks.int(f"a processing time of job {j + 1}")
                modes.append((machine - 1, duration))
            ops.append(tuple(modes))
        jobs.append(tuple(ops))
    if not toks.done():
        raise toks.error(f"unexpected data after the {n_jobs} jobs")
    return BenchmarkInstance(name, "fjs", n_machines, 1, tuple(jobs))


def parse_jsp(text: str, name: str = "instance", path: str | None = None) -> BenchmarkInstance:
    """Parse a classic job shop file (``n m`` then ``machine time`` pairs, machines from 0)."""
    where = path or name
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    head = _header(where, lines, 2)
    n_jobs = _header_int(where, head[0], "the number of jobs")
    n_machines = _header_int(where, head[1], "the number of machines")
    toks = _Tokens(where, lines, start=1)
    jobs = []
    for j in range(n_jobs):
        ops = []
        for o in range(n_machines):
            machine = toks.int(f"the machine of operation {o} of job {j}")
            if machine >= n_machines:
                raise toks.bad_last(
                    f"machine {machine} of job {j} exceeds the {n_machines} machines"
                )
            duration = toks.int(f"the processing time of operation {o} of job {j}")
            ops.append(((machine, duration),))
        jobs.append(tuple(ops))
    if not toks.done():
        raise toks.error(f"unexpected data after the {n_jobs} jobs")
    return BenchmarkInstance(name, "jsp", n_machines, 0, tuple(jobs))


def parse_upm(text: str, name: str = "instance", path: str | None = None) -> BenchmarkInstance:
    """Parse a Vallada & Ruiz parallel-machine file with its sequence-dependent setup matrices."""
    where = path or name
    lines = [line for line in text.splitlines() if line.strip()]
    head = _header(where, lines, 2)
    n_jobs = _header_int(where, head[0], "the number of jobs")
    n_machines = _header_int(where, head[1], "the number of machines")
    try:
        ssd_at = next(i for i, line in enumerate(lines) if line.strip().upper() == "SSD")
    except StopIteration:
        raise FormatError(f"{where}: no 'SSD' line before the setup matrices.") from None
    toks = _Tokens(where, lines[:ssd_at], start=1)
    # The second line repeats the machine count; some copies omit it.
    if len(toks.items) == 1 + 2 * n_machines * n_jobs:
        toks.int("the machine count on line 2")
    jobs = []
    for j in range(n_jobs):
        modes = []
        for _ in range(n_machines):
            machine = toks.int(f"a machine of job {j}")
            if machine >= n_machines:
                raise toks.bad_last(
                    f"machine {machine} of job {j} exceeds the {n_machines} machines"
                )
            modes.append((machine, toks.int(f"the processing time of job {j}")))
        jobs.append((tuple(modes),))
    if not toks.done():
        raise toks.error(f"unexpected data after the {n_jobs} jobs")
    setups = []
    block = lines[ssd_at + 1 :]
    block_no = ssd_at + 1
    for m in range(n_machines):
        if not block or block[0].strip().upper() != f"M{m}":
            raise FormatError(f"{where}, line {block_no + 1}: expected the header 'M{m}'.")
        rows = block[1 : 1 + n_jobs]
        stoks = _Tokens(where, [""] * (block_no + 1) + rows, start=block_no + 1)
        matrix = []
        for i in range(n_jobs):
            row = tuple(stoks.int(f"setup ({i}, {k}) on machine {m}") for k in range(n_jobs))
            matrix.append(row)
        if not stoks.done():
            raise stoks.error(f"setup matrix of machine {m} has more than {n_jobs} columns")
        setups.append(tuple(matrix))
        block = block[1 + n_jobs :]
        block_no += 1 + n_jobs
    return BenchmarkInstance(name, "upm", n_machines, 0, tuple(jobs), tuple(setups))


_PARSERS = {"fjs": parse_fjs, "jsp": parse_jsp, "upm": parse_upm}


def guess_format(path: str | Path) -> str:
    """Guess the format from the file's extension or content (``SSD`` marks UPM)."""
    path = Path(path)
    if is_floor_path(path):
        return "floor"
    if path.suffix.lower() == ".fjs":
        return "fjs"
    text = path.read_text()
    if "SSD" in text:
        return "upm"
    return "jsp"


def read(path: str | Path, fmt: str | None = None) -> BenchmarkInstance | FloorInstance:
    """Read a benchmark file into a :class:`BenchmarkInstance` (a :class:`FloorInstance` for
    the floor format); ``fmt`` is guessed when omitted."""
    path = Path(path)
    fmt = fmt or guess_format(path)
    if fmt == "floor":
        try:
            return read_floor(path)
        except FloorFormatError as exc:
            raise FormatError(str(exc)) from None
    if fmt not in _PARSERS:
        raise FormatError(f"Unknown format {fmt!r}; expected one of {', '.join(ALL_FORMATS)}.")
    try:
        text = path.read_text()
    except OSError as exc:
        raise FormatError(f"{path}: cannot read the file ({exc.strerror}).") from None
    return _PARSERS[fmt](text, name=path.stem, path=str(path))


def dumps(instance: BenchmarkInstance) -> str:
    """Write an instance back in its own file format (the inverse of :func:`read`)."""
    base = instance.machine_base
    if instance.kind == "fjs":
        avg = sum(len(m) for ops in instance.jobs for m in ops) / max(1, instance.num_operations)
        lines = [f"{instance.num_jobs} {instance.num_machines} {avg:.2f}"]
        for ops in instance.jobs:
            parts = [str(len(ops))]
            for modes in ops:
                parts.append(str(len(modes)))
                parts.extend(f"{m + base} {d}" for m, d in modes)
            lines.append(" ".join(parts))
    elif instance.kind == "jsp":
        lines = [f"{instance.num_jobs} {instance.num_machines}"]
        lines.extend(" ".join(f"{m} {d}" for ((m, d),) in ops) for ops in instance.jobs)
    else:
        lines = [f"{instance.num_jobs} {instance.num_machines} 1", str(instance.num_machines)]
        lines.extend("\t".join(f"{m}\t{d}" for m, d in ops[0]) for ops in instance.jobs)
        lines.append("SSD")
        for m, matrix in enumerate(instance.setups or ()):
            lines.append(f"M{m}")
            lines.extend("\t".join(str(x) for x in row) for row in matrix)
    return "\n".join(lines) + "\n"


def to_problem(instance: BenchmarkInstance | FloorInstance) -> Problem:
    """Map a benchmark instance onto the engine's :class:`~scheduling.model.Problem`.

    A floor instance already is the engine's problem, written out: it is rebuilt as it was.

    Machines become always-open resources named as in the file (``M1``... for fjs), each job's
    operations are chained by zero-lag precedences in routing order, and the objective is the
    makespan. For UPM every job is one operation whose ``setup_class`` is the job's own index, so
    each machine's jobs x jobs matrix is used unchanged as its class x class setup matrix (the
    diagonal never applies: a job does not follow itself).
    """
    if isinstance(instance, FloorInstance):
        try:
            return floor_to_problem(instance)
        except FloorFormatError as exc:
            raise FormatError(str(exc)) from None
    resources = tuple(
        Resource(name=f"M{m + instance.machine_base}") for m in range(instance.num_machines)
    )
    jobs = tuple(Job(name=f"J{j}") for j in range(instance.num_jobs))
    operations: list[Operation] = []
    precedences: list[Precedence] = []
    for j, ops in enumerate(instance.jobs):
        if any(d < 1 for modes in ops for _, d in modes):
            raise ValueError(
                f"{instance.name}: job {j} has a zero processing time; the engine "
                "needs at least 1 minute per operation."
            )
        steps = [tuple(Mode(resource=m, duration=d) for m, d in modes) for modes in ops]
        if instance.setups is not None:
            # The setup class must be given per operation, so build the routing by hand.
            for step in steps:
                operations.append(Operation(job=j, modes=step, setup_class=j, name=f"J{j}"))
            continue
        ops_j, precs_j = routing(j, steps, first_index=len(operations))
        operations.extend(
            Operation(job=o.job, modes=o.modes, name=f"J{j}.{k}") for k, o in enumerate(ops_j)
        )
        precedences.extend(precs_j)
    return Problem(
        resources=resources,
        jobs=jobs,
        operations=tuple(operations),
        precedences=tuple(precedences),
        setups=instance.setups or (),
        objective=MAKESPAN,
        name=instance.name,
    )


def operation_keys(instance: BenchmarkInstance | FloorInstance) -> list[tuple[int, int]]:
    """``(job, operation)`` (both 0-based) of each operation of :func:`to_problem`'s problem."""
    if isinstance(instance, FloorInstance):
        seen: dict[int, int] = {}
        keys = []
        for op in instance.document["operations"]:
            keys.append((op["job"], seen.get(op["job"], 0)))
            seen[op["job"]] = keys[-1][1] + 1
        return keys
    return [(j, o) for j, ops in enumerate(instance.jobs) for o in range(len(ops))]


def read_problem(path: str | Path, fmt: str | None = None) -> Problem:
    """Read a benchmark file straight into a :class:`~scheduling.model.Problem`."""
    return to_problem(read(path, fmt))


__all__ = [
    "ALL_FORMATS",
    "FORMATS",
    "BenchmarkInstance",
    "FloorInstance",
    "FormatError",
    "dumps",
    "dumps_floor",
    "floor_stem",
    "guess_format",
    "operation_keys",
    "read",
    "read_problem",
    "to_problem",
]
