"""Which workshop makes which style run: a CP-SAT assignment with capacity per day.

Variables: ``x[r, w]`` (run ``r`` goes to workshop ``w``, only where ``w`` may make its
category) and ``u[r]`` (nobody makes it: its units are lost sales). Constraints, per workshop:

* **overtime per day** up to the calendar's overtime window, at its cost per SAM-minute;
* **capacity per day**, as a backlog: by the end of workshop day ``k`` the runs it holds need
  ``sum_r x[r,w] N_r(k + transfer_days)`` SAM-minutes done (``N_r`` the run's cumulative need,
  shifted by the days to the warehouse); what the calendar's cumulative capacity ``C_w(k)``
  and overtime leave undone is the backlog ``b[w,k] >= 0``, paid as lateness per SAM-minute-day;
* the whole horizon's load within its capacity, in total and **per line**: each category's
  load is split over the lines that sew it, each line within its regular and overtime
  minutes (:mod:`c2m.network.lines`; a bound per category alone let two categories that
  share one line each fill it);
* the network file's minimum and maximum weekly load (over the horizon's weeks);
* **pins**: a run with lots on a workshop's floor (frozen by the nightly replan) stays at
  that workshop (``x[r, w] = 1``), so the night never moves work that has started.

Cost (CNY, in fen for the solver): lateness of the backlog, transfer cost per unit, the lost
margin of every unserved unit. The solve is CP-SAT on one worker with a deterministic work
budget, so the same inputs give the same allocation on any machine; it starts from the
baseline (each workshop a capacity-proportional share of the work), so it is never worse
than that baseline in this cost when the baseline meets the minimum loads (it ignores them),
and reports objective, bound and gap at its limit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from ortools.sat.python import cp_model

from c2m.errors import DataError
from c2m.network.capacity import daily_capacity, overtime_cost_per_minute, setup_allowance
from c2m.network.config import Network, Workshop
from c2m.network.lines import Lines, add_line_flow, fits, line_capacity
from c2m.network.runs import Run, eligible

FEN = 100  # the solver's objective is integer: costs in fen


class LoadBoundsUnmet(DataError):
    """No allocation meets every workshop's minimum and maximum weekly load."""


@dataclass(frozen=True)
class Allocation:
    """An assignment of runs to workshops (``None``: unserved) and how good it is."""

    assignment: dict[str, str | None]
    runs: list[Run]
    status: str  # optimal | feasible | baseline
    objective: float  # CNY
    bound: float
    gap: float | None
    baseline_objective: float | None  # None: the baseline breaks a minimum load
    baseline_meets_minimums: bool  # the baseline ignores min loads; if it breaks one, the
    # optimised allocation (which must meet them) may cost more than it
    capacity: dict[str, float]  # SAM-minutes over the horizon, per workshop
    load: dict[str, int] = field(default_factory=dict)  # SAM-minutes assigned, per workshop
    baseline: dict[str, str | None] = field(default_factory=dict)  # the baseline's assignment
    setup: dict[tuple[str, str], int] = field(default_factory=dict)  # (run, workshop) allowance

    def skus_of(self, workshop: str) -> set[str]:
        return {s for r in self.runs if self.assignment[r.key] == workshop for s in r.skus}

    def runs_of(self, workshop: str | None) -> list[Run]:
        return [r for r in self.runs if self.assignment[r.key] == workshop]

    def as_baseline(self) -> Allocation:
        """The capacity-proportional baseline as the allocation (what the optimiser beats)."""
        loads = {name: 0 for name in self.capacity}
        for run in self.runs:
            name = self.baseline[run.key]
            if name is not None:
                loads[name] += run.load + self.setup.get((run.key, name), 0)
        return dataclasses.replace(
            self, assignment=dict(self.baseline), status="baseline", load=loads
        )


@dataclass(frozen=True)
class _Shop:
    """A workshop's capacity over the horizon, cumulative, and per line in total."""

    shop: Workshop
    cumulative: list[float]
    lines: Lines  # each line's categories and regular + overtime SAM-minutes
    low: float
    high: float | None
    overtime: list[float]  # SAM-minutes of overtime per day
    overtime_fen: int  # per SAM-minute of overtime


