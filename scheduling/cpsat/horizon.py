"""The horizon: a wall-clock upper bound on every end time, generous enough to keep an optimum."""

from __future__ import annotations

from scheduling.model import Problem, Solution


def horizon(problem: Problem, hint: Solution | None = None) -> int:
    """A wall-clock upper bound on every end time, generous enough to keep an optimum.

    For a pure makespan objective the hint's makespan is enough (nothing later can be
    better). Otherwise: the latest date anything refers to, plus as much working time as
    the total work, the largest setups and all lags, on each resource's calendar, capped by
    the calendar's end (nothing works after it; the end itself when overtime costs).
    """
    w = problem.objective
    pure_makespan = not (w.tardiness or w.setup or w.overtime or w.earliness or w.deviation)
    if hint is not None and pure_makespan and w.makespan:
        return hint.makespan
    dates = [j.release for j in problem.jobs] + [j.due or 0 for j in problem.jobs]
    if hint is not None:
        dates.append(hint.makespan)
    for op in problem.operations:
        if op.fixed_start is not None:
            dates.append(op.fixed_start)
    if problem.previous is not None:
        dates += [a.end for a in problem.previous if a is not None]
    work = sum(max(m.duration for m in op.modes) for op in problem.operations)
    setup = 0
    for r, mat in enumerate(problem.setups):
        if mat is not None:
            n = sum(1 for op in problem.operations if op.duration_on(r) is not None)
            setup += n * max(max(row) for row in mat)
    # That much working time after the latest date, in wall time on the slowest calendar.
    d, need = max(dates), work + setup + sum(pr.lag for pr in problem.precedences)
    h = 0
    for res in problem.resources:
        cal = res.calendar
        capacity, last = cal.capacity, cal.last_minute
        if capacity is None or last is None:  # always open
            h = max(h, d + need)
            continue
        if w.overtime and cal.overtime:
            # Overtime windows are working time that operations run through; avoiding them
            # may mean waiting for any later window: no tighter bound.
            h = max(h, last)
            continue
        end = cal.end_at(min(cal.to_axis(d) + need, capacity))
        h = max(h, end if end is not None else last)
    return h
