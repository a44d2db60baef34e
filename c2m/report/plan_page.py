"""The plan page: KPIs (both modes side by side), Gantt, load, forecast, exceptions.

:func:`render_plan_page` turns a :class:`~c2m.report.plan_data.PlanReportData` into one HTML
string. The Gantt draws every scheduled operation, cutting and finishing included (on rows
below the sewing lines), so the page holds exactly one bar per ``plan_operation`` row; the
JSON block ``#c2m-report-data`` repeats the counts and ids so a script can check that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from c2m.clock import factory_now
from c2m.config import FactoryConfig
from c2m.planning.kpi_registry import KpiSpec, format_value
from c2m.planning.stored import PlanHeader
from c2m.report.figures import forecast_figure, gantt_figure
from c2m.report.figures import load_figure as make_load_figure
from c2m.report.forecast_explanations import explanations_html
from c2m.report.html import esc, figure_div, json_block, page, table
from c2m.report.kpi_cards import headline, is_number, shown_kpis
from c2m.report.line_load import line_load, over_capacity, sewing_lines
from c2m.report.network_section import network_section
from c2m.report.plan_data import PlanReportData

MAX_FORECAST_STYLES = 60
MAX_TABLE_ROWS = 100
_DAY = "%a %d %b"
_TIME = "%a %d %b %H:%M"


def render_plan_page(
    data: PlanReportData,
    config: FactoryConfig,
    generated_at: dt.datetime | None = None,
) -> str:
    """The whole report as one self-contained HTML document."""
    plan = data.plan
    ops = data.operations
    lines = sewing_lines(ops, [line.id for line in config.lines])
    horizon_end = plan.start.date() + dt.timedelta(days=max(plan.horizon_days - 1, 0))
    load = line_load(ops, config.calendar, lines, plan.start.date(), _last_day(ops, horizon_end))
    gantt = gantt_figure(ops, config.calendar, lines, plan.start)
    forecast = forecast_figure(data.history, data.forecast, _forecast_styles(data))
    body = "\n".join(
        [
            _header(data, config, generated_at or factory_now(config)),
            _kpi_section(plan, data.companion),
            network_section(data.network) if data.network is not None else "",
            _section(
                "Gantt by line",
                "gantt-section",
                "One bar per operation of a lot. Sewing lines first, then cutting and finishing "
                "stations. Colour = style; thin dark bars = set-ups: changeover plus the "
                "learning-curve loss of a new style (drawn in the working minutes just before "
                "the lot they prepare); grey bands = non-working time "
                "(an operation pauses there), amber = the overtime slot; red outline = a late "
                "lot; hatched = frozen. Drag to zoom, double-click to reset.",
                figure_div(gantt, "gantt", "This plan schedules no operations."),
            ),
            _section(
                "Load per line and day",
                "load-section",
                "Booked hours against regular capacity (solid) and capacity with overtime "
                "(dotted). Grey = changeovers and learning-curve ramp-up; amber = any hours in "
                "the overtime slot.",
                figure_div(make_load_figure(load), "load", "No sewing is booked in this plan."),
            ),
            _section(
                "Forecast vs history",
                "forecast-section",
                _forecast_note(data),
                figure_div(forecast, "forecast", "No forecast or sales history for these styles."),
            ),
            _section(
                "Why these forecasts",
                "explain-section",
                "The SKUs with the most forecast units, as c2m forecast --explain SKU shows them: "
                "the model chosen, what each input added to the horizon's total (forecast again "
                "with that input neutralised), the last 4 weeks sold against the forecast weeks "
                "and their 10-90 % interval.",
                explanations_html(data.explanations),
            ),
            _exceptions(data, load),
            json_block("c2m-report-data", _facts(data)),
        ]
    )
    title = f"Plan {plan.id} ({plan.mode}) · {config.factory.name}"
    return page(title, body)


def _last_day(ops: pd.DataFrame, horizon_end: dt.date) -> dt.date:
    sewing = ops[ops["step"] == "sew"] if len(ops) else ops
    return max([horizon_end, *(end.date() for end in sewing["end"])])


def _section(title: str, ident: str, note: str, content: str) -> str:
    return (
        f'<section id="{ident}"><h2>{esc(title)}</h2>'
        f'<p class="note">{esc(note)}</p>{content}</section>'
    )


def _header(data: PlanReportData, config: FactoryConfig, generated_at: dt.datetime) -> str:
    plan = data.plan
    solver = f"solver: {plan.status}"
    if plan.objective is not None:
        solver += f", objective {plan.objective:,.0f} CNY"
    if plan.bound is not None:
        # a proof, not a score: on a garment floor the bound sits far below any plan
        solver += f", lower bound {plan.bound:,.0f} CNY"
    solver += f", {plan.seconds:.1f} s"
    current = ' <span class="badge">current</span>' if plan.is_current else ""
    companion = ""
    if data.companion is not None:
        companion = (
            f"<p>Compared with {esc(data.companion.mode)} plan {data.companion.id} "
            "for the same start.</p>"
        )
    return (
        f"<header><h1>Plan {plan.id} · {esc(plan.mode)}{current}</h1>"
        f"<p>{esc(config.factory.name)} · from {plan.start:{_TIME}} for {plan.horizon_days} days "
        f"· {len(data.lots)} lots, {len(data.operations)} operations</p>"
        f"<p>{esc(solver)} · created {plan.created_at:%Y-%m-%d %H:%M} "
        f"· report written {generated_at:%Y-%m-%d %H:%M}</p>{companion}</header>"
    )


def _kpi_section(plan: PlanHeader, companion: PlanHeader | None) -> str:
    plans = [plan] if companion is None else [plan, companion]
    specs = shown_kpis(*(p.kpis for p in plans))
    if not specs:
        return _section("KPIs", "kpis", "", '<p class="empty">This plan has no stored KPIs.</p>')
    cards = "".join(_kpi_card(spec, plans) for spec in specs)
    note = (
        f"Plan {plan.id} ({plan.mode}) beside plan {companion.id} ({companion.mode}), "
        "same start; green/red marks where this plan is better/worse."
        if companion
        else "As stored with the plan."
    )
    return _section("KPIs", "kpis", note, f'<div class="kpis">{cards}</div>')


def _kpi_card(spec: KpiSpec, plans: Sequence[PlanHeader]) -> str:
    values = []
    first = headline(plans[0].kpis.get(spec.key))
    for index, info in enumerate(plans):
        value = headline(info.kpis.get(spec.key))
        text = "–" if value is None else format_value(spec.kind, value)
        css = "value" if index == 0 else "value other"
        if index == 0 and len(plans) > 1:
            css += _better(spec, first, headline(plans[1].kpis.get(spec.key)))
        raw = "" if value is None else f' data-raw="{value!r}"'
        values.append(
            f'<span class="{css}" data-plan="{info.id}" data-kpi="{esc(spec.key)}" '
            f'data-kind="{spec.kind}"{raw}>{esc(text)}'
            f'<span class="mode">{esc(info.mode)}</span></span>'
        )
    detail = ""
    per_line = plans[0].kpis.get(spec.key)
    if isinstance(per_line, dict) and per_line:
        parts = [
            f"{esc(k)} {format_value(spec.kind, float(v))}"
            for k, v in per_line.items()
            if is_number(v)
        ]
        detail = f'<div class="detail">{" · ".join(parts)}</div>'
    return (
        f'<div class="kpi" data-kpi="{esc(spec.key)}"><div class="label">{esc(spec.label)}</div>'
        f'<div class="values">{"".join(values)}</div>{detail}</div>'
    )


def _better(spec: KpiSpec, mine: float | None, theirs: float | None) -> str:
    if not spec.direction or mine is None or theirs is None or mine == theirs:
        return ""
    good = mine > theirs if spec.direction == "higher" else mine < theirs
    return " better" if good else " worse"


def _forecast_styles(data: PlanReportData) -> list[str]:
    """Styles of the plan, most units first, then other forecast styles; capped."""
    if len(data.lots):
        units = data.lots.groupby("style")["quantity"].sum().sort_values(ascending=False)
        styles = list(units.index)
    else:
        styles = []
    styles += sorted(set(data.forecast["style"]) - set(styles))
    return [str(s) for s in styles[:MAX_FORECAST_STYLES]]


def _forecast_note(data: PlanReportData) -> str:
    run = f"forecast run {data.forecast_run_id}" if data.forecast_run_id else "no forecast run"
    origin = f", history up to {data.forecast_origin}" if data.forecast_origin else ""
    return (
        f"Pick a style in the menu ({run}{origin}). Bars: orders a day over all rooms; line: "
        "forecast, band: 80 % interval (sum of the SKUs' 10 % and 90 % quantiles); right axes: "
        "clicks and the best room rank (1 at the top)."
    )


def _exceptions(data: PlanReportData, load: pd.DataFrame) -> str:
    """The Exceptions section: one titled table per kind of trouble, in a fixed order.

    Each kind is its own part below, so that a new kind is one more function and none of
    them grows past reading in one screen.
    """
    body = (
        _late_lots(data)
        + _fabric_shortages(data)
        + _excluded_skus(data)
        + _over_capacity(load)
        + _skipped_skus(data)
    )
    return _section("Exceptions", "exceptions", "What needs a planner's attention.", body)


def _late_lots(data: PlanReportData) -> str:
    """Late lots, latest first: the planner's first question each morning."""
    late = data.lots[data.lots["late_minutes"] > 0].sort_values("late_minutes", ascending=False)
    late_rows = [
        (
            lot.code,
            lot.style,
            lot.name or "",
            lot.colour or "",
            lot.quantity,
            f"{lot.due:{_TIME}}",
            f"{lot.finish:{_TIME}}" if pd.notna(lot.finish) else "not scheduled",
            f"{lot.late_minutes / 60:.1f}",
            lot.breakdown,
        )
        for lot in late.itertuples(index=False)
    ]
    late_table = table(
        [
            "lot",
            "style",
            "product",
            "colour",
            "units",
            "due",
            "finishes",
            "late h",
            "SKUs affected",
        ],
        late_rows,
        numeric=["units", "late h"],
        table_id="late-lots",
        empty_text="No late lots.",
        limit=MAX_TABLE_ROWS,
        more_text="late lots (`c2m show` lists them all)",
    )
    return f"<h3>Late lots ({len(late_rows)})</h3>{late_table}"


