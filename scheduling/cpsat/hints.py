"""Complete hints: every auxiliary variable knows how to compute its value from a schedule.

CP-SAT uses a complete, feasible hint at once; an incomplete one it must repair first. So
each variable the model adds beyond the operations' own (segment indices of wall-clock
links, completion times, tardiness, overtime used...) is registered with a function of a
:class:`HintView` of the schedule, and :meth:`CpSatModel.hint_into` evaluates them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ortools.sat.python import cp_model

from scheduling.model import Calendar, Solution


class Placed(Protocol):
    """What a hint needs of each operation's assignment (an ``Assignment`` has it)."""

    @property
    def resource(self) -> int: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


Schedule = Sequence[Placed] | Solution


class HintView:
    """A schedule seen through the model: calendars used, axis positions, wall times."""

    def __init__(self, cal: Callable[[int], Calendar], sol: Schedule) -> None:
        self.cal_of, self.sol = cal, sol

    def cal(self, i: int) -> Calendar:
        """The calendar operation i runs on in the schedule."""
        return self.cal_of(self.sol[i].resource)

    def axes(self, i: int, c: Calendar) -> tuple[int, int]:
        """Axis start and end of operation i on calendar c ((0, 1) if it does not use c)."""
        a = self.sol[i]
        if self.cal(i) != c:
            return 0, 1
        return c.to_axis(a.start), c.to_axis(a.end)

    @staticmethod
    def wall_of(c: Calendar, kind: str, ax: int) -> int:
        """Wall minute of axis position ``ax`` as a start (``s``) or an end (``e``)."""
        t = c.start_at(ax) if kind == "s" else c.end_at(ax)
        return t if t is not None else (c.last_minute or 0)

    def deviation(self, i: int, previous_start: int) -> int:
        """Working minutes between operation i's start and its previous start."""
        c = self.cal(i)
        return abs(c.to_axis(self.sol[i].start) - c.to_axis(previous_start))

    def overtime_used(self, r: int, a: int, b: int) -> int:
        """Minutes resource r stays into overtime window [a, b): to its last work there."""
        c = self.cal_of(r)
        A = c.to_axis(a)
        used = 0
        for x in self.sol:
            if x.resource == r and x.start < b and x.end > a:
                used = max(used, c.to_axis(min(x.end, b)) - A)
        return used


# An auxiliary variable and how to compute its hint from a schedule: the function is called
# with a HintView (typed loosely: the recipes are lambdas that bind loop variables as defaults).
Derived = tuple[cp_model.IntVar, Callable[..., int]]
