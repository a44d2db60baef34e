"""What a planner (and a factory owner comparing batch with C2M) reads about a plan.

The projected fill rate replays the horizon day by day per SKU with the *mean* forecast plus
open orders as demand: stock on hand and work in progress first, then each lot's units from
the day it finishes; a day's demand that stock cannot serve is counted as missed (not
carried), so ``fill_rate`` = units served on their day / units demanded. The same replay
gives the projected inventory at the end of the horizon. Utilisation is a line's busy
minutes (sewing plus setups) inside the horizon over its regular working minutes there, so
a line on overtime can exceed 1; ``station_utilisation`` does the same for the cutting tables
and finishing stations in use, as groups (with many small lots they, not the lines, are often
the bottleneck: every lot pays its marker and its finishing set-up).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping

import numpy as np

from c2m.planning.scheduled import PlannedLot
from c2m.planning.working_time import regular_minutes, to_minute
from scheduling.model import Calendar


def compute(
    lots: list[PlannedLot],
    held: list[PlannedLot],
    demand: Mapping[str, np.ndarray],
    stock: Mapping[str, float],
    start: dt.datetime,
    horizon_days: int,
    calendar: Calendar,
    lines: list[str],
    overtime_minutes: int,
    shortages: list[dict],
    station_names: dict[str, list[str]] | None = None,
) -> dict:
    sizes = [lot.quantity for lot in lots]
    sew = [op for lot in lots for op in lot.ops if op.step == "sew"]
    horizon_end = horizon_days * 1440
    capacity = regular_minutes(calendar, 0, horizon_end)
    busy: dict[str, int] = {}
    for op in (op for lot in lots for op in lot.ops):
        a, b = to_minute(op.start, start), to_minute(op.end, start)
        if a < horizon_end:
            worked = calendar.to_axis(min(b, horizon_end)) - calendar.to_axis(a)
            busy[op.resource] = busy.get(op.resource, 0) + worked + op.setup_minutes
    util = {line: round(busy.get(line, 0) / capacity, 3) if capacity else 0.0 for line in lines}
    # cutting tables and finishing stations, as a group: often the C2M bottleneck
    stations = {}
    for group, names in (station_names or {}).items():
        used = sum(busy.get(n, 0) for n in names)
        stations[group] = round(used / (capacity * len(names)), 3) if capacity and names else 0.0

    served, due, end_stock = (float(x) for x in _replay(lots, demand, stock, start, horizon_days))
    daily = sum(float(d.sum()) for d in demand.values()) / max(horizon_days, 1)
    late = [lot for lot in lots if lot.late_minutes > 0]
    return {
        "lots": len(lots),
        "planned_units": int(sum(sizes)),
        "mean_lot_size": round(statistics.fmean(sizes), 1) if sizes else 0.0,
        "median_lot_size": float(statistics.median(sizes)) if sizes else 0.0,
        "changeovers": sum(1 for op in sew if op.setup_minutes > 0),
        "changeover_hours": round(sum(op.changeover_minutes for op in sew) / 60, 2),
        "learning_hours": round(sum(op.learning_minutes for op in sew) / 60, 2),
        "utilisation": util,
        "mean_utilisation": round(statistics.fmean(util.values()), 3) if util else 0.0,
        "station_utilisation": stations,
        "cutting_utilisation": stations.get("cutting"),
        "finishing_utilisation": stations.get("finishing"),
        "overtime_hours": round(overtime_minutes / 60, 2),
        "units_due": round(due, 1),
        "units_on_time": round(served, 1),
        "fill_rate": round(served / due, 4) if due > 0 else 1.0,
        "late_lots": len(late),
        "late_units": int(sum(lot.quantity for lot in late)),
        "end_inventory_units": round(end_stock, 1),
        "end_inventory_days": round(end_stock / daily, 1) if daily > 0 else None,
        "held_lots": len(held),
        "held_units": int(sum(lot.quantity for lot in held)),
        "fabric_shortages": shortages,
    }


def _replay(lots, demand, stock, start, horizon_days) -> tuple[float, float, float]:
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
    for sku in set(demand) | set(made) | set(stock):
        d = demand.get(sku, np.zeros(horizon_days))
        m = made.get(sku, np.zeros(horizon_days))
        s = float(stock.get(sku, 0.0))
        for t in range(horizon_days):
            s += m[t]
            x = min(s, d[t])
            served += x
            s -= x
        due += float(d.sum())
        end_total += s
    return served, due, end_total
