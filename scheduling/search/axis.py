"""The working-time relaxation: a floor of long operations solved on its calendar's axis.

When every resource works to one calendar, the problem can be restated on that calendar's
*working-time axis* (minute 0, 1, 2, ... of working time): durations, setups and same-calendar
transfer lags are already working minutes, so they carry over exactly; releases, due dates,
fixed starts and the previous plan map to the axis position of their wall minute. The axis
problem's resources work without a pause (one window as long as the calendar's working time),
so CP-SAT needs no calendar encoding at all, and every axis schedule maps back to a wall
schedule that the real problem accepts (each axis minute is one wall minute of work).

What the relaxation gets wrong is the price: a lot late over a night costs working minutes
on the axis but wall minutes in truth, and overtime is free on the axis (the windows are
working time there). Due-date terms are therefore scaled by the calendar's wall-to-working
ratio, and the mapped schedule is always re-priced by the checker: the solve keeps it only
when it is better in the real objective.

The relaxation is worth its time where the wall model is weakest: batch lots of days, each
crossing many nights, where CP-SAT spends its budget in presolve on the calendar encoding
(`batch_1x_s11viral`: no solution in 60 s on the wall model, optimal in 3 s on the axis).
With operations shorter than a shift (C2M lots) the wall model does well and the axis
prices night-time lateness and overtime too coarsely; ``applies`` keeps it to floors whose
operations outlast the calendar's working segments (``docs/scheduling.md`` has the figures).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, replace

from scheduling.model import Assignment, Calendar, Problem, Solution
from scheduling.result import fill_setups


def shared_calendar(problem: Problem) -> Calendar | None:
    """The one calendar every resource works to, or None (several, or always open)."""
    calendars = {r.calendar for r in problem.resources}
    if len(calendars) != 1:
        return None
    (calendar,) = calendars
    return None if calendar.always_open else calendar


def span_ratio(problem: Problem, calendar: Calendar) -> float:
    """Mean operation length (shortest mode) over the mean working segment's length: above
    1, a typical operation crosses a break."""
    segment = statistics.fmean(b - a for a, b in calendar.segments)
    work = statistics.fmean(min(m.duration for m in op.modes) for op in problem.operations)
    return work / segment


def applies(problem: Problem, min_span_ratio: float) -> bool:
    """Whether the relaxation is worth a share of the time (see the module docstring)."""
    calendar = shared_calendar(problem)
    if calendar is None or not problem.operations:
        return False
    return span_ratio(problem, calendar) >= min_span_ratio


@dataclass(frozen=True)
class AxisProblem:
    """A problem restated on its calendar's working-time axis, with the maps both ways."""

    wall: Problem
    axis: Problem
    calendar: Calendar

    @classmethod
    def of(cls, problem: Problem) -> AxisProblem:
        """Restates ``problem`` (which must have a shared calendar) on the axis."""
        cal = shared_calendar(problem)
        if cal is None:
            raise ValueError("The working-time relaxation needs one calendar for all resources.")
        axis = cal.to_axis
        first, last, capacity = cal.segments[0][0], cal.last_minute, cal.capacity
        assert last is not None and capacity  # a calendar with segments
        ratio = (last - first) / capacity  # wall minutes per working minute, on average
        # Open without a pause for as many minutes as the calendar has: a schedule that
        # would run past its end is as impossible on the axis as on the wall clock.
        open_until = Calendar(windows=((0, capacity),))
        w = problem.objective
        objective = replace(
            w, tardiness=round(w.tardiness * ratio), earliness=round(w.earliness * ratio)
        )
        previous = None
        if problem.previous is not None:
            previous = tuple(
                None if a is None else Assignment(a.resource, axis(a.start), axis(a.end))
                for a in problem.previous
            )
        restated = Problem(
            resources=tuple(replace(r, calendar=open_until) for r in problem.resources),
            jobs=tuple(
                replace(j, release=axis(j.release), due=None if j.due is None else axis(j.due))
                for j in problem.jobs
            ),
            operations=tuple(
                replace(op, fixed_start=axis(op.fixed_start)) if op.fixed_start is not None else op
                for op in problem.operations
            ),
            precedences=problem.precedences,
            setups=problem.setups,
            objective=objective,
            previous=previous,
            name=problem.name,
        )
        return cls(problem, restated, cal)

    def to_axis(self, solution: Solution) -> Solution:
        """A wall schedule on the axis (a hint for the axis solve)."""
        axis = self.calendar.to_axis
        return Solution([Assignment(a.resource, axis(a.start), axis(a.end)) for a in solution])

    def to_wall(self, solution: Solution) -> Solution:
        """An axis schedule on the wall clock: each operation starts at the wall minute of its
        first working minute and ends after its last; fixed operations keep their start.
        Setups are those its sequences imply, as every solver reports them."""
        out = []
        for a, op in zip(solution, self.wall.operations, strict=True):
            start = op.fixed_start
            if start is None:
                start = self.calendar.start_at(a.start)
            end = self.calendar.end_at(a.end)
            if start is None or end is None:
                raise ValueError("The axis schedule runs past the end of the calendar.")
            out.append(Assignment(a.resource, start, end))
        return fill_setups(self.wall, Solution(out))
