"""Lots -> a :class:`scheduling.model.Problem`: the garment floor as the solver sees it.

Resources are the sewing lines (named as in the config), then the cutting tables
``CUT1..n`` and finishing stations ``FIN1..n``, all on the factory calendar. Each lot is a job
(release = fabric on hand, due = need date less the policy's lead days, weight = units) with
the routing cut -> sew -> finish and the config's transfer time as the lag. Sewing is
eligible on the lines of the style's category; changeovers (with the learning-curve loss, see
:mod:`c2m.planning.timing`) are exact setups on the lines.

Objective weights are the config's costs in one integer currency: one objective unit is the
cost of holding one unit for one minute (or a fixed fraction of a yuan when holding is free),
so every weight is a whole number without losing the ratio between them:
tardiness = lateness cost per unit-minute, earliness = holding cost per unit-minute (a lot
made early is stock), setup = changeover cost per line-minute, overtime = overtime cost per
minute, deviation (replans only) = ``stability_weight`` yuan per hour an operation moves,
and moving an operation to another line counts as moving it ``REASSIGN_MINUTES``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from c2m.config import FactoryConfig
from c2m.errors import DataError
from c2m.planning.inputs import STEPS, FrozenLot, StyleInfo
from c2m.planning.lots import LotSpec
from c2m.planning.timing import (
    UNKNOWN,
    SetupClass,
    changeover_matrix,
    day_minutes,
    ramp_loss_days,
    setup_matrix,
    sew_minutes,
    station_minutes,
)
from c2m.planning.working_time import to_minute, working_calendar
from scheduling.model import (
    Assignment,
    Calendar,
    Job,
    Mode,
    Objective,
    Operation,
    Precedence,
    Problem,
    Resource,
)

REASSIGN_MINUTES = 480
MINUTES_PER_YEAR = 365 * 24 * 60


@dataclass
class Built:
    """The problem plus the maps needed to read its solution back."""

    problem: Problem
    calendar: Calendar
    resource_names: list[str]
    resource_kinds: list[str]  # cut | sew | finish
    lots: list[LotSpec]
    op_keys: list[tuple[int, str]]  # per operation: (index into lots, step)
    classes: list[SetupClass]
    ramp: list[dict[int, int]]  # per resource: class -> ramp-up minutes (lines only)
    scale: float  # objective units per yuan
    line_count: int


def sam_of(style: StyleInfo, cfg: FactoryConfig) -> float:
    """Standard minutes per unit: the style's own, else its category's (which must exist)."""
    if style.category not in cfg.categories:
        raise DataError(
            f"style {style.style} has category {style.category!r}, which the factory config "
            f"does not know (known: {', '.join(sorted(cfg.categories))})"
        )
    return style.sam_minutes or cfg.categories[style.category].sam_minutes


def frozen_lot_spec(lot: FrozenLot, styles: Mapping[str, StyleInfo], start: dt.datetime) -> LotSpec:
    """A frozen lot as a spec (``fixed``, released at the start), scheduled with the rest."""
    if lot.style not in styles:
        raise DataError(f"lot {lot.code} is of style {lot.style}, which is not in the catalogue")
    spec = LotSpec(
        code=lot.code,
        style=lot.style,
        colour=lot.colour,
        category=styles[lot.style].category,
        items=dict(lot.items),
        need_date=lot.need_date,
        due=lot.due,
        release=start,
        fixed=True,
    )
    return spec


@dataclass(frozen=True)
class _Floor:
    """The resources in solver order (lines, cutting tables, finishing stations), their kinds,
    and each name's index: the one place a resource name becomes a solver index."""

    names: list[str]
    kinds: list[str]  # cut | sew | finish
    cutting: list[str]
    finishing: list[str]
    index: dict[str, int]

    @classmethod
    def of(cls, cfg: FactoryConfig) -> _Floor:
        lines = [line.id for line in cfg.lines]
        cut = [f"CUT{k + 1}" for k in range(cfg.cutting.stations)]
        fin = [f"FIN{k + 1}" for k in range(cfg.finishing.stations)]
        names = lines + cut + fin
        kinds = ["sew"] * len(lines) + ["cut"] * len(cut) + ["finish"] * len(fin)
        return cls(names, kinds, cut, fin, {n: i for i, n in enumerate(names)})


class _SetupClasses:
    """Setup classes, numbered as first met: 0 = unknown, then each (style, colour) in play,
    then one own class per fixed lot whose sewing keeps the changeover it was planned with."""

    def __init__(self, styles: Mapping[str, StyleInfo]) -> None:
        self.styles = styles
        self.classes = [SetupClass(None, None, None)]
        self.number: dict[tuple[str, str | None], int] = {}

    def of(self, style: str, colour: str | None) -> int:
        """The class of a style-colour, numbered now if it is new."""
        if (style, colour) not in self.number:
            self.number[(style, colour)] = len(self.classes)
            category = self.styles[style].category if style in self.styles else None
            self.classes.append(SetupClass(style, colour, category))
        return self.number[(style, colour)]

    def copy_of(self, real: int) -> int:
        """A new class that sets up like ``real`` (a fixed lot's own class)."""
        self.classes.append(self.classes[real])
        return len(self.classes) - 1


