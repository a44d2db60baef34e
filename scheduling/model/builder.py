"""A small builder for problems, in the manner of PyJobShop's ``Model``.

Building a :class:`Problem` by hand means keeping operation and resource indices straight
across several tuples; the builder hands out the indices as things are added and produces
the immutable, validated problem with :meth:`Model.data`::

    m = Model()
    line = m.add_resource("L1", calendar)
    job = m.add_job("PO1", due=600, weight=2)
    cut = m.add_operation(job, {line: 30})
    sew = m.add_operation(job, {line: 90}, setup_class=1)
    m.add_precedence(cut, sew)
    m.set_objective(tardiness=1, setup=1)
    problem = m.data()

The parts check themselves when added, so a mistake is reported at the line that made it;
checks across parts (unknown indices, cycles, setup matrices) run in :meth:`data`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from scheduling.model.calendar import ALWAYS_OPEN, Calendar
from scheduling.model.parts import MAKESPAN, Job, Mode, Objective, Operation, Precedence, Resource
from scheduling.model.problem import Matrix, Problem
from scheduling.model.solution import Assignment


class Model:
    """Collects resources, jobs, operations, precedences, setups and the objective."""

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._resources: list[Resource] = []
        self._jobs: list[Job] = []
        self._operations: list[Operation] = []
        self._precedences: list[Precedence] = []
        self._setups: dict[int, Sequence[Sequence[int]]] = {}
        self._objective = MAKESPAN
        self._previous: tuple[Assignment | None, ...] | None = None

    def add_resource(
        self, name: str = "", calendar: Calendar = ALWAYS_OPEN, initial_class: int | None = None
    ) -> int:
        """Adds a machine, line or team; returns its index."""
        self._resources.append(Resource(name, calendar, initial_class))
        return len(self._resources) - 1

    def add_job(
        self, name: str = "", release: int = 0, due: int | None = None, weight: int = 1
    ) -> int:
        """Adds a job (an order or a lot); returns its index."""
        self._jobs.append(Job(name, release, due, weight))
        return len(self._jobs) - 1

    def add_operation(
        self,
        job: int,
        modes: Mapping[int, int] | Iterable[Mode],
        setup_class: int = 0,
        name: str = "",
        fixed_resource: int | None = None,
        fixed_start: int | None = None,
    ) -> int:
        """Adds a step of ``job``; ``modes`` maps each eligible resource to its duration (or
        lists :class:`Mode` objects). Returns the operation's index."""
        if not 0 <= job < len(self._jobs):
            raise ValueError(f"Job {job} has not been added.")
        if isinstance(modes, Mapping):
            listed = tuple(Mode(r, d) for r, d in modes.items())
        else:
            listed = tuple(modes)
        for mode in listed:
            if mode.resource >= len(self._resources):
                raise ValueError(f"Resource {mode.resource} has not been added.")
        op = Operation(job, listed, setup_class, name, fixed_resource, fixed_start)
        self._operations.append(op)
        return len(self._operations) - 1

    def add_precedence(self, pred: int, succ: int, lag: int = 0) -> None:
        """``succ`` starts at least ``lag`` minutes after ``pred`` ends."""
        for i in (pred, succ):
            if not 0 <= i < len(self._operations):
                raise ValueError(f"Operation {i} has not been added.")
        self._precedences.append(Precedence(pred, succ, lag))

    def add_setup_matrix(self, resource: int, matrix: Sequence[Sequence[int]]) -> None:
        """Sets ``resource``'s class x class setup matrix (minutes)."""
        if not 0 <= resource < len(self._resources):
            raise ValueError(f"Resource {resource} has not been added.")
        self._setups[resource] = matrix

    def set_setups(
        self, matrix: Sequence[Sequence[int]], resources: Iterable[int] | None = None
    ) -> None:
        """Gives one setup matrix to several resources (all added so far when None); the
        problem then checks and stores it once, however many lines share it."""
        for r in range(len(self._resources)) if resources is None else resources:
            self.add_setup_matrix(r, matrix)

    def set_objective(self, objective: Objective | None = None, **weights: int) -> None:
        """Sets the objective, as an :class:`Objective` or as its weights by name."""
        if objective is not None and weights:
            raise ValueError("Give an Objective or weights by name, not both.")
        self._objective = objective if objective is not None else Objective(**weights)

    def set_previous(self, previous: Sequence[Assignment | None]) -> None:
        """An earlier solution the ``deviation`` weight keeps the schedule close to."""
        self._previous = tuple(previous)

    def data(self) -> Problem:
        """The immutable, validated :class:`Problem` built so far."""
        setups: tuple[Sequence[Sequence[int]] | None, ...] | None = None
        if self._setups:
            setups = tuple(self._setups.get(r) for r in range(len(self._resources)))
        return Problem(
            resources=tuple(self._resources),
            jobs=tuple(self._jobs),
            operations=tuple(self._operations),
            precedences=tuple(self._precedences),
            setups=setups,  # type: ignore[arg-type]  # Problem converts them to Matrix
            objective=self._objective,
            previous=self._previous,
            name=self.name,
        )


__all__ = ["Matrix", "Model"]