def _fabric_shortages(data: PlanReportData) -> str:
    """Fabric the plan needs and the stock does not have (as the KPIs stored them)."""
    short_columns, short_rows = shortage_rows(data.plan.kpis)
    shortage_table = table(
        short_columns,
        short_rows,
        table_id="fabric-shortages",
        empty_text="No fabric shortages.",
    )
    return f"<h3>Fabric shortages ({len(short_rows)})</h3>{shortage_table}"


def _excluded_skus(data: PlanReportData) -> str:
    """SKUs no configured line can sew: the plan leaves them out, and says why."""
    excluded = data.plan.kpis.get("excluded_skus") or []
    excluded_table = table(
        ["SKU", "style", "category", "reason"],
        [(x["sku"], x["style"], x["category"], x["reason"].replace("_", " ")) for x in excluded],
        table_id="excluded-skus",
        empty_text="Every SKU of the catalogue can be sewn on a configured line.",
    )
    return f"<h3>SKUs left out ({len(excluded)})</h3>{excluded_table}"


def _over_capacity(load: pd.DataFrame) -> str:
    """Line-days booked into overtime or beyond regular capacity, with the lots that did it."""
    over = over_capacity(load)
    over_rows = [
        (
            row.line,
            f"{row.day:{_DAY}}",
            f"{row.booked_hours:.1f}",
            f"{row.capacity_hours:.1f}",
            f"{row.overtime_hours:.1f}",
            row.overtime_lots or row.lots,
        )
        for row in over.itertuples(index=False)
    ]
    over_table = table(
        ["line", "day", "booked h", "regular capacity h", "overtime h", "lots affected"],
        over_rows,
        numeric=["booked h", "regular capacity h", "overtime h"],
        table_id="over-capacity",
        limit=MAX_TABLE_ROWS,
        more_text="line-days (`c2m show --line L` gives a line's schedule)",
        empty_text="No line works overtime or beyond its regular capacity.",
    )
    return f"<h3>Lines in overtime or over capacity ({len(over_rows)} line-days)</h3>{over_table}"


