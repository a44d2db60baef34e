"""The scheduling problem as plain, immutable data that checks itself on construction.

Everything the solvers need is here and nothing else: no garments, no database. Time is
integer minutes from the plan start. The semantics, which the model (`cpsat.py`), the
heuristic (`heuristic.py`) and the independent checker (`validate.py`) all follow:

* A **resource** (cutting table, sewing line, finishing team) works to a **calendar**: a
  finite list of working windows ``[start, end)``, plus optional overtime windows that may
  also be used, at a cost per minute used. An empty calendar is always open (benchmarks).
  After the last window a resource does not work, so the caller must give calendars that
  reach far enough (a few weeks beyond the due dates is plenty).
* An **operation** needs ``duration`` *working* minutes on one of its eligible resources
  (its **modes**). It starts at a working minute and PAUSES outside working time (nights,
  weekends) and resumes in the next window; its ``end`` is the minute after its last worked
  minute. Operations on one resource never overlap.
* **Setups** are exact and sequence dependent: each operation carries a ``setup_class``
  and each resource may have a class x class matrix of setup minutes; the setup between two
  consecutive operations on a resource needs that many working minutes of the resource
  between them (a setup pauses over nights too). There is no setup before a resource's
  first operation unless the resource has an ``initial_class`` (what is on the line now).
  A full job x job matrix (Vallada-Ruiz benchmarks) is the special case "one class per
  operation".
* **Precedence** ``pred -> succ`` with ``lag``: ``succ`` starts no earlier than ``pred``
  ends, and ``lag`` minutes later: *working* minutes when both run on resources with the
  same calendar (bundles are carried while the floor works, so a transfer started at the
  end of the day completes the next morning), wall-clock minutes when their calendars
  differ.
* A **job** has a release (no operation of it starts earlier), an optional due date and a
  weight; its completion is the latest end of its operations.
* A **fixed** operation has its resource and start pinned (already running or frozen).
* The **objective** is a weighted sum (integer weights) of: weighted tardiness
  ``sum w_j max(0, C_j - d_j)``, total setup minutes, overtime minutes (per resource and
  overtime window, from the window's start to the end of the last operation worked inside
  it: the line stays open until then; setups are not charged and may use overtime windows), weighted
  earliness ``sum w_j max(0, d_j - C_j)``, deviation from a previous solution (per
  operation, the working minutes between its start and its previous start on its
  resource's calendar, plus ``reassign_minutes`` when it moved to another resource), and
  makespan.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Window = tuple[int, int]


def _windows(raw: Iterable[Sequence[int]], what: str) -> tuple[Window, ...]:
    """Checks windows are integer, non-empty, sorted and disjoint; returns them as tuples."""
    out: list[Window] = []
    for w in raw:
        if len(w) != 2:
            raise ValueError(f"Each {what} window must be a (start, end) pair, got {w!r}.")
        start, end = int(w[0]), int(w[1])
        if start < 0 or end <= start:
            raise ValueError(f"Each {what} window needs 0 <= start < end, got {w!r}.")
        if out and start < out[-1][1]:
            raise ValueError(f"The {what} windows must be sorted and disjoint; {w!r} overlaps.")
        out.append((start, end))
    return tuple(out)


@dataclass(frozen=True)
class Calendar:
    """When a resource works. Empty ``windows`` and ``overtime`` mean always open.

    Regular and overtime windows are merged into working *segments* (adjacent windows join,
    so an operation runs straight from the evening shift into overtime). The *working-time
    axis* of a calendar numbers its working minutes 0, 1, 2, ...: the solvers do setups and
    no-overlap on that axis, which makes pauses exact.
    """

    windows: tuple[Window, ...] = ()
    overtime: tuple[Window, ...] = ()
    name: str = ""
    segments: tuple[Window, ...] = field(init=False, repr=False, compare=False)
    offsets: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regular = _windows(self.windows, "calendar")
        overtime = _windows(self.overtime, "overtime")
        for a, b in overtime:
            for c, d in regular:
                if a < d and c < b:
                    raise ValueError(
                        f"Overtime window ({a}, {b}) overlaps the working window ({c}, {d})."
                    )
        if overtime and not regular:
            raise ValueError("A calendar with overtime windows needs regular windows too.")
        merged: list[list[int]] = []
        for a, b in sorted(regular + overtime):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        segments = tuple((a, b) for a, b in merged)
        offsets, total = [], 0
        for a, b in segments:
            offsets.append(total)
            total += b - a
        object.__setattr__(self, "windows", regular)
        object.__setattr__(self, "overtime", overtime)
        object.__setattr__(self, "segments", segments)
        object.__setattr__(self, "offsets", tuple(offsets))
        # Integers only: the same in every process, so a pickled calendar keeps a valid hash.
        object.__setattr__(self, "_hash", hash((regular, overtime)))

    def __hash__(self) -> int:
        # Solvers key dictionaries by calendar; hashing hundreds of windows each time is slow.
        return self._hash

    @property
    def always_open(self) -> bool:
        """True when the calendar has no windows at all: wall time and working time agree."""
        return not self.segments

    @property
    def capacity(self) -> int | None:
        """Total working minutes, or None when always open."""
        if self.always_open:
            return None
        a, b = self.segments[-1]
        return self.offsets[-1] + b - a

    @property
    def last_minute(self) -> int | None:
        """End of the last working segment, or None when always open."""
        return self.segments[-1][1] if self.segments else None

    def is_working(self, t: int) -> bool:
        """Whether minute ``[t, t+1)`` is working time (regular or overtime)."""
        if self.always_open:
            return t >= 0
        k = bisect.bisect_right(self.segments, (t, float("inf"))) - 1
        return k >= 0 and self.segments[k][0] <= t < self.segments[k][1]

    def next_working(self, t: int) -> int | None:
        """The first working minute at or after ``t``; None when the calendar has run out."""
        if self.always_open:
            return max(t, 0)
        k = bisect.bisect_right(self.segments, (t, float("inf"))) - 1
        if k >= 0 and t < self.segments[k][1]:
            return max(t, self.segments[k][0])
        return self.segments[k + 1][0] if k + 1 < len(self.segments) else None

    def to_axis(self, t: int) -> int:
        """Working minutes strictly before wall minute ``t`` (any ``t``)."""
        if self.always_open:
            return max(t, 0)
        k = bisect.bisect_right(self.segments, (t, float("inf"))) - 1
        if k < 0:
            return 0
        a, b = self.segments[k]
        return self.offsets[k] + min(t, b) - a

    def start_at(self, axis: int) -> int | None:
        """Wall minute at which working minute number ``axis`` begins (None past the end)."""
        if self.always_open:
            return axis
        k = bisect.bisect_right(self.offsets, axis) - 1
        a, b = self.segments[k]
        t = a + axis - self.offsets[k]
        return t if t < b else None

    def end_at(self, axis: int) -> int | None:
        """Wall minute just after working minute number ``axis - 1`` ends (``axis`` >= 1)."""
        if self.always_open:
            return axis
        k = bisect.bisect_left(self.offsets, axis) - 1
        if k < 0:
            return self.segments[0][0]
        a, b = self.segments[k]
        t = a + axis - self.offsets[k]
        return t if t <= b else None

    def finish(self, start: int, work: int) -> int | None:
        """Wall end of ``work`` working minutes begun at working minute ``start``."""
        if work <= 0:
            return start
        return self.end_at(self.to_axis(start) + work)


ALWAYS_OPEN = Calendar()


@dataclass(frozen=True)
class Resource:
    """A machine, line or team. ``initial_class``: setup class loaded at the plan start."""

    name: str = ""
    calendar: Calendar = ALWAYS_OPEN
    initial_class: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.calendar, Calendar):
            raise ValueError(f"Resource {self.name!r}: calendar must be a Calendar.")
        if self.initial_class is not None and self.initial_class < 0:
            raise ValueError(f"Resource {self.name!r}: initial_class must be >= 0.")


@dataclass(frozen=True)
class Job:
    """A customer order or lot: operations of it start no earlier than ``release``."""

    name: str = ""
    release: int = 0
    due: int | None = None
    weight: int = 1

    def __post_init__(self) -> None:
        if self.release < 0:
            raise ValueError(f"Job {self.name!r}: release must be >= 0.")
        if self.due is not None and self.due < 0:
            raise ValueError(f"Job {self.name!r}: due must be >= 0.")
        if self.weight < 0:
            raise ValueError(f"Job {self.name!r}: weight must be >= 0.")


@dataclass(frozen=True)
class Mode:
    """One way to run an operation: on ``resource`` for ``duration`` working minutes."""

    resource: int
    duration: int

    def __post_init__(self) -> None:
        if self.resource < 0:
            raise ValueError("Mode resource must be >= 0.")
        if self.duration < 1:
            raise ValueError(f"Mode duration must be >= 1 minute, got {self.duration}.")


@dataclass(frozen=True)
class Operation:
    """A step of a job (cut, sew, finish). ``fixed_resource``/``fixed_start`` pin it."""

    job: int
    modes: tuple[Mode, ...]
    setup_class: int = 0
    name: str = ""
    fixed_resource: int | None = None
    fixed_start: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "modes", tuple(self.modes))
        label = self.name or f"of job {self.job}"
        if not self.modes:
            raise ValueError(f"Operation {label} must have at least one mode.")
        resources = [m.resource for m in self.modes]
        if len(set(resources)) != len(resources):
            raise ValueError(f"Operation {label} lists a resource twice in its modes.")
        if self.setup_class < 0:
            raise ValueError(f"Operation {label}: setup_class must be >= 0.")
        if (self.fixed_resource is None) != (self.fixed_start is None):
            raise ValueError(f"Operation {label}: give both fixed_resource and fixed_start.")
        if self.fixed_resource is not None and self.fixed_resource not in resources:
            raise ValueError(f"Operation {label}: fixed_resource is not one of its modes.")
        if self.fixed_start is not None and self.fixed_start < 0:
            raise ValueError(f"Operation {label}: fixed_start must be >= 0.")

    @property
    def fixed(self) -> bool:
        return self.fixed_resource is not None

    def duration_on(self, resource: int) -> int | None:
        """Working minutes on ``resource``, or None when it is not eligible there."""
        for m in self.modes:
            if m.resource == resource:
                return m.duration
        return None


@dataclass(frozen=True)
class Precedence:
    """``succ`` starts at least ``lag`` wall minutes after ``pred`` ends."""

    pred: int
    succ: int
    lag: int = 0

    def __post_init__(self) -> None:
        if self.pred == self.succ:
            raise ValueError(f"Operation {self.pred} cannot precede itself.")
        if self.lag < 0:
            raise ValueError("Precedence lag must be >= 0.")


@dataclass(frozen=True)
class Objective:
    """Integer weights of the objective terms (see the module docstring for each term)."""

    tardiness: int = 0
    setup: int = 0
    overtime: int = 0
    earliness: int = 0
    deviation: int = 0
    makespan: int = 0
    reassign_minutes: int = 0

    def __post_init__(self) -> None:
        for name in ("tardiness", "setup", "overtime", "earliness", "deviation", "makespan"):
            if getattr(self, name) < 0:
                raise ValueError(f"Objective weight {name} must be >= 0.")
        if self.reassign_minutes < 0:
            raise ValueError("Objective reassign_minutes must be >= 0.")


MAKESPAN = Objective(makespan=1)


@dataclass(frozen=True)
class Assignment:
    """Where and when one operation runs. ``setup``: setup minutes right before it."""

    resource: int
    start: int
    end: int
    setup: int = 0


@dataclass(frozen=True)
class Solution:
    """One assignment per operation, in the problem's operation order."""

    assignments: tuple[Assignment, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "assignments", tuple(self.assignments))

    def __len__(self) -> int:
        return len(self.assignments)

    def __getitem__(self, i: int) -> Assignment:
        return self.assignments[i]

    def __iter__(self):
        return iter(self.assignments)

    @property
    def makespan(self) -> int:
        return max((a.end for a in self.assignments), default=0)


