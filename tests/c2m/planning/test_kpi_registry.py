"""One KPI registry: its labels and format are what the CLI and the report show."""

from __future__ import annotations

import dataclasses

from c2m.planning import PlanOptions, make_plan
from c2m.planning.kpi_registry import (
    KPIS,
    KpiKind,
    comparison_rows,
    format_value,
    spec_for,
    summary_rows,
)
from c2m.planning.plan_kpis import PlanKpis
from tests.worlds import START, config, planning_inputs

# The keys of ``c2m plan --json``'s "kpis", in the order it prints them.
PLAN_JSON_KEYS = [
    "lots", "planned_units", "mean_lot_size", "median_lot_size", "changeovers",
    "changeover_hours", "learning_hours", "utilisation", "mean_utilisation",
    "station_utilisation", "cutting_utilisation", "finishing_utilisation", "overtime_hours",
    "units_due", "units_on_time", "fill_rate", "late_lots", "late_units",
    "end_inventory_units", "end_inventory_days", "held_lots", "held_units", "fabric_shortages",
    "excluded_skus",
    "cost_lateness", "cost_changeover", "cost_overtime", "cost_holding", "cost_stability",
    "cost_unserved",
    "solver_status", "solver_method", "objective", "bound", "gap", "wall_seconds", "operations",
    "load", "changeover_share", "learning_share", "capacity_price", "lots_merged",
    "lots_held_small", "lots_first_run", "lots_capped",
]  # fmt: skip


def test_plan_kpis_print_the_keys_plan_json_always_printed():
    """``skipped_skus`` (SKUs selling but missing from the catalogue) is printed only when
    some were skipped, so the stored KPIs of an ordinary plan keep their keys."""
    names = [f.name for f in dataclasses.fields(PlanKpis)]
    assert names == [*PLAN_JSON_KEYS, "skipped_skus"]


def test_every_registered_kpi_is_a_figure_the_planner_computes():
    assert {spec.key for spec in KPIS} <= set(PLAN_JSON_KEYS)
    assert len({spec.key for spec in KPIS}) == len(KPIS)
    assert all(spec.direction in ("", "higher", "lower") for spec in KPIS)


def test_one_format_for_every_face():
    assert format_value(KpiKind.SHARE, 0.9583) == "95.8 %"
    assert format_value(KpiKind.COUNT, 50708) == "50,708"
    assert format_value(KpiKind.AMOUNT, 119.1667) == "119.17"
    assert format_value(KpiKind.AMOUNT, 35.0) == "35"
    assert format_value(KpiKind.AMOUNT, None) == "-"
    assert format_value(KpiKind.TEXT, "feasible") == "feasible"
    assert spec_for("new_figure").label == "new figure"


def test_summary_and_comparison_rows_of_a_plan():
    plan = make_plan(
        planning_inputs(),
        config(),
        PlanOptions(start=START, time_limit=1, workers=1, deterministic=True),
    )
    kpis = plan.kpis.as_json()
    rows = dict(summary_rows(kpis))
    assert rows["lots"] == f"{plan.kpis.lots:,}"
    assert rows["projected fill rate"] == f"{100 * plan.kpis.fill_rate:.1f} %"
    assert rows["solver status"] == plan.status
    labels = [label for label, *_ in comparison_rows(kpis, {})]
    assert labels == list(rows)
    assert all(b == "-" for _, _, b in comparison_rows(kpis, {}))


def test_planners_see_a_lower_bound_and_no_gap_while_json_keeps_the_gap():
    # The bound is weak on garment floors (issue 18): a gap to it is no quality score.
    kpis = {"solver_status": "feasible", "objective": 100.0, "bound": 30.0, "gap": 0.7}
    rows = dict(summary_rows(kpis))
    assert rows["lower bound (CNY)"] == "30" and rows["objective (CNY)"] == "100"
    assert rows["solver status"] == "feasible"
    assert not any("gap" in label for label in rows)
    assert not any("gap" in label for label, *_ in comparison_rows(kpis, kpis))
    assert "gap" in PLAN_JSON_KEYS  # programs still read it from --json


def test_report_cards_leave_the_gap_out():
    from c2m.report.kpi_cards import shown_kpis

    keys = [spec.key for spec in shown_kpis({"objective": 100.0, "bound": 30.0, "gap": 0.7})]
    assert keys == ["objective", "bound"]
