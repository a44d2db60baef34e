"""How the model sees each resource's calendar, release and horizon (cached per model)."""

from __future__ import annotations

from collections.abc import Iterable

from scheduling.model import Calendar, Problem


class CalendarView:
    """The calendars, releases and axis ranges of ``problem`` as the model uses them.

    ``skip`` may switch off the ``calendars`` family (every resource always open) and the
    ``release_dates`` family (every release 0); the tests use that to show each is needed.
    """

    def __init__(self, problem: Problem, horizon: int, skip: Iterable[str] = ()) -> None:
        self.problem = problem
        self.H = horizon
        self.skip = frozenset(skip)
        self._segment_cache: dict[tuple[Calendar, int], list[tuple[int, int, int]]] = {}
        self._cal_cache: dict[int, list[Calendar]] = {}

    def cal(self, r: int) -> Calendar:
        """The calendar of resource r as the model sees it (always open if skipped)."""
        cal = self.problem.resources[r].calendar
        return Calendar() if "calendars" in self.skip else cal

    def cals(self, i: int) -> list[Calendar]:
        """The distinct calendars of operation i's eligible resources."""
        if i not in self._cal_cache:
            out: list[Calendar] = []
            for m in self.problem.operations[i].modes:
                c = self.cal(m.resource)
                if c not in out:
                    out.append(c)
            self._cal_cache[i] = out
        return self._cal_cache[i]

    def release(self, i: int) -> int:
        """Release of operation i's job (0 when the release family is skipped)."""
        op = self.problem.operations[i]
        return self.problem.jobs[op.job].release if "release_dates" not in self.skip else 0

    def axis_hi(self, c: Calendar) -> int:
        """Largest axis position reachable within the horizon."""
        if c.capacity is None:  # always open: the axis is the wall clock
            return self.H
        return max(1, min(c.capacity, c.to_axis(self.H)))

    def segments(self, c: Calendar, lo: int) -> list[tuple[int, int, int]]:
        """(wall start, wall end, axis offset) of the segments that matter after ``lo``."""
        key = (c, lo)
        if key not in self._segment_cache:
            self._segment_cache[key] = [
                (a, b, off)
                for (a, b), off in zip(c.segments, c.offsets, strict=True)
                if b > lo and a <= self.H
            ] or [(c.segments[-1][0], c.segments[-1][1], c.offsets[-1])]
        return self._segment_cache[key]

    def release_job(self, j: int) -> int:
        """Release of job j (0 when the release family is skipped)."""
        return self.problem.jobs[j].release if "release_dates" not in self.skip else 0
