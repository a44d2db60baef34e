"""The whole instance: parts checked against each other once, never mutated afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scheduling.model.parts import MAKESPAN, Job, Mode, Objective, Operation, Precedence, Resource
from scheduling.model.solution import Assignment

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
    setups: tuple[Matrix | None, ...] = ()
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
            if op.fixed_resource is not None and op.fixed_start is not None:
                cal = self.resources[op.fixed_resource].calendar
                if not cal.is_working(op.fixed_start):
                    raise ValueError(f"Operation {i} is fixed at a non-working minute.")
                duration = op.duration_on(op.fixed_resource) or 0  # a mode: checked above
                if cal.finish(op.fixed_start, duration) is None:
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
        if not self.setups:  # None or (): no setups anywhere
            object.__setattr__(self, "setups", (None,) * nr)
            return
        # Factories share one matrix between many lines (60 lines x 650 classes at 10x):
        # each distinct matrix object is converted and checked once, and shared afterwards.
        by_id: dict[int, Matrix] = {}
        flaws: dict[int, tuple[bool, bool]] = {}  # (not square, negative entry)
        out: list[Matrix | None] = []
        raw_setups = list(self.setups)  # keeps every object alive, so ids stay unique
        for raw in raw_setups:
            if raw is None:
                out.append(None)
                continue
            key = id(raw)
            if key not in by_id:
                mat = by_id[key] = _matrix(raw)
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
        for r, (matrix, raw) in enumerate(zip(setups, raw_setups, strict=True)):
            if matrix is None:
                continue
            init = self.resources[r].initial_class
            size = max(need[r], 0 if init is None else init + 1)
            if len(matrix) < size or flaws[id(raw)][0]:
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


def _matrix(m: Sequence[Sequence[int]]) -> Matrix:
    """A setup matrix as a tuple of integer tuples.

    A matrix that already is one (a problem rebuilt from another's ``setups``) is kept as
    it is: re-tupling 650 x 650 entries per line is what made validation slow.
    """
    if isinstance(m, tuple) and all(
        type(row) is tuple and len(row) == len(m) and all(type(x) is int for x in row) for row in m
    ):
        return m  # already a tuple of integer tuples (checked just above)
    return tuple(tuple(int(x) for x in row) for row in m)


def routing(
    job: int, steps: Sequence[Sequence[Mode]], first_index: int, lag: int = 0, **kw: Any
) -> tuple[list[Operation], list[Precedence]]:
    """Helper: operations of a linear routing and the precedences chaining them.

    Returns ``(operations, precedences)``; ``first_index`` is the index the first operation
    will have in the problem. Extra keywords go to every :class:`Operation`.
    """
    ops = [Operation(job=job, modes=tuple(s), **kw) for s in steps]
    precs = [Precedence(first_index + k, first_index + k + 1, lag) for k in range(len(steps) - 1)]
    return ops, precs
