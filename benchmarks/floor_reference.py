"""The independent reference on floor problems: our problem relaxed into PyJobShop's terms,
and its answer mapped back and priced by our checker.

PyJobShop (``benchmarks/pyjobshop_reference.py``) has modes, sequence-dependent setup times,
release and due dates, weighted tardiness, earliness and total setup time. A floor problem has
more; the translation handles each part so that the reference's schedule is one OUR problem
accepts, and its objective is always recomputed by :func:`scheduling.validate.objective`:

- **Calendars with breaks** (nights, Sundays): PyJobShop's time runs without pauses, so the
  reference works on the *working-time axis* of the calendar every resource shares (the
  factory's: ``c2m`` gives all resources one calendar). Durations, setups and transfer lags
  are already working minutes there, so they carry over exactly; releases map to the first
  working minute at or after them; every axis time maps back to the same wall minute our
  solver would use. Tardiness and earliness are then counted in working minutes instead of
  wall minutes (a lot late over a night costs the reference less than it costs us), so the
  reference optimises a slightly different sum: its objective as printed is PyJobShop's own,
  its ``objective`` in the benchmark is our checker's price of its schedule.
- **Overtime windows** are working time on the axis, as they are for our solver (an
  operation runs on through them), but PyJobShop has no overtime cost: the reference uses
  them for free, and our checker then charges the overtime its schedule opens.
- **Learning curves** are part of the setup matrices (a line's ramp-up is setup time), so
  PyJobShop gets them as setup times between each pair of its tasks on that line.
- **A line's initial set-up** (``initial_class``: the setup before its first operation) is a
  zero-length task of that class pinned at the start of the line. The **stability term**
  (distance from the previous plan, replans only) has no PyJobShop counterpart and is
  dropped; **fixed operations** keep their resource and their start (mapped onto the axis).
- **Makespan** weight (zero in c2m plans) is dropped.
- **Cost weights are divided** by a common factor when they are large: PyJobShop bounds each
  job's tardiness and earliness by 2^42 minutes, and CP-SAT refuses an objective that could then
  overflow CP-SAT's 2^62. Job weights (units) and the setup weight are divided by the
  smallest factor that keeps ``sum_j (tardiness + earliness) * weight_j`` under
  ``OBJECTIVE_ROOM`` (rounded, at least 1), so the reference optimises the same trade-offs
  to within that rounding: a few per cent on C2M lots of a hundred units at 3x, coarser at
  10x (``weight_divisor`` in its input says how much).

Problems whose resources have different calendars are refused: one axis cannot carry them.
So are problems with more than ``MAX_SETUP_PAIRS`` task pairs on lines with setups: PyJobShop
takes a setup time per pair of tasks, and the 3x C2M floor's 1.9 million pairs already take
4 GB; the 10x floor's 70 million would take the shared machine down. The benchmark reports
such an instance as ``ref_status: "not run"`` with the reason.
"""

from __future__ import annotations

import math
from typing import Any

from scheduling.model import Assignment, Calendar, Problem, Solution
from scheduling.result import fill_setups

# CP-SAT keeps sums within 2^62, PyJobShop bounds a tardiness by 2^42: 2^20, less room for setups.
OBJECTIVE_ROOM = 700_000


MAX_SETUP_PAIRS = 2_500_000


class NotTranslatable(ValueError):
    """The floor problem has a part the reference cannot relax (the message says which)."""


def axis_calendar(problem: Problem) -> Calendar:
    """The calendar every resource shares: its working minutes are the reference's time."""
    calendars = {r.calendar for r in problem.resources}
    if len(calendars) != 1:
        raise NotTranslatable(
            "the PyJobShop reference needs one calendar shared by every resource; "
            f"this problem has {len(calendars)}"
        )
    (cal,) = calendars
    return cal