def allocate(
    runs: list[Run],
    network: Network,
    start: dt.date,
    horizon: int,
    work: float = 10.0,
    pinned: Mapping[str, str] | None = None,
) -> Allocation:
    """Runs with a need go through the CP-SAT model; runs that need nothing go to the first
    workshop that may make them; runs no workshop may make stay unassigned. ``pinned``: run
    key -> the workshop it must stay at (ignored where that workshop may no longer make it)."""
    shops = {w.name: _shop(w, start, horizon) for w in network.workshops}
    assignment: dict[str, str | None] = {}
    active = []
    pins = {}
    for run in runs:
        names = [w.name for w in eligible(run, network)]
        pin = (pinned or {}).get(run.key)
        if pin in names:
            pins[run.key] = pin
        if run.load == 0 or not names:
            assignment[run.key] = pins.get(run.key, names[0] if names else None)
        else:
            active.append(run)
    setup = {
        (r.key, w.name): setup_allowance(w.cfg, r.category, r.load)
        for r in active
        for w in eligible(r, network)
    }
    base = baseline(active, network, shops, setup, pins)
    late = _late_fen(active, network)
    model = _Model(active, network, shops, late, setup, pins)
    chosen, status, objective, bound = model.solve(base, work)
    _, _, base_cost, _ = model.solve(base, work, fixed=True)
    assignment.update(chosen)
    loads = {name: 0 for name in shops}
    for run in runs:
        if assignment[run.key] is not None:
            loads[assignment[run.key]] += run.load + setup.get((run.key, assignment[run.key]), 0)
    gap = None if objective <= 0 else max(objective - bound, 0) / objective
    return Allocation(
        assignment=assignment,
        runs=runs,
        status=status,
        objective=objective / FEN,
        bound=bound / FEN,
        gap=None if gap is None else round(gap, 4),
        baseline_objective=None if base_cost != base_cost else base_cost / FEN,  # NaN
        baseline_meets_minimums=all(
            sum(r.load + setup[r.key, n] for r in active if base[r.key] == n) >= s.low
            for n, s in shops.items()
        ),
        capacity={n: s.cumulative[-1] if s.cumulative else 0.0 for n, s in shops.items()},
        load=loads,
        baseline={**assignment, **base},
        setup=setup,
    )


def _shop(shop: Workshop, start: dt.date, horizon: int) -> _Shop:
    weeks = horizon / 7
    return _Shop(
        shop=shop,
        cumulative=list(accumulate(daily_capacity(shop.cfg, start, horizon))),
        lines=line_capacity(shop.cfg, start, horizon),
        low=shop.min_weekly_minutes * weeks,
        high=None if shop.max_weekly_minutes is None else shop.max_weekly_minutes * weeks,
        overtime=daily_capacity(shop.cfg, start, horizon, overtime=True),
        overtime_fen=round(FEN * overtime_cost_per_minute(shop.cfg)),
    )


def _late_fen(runs: list[Run], network: Network) -> int:
    """Fen per SAM-minute-day of backlog: the lead's lateness per unit-day over the runs'
    load-weighted SAM (a unit late one day costs the same whoever sews it)."""
    load = sum(r.load for r in runs)
    units = sum(r.units for r in runs)
    mean_sam = load / units if units else 1.0
    return max(round(FEN * network.lead.cfg.costs.lateness_per_unit_day / mean_sam), 1)


def baseline(
    runs: list[Run],
    network: Network,
    shops: dict[str, _Shop],
    setup: dict[tuple[str, str], int],
    pins: Mapping[str, str] | None = None,
) -> dict[str, str | None]:
    """Each workshop takes a capacity-proportional share of the work: the largest runs first,
    each to the workshop furthest below its share that has room for it (total, category and
    line and maximum load), else unserved. What a group does without an optimiser. Pinned runs go to
    their workshop first, room or not (they are on its floor)."""
    pins = pins or {}
    total_cap = sum(s.cumulative[-1] for s in shops.values() if s.cumulative) or 1.0
    total_load = sum(r.load for r in runs)
    target = {
        n: total_load * (s.cumulative[-1] if s.cumulative else 0) / total_cap
        for n, s in shops.items()
    }
    used = {n: 0.0 for n in shops}
    used_cat: dict[tuple[str, str], float] = {}
    out: dict[str, str | None] = {}
    for run in runs:
        if run.key in pins:
            name = pins[run.key]
            out[run.key] = name
            used[name] += run.load + setup[run.key, name]
            cat = used_cat.get((name, run.category), 0.0)
            used_cat[(name, run.category)] = cat + run.load + setup[run.key, name]
    for run in sorted(runs, key=lambda r: (-r.load, r.key)):
        if run.key in pins:
            continue
        out[run.key] = None
        names = [w.name for w in eligible(run, network)]
        for name in sorted(names, key=lambda n: (used[n] - target[n], n)):
            s = shops[name]
            cat = used_cat.get((name, run.category), 0.0)
            total = s.cumulative[-1] + sum(s.overtime)
            room = total - used[name]
            if s.high is not None:
                room = min(room, s.high - used[name])
            need = run.load + setup[run.key, name]
            loads = {c: v for (n, c), v in used_cat.items() if n == name}
            loads[run.category] = cat + need
            if need <= room and fits(s.lines, loads):
                out[run.key] = name
                used[name] += need
                used_cat[(name, run.category)] = cat + need
                break
    return out


def _need_at(run: Run, day: int, extra: int = 0) -> int:
    """SAM-minutes of the run due by ``day``, with the set-up paid before its first output."""
    need = run.cumulative[min(day, len(run.cumulative) - 1)]
    return need + extra if need > 0 else 0


