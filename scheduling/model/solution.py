"""A solution: where and when each operation runs."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass


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

    assignments: Sequence[Assignment]  # stored as a tuple

    def __post_init__(self) -> None:
        object.__setattr__(self, "assignments", tuple(self.assignments))

    def __len__(self) -> int:
        return len(self.assignments)

    def __getitem__(self, i: int) -> Assignment:
        return self.assignments[i]

    def __iter__(self) -> Iterator[Assignment]:
        return iter(self.assignments)

    @property
    def makespan(self) -> int:
        return max((a.end for a in self.assignments), default=0)