def to_spec(problem: Problem) -> dict[str, Any]:
    """The ``floor`` part of ``pyjobshop_reference.py``'s input for ``problem``."""
    cal = axis_calendar(problem)
    pairs = setup_pairs(problem)
    if pairs > MAX_SETUP_PAIRS:
        raise NotTranslatable(
            f"{pairs:,} setup pairs exceed the {MAX_SETUP_PAIRS:,} PyJobShop can hold here"
        )
    matrices: list[Any] = []
    index: dict[int, int] = {}
    resource_matrix: list[int | None] = []
    for matrix in problem.setups:
        if matrix is None:
            resource_matrix.append(None)
            continue
        if id(matrix) not in index:
            index[id(matrix)] = len(matrices)
            matrices.append([list(row) for row in matrix])
        resource_matrix.append(index[id(matrix)])
    tasks = []
    for op in problem.operations:
        fixed = None
        if op.fixed:
            fixed = [op.fixed_resource, cal.to_axis(op.fixed_start)]
        tasks.append(
            {
                "job": op.job,
                "modes": [[m.resource, m.duration] for m in op.modes],
                "cls": op.setup_class,
                "fixed": fixed,
            }
        )
    w = problem.objective
    divisor = weight_divisor(problem)
    return {
        "num_resources": len(problem.resources),
        "jobs": [
            {
                "release": cal.to_axis(j.release),
                # PyJobShop needs a due date on every job: a job without one costs nothing
                "due": 0 if j.due is None else cal.to_axis(j.due),
                "weight": max(1, round(j.weight / divisor))
                if j.weight and j.due is not None
                else 0,
            }
            for j in problem.jobs
        ],
        "tasks": tasks,
        "precedences": [[p.pred, p.succ, p.lag] for p in problem.precedences],
        "matrices": matrices,
        "resource_matrix": resource_matrix,
        "initial_class": [r.initial_class for r in problem.resources],
        "weights": {
            "tardiness": w.tardiness,
            "earliness": w.earliness,
            "setup": max(1, round(w.setup / divisor)) if w.setup else 0,
        },
        "weight_divisor": divisor,
        # the calendar's working minutes (the axis ends there); an always-open calendar gets
        # the sum of every operation's longest mode and setup, which any schedule fits in
        "horizon": cal.capacity or _open_horizon(problem),
    }


def setup_pairs(problem: Problem) -> int:
    """Task pairs PyJobShop would need a setup time for: per line with setups, the square of
    the operations eligible on it."""
    on = [0] * len(problem.resources)
    for op in problem.operations:
        for m in op.modes:
            if problem.setups[m.resource] is not None:
                on[m.resource] += 1
    return sum(n * n for n in on)


def weight_divisor(problem: Problem) -> int:
    """The factor job and setup weights are divided by so PyJobShop's objective cannot
    overflow (1 when it already fits; see the module docstring)."""
    w = problem.objective
    total = sum((w.tardiness + w.earliness) * j.weight for j in problem.jobs if j.due is not None)
    return max(1, math.ceil(total / OBJECTIVE_ROOM))


def _open_horizon(problem: Problem) -> int:
    longest_setup = max((max(map(max, m)) for m in problem.setups if m is not None), default=0)
    work = sum(max(m.duration for m in op.modes) + longest_setup for op in problem.operations)
    lags = sum(p.lag for p in problem.precedences)
    return max(j.release for j in problem.jobs) + work + lags


def to_solution(problem: Problem, tasks: list[list[int]]) -> Solution:
    """The reference's axis schedule as wall minutes on ``problem`` (setups filled in from the
    order on each resource, as every solver of ours reports them)."""
    cal = axis_calendar(problem)
    out = []
    for r, start, end in tasks:
        wall_start, wall_end = cal.start_at(start), cal.end_at(end)
        if wall_start is None or wall_end is None:
            raise NotTranslatable("the reference scheduled past the end of the calendar")
        out.append(Assignment(r, wall_start, wall_end))
    return fill_setups(problem, Solution(out))