@dataclass(frozen=True)
class _Model:
    """The allocation's data; :meth:`solve` builds and solves the CP-SAT model."""

    runs: list[Run]
    network: Network
    shops: dict[str, _Shop]
    late: int
    setup: dict[tuple[str, str], int]
    pins: Mapping[str, str] = field(default_factory=dict)

    def solve(
        self, hint: dict[str, str | None], work: float, fixed: bool = False
    ) -> tuple[dict[str, str | None], str, float, float]:
        """The assignment, status, objective and bound (fen). ``fixed``: the hint's
        assignment priced (the best overtime and backlog for it). No solution within the
        budget: the hint, reported as the baseline."""
        network = self.network
        model = cp_model.CpModel()
        x: dict[tuple[str, str], cp_model.IntVar] = {}
        terms: list = []
        for run in self.runs:
            unserved = model.new_bool_var(f"u[{run.key}]")
            options = [w.name for w in eligible(run, network)]
            for name in options:
                x[run.key, name] = model.new_bool_var(f"x[{run.key},{name}]")
                model.add_hint(x[run.key, name], hint.get(run.key) == name)
                if fixed:
                    model.add(x[run.key, name] == int(hint.get(run.key) == name))
                elif run.key in self.pins:
                    model.add(x[run.key, name] == int(self.pins[run.key] == name))
                fee = network.workshop(name).transfer_cost_per_unit * run.units
                terms.append(round(FEN * fee) * x[run.key, name])
            model.add_hint(unserved, hint.get(run.key) is None)
            model.add_exactly_one([unserved, *(x[run.key, n] for n in options)])
            terms.append(round(FEN * run.lost_sale_per_unit * run.units) * unserved)
        for name, s in self.shops.items():
            pinned = {r.key for r in self.runs if self.pins.get(r.key) == name}
            _workshop_constraints(
                model, self.runs, x, name, s, self.late, terms, self.setup, pinned
            )
        model.minimize(sum(terms))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_deterministic_time = work
        solver.parameters.random_seed = network.lead.cfg.solver.seed
        status = solver.solve(model)
        if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID) and not fixed:
            raise LoadBoundsUnmet(
                f"{network.source}: no allocation meets every workshop's min_weekly_minutes "
                "and max_weekly_minutes with this demand; lower a minimum or raise a maximum"
            )
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return hint, "baseline", float("nan"), solver.best_objective_bound
        chosen: dict[str, str | None] = {}
        for run in self.runs:
            chosen[run.key] = next(
                (n for n in self.shops if (run.key, n) in x and solver.value(x[run.key, n])),
                None,
            )
        label = "optimal" if status == cp_model.OPTIMAL else "feasible"
        return chosen, label, solver.objective_value, solver.best_objective_bound


def _workshop_constraints(
    model,
    runs,
    x,
    name: str,
    s: _Shop,
    late: int,
    terms: list,
    setup: dict,
    pinned: set[str] = frozenset(),
) -> None:
    """One workshop's capacity: overtime and backlog per day, total and per-line load,
    min/max load; each run's load with its set-up allowance in this workshop. The runs
    ``pinned`` here are on its floor and will be made whatever the model says: each bound
    is at least their load (they may fill it, never make the night infeasible)."""
    mine = [r for r in runs if (r.key, name) in x]
    lag = s.shop.transfer_days
    size = {r.key: r.load + setup[r.key, name] for r in mine}
    on_floor = sum(size[r.key] for r in mine if r.key in pinned)
    load = sum(size[r.key] * x[r.key, name] for r in mine)
    extra: list = []  # cumulative overtime SAM-minutes by the end of each day
    spent: Any = 0
    for k, room in enumerate(s.overtime):
        if room > 0:
            used = model.new_int_var(0, int(room), f"o[{name},{k}]")
            terms.append(s.overtime_fen * used)
            spent = spent + used
        extra.append(spent)
    if s.cumulative:
        model.add(load <= max(int(s.cumulative[-1]), on_floor) + extra[-1])
    by_category: dict[str, Any] = {}
    floor: dict[str, float] = {}
    for r in mine:
        by_category[r.category] = by_category.get(r.category, 0) + size[r.key] * x[r.key, name]
        if r.key in pinned:
            floor[r.category] = floor.get(r.category, 0) + size[r.key]
    add_line_flow(model, name, s.lines, by_category, floor)
    if s.low > 0:
        model.add(load >= int(s.low))
    if s.high is not None:
        model.add(load <= max(int(s.high), on_floor))
    top = sum(size.values())
    for k, cap in enumerate(s.cumulative):
        due = {r.key: _need_at(r, k + lag, setup[r.key, name]) for r in mine}
        need = sum(due[r.key] * x[r.key, name] for r in mine)
        if sum(due.values()) <= cap:
            continue  # cannot be behind that day whatever it holds
        backlog = model.new_int_var(0, top, f"b[{name},{k}]")
        model.add(backlog >= need - int(cap) - extra[k])
        terms.append(late * backlog)
