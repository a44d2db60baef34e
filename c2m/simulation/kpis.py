"""What a season did, per day and in total, priced with the factory config's costs.

Every figure is counted from the simulated floor and ledger, never from the plans: a plan's
promise that the floor did not keep does not count. Costs (yuan):

- holding: stock value at unit cost x ``holding_rate_per_year`` / 365, every day;
- lateness: ``lateness_per_unit_day`` for every night a backordered unit waits;
- lost margin: (price - unit cost) x ``lost_sale_share_of_margin`` per unit lost;
- changeover: ``changeover_per_hour`` for every line-hour of changeover and of output lost to
  the learning curve (both are a line's output lost);
- overtime: ``overtime_cost_per_hour`` per resource-hour worked in overtime;
- markdown: unsold stock at the end of the season x price x ``markdown_share`` (the price cut
  it takes to clear it).

Unsold share: the units made for the season (finished in it, and batch's pre-season build)
still in stock at its end, over the units made for it; stock sells oldest first, so the
starting stock's leftovers are reported apart (``start_stock_left_units``) and do not count
against the season's lots.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass
from typing import Any

from c2m.config import FactoryConfig
from c2m.simulation.floor import DayResult, Floor
from c2m.simulation.inputs import Catalogue
from c2m.simulation.ledger import Flows, Ledger


def _value(stock: dict[str, int], prices: dict[str, float]) -> float:
    return float(sum(q * prices.get(s, 0.0) for s, q in stock.items()))


@dataclass(frozen=True)
class DayRecord:
    day: dt.date
    demand: int
    shipped: int
    shipped_same_day: int
    produced: int
    lost: int
    lost_value: float
    lost_margin: float
    wait_unit_days: int
    backorders: int
    inventory: int
    inventory_value: float  # at unit cost
    inventory_price_value: float  # at selling price
    wip: int
    changeovers: int
    changeover_minutes: float
    learning_minutes: float
    busy_minutes: float  # all sewing lines
    line_regular_minutes: float  # all sewing lines
    overtime_minutes: float
    lots_cut: int
    units_cut: int
    fabric_waits: int
    cumulative_demand: int
    cumulative_same_day: int
    plan_seconds: float

    @classmethod
    def of(
        cls,
        day: dt.date,
        ledger: Ledger,
        flows: Flows,
        done: DayResult,
        floor: Floor,
        cat: Catalogue,
        plan: dict[str, Any],
    ) -> DayRecord:
        margin = {s: cat.price[s] - cat.unit_cost[s] for s in cat.price}
        return cls(
            day=day,
            demand=flows.demand,
            shipped=flows.shipped,
            shipped_same_day=flows.shipped_same_day,
            produced=sum(done.finished.values()),
            lost=flows.lost,
            lost_value=sum(q * cat.price.get(s, 0.0) for s, q in flows.lost_by_sku.items()),
            lost_margin=sum(q * margin.get(s, 0.0) for s, q in flows.lost_by_sku.items()),
            wait_unit_days=flows.wait_unit_days,
            backorders=ledger.backordered,
            inventory=ledger.on_hand,
            inventory_value=_value(ledger.stock, cat.unit_cost),
            inventory_price_value=_value(ledger.stock, cat.price),
            wip=floor.wip_units(),
            changeovers=done.changeovers,
            changeover_minutes=done.changeover_minutes,
            learning_minutes=done.learning_minutes,
            busy_minutes=sum(done.busy_minutes.values()),
            line_regular_minutes=done.regular_minutes * len(floor.lines),
            overtime_minutes=done.overtime_minutes,
            lots_cut=len(done.cut_lots),
            units_cut=sum(lot.quantity for lot in done.cut_lots),
            fabric_waits=done.fabric_waits,
            cumulative_demand=ledger.demand,
            cumulative_same_day=ledger.shipped_same_day,
            plan_seconds=float(plan.get("seconds") or 0.0),
        )

    def row(self, mode: str) -> dict[str, Any]:
        """One line of the daily CSV (the columns the simulation page knows, and more)."""
        return {
            "mode": mode,
            "day": self.day,
            "demand_units": self.demand,
            "shipped_units": self.shipped,
            "produced_units": self.produced,
            "lost_units": self.lost,
            "backorder_units": self.backorders,
            "inventory_units": self.inventory,
            "inventory_value": round(self.inventory_value, 2),
            "wip_units": self.wip,
            "fill_rate": round(self.shipped_same_day / self.demand, 4) if self.demand else 1.0,
            "cumulative_fill_rate": round(self.cumulative_same_day / self.cumulative_demand, 4)
            if self.cumulative_demand
            else 1.0,
            "changeovers": self.changeovers,
            "changeover_hours": round(self.changeover_minutes / 60, 2),
            "learning_hours": round(self.learning_minutes / 60, 2),
            "utilisation": round(self.busy_minutes / self.line_regular_minutes, 4)
            if self.line_regular_minutes
            else 0.0,
            "overtime_hours": round(self.overtime_minutes / 60, 2),
            "lots_cut": self.lots_cut,
            "units_cut": self.units_cut,
            "plan_seconds": round(self.plan_seconds, 2),
        }


def _season_hours(records: list[DayRecord]) -> tuple[float, float, float]:
    """Changeover, learning and overtime hours over the season: both the hours reported and
    the costs priced come from these, so they are summed once."""
    changeover_h = sum(r.changeover_minutes for r in records) / 60
    learning_h = sum(r.learning_minutes for r in records) / 60
    overtime_h = sum(r.overtime_minutes for r in records) / 60
    return changeover_h, learning_h, overtime_h


def _season_costs(
    records: list[DayRecord],
    cfg: FactoryConfig,
    hours: tuple[float, float, float],
    markdown: float,
) -> dict[str, float]:
    """The season's cost lines (yuan), priced as the module docstring says; kept apart so the
    pricing rules read in one place."""
    costs = cfg.costs
    changeover_h, learning_h, overtime_h = hours
    holding = sum(r.inventory_value for r in records) * costs.holding_rate_per_year / 365
    # every backordered unit pays each night it waits (shipped later, lost, or still open)
    lateness = sum(r.backorders for r in records) * costs.lateness_per_unit_day
    lost_margin = sum(r.lost_margin for r in records) * costs.lost_sale_share_of_margin
    setup = (changeover_h + learning_h) * costs.changeover_per_hour
    overtime = overtime_h * cfg.calendar.overtime_cost_per_hour
    return {
        "holding": round(holding, 2),
        "lateness": round(lateness, 2),
        "lost_margin": round(lost_margin, 2),
        "changeover": round(setup, 2),
        "overtime": round(overtime, 2),
        "markdown": round(markdown, 2),
    }


def _flow_kpis(records: list[DayRecord], ledger: Ledger) -> dict[str, Any]:
    """What was asked for and what became of it: shipped, lost, still owed, made."""
    demand = ledger.demand
    return {
        "demand_units": demand,
        "shipped_units": ledger.shipped,
        "fill_rate": round(ledger.shipped_same_day / demand, 4) if demand else 1.0,
        "service_rate": round(ledger.shipped / demand, 4) if demand else 1.0,
        "lost_units": ledger.lost,
        "lost_value": round(sum(r.lost_value for r in records), 2),
        "open_backorder_units": ledger.backordered,
        "initial_inventory_units": ledger.initial,
        "produced_units": ledger.produced,
    }


def _inventory_kpis(
    records: list[DayRecord], ledger: Ledger, floor: Floor, days: int, markdown: float
) -> dict[str, Any]:
    """Stock held through the season and left at its end (finished and on the floor)."""
    demand = ledger.demand
    end = records[-1] if records else None
    avg_inv = statistics.fmean(r.inventory for r in records) if records else 0.0
    avg_value = statistics.fmean(r.inventory_value for r in records) if records else 0.0
    daily_demand = demand / days if days else 0.0
    end_units = end.inventory if end else 0
    end_value = end.inventory_value if end else 0.0
    return {
        "avg_inventory_units": round(avg_inv, 1),
        "avg_inventory_value": round(avg_value, 2),
        "days_of_cover": round(avg_inv / daily_demand, 2) if daily_demand else None,
        "end_inventory_units": end_units,
        "end_inventory_value": round(end_value, 2),
        "end_inventory_share": round(end_units / demand, 4) if demand else None,
        "end_wip_units": floor.wip_units(),
        "markdown_cost": round(markdown, 2),
    }


def _line_kpis(
    records: list[DayRecord],
    ledger: Ledger,
    lot_sizes: list[int],
    hours: tuple[float, float, float],
) -> dict[str, Any]:
    """How the lines were used: lots, changeovers, hours, utilisation, waits."""
    changeover_h, learning_h, overtime_h = hours
    busy = sum(r.busy_minutes for r in records)
    capacity = sum(r.line_regular_minutes for r in records)
    return {
        "mean_lead_time_days": round(ledger.wait_unit_days / ledger.shipped, 3)
        if ledger.shipped
        else None,
        "lots": len(lot_sizes),
        "mean_lot_size": round(statistics.fmean(lot_sizes), 1) if lot_sizes else 0.0,
        "changeovers": sum(r.changeovers for r in records),
        "changeover_hours": round(changeover_h, 2),
        "learning_hours": round(learning_h, 2),
        "utilisation": round(busy / capacity, 4) if capacity else 0.0,
        "overtime_hours": round(overtime_h, 2),
        "fabric_waits": sum(r.fabric_waits for r in records),
    }


def _unsold_kpis(
    ledger: Ledger, lot_cycles: list[float] | None, tracked: dict[str, Any] | None
) -> dict[str, Any]:
    """What the season's lots left unsold; how fast SKUs were answered and how often reordered
    (:mod:`c2m.simulation.tracking`); and how long lots took from cut to finished."""
    unsold_made, unsold_initial = ledger.unsold()
    cycles = lot_cycles or []
    return {
        # units made for the season (batch's pre-season build included), and the share of
        # them still unsold at its end (the starting stock's leftovers are counted apart:
        # stock sells oldest first)
        "made_units": ledger.produced,
        "unsold_share": round(unsold_made / ledger.produced, 4) if ledger.produced else 0.0,
        "unsold_made_units": unsold_made,
        "start_stock_left_units": unsold_initial,
        # days from a SKU's first signal in the season to its first finished goods; reorders
        **(tracked or {"lead_time_days": None, "reorders": 0}),
        # days from cutting a lot to its last finished unit, mean over the lots finished
        "lot_cycle_days": round(statistics.fmean(cycles), 2) if cycles else None,
    }


def season_kpis(
    records: list[DayRecord],
    ledger: Ledger,
    lot_sizes: list[int],
    floor: Floor,
    cat: Catalogue,
    cfg: FactoryConfig,
    days: int,
    lot_cycles: list[float] | None = None,
    tracked: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The season's figures for one mode; ``lot_cycles`` are its finished lots' cut-to-finished
    days, ``tracked`` its per-SKU lead time and reorders (``SkuTrack.summary``; see
    ``docs/simulation.md``). The keys' order is part of the
    output (reports and golden files), so the parts are merged in a fixed order."""
    end = records[-1] if records else None
    markdown = (end.inventory_price_value if end else 0.0) * cfg.costs.markdown_share
    hours = _season_hours(records)
    cost = _season_costs(records, cfg, hours, markdown)
    return {
        "days": days,
        **_flow_kpis(records, ledger),
        **_inventory_kpis(records, ledger, floor, days, markdown),
        **_line_kpis(records, ledger, lot_sizes, hours),
        **_unsold_kpis(ledger, lot_cycles, tracked),
        "cost": cost,
        "total_cost": round(sum(cost.values()), 2),
    }
