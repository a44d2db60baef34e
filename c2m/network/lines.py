"""How a workshop's lines share its categories' work: the allocation's line-eligibility bound.

A category can only be sewn on the lines that list it, and lines are shared between
categories. Bounding each category alone by its lines' capacity is not enough: on the
generated 8-workshop network (``benchmarks/network_night.py``, seed 0) the allocation gave
one workshop's only hoodie-and-polo line 112 % of its minutes in hoodies and 99 % in polos,
i.e. twice what the line has, and that workshop's plan served 49 % of its demand on time.
What a workshop can make is a transport problem (categories' loads to the lines that sew
them). It is feasible exactly when, for every set ``S`` of categories, the load of ``S`` is
at most the capacity of the lines that sew any category of ``S`` (Hall's condition).

* :func:`add_line_flow` states it in the CP-SAT model as a flow (linear in lines x
  categories): ``y[l, c]`` SAM-minutes of category ``c`` on line ``l``;
* :func:`fits` checks it for the greedy baseline, on the categories' loads (Hall's subsets).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

from c2m.config import FactoryConfig
from c2m.network.capacity import overtime_minutes
from c2m.planning.working_time import regular_minutes_on

#: line capacities: (categories it sews, SAM-minutes over the horizon, overtime included)
Lines = tuple[tuple[frozenset[str], float], ...]

#: above this many loaded categories in one workshop, :func:`fits` checks single categories
#: and the whole only (2^k subsets); the CP-SAT flow is exact whatever the count
MAX_HALL_CATEGORIES = 12


def line_capacity(cfg: FactoryConfig, start: dt.date, days: int) -> Lines:
    """Each line's categories and SAM-minutes over ``days`` days from ``start``, regular and
    overtime minutes (the most the workshop's planner can give it)."""
    minutes = 0.0
    for k in range(days):
        day = start + dt.timedelta(days=k)
        minutes += regular_minutes_on(cfg.calendar, day) + overtime_minutes(cfg.calendar, day)
    return tuple(
        (frozenset(line.categories), line.operators * line.efficiency * minutes)
        for line in cfg.lines
    )


def fits(lines: Lines, loads: Mapping[str, float]) -> bool:
    """Whether the lines can sew the categories' ``loads`` (SAM-minutes) between them."""
    cats = sorted(c for c, v in loads.items() if v > 0)
    if len(cats) > MAX_HALL_CATEGORIES:
        sets: Sequence[tuple[str, ...]] = [(c,) for c in cats] + [tuple(cats)]
    else:
        sets = [s for k in range(1, len(cats) + 1) for s in combinations(cats, k)]
    for subset in sets:
        room = sum(cap for sews, cap in lines if sews.intersection(subset))
        if sum(loads[c] for c in subset) > room + 1e-6:
            return False
    return True


def add_line_flow(
    model: Any,
    name: str,
    lines: Lines,
    category_loads: Mapping[str, Any],
    floor: Mapping[str, float],
) -> None:
    """``category_loads[c]`` (a linear expression) split over the lines that sew ``c``, each
    line within its capacity. ``floor``: each category's load already on the workshop's floor
    (pinned runs, made whatever the model says); when the lines cannot hold it, every line
    gets that much more room, so a floor never makes the night infeasible."""
    spare = 0 if fits(lines, floor) else int(sum(floor.values())) + 1
    per_line: list[list] = [[] for _ in lines]
    for category, load in sorted(category_loads.items()):
        parts = []
        for i, (sews, cap) in enumerate(lines):
            if category in sews:
                y = model.new_int_var(0, int(cap) + spare, f"y[{name},{i},{category}]")
                parts.append(y)
                per_line[i].append(y)
        if not parts:
            model.add(load == 0)
            continue
        model.add(sum(parts) == load)
    for i, (_, cap) in enumerate(lines):
        if per_line[i]:
            model.add(sum(per_line[i]) <= int(cap) + spare)
