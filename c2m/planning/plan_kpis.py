"""What a planner (and a factory owner comparing batch with C2M) reads about a plan.

The projected fill rate replays the horizon day by day per SKU with the *mean* forecast plus
open orders as demand: stock on hand and work in progress first, then each lot's units from
the day it finishes; a day's demand that stock cannot serve is counted as missed (not
carried), so ``fill_rate`` = units served on their day / units demanded. The same replay
gives the projected inventory at the end of the horizon, and the units it leaves unserved
(demand no lot serves within the horizon, the units of lots held by fabric among them),
priced at each style's lost-sale cost (``costs.lost_sale_share_of_margin`` of price less unit
cost) as ``cost_unserved``. The objective a plan reports is the solver's (lateness,
changeovers, overtime, holding, stability) plus ``cost_unserved``, so a batch plan that
serves less cannot look cheaper than a C2M plan that serves more (the solver's bound and
gap stay its own: the lots are given to it, their unserved demand is not its choice).
Utilisation is a line's busy
minutes (sewing plus setups) inside the horizon over its regular working minutes there, so
a line on overtime can exceed 1; ``station_utilisation`` does the same for the cutting tables
and finishing stations in use, as groups (with many small lots they, not the lines, are often
the bottleneck: every lot pays its marker and its finishing set-up).

Every figure is computed here, once, into a typed :class:`PlanKpis`; its :meth:`PlanKpis.as_json`
is the ``kpis`` object that ``c2m plan --json`` prints and the plan row stores. Lot counts and
sizes and ``late_lots`` cover every lot of the plan, fixed ones included; the floor, service
and stock figures (and ``late_units``) replay only the lots planned now, because a fixed lot's
units already count as work in progress in the stock.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from c2m.planning.build import Built
from c2m.planning.scheduled import ScheduledLot
from c2m.planning.working_time import regular_minutes, to_minute
from scheduling.model import Calendar, Objective
from scheduling.result import Result
from scheduling.validate import Breakdown


@dataclass(frozen=True)
class LotSizing:
    """How the plan's lots were sized: the capacity price (None: fixed rules), the load and
    how many lots each reason sized (:attr:`LotSpec.reason`)."""

    price: float | None = None
    load: float | None = None
    merged: int = 0
    held_small: int = 0
    first_run: int = 0
    capped: int = 0

    @classmethod
    def of(cls, specs: list[Any], sizing: Any, load: float | None) -> LotSizing:
        """Counts the reasons of ``specs``; ``sizing`` is a capacity.Sizing or None."""
        reasons = [spec.reason for spec in specs]
        return cls(
            price=None if sizing is None else sizing.price,
            load=None if load is None else round(load, 3),
            merged=sum(r.startswith("merged") for r in reasons),
            held_small=sum(r.startswith(("cut to demand", "held small")) for r in reasons),
            first_run=sum(r.startswith("first run") for r in reasons),
            capped=sum(r.startswith("capped") for r in reasons),
        )


@dataclass(frozen=True)
class PlanKpis:
    """What a planner reads about a plan; the labels and units are in
    :mod:`c2m.planning.kpi_registry`. Shares are 0..1, costs in yuan (CNY)."""

    lots: int
    planned_units: int
    mean_lot_size: float
    median_lot_size: float
    changeovers: int
    changeover_hours: float
    learning_hours: float
    utilisation: dict[str, float]
    mean_utilisation: float
    station_utilisation: dict[str, float]
    cutting_utilisation: float | None
    finishing_utilisation: float | None
    overtime_hours: float
    units_due: float
    units_on_time: float
    fill_rate: float
    late_lots: int
    late_units: int
    end_inventory_units: float
    end_inventory_days: float | None
    held_lots: int
    held_units: int
    fabric_shortages: list[dict[str, Any]]
    excluded_skus: list[dict[str, Any]]
    cost_lateness: float
    cost_changeover: float
    cost_overtime: float
    cost_holding: float
    cost_stability: float
    cost_unserved: float
    solver_status: str
    solver_method: str | None
    objective: float | None
    bound: float | None
    gap: float | None
    wall_seconds: float
    operations: int
    # lot sizing against capacity (c2m.planning.capacity): demand over regular capacity,
    # setups as a share of it, the price of a line-hour and why lots are as big as they are
    load: float | None = None
    changeover_share: float | None = None
    learning_share: float | None = None
    capacity_price: float | None = None
    lots_merged: int = 0
    lots_held_small: int = 0
    lots_first_run: int = 0
    lots_capped: int = 0
    # SKUs that sell but are not in the catalogue, planned without (c2m.planning.unknown)
    skipped_skus: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The ``kpis`` JSON object, keys in the order above; ``skipped_skus`` only when some
        were (the stored KPIs of every earlier plan stay as they were)."""
        figures = {f.name: getattr(self, f.name) for f in fields(self)}
        skipped = figures.pop("skipped_skus")
        if skipped:
            figures["skipped_skus"] = list(skipped)
        return figures