def build_problem(
    lots: list[LotSpec],
    fixed: list[FrozenLot],
    styles: Mapping[str, StyleInfo],
    cfg: FactoryConfig,
    start: dt.datetime,
    horizon_days: int,
    previous: Mapping[tuple[str, str], tuple[str, dt.datetime]] | None = None,
    line_state: Mapping[str, tuple[str, str | None]] | None = None,
    reach: float = 1.5,
    days: int | None = None,
) -> Built:
    """The scheduling problem for ``lots`` plus the ``fixed`` lots (which come first), on a
    calendar of ``days`` days (default: sized from the load, ``reach`` times over)."""
    floor = _Floor.of(cfg)
    all_lots = [frozen_lot_spec(f, styles, start) for f in fixed] + list(lots)
    sew_modes = [_sew_modes(lot, styles, cfg, floor) for lot in all_lots]
    classes = _SetupClasses(styles)
    for lot in all_lots:
        classes.of(lot.style, lot.colour)
    initial: dict[int, int] = {}
    for line_id, (style, colour) in (line_state or {}).items():
        if line_id in floor.index and style in styles:
            initial[floor.index[line_id]] = classes.of(style, colour)
    ramp = _ramp_ups(all_lots, sew_modes, classes, len(floor.names), cfg)
    own_class, caps = _fixed_changeovers(fixed, classes, start)
    setups = _setup_matrices(floor, ramp, classes.classes, caps, cfg)
    if days is None:
        days = _calendar_days(
            all_lots, sew_modes, ramp, classes.number, cfg, start, horizon_days, reach
        )
    calendar = working_calendar(cfg.calendar, start, days)
    if not calendar.windows:
        raise DataError("the factory calendar has no working time in the plan period")
    resources = [
        Resource(n, calendar, initial.get(r, UNKNOWN) if floor.kinds[r] == "sew" else None)
        for r, n in enumerate(floor.names)
    ]
    jobs, ops, keys, precs = _jobs_and_operations(
        all_lots, sew_modes, fixed, floor, classes, own_class, calendar, start, cfg
    )
    scale, objective = _objective(all_lots, styles, cfg, bool(previous))
    prev = _previous(all_lots, keys, previous, floor.index, start) if previous else None
    problem = Problem(
        resources=tuple(resources),
        jobs=tuple(jobs),
        operations=tuple(ops),
        precedences=tuple(precs),
        setups=tuple(setups),
        objective=objective,
        previous=prev,
        name=f"plan {start:%Y-%m-%d %H:%M}",
    )
    return Built(
        problem,
        calendar,
        floor.names,
        floor.kinds,
        all_lots,
        keys,
        classes.classes,
        ramp,
        scale,
        len(cfg.lines),
    )


def _sew_modes(
    lot: LotSpec, styles: Mapping[str, StyleInfo], cfg: FactoryConfig, floor: _Floor
) -> list[Mode]:
    """Sewing a lot on each line of its category, at that line's pace."""
    style = styles[lot.style]
    sam = sam_of(style, cfg)
    eligible = cfg.lines_for(style.category)
    if not eligible:
        raise DataError(
            f"no sewing line in the factory config can sew category {style.category!r} "
            f"(style {style.style})"
        )
    return [
        Mode(floor.index[line.id], sew_minutes(sam, lot.quantity, line, lot.colours, cfg))
        for line in eligible
    ]


def _ramp_ups(
    lots: list[LotSpec],
    sew_modes: list[list[Mode]],
    classes: _SetupClasses,
    resource_count: int,
    cfg: FactoryConfig,
) -> list[dict[int, int]]:
    """Ramp-up minutes per line and class, from the class's mean lot work on that line."""
    day_min = day_minutes(cfg)
    work: list[dict[int, list[int]]] = [{} for _ in range(resource_count)]
    for lot, modes in zip(lots, sew_modes, strict=True):
        c = classes.number[(lot.style, lot.colour)]
        for m in modes:
            work[m.resource].setdefault(c, []).append(m.duration)
    ramp: list[dict[int, int]] = [{} for _ in range(resource_count)]
    for r, per_class in enumerate(work):
        for c, durations in per_class.items():
            mean_days = sum(durations) / len(durations) / day_min
            ramp[r][c] = round(ramp_loss_days(mean_days, cfg.learning) * day_min)
    return ramp