Matrix = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class Problem:
    """A whole scheduling instance. Built once, validated once, never mutated.

    ``setups[r]`` is resource ``r``'s class x class setup matrix (or None: no setups); it
    must cover every class of the operations eligible on ``r`` and its ``initial_class``.
    ``previous`` (optional) is an earlier solution (one assignment per operation, or None
    for a new operation) that the ``deviation`` weight keeps the schedule close to.
    """

    resources: tuple[Resource, ...]
    jobs: tuple[Job, ...]
    operations: tuple[Operation, ...]
    precedences: tuple[Precedence, ...] = ()
    setups: tuple[Matrix | None, ...] | None = None
    objective: Objective = MAKESPAN
    previous: tuple[Assignment | None, ...] | None = None
    name: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "resources", tuple(self.resources))
        set_(self, "jobs", tuple(self.jobs))
        set_(self, "operations", tuple(self.operations))
        set_(self, "precedences", tuple(self.precedences))
        nr, nj, no = len(self.resources), len(self.jobs), len(self.operations)
        if nr == 0:
            raise ValueError("A problem needs at least one resource.")
        for i, op in enumerate(self.operations):
            if not 0 <= op.job < nj:
                raise ValueError(f"Operation {i} refers to job {op.job}, which does not exist.")
            for m in op.modes:
                if m.resource >= nr:
                    raise ValueError(f"Operation {i} refers to resource {m.resource}, unknown.")
            if op.fixed:
                cal = self.resources[op.fixed_resource].calendar
                if not cal.is_working(op.fixed_start):
                    raise ValueError(f"Operation {i} is fixed at a non-working minute.")
                if cal.finish(op.fixed_start, op.duration_on(op.fixed_resource)) is None:
                    raise ValueError(f"Operation {i} is fixed where the calendar runs out.")
        self._check_precedences(no)
        self._check_setups(nr)
        if self.previous is not None:
            prev = tuple(self.previous)
            if len(prev) != no:
                raise ValueError("previous must give one entry (or None) per operation.")
            for i, a in enumerate(prev):
                if a is not None and not 0 <= a.resource < nr:
                    raise ValueError(f"previous[{i}] refers to an unknown resource.")
            set_(self, "previous", prev)

    def _check_precedences(self, no: int) -> None:
        for p in self.precedences:
            if not (0 <= p.pred < no and 0 <= p.succ < no):
                raise ValueError(f"Precedence {p.pred} -> {p.succ} refers to an unknown op.")
        # A cycle would make every schedule infeasible.
        if len(self.topological_order()) != no:
            raise ValueError("The precedences contain a cycle.")

    def _check_setups(self, nr: int) -> None:
        if self.setups is None:
            object.__setattr__(self, "setups", (None,) * nr)
            return
        # Factories share one matrix between many lines (60 lines x 650 classes at 10x):
        # each distinct matrix object is converted and checked once, and shared afterwards.
        by_id: dict[int, Matrix] = {}
        flaws: dict[int, tuple[bool, bool]] = {}  # (not square, negative entry)
        out: list[Matrix | None] = []
        raw_setups = list(self.setups)  # keeps every object alive, so ids stay unique
        for m in raw_setups:
            if m is None:
                out.append(None)
                continue
            key = id(m)
            if key not in by_id:
                mat = by_id[key] = _matrix(m)
                flaws[key] = (
                    any(len(row) != len(mat) for row in mat),
                    min((min(row) for row in mat if row), default=0) < 0,
                )
            out.append(by_id[key])
        setups = tuple(out)
        if len(setups) != nr:
            raise ValueError("setups must give one matrix (or None) per resource.")
        need = [0] * nr
        for op in self.operations:
            for m in op.modes:
                need[m.resource] = max(need[m.resource], op.setup_class + 1)
        for r, (mat, raw) in enumerate(zip(setups, raw_setups, strict=True)):
            if mat is None:
                continue
            init = self.resources[r].initial_class
            size = max(need[r], 0 if init is None else init + 1)
            if len(mat) < size or flaws[id(raw)][0]:
                raise ValueError(
                    f"The setup matrix of resource {r} must be square and cover {size} classes."
                )
            if flaws[id(raw)][1]:
                raise ValueError(f"The setup matrix of resource {r} has a negative entry.")
        object.__setattr__(self, "setups", setups)

    # --- derived facts, cheap and used by every solver -------------------------------------

    def setup_time(self, resource: int, before: int | None, after: int) -> int:
        """Setup minutes on ``resource`` from class ``before`` (None: nothing) to ``after``."""
        mat = self.setups[resource]
        if mat is None or before is None:
            return 0
        return mat[before][after]

    def has_setups(self, resource: int) -> bool:
        mat = self.setups[resource]
        return mat is not None and any(x for row in mat for x in row)

    def predecessors(self) -> list[list[Precedence]]:
        """For each operation, the precedences that end in it."""
        out: list[list[Precedence]] = [[] for _ in self.operations]
        for p in self.precedences:
            out[p.succ].append(p)
        return out

    def successors(self) -> list[list[Precedence]]:
        """For each operation, the precedences that start from it."""
        out: list[list[Precedence]] = [[] for _ in self.operations]
        for p in self.precedences:
            out[p.pred].append(p)
        return out

    def topological_order(self) -> list[int]:
        """Operations ordered so that every precedence points forward (Kahn's algorithm);
        shorter than the operations when the precedences hold a cycle."""
        succ = self.successors()
        indeg = [0] * len(self.operations)
        for p in self.precedences:
            indeg[p.succ] += 1
        stack = [i for i, d in enumerate(indeg) if d == 0]
        order = []
        while stack:
            i = stack.pop()
            order.append(i)
            for p in succ[i]:
                indeg[p.succ] -= 1
                if indeg[p.succ] == 0:
                    stack.append(p.succ)
        return order

    def job_operations(self) -> list[list[int]]:
        """For each job, the indices of its operations."""
        out: list[list[int]] = [[] for _ in self.jobs]
        for i, op in enumerate(self.operations):
            out[op.job].append(i)
        return out

    @property
    def num_operations(self) -> int:
        return len(self.operations)


def _matrix(m) -> Matrix:
    """A setup matrix as a tuple of integer tuples.

    A matrix that already is one (a problem rebuilt from another's ``setups``) is kept as
    it is: re-tupling 650 x 650 entries per line is what made validation slow.
    """
    if isinstance(m, tuple) and all(
        type(row) is tuple and len(row) == len(m) and all(type(x) is int for x in row) for row in m
    ):
        return m
    return tuple(tuple(int(x) for x in row) for row in m)


def routing(job: int, steps: Sequence[Sequence[Mode]], first_index: int, lag: int = 0, **kw):
    """Helper: operations of a linear routing and the precedences chaining them.

    Returns ``(operations, precedences)``; ``first_index`` is the index the first operation
    will have in the problem. Extra keywords go to every :class:`Operation`.
    """
    ops = [Operation(job=job, modes=tuple(s), **kw) for s in steps]
    precs = [Precedence(first_index + k, first_index + k + 1, lag) for k in range(len(steps) - 1)]
    return ops, precs