def compute(
    planned: list[ScheduledLot],
    held: list[ScheduledLot],
    demand: Mapping[str, np.ndarray],
    stock: Mapping[str, float],
    start: dt.datetime,
    horizon_days: int,
    built: Built,
    parts: Breakdown,
    solved: Result,
    shortages: list[dict[str, Any]],
    seconds: float,
    lost_sale: Mapping[str, float] | None = None,
    excluded: list[dict[str, Any]] | None = None,
    sizing: LotSizing | None = None,
) -> PlanKpis:
    """All of a plan's KPIs from its lots, the demand it serves and the solver's answer;
    ``lost_sale`` is the yuan a unit of each SKU's unserved demand costs (none: 0);
    ``excluded`` the SKUs the plan left out (:mod:`c2m.planning.exclusions`)."""
    replay = [lot for lot in planned if not lot.fixed]
    sizes = [lot.quantity for lot in planned]
    sew = [op for lot in replay for op in lot.ops if op.step == "sew"]
    util, stations = _utilisation(replay, built, start, horizon_days)
    regular = len(util) * regular_minutes(built.calendar, 0, horizon_days * 1440) / 60
    changeover_hours = round(sum(op.changeover_minutes for op in sew) / 60, 2)
    learning_hours = round(sum(op.learning_minutes for op in sew) / 60, 2)
    sized = sizing or LotSizing()
    served, due, end_stock, unserved = _replay(replay, demand, stock, start, horizon_days)
    lost = lost_sale or {}
    cost_unserved = round(float(sum(q * lost.get(sku, 0.0) for sku, q in unserved.items())), 2)
    objective = _in_yuan(solved.objective, built.scale)
    daily = sum(float(d.sum()) for d in demand.values()) / max(horizon_days, 1)
    late_new = [lot for lot in replay if lot.late_minutes > 0]
    costs = _cost_parts(built.problem.objective, parts, built.scale)
    return PlanKpis(
        lots=len(planned),
        planned_units=int(sum(sizes)),
        mean_lot_size=round(float(np.mean(sizes)), 1) if sizes else 0.0,
        median_lot_size=float(np.median(sizes)) if sizes else 0.0,
        changeovers=sum(1 for op in sew if op.setup_minutes > 0),
        changeover_hours=changeover_hours,
        learning_hours=learning_hours,
        utilisation=util,
        mean_utilisation=round(statistics.fmean(util.values()), 3) if util else 0.0,
        station_utilisation=stations,
        cutting_utilisation=stations.get("cutting"),
        finishing_utilisation=stations.get("finishing"),
        overtime_hours=round(parts.overtime / 60, 2),
        units_due=round(due, 1),
        units_on_time=round(served, 1),
        fill_rate=round(served / due, 4) if due > 0 else 1.0,
        late_lots=sum(1 for lot in planned if lot.late_minutes > 0),
        late_units=int(sum(lot.quantity for lot in late_new)),
        end_inventory_units=round(end_stock, 1),
        end_inventory_days=round(end_stock / daily, 1) if daily > 0 else None,
        held_lots=len(held),
        held_units=int(sum(lot.quantity for lot in held)),
        fabric_shortages=shortages,
        excluded_skus=list(excluded or []),
        **costs,
        cost_unserved=cost_unserved,
        solver_status=solved.status,
        solver_method=solved.method,
        objective=None if objective is None else round(objective + cost_unserved, 2),
        bound=_in_yuan(solved.bound, built.scale),
        gap=None if solved.gap is None else round(solved.gap, 4),
        wall_seconds=round(seconds, 2),
        operations=built.problem.num_operations,
        load=sized.load,
        changeover_share=round(changeover_hours / regular, 4) if regular else None,
        learning_share=round(learning_hours / regular, 4) if regular else None,
        capacity_price=sized.price,
        lots_merged=sized.merged,
        lots_held_small=sized.held_small,
        lots_first_run=sized.first_run,
        lots_capped=sized.capped,
    )