def _fixed_changeovers(
    fixed: list[FrozenLot], classes: _SetupClasses, start: dt.datetime
) -> tuple[dict[str, int], list[tuple[int, int, int]]]:
    """Own classes and changeover caps of fixed lots' sewing.

    A fixed lot's sewing keeps the changeover the floor's plan gave it (the replan passes
    it): its own class, entered from any class in at most those minutes, because the
    ramp-up estimate (a mean over tonight's lots) may have moved since it was planned.
    A sewing already running at the plan start had its changeover: none is owed now.
    Returns lot code -> own class, and (own class, real class, cap minutes) per fixed lot.
    """
    own_class: dict[str, int] = {}
    caps: list[tuple[int, int, int]] = []
    for f in fixed:
        sew = [op for op in f.ops if op.step == "sew"]
        if not sew:
            continue
        cap = sew[0].setup_minutes
        if sew[0].start <= start:
            cap = 0
        if cap is not None:
            real = classes.number[(f.style, f.colour)]
            own = classes.copy_of(real)
            own_class[f.code] = own
            caps.append((own, real, max(int(cap), 0)))
    return own_class, caps


def _setup_matrices(
    floor: _Floor,
    ramp: list[dict[int, int]],
    classes: list[SetupClass],
    caps: list[tuple[int, int, int]],
    cfg: FactoryConfig,
) -> list:
    """Per resource, its setup matrix (lines only): changeover plus that line's ramp-up;
    lines with the same ramp-ups share one matrix."""
    base = changeover_matrix(classes, cfg)
    shared: dict[tuple, tuple] = {}

    def matrix(r: int):
        key = tuple(sorted(ramp[r].items()))
        if key not in shared:
            shared[key] = _cap_setups(setup_matrix(classes, ramp[r], cfg, base), caps)
        return shared[key]

    return [matrix(r) if floor.kinds[r] == "sew" else None for r in range(len(floor.names))]


def _jobs_and_operations(
    lots: list[LotSpec],
    sew_modes: list[list[Mode]],
    fixed: list[FrozenLot],
    floor: _Floor,
    classes: _SetupClasses,
    own_class: dict[str, int],
    calendar: Calendar,
    start: dt.datetime,
    cfg: FactoryConfig,
) -> tuple[list[Job], list[Operation], list[tuple[int, str]], list[Precedence]]:
    """One job per lot (release = fabric, due = need, weight = units) with its routing
    cut -> sew -> finish, the transfer time as the lag between steps. A fixed lot's pinned
    steps keep their place; its steps before the first pinned one are done (on the floor).
    Returns jobs, operations, each operation's (lot index, step), and precedences."""
    fixed_by_code = {f.code: f for f in fixed}
    jobs: list[Job] = []
    ops: list[Operation] = []
    keys: list[tuple[int, str]] = []
    precs: list[Precedence] = []
    lag = math.ceil(cfg.transfer_minutes)
    for j, (lot, modes) in enumerate(zip(lots, sew_modes, strict=True)):
        release = max(to_minute(lot.release or start, start), 0)
        jobs.append(Job(lot.code, release, max(to_minute(lot.due, start), 0), lot.quantity))
        step_modes = {
            "cut": _station_modes(floor, floor.cutting, cfg.cutting, lot.quantity),
            "sew": modes,
            "finish": _station_modes(floor, floor.finishing, cfg.finishing, lot.quantity),
        }
        pinned = {op.step: op for op in fixed_by_code[lot.code].ops} if lot.fixed else {}
        c = classes.number[(lot.style, lot.colour)]
        last: tuple[int, bool] | None = None
        first_pinned = min((STEPS.index(p) for p in pinned), default=0)
        for step in STEPS[first_pinned:]:
            sc = own_class.get(lot.code, c) if lot.fixed and step == "sew" else c
            op = _operation(
                j, lot, step, step_modes[step], pinned.get(step), floor.index, calendar, start, sc
            )
            if op is None:
                continue
            if last is not None and not (last[1] and op.fixed):
                precs.append(Precedence(last[0], len(ops), lag))
            last = (len(ops), op.fixed)
            ops.append(op)
            keys.append((j, step))
    return jobs, ops, keys, precs


def _station_modes(floor: _Floor, names: list[str], station, quantity: int) -> list[Mode]:
    """Cutting or finishing a lot on any of the stations ``names``, at the station's pace."""
    minutes = station_minutes(station.minutes_per_lot, station.minutes_per_unit, quantity)
    return [Mode(floor.index[n], minutes) for n in names]


