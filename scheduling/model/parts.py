"""The parts of a problem: resources, jobs, operations with their modes, precedences and
the objective's weights. Each checks its own fields and says plainly what is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from scheduling.model.calendar import ALWAYS_OPEN, Calendar


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
