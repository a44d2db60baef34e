"""Every plan KPI, once: its key, the label people read, its unit, kind and good direction.

The CLI's summary and comparison tables, the HTML report's cards and the browser test that
reads the numbers back all take their labels and their number format from here, so one
figure has one name everywhere (the labels are the ones the README shows). A KPI the planner
stores that is not listed still appears in the report, under its key, when it is a number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class KpiKind(StrEnum):
    """What a value is, which decides how it is written."""

    COUNT = "int"  # a whole number: lots, units
    AMOUNT = "float"  # a measure: hours, yuan, days
    SHARE = "pct"  # a share 0..1, written as a percentage
    TEXT = "text"  # a word: the solver's status


@dataclass(frozen=True)
class KpiSpec:
    """One KPI. ``direction``: "higher" or "lower" is better, "" where neither is (a plan's
    size); ``in_summary``: the CLI's plan summary shows it (the report shows every number);
    ``shown``: people see it at all (False: kept in JSON for programs, in no table or card)."""

    key: str
    label: str
    unit: str
    kind: KpiKind
    direction: str = ""
    in_summary: bool = True
    shown: bool = True

    def format(self, value: Any) -> str:
        return format_value(self.kind, value)


_C, _A, _S, _T = KpiKind.COUNT, KpiKind.AMOUNT, KpiKind.SHARE, KpiKind.TEXT

KPIS: tuple[KpiSpec, ...] = (
    # lots
    KpiSpec("lots", "lots", "lots", _C),
    KpiSpec("planned_units", "planned units", "units", _C),
    KpiSpec("mean_lot_size", "mean lot size", "units", _A),
    KpiSpec("median_lot_size", "median lot size", "units", _A),
    # the floor
    KpiSpec("changeovers", "changeovers", "changeovers", _C, "lower"),
    KpiSpec("changeover_hours", "changeover hours", "h", _A, "lower"),
    KpiSpec("learning_hours", "learning-curve hours", "h", _A, "lower"),
    KpiSpec("utilisation", "line utilisation (per line)", "share", _S, in_summary=False),
    KpiSpec("mean_utilisation", "mean line utilisation", "share", _S),
    KpiSpec("cutting_utilisation", "cutting utilisation", "share", _S),
    KpiSpec("finishing_utilisation", "finishing utilisation", "share", _S),
    KpiSpec("overtime_hours", "overtime hours", "h", _A, "lower"),
    # capacity: what lot sizing traded (c2m.planning.capacity)
    KpiSpec("load", "load (demand / regular capacity)", "share", _S),
    KpiSpec("changeover_share", "changeovers (share of capacity)", "share", _S, "lower"),
    KpiSpec("learning_share", "learning curve (share of capacity)", "share", _S, "lower"),
    KpiSpec("capacity_price", "capacity price λ (CNY per line-hour)", "CNY/h", _A),
    KpiSpec("lots_merged", "lots merged: lines full", "lots", _C),
    KpiSpec("lots_held_small", "lots held small (close to demand)", "lots", _C),
    KpiSpec("lots_first_run", "first runs of new SKUs", "lots", _C),
    KpiSpec("lots_capped", "lots capped by max_lot", "lots", _C),
    # service
    KpiSpec("units_due", "units due (forecast + orders)", "units", _C),
    KpiSpec("units_on_time", "units served on time", "units", _C, "higher"),
    KpiSpec("fill_rate", "projected fill rate", "share", _S, "higher"),
    KpiSpec("late_lots", "late lots", "lots", _C, "lower"),
    KpiSpec("late_units", "units in late lots", "units", _C, "lower", in_summary=False),
    # stock and fabric
    KpiSpec("end_inventory_units", "end inventory (units)", "units", _C, "lower"),
    KpiSpec("end_inventory_days", "end inventory (days of cover)", "days", _A, "lower"),
    KpiSpec("held_lots", "lots held by fabric", "lots", _C, "lower"),
    KpiSpec("held_units", "units held by fabric", "units", _C, "lower", in_summary=False),
    # the solver, and the cost by what it pays for (adds up to the objective)
    KpiSpec("solver_status", "solver status", "", _T),
    KpiSpec("cost_lateness", "cost: lateness (CNY)", "CNY", _A, "lower"),
    KpiSpec("cost_changeover", "cost: changeovers (CNY)", "CNY", _A, "lower"),
    KpiSpec("cost_overtime", "cost: overtime (CNY)", "CNY", _A, "lower"),
    KpiSpec("cost_holding", "cost: holding (CNY)", "CNY", _A, "lower"),
    KpiSpec("cost_stability", "cost: moves off the last plan (CNY)", "CNY", _A, "lower"),
    KpiSpec("cost_unserved", "cost: demand left unserved (CNY)", "CNY", _A, "lower"),
    KpiSpec("objective", "objective (CNY)", "CNY", _A, "lower"),
    # The solver's proven lower bound is weak on garment floors (it sees one stage at a time):
    # a 70 % gap to it says nothing about the plan, so people see the bound labelled as what
    # it is and no gap; programs still get ``gap`` in JSON. See docs/floor-format.md.
    KpiSpec("bound", "lower bound (CNY)", "CNY", _A),
    KpiSpec("gap", "gap to lower bound", "share", _S, in_summary=False, shown=False),
    KpiSpec("wall_seconds", "wall seconds", "s", _A),
    KpiSpec("operations", "operations", "operations", _C, in_summary=False),
)
KPI_BY_KEY: dict[str, KpiSpec] = {spec.key: spec for spec in KPIS}


def spec_for(key: str) -> KpiSpec:
    """The registered spec, or one made up for an unregistered number (label from its key)."""
    return KPI_BY_KEY.get(key) or KpiSpec(key, key.replace("_", " "), "", KpiKind.AMOUNT)


def format_value(kind: KpiKind | str, value: Any) -> str:
    """The one way a KPI is written: a share as ``95.8 %``, a whole number with thousands
    separators, a measure to at most two decimals (``119.17``, ``35``), nothing as ``-``."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == KpiKind.SHARE:
        return f"{100 * value:.1f} %"
    if isinstance(value, int):
        return f"{value:,}"
    if not math.isfinite(value):
        return str(value)
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def summary_rows(kpis: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(label, value)`` rows of one plan's summary, as ``c2m plan`` and ``c2m show`` print."""
    return [(s.label, s.format(kpis.get(s.key))) for s in KPIS if s.in_summary and s.shown]


def comparison_rows(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """``(label, value in a, value in b)`` rows of two plans' KPIs, as ``c2m compare`` prints."""
    return [
        (s.label, s.format(a.get(s.key)), s.format(b.get(s.key)))
        for s in KPIS
        if s.in_summary and s.shown
    ]