def _utilisation(
    lots: list[ScheduledLot], built: Built, start: dt.datetime, horizon_days: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Per sewing line, and per station group (cutting tables, finishing stations: often the
    C2M bottleneck), busy minutes inside the horizon over regular working minutes there."""
    calendar: Calendar = built.calendar
    horizon_end = horizon_days * 1440
    capacity = regular_minutes(calendar, 0, horizon_end)
    busy: dict[str, int] = {}
    for op in (op for lot in lots for op in lot.ops):
        a, b = to_minute(op.start, start), to_minute(op.end, start)
        if a < horizon_end:
            worked = calendar.to_axis(min(b, horizon_end)) - calendar.to_axis(a)
            busy[op.resource] = busy.get(op.resource, 0) + worked + op.setup_minutes
    lines = built.resource_names[: built.line_count]
    util = {line: round(busy.get(line, 0) / capacity, 3) if capacity else 0.0 for line in lines}
    stations = {}
    for group, kind in (("cutting", "cut"), ("finishing", "finish")):
        names = [
            n for n, k in zip(built.resource_names, built.resource_kinds, strict=True) if k == kind
        ]
        used = sum(busy.get(n, 0) for n in names)
        stations[group] = round(used / (capacity * len(names)), 3) if capacity and names else 0.0
    return util, stations


def _cost_parts(weights: Objective, parts: Breakdown, scale: float) -> dict[str, float]:
    """The objective in CNY by what it pays for, so a planner sees where a plan's cost is
    (on a C2M plan mostly lateness and changeovers; the solver's bound covers only part)."""
    return {
        "cost_lateness": round(weights.tardiness * parts.tardiness / scale, 2),
        "cost_changeover": round(weights.setup * parts.setup / scale, 2),
        "cost_overtime": round(weights.overtime * parts.overtime / scale, 2),
        "cost_holding": round(weights.earliness * parts.earliness / scale, 2),
        "cost_stability": round(weights.deviation * parts.deviation / scale, 2),
    }


def _in_yuan(value: float | None, scale: float) -> float | None:
    """A solver objective (integer units) in yuan, to the fen."""
    return round(value / scale, 2) if value is not None else None


def _replay(
    lots, demand, stock, start, horizon_days
) -> tuple[float, float, float, dict[str, float]]:
    """Units served on their day, units due, stock at the end, and per SKU the units unserved."""
    made: dict[str, np.ndarray] = {}
    for lot in lots:
        end = lot.end
        if end is None:
            continue
        day = (end - start).total_seconds() / 86400
        k = int(np.ceil(day)) if day > 0 else 0  # ready for the day after it finishes
        if k >= horizon_days:
            continue
        for sku, qty in lot.items.items():
            made.setdefault(sku, np.zeros(horizon_days))[k] += qty
    served = due = end_total = 0.0
    unserved: dict[str, float] = {}
    for sku in set(demand) | set(made) | set(stock):
        d = demand.get(sku, np.zeros(horizon_days))
        m = made.get(sku, np.zeros(horizon_days))
        s = float(stock.get(sku, 0.0))
        before = served
        for t in range(horizon_days):
            s += m[t]
            x = min(s, d[t])
            served += x
            s -= x
        missed = float(d.sum()) - (served - before)
        if missed > 0:
            unserved[sku] = missed
        due += float(d.sum())
        end_total += s
    return float(served), float(due), float(end_total), unserved
