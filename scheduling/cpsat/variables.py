"""The model's decision variables: mode presence, axis positions, intervals, wall times."""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduling.cpsat.calendars import CalendarView
from scheduling.cpsat.hints import Derived
from scheduling.model import Calendar


@dataclass
class Variables:
    """All decision variables. Keys: ``i`` operation, ``r`` resource, ``c`` calendar."""

    start: list[cp_model.IntVar] = field(default_factory=list)
    end: list[cp_model.IntVar] = field(default_factory=list)
    present: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    uses: dict[tuple[int, Calendar], cp_model.IntVar] = field(default_factory=dict)
    ax_start: dict[tuple[int, Calendar], cp_model.IntVar] = field(default_factory=dict)
    ax_end: dict[tuple[int, Calendar], cp_model.IntVar] = field(default_factory=dict)
    interval: dict[tuple[int, int], cp_model.IntervalVar] = field(default_factory=dict)
    wall_start: dict[int, cp_model.IntVar] = field(default_factory=dict)
    wall_end: dict[int, cp_model.IntVar] = field(default_factory=dict)
    arcs: dict[int, dict[tuple[int, int], cp_model.IntVar]] = field(default_factory=dict)
    empty: dict[int, cp_model.IntVar] = field(default_factory=dict)
    overtime: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)


def create_variables(cv: CalendarView, m: cp_model.CpModel, derived: list[Derived]) -> Variables:
    """Mode presence, axis positions and intervals; wall times for multi-calendar ops."""
    p, v, H = cv.problem, Variables(), cv.H
    for i, op in enumerate(p.operations):
        cals = cv.cals(i)
        for mode in op.modes:
            if len(op.modes) == 1:
                v.present[i, mode.resource] = m.new_constant(1)
            else:
                v.present[i, mode.resource] = m.new_bool_var(f"x{i}_{mode.resource}")
        for c in cals:
            hi = cv.axis_hi(c)
            v.ax_start[i, c] = m.new_int_var(0, max(0, hi - 1), f"as{i}")
            v.ax_end[i, c] = m.new_int_var(1, max(1, hi), f"ae{i}")
            if len(cals) == 1:
                v.uses[i, c] = m.new_constant(1)
            else:
                lit = m.new_bool_var(f"u{i}")
                on_c = [v.present[i, d.resource] for d in op.modes if cv.cal(d.resource) == c]
                m.add(lit == sum(on_c))
                v.uses[i, c] = lit
                derived.append((lit, lambda h, i=i, c=c: int(h.cal(i) == c)))
        if len(cals) == 1:
            v.start.append(v.ax_start[i, cals[0]])
            v.end.append(v.ax_end[i, cals[0]])
        else:
            v.start.append(m.new_int_var(0, H, f"s{i}"))
            v.end.append(m.new_int_var(1, max(1, H), f"e{i}"))
            v.wall_start[i], v.wall_end[i] = v.start[i], v.end[i]
        for mode in op.modes:
            c = cv.cal(mode.resource)
            lit = v.present[i, mode.resource]
            v.interval[i, mode.resource] = m.new_optional_fixed_size_interval_var(
                v.ax_start[i, c], mode.duration, lit, f"iv{i}_{mode.resource}"
            )
            m.add(v.ax_end[i, c] == v.ax_start[i, c] + mode.duration).only_enforce_if(lit)
    return v