def _skipped_skus(data: PlanReportData) -> str:
    """SKUs sold but not in the catalogue: shown only when there are some (else empty)."""
    skipped = data.plan.kpis.get("skipped_skus") or []
    if not skipped:
        return ""
    return (
        f"<h3>SKUs not in the catalogue ({len(skipped)})</h3>"
        f'<p id="skipped-skus">Left out of this plan until the catalogue has them: '
        f"{esc(', '.join(skipped))}.</p>"
    )


_SHORTAGE_KEYS = ("fabric_shortages", "shortages")


def shortage_rows(kpis: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Fabric shortages as stored in the KPIs, as a table, whatever fields each entry has.

    The planner owns the shape of this entry; the report shows a list of records (or a
    mapping fabric -> amount or record) with the fabric first and every other field after it,
    so a new field appears without a change here.
    """
    raw = next((kpis[key] for key in _SHORTAGE_KEYS if kpis.get(key)), None)
    if raw is None or is_number(raw):
        return ["fabric"], []
    if isinstance(raw, dict):
        records = [
            {"fabric": k, **(v if isinstance(v, dict) else {"short": v})} for k, v in raw.items()
        ]
    elif isinstance(raw, list):
        records = [r if isinstance(r, dict) else {"fabric": r} for r in raw]
    else:
        return ["fabric"], []
    columns = list(dict.fromkeys(["fabric", *(k for r in records for k in r)]))
    rows = [[_cell(record.get(column)) for column in columns] for record in records]
    return [c.replace("_", " ") for c in columns], rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple | set):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _facts(data: PlanReportData) -> dict[str, Any]:
    ops = data.operations
    network = {"network": data.network} if data.network is not None else {}
    return {
        **network,
        "plan_id": data.plan.id,
        "mode": data.plan.mode,
        "companion_plan_id": data.companion.id if data.companion else None,
        "operations": len(ops),
        "operation_ids": sorted(int(i) for i in ops["op_id"]) if len(ops) else [],
        "changeovers": int((ops["setup_minutes"] > 0).sum()) if len(ops) else 0,
        "lots": len(data.lots),
        "late_lots": int((data.lots["late_minutes"] > 0).sum()) if len(data.lots) else 0,
    }
