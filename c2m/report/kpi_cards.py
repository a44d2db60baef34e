"""Which plan KPIs the report shows, under what label, and how each number is written.

One table of specs keeps the page, the comparison with the other mode, and the browser test
(which reads the numbers back off the page) in agreement. KPIs the planner stores that are
not listed here still appear, under their key, when they are plain numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class KpiSpec:
    key: str
    label: str
    kind: str  # "int" | "float" | "pct" (a share 0..1 written as a percentage)
    better: str = ""  # "higher" | "lower" | "": which way is good, for the comparison


KPI_SPECS: tuple[KpiSpec, ...] = (
    # service
    KpiSpec("fill_rate", "Projected fill rate", "pct", "higher"),
    KpiSpec("units_due", "Units due (forecast + orders)", "int"),
    KpiSpec("units_on_time", "Units served on time", "int", "higher"),
    KpiSpec("late_lots", "Late lots", "int", "lower"),
    KpiSpec("late_units", "Units in late lots", "int", "lower"),
    # lots
    KpiSpec("lots", "Lots", "int"),
    KpiSpec("planned_units", "Units planned", "int"),
    KpiSpec("mean_lot_size", "Mean lot size", "float"),
    KpiSpec("median_lot_size", "Median lot size", "float"),
    # the floor
    KpiSpec("changeovers", "Changeovers", "int", "lower"),
    KpiSpec("changeover_hours", "Changeover hours", "float", "lower"),
    KpiSpec("learning_hours", "Learning-curve hours", "float", "lower"),
    KpiSpec("utilisation", "Line utilisation (mean)", "pct"),
    KpiSpec("overtime_hours", "Overtime hours", "float", "lower"),
    # stock and fabric
    KpiSpec("end_inventory_units", "Stock at horizon end", "int", "lower"),
    KpiSpec("end_inventory_days", "Days of cover at end", "float", "lower"),
    KpiSpec("held_lots", "Lots held by fabric", "int", "lower"),
    KpiSpec("held_units", "Units held by fabric", "int", "lower"),
    # the cost, by what it pays for (adds up to the objective)
    KpiSpec("cost_lateness", "Cost: lateness", "int", "lower"),
    KpiSpec("cost_changeover", "Cost: changeovers", "int", "lower"),
    KpiSpec("cost_overtime", "Cost: overtime", "int", "lower"),
    KpiSpec("cost_holding", "Cost: holding", "int", "lower"),
    KpiSpec("cost_stability", "Cost: moves off the last plan", "int", "lower"),
    # the solver
    KpiSpec("objective", "Objective (cost)", "int", "lower"),
    KpiSpec("bound", "Best bound", "int"),
    KpiSpec("gap", "Gap", "pct", "lower"),
    KpiSpec("wall_seconds", "Solver seconds", "float"),
    KpiSpec("operations", "Operations", "int"),
)
# Shown inside another card already (the mean of the per-line utilisation).
HIDDEN = frozenset({"mean_utilisation"})
_SPEC_BY_KEY = {spec.key: spec for spec in KPI_SPECS}


def format_value(kind: str, value: float) -> str:
    """The text a number is shown as; :func:`parse_value` reads it back."""
    if kind == "int":
        return f"{round(value):,}"
    if kind == "pct":
        return f"{100 * value:.1f} %"
    return f"{value:,.1f}"


def parse_value(text: str) -> float:
    """The number behind :func:`format_value`'s text (a percentage comes back as a share)."""
    cleaned = text.replace(",", "").replace("\u00a0", " ").strip()
    if cleaned.endswith("%"):
        return float(cleaned.removesuffix("%").strip()) / 100
    return float(cleaned)


def tolerance(kind: str) -> float:
    """How far a shown number may be from the stored one, given its rounding."""
    return {"int": 0.5, "pct": 0.0005}.get(kind, 0.05) + 1e-9


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def headline(value: Any) -> float | None:
    """A KPI as one number: per-line dicts (utilisation) become their mean."""
    if is_number(value):
        return float(value)
    if isinstance(value, dict):
        numbers = [float(v) for v in value.values() if is_number(v)]
        return sum(numbers) / len(numbers) if numbers else None
    return None


def shown_kpis(*kpi_dicts: dict[str, Any]) -> list[KpiSpec]:
    """The specs to show for these plans: known ones present in any, then other numbers."""
    present = [
        spec
        for spec in KPI_SPECS
        if any(headline(kpis.get(spec.key)) is not None for kpis in kpi_dicts)
    ]
    extra = sorted(
        {key for kpis in kpi_dicts for key, value in kpis.items() if is_number(value)}
        - set(_SPEC_BY_KEY)
        - (HIDDEN if any(isinstance(k.get("utilisation"), dict) for k in kpi_dicts) else set())
    )
    return present + [KpiSpec(key, key.replace("_", " ").capitalize(), "float") for key in extra]
