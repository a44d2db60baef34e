"""Reports a planner opens in a browser: one self-contained HTML file each, offline.

- :func:`write_plan_report` — one plan: KPIs (beside the other mode's plan for the same start),
  a Gantt of every operation, load per line and day, forecast vs history, exceptions;
- :mod:`c2m.report.simulation_page` — a season simulation: inventory and fill rate per mode.

Modules: ``plan_data`` (database -> frames, through :func:`c2m.planning.stored.read_plan`),
``shift_windows`` (the factory calendar as datetimes), ``line_load`` (hours per line and
day), ``kpi_cards`` (which KPIs the page shows; labels and format are
:mod:`c2m.planning.kpi_registry`'s), ``figures`` (Plotly), ``html`` (the page shell,
plotly.js inlined once), ``plan_page`` and ``simulation_page`` (the two pages).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from c2m.config import FactoryConfig
from c2m.report.forecast_explanations import load_explanations
from c2m.report.html import write_whole
from c2m.report.plan_data import PlanReportData, load_plan_report
from c2m.report.plan_page import render_plan_page
from c2m.report.simulation_page import render_simulation_page, write_simulation_report


@dataclass(frozen=True)
class ReportFile:
    """What was written: for the CLI's summary and ``--json``."""

    path: Path
    plan_id: int
    mode: str
    companion_plan_id: int | None
    lots: int
    operations: int
    bytes: int


def write_plan_report(
    engine: Engine,
    config: FactoryConfig,
    out: str | Path,
    plan_id: int | None = None,
    generated_at: dt.datetime | None = None,
) -> ReportFile:
    """Render a plan (default: the current C2M plan) to ``out``, written whole or not at all."""
    data = load_plan_report(engine, plan_id)
    data.explanations = load_explanations(engine, data.forecast_run_id)
    text = render_plan_page(data, config, generated_at)
    path = Path(out)
    write_whole(path, text)
    return ReportFile(
        path=path,
        plan_id=data.plan.id,
        mode=data.plan.mode,
        companion_plan_id=data.companion.id if data.companion else None,
        lots=len(data.lots),
        operations=len(data.operations),
        bytes=path.stat().st_size,
    )


__all__ = [
    "PlanReportData",
    "ReportFile",
    "load_plan_report",
    "render_plan_page",
    "render_simulation_page",
    "write_plan_report",
    "write_simulation_report",
]