def _calendar_days(lots, sew_modes, ramp, class_of, cfg, start, horizon_days, reach) -> int:
    """Days of calendar the schedule needs: every window costs the solver, none may lack.

    The bottleneck's load at its pace (cutting tables, finishing stations, all lines, or
    the lines of one category; sewing with a style change and ramp-up per lot), or the
    longest single lot, whichever is longest, ``reach`` times over, after the horizon or
    the last fabric delivery, plus a week. The caller retries with more if it runs out.
    """
    cut, fin = cfg.cutting, cfg.finishing
    cut_load = sum(
        station_minutes(cut.minutes_per_lot, cut.minutes_per_unit, lot.quantity) for lot in lots
    )
    fin_load = sum(
        station_minutes(fin.minutes_per_lot, fin.minutes_per_unit, lot.quantity) for lot in lots
    )
    per_category: dict[str, float] = {}
    longest = 0.0
    for lot, modes in zip(lots, sew_modes, strict=True):
        c = class_of[(lot.style, lot.colour)]
        best = min(m.duration + ramp[m.resource].get(c, 0) for m in modes)
        per_category[lot.category] = per_category.get(lot.category, 0.0) + best
        longest = max(longest, best + cut.minutes_per_lot + fin.minutes_per_lot)
        per_category[lot.category] += cfg.changeover.style_minutes
    sew_load = sum(per_category.values()) / len(cfg.lines)
    for category, work in per_category.items():
        sew_load = max(sew_load, work / len(cfg.lines_for(category)))
    load = max(cut_load / cut.stations, fin_load / fin.stations, sew_load, longest)
    per_day = day_minutes(cfg) + (
        60 * _hours_of(cfg.calendar.overtime) if cfg.calendar.overtime is not None else 0
    )
    workdays = len(cfg.calendar.workdays) / 7
    latest = max(((lot.release - start).days for lot in lots if lot.release), default=0)
    return max(horizon_days, latest) + 7 + math.ceil(reach * load / per_day / workdays)


def _hours_of(shift) -> float:
    span = dt.datetime.combine(dt.date.min, shift.end) - dt.datetime.combine(
        dt.date.min, shift.start
    )
    return span.total_seconds() / 3600


def _cap_setups(matrix, caps):
    """``matrix`` with each fixed class's column copied from its real class, capped."""
    if not caps:
        return matrix
    rows = [list(row) for row in matrix]
    for own, real, cap in caps:
        for row in rows:
            row[own] = min(row[real], cap)
    return tuple(tuple(row) for row in rows)


def _operation(job, lot, step, modes, pinned, index, calendar, start, setup_class):
    """One step of a lot; a pinned step keeps its resource and start (None: already done)."""
    name = f"{lot.code}/{step}"
    if pinned is None:
        return Operation(job=job, modes=tuple(modes), setup_class=setup_class, name=name)
    if pinned.resource not in index:
        raise DataError(f"lot {lot.code} is fixed on {pinned.resource}, which the config lacks")
    end = to_minute(pinned.end, start)
    if end <= 0:
        return None
    begin = calendar.next_working(max(to_minute(pinned.start, start), 0))
    if begin is None:
        raise DataError(f"lot {lot.code} is fixed beyond the factory calendar")
    work = calendar.to_axis(end) - calendar.to_axis(begin)
    if work < 1:
        return None
    r = index[pinned.resource]
    return Operation(
        job=job,
        modes=(Mode(r, work),),
        setup_class=setup_class,
        name=name,
        fixed_resource=r,
        fixed_start=begin,
    )


def _objective(lots, styles, cfg: FactoryConfig, replan: bool) -> tuple[float, Objective]:
    costs = cfg.costs
    values = [styles[lot.style].unit_cost for lot in lots if styles[lot.style].unit_cost > 0]
    unit_value = sum(values) / len(values) if values else 0.0
    holding = unit_value * costs.holding_rate_per_year / MINUTES_PER_YEAR  # yuan/unit-minute
    scale = 1 / holding if holding > 0 else 1000.0
    scale = min(max(scale, 100.0), 100_000.0)
    stability = cfg.solver.stability_weight if replan else 0.0
    objective = Objective(
        tardiness=max(1, round(costs.lateness_per_unit_day / 1440 * scale)),
        earliness=round(holding * scale),
        setup=round(costs.changeover_per_hour / 60 * scale),
        overtime=round(cfg.calendar.overtime_cost_per_hour / 60 * scale),
        deviation=round(stability / 60 * scale),
        reassign_minutes=REASSIGN_MINUTES if stability > 0 else 0,
    )
    return scale, objective


def _previous(lots, keys, previous, index, start) -> tuple[Assignment | None, ...]:
    out: list[Assignment | None] = []
    for j, step in keys:
        hit = previous.get((lots[j].code, step))
        if hit is None or hit[0] not in index:
            out.append(None)
            continue
        t = max(to_minute(hit[1], start), 0)
        out.append(Assignment(index[hit[0]], t, t + 1))
    return tuple(out)
