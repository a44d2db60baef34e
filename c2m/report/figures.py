"""The report's Plotly figures: Gantt, load per line and day, forecast vs history.

Each function takes plain frames and returns a :class:`plotly.graph_objects.Figure` (or None
when there is nothing to draw), so a notebook can show the same figures. Gantt bars are
horizontal ``Bar`` traces with a date ``base``, the way ``plotly.express.timeline`` draws them,
but built directly so every bar carries its operation id in ``customdata`` and every trace
says in ``meta`` whether its bars are operations or changeovers: the page can then be
checked bar by bar.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from c2m.config import Calendar
from c2m.report.shift_windows import OVERTIME, idle_windows, working_minutes_before, working_windows

STEP_ORDER = {"cut": 0, "sew": 1, "finish": 2}
PALETTE = qualitative.Plotly + qualitative.Safe + qualitative.Pastel
IDLE_COLOUR = "rgba(148, 163, 184, 0.28)"
OVERTIME_COLOUR = "rgba(245, 158, 11, 0.16)"
CHANGEOVER_COLOUR = "#1f2937"
LATE_OUTLINE = "#dc2626"
_FMT = "%a %d %b %H:%M"


def style_colours(styles: Sequence[str]) -> dict[str, str]:
    """A stable colour per style (sorted names, so two reports of one plan agree)."""
    return {style: PALETTE[i % len(PALETTE)] for i, style in enumerate(sorted(set(styles)))}


def resource_rows(operations: pd.DataFrame, lines: Sequence[str]) -> list[str]:
    """Gantt rows top to bottom: sewing lines (config order), then cutting, then finishing."""
    if operations.empty:
        return list(lines)
    rank = {line: i for i, line in enumerate(lines)}
    pairs = operations[["step", "resource"]].drop_duplicates()
    others = sorted(
        (
            (STEP_ORDER.get(step, 3) if step != "sew" else -1, resource)
            for step, resource in pairs.itertuples(index=False)
            if resource not in rank
        ),
    )
    rows = list(lines)
    for _, resource in others:
        if resource not in rows:
            rows.append(resource)
    return rows


def _ms(start: pd.Series, end: pd.Series) -> list[float]:
    return [(e - s).total_seconds() * 1000 for s, e in zip(start, end, strict=True)]


def _iso(values) -> list[str]:
    return [v.isoformat(sep=" ") for v in values]


def _hover(op) -> str:
    """Lot, SKU breakdown, quantity, start/end, due and lateness of one operation."""
    items = op.breakdown.split(" · ") if op.breakdown else []
    lines_of_items = [" · ".join(items[i : i + 4]) for i in range(0, len(items), 4)]
    late = f"<b>late {op.late_minutes / 60:.1f} h</b>" if op.late_minutes > 0 else "on time"
    colour = f" {op.colour}" if op.colour else ""
    where = f"{html.escape(op.step)} on {html.escape(op.resource)}"
    parts = [
        f"<b>{html.escape(str(op.code))}</b> · {where}",
        f"style {html.escape(op.style)}{html.escape(colour)}{_name(op)} · {op.quantity} units",
        *(html.escape(line) for line in lines_of_items),
        f"{op.start:{_FMT}} → {op.end:{_FMT}}",
        f"due {op.due:{_FMT}} · {late}",
    ]
    if op.setup_minutes:
        parts.append(f"set-up before: {_setup_text(op)}")
    if op.fixed:
        parts.append("frozen (on the floor)")
    return "<br>".join(parts)


def _name(op) -> str:
    """`` (圆领短袖T恤)``: the product's name as the catalogue gives it, when it gives one."""
    name = getattr(op, "name", "") or ""
    return f" ({html.escape(str(name))})" if name else ""


def _setup_text(op) -> str:
    """``"90 min"``, or ``"120 min (90 changeover + 30 learning)"`` when ramp-up is part of it."""
    learning = int(getattr(op, "learning_minutes", 0) or 0)
    if not learning:
        return f"{op.setup_minutes} min"
    return (
        f"{op.setup_minutes} min ({op.setup_minutes - learning} changeover + {learning} learning)"
    )


def gantt_figure(
    operations: pd.DataFrame,
    calendar: Calendar,
    lines: Sequence[str],
    plan_start: dt.datetime,
) -> go.Figure | None:
    """One bar per scheduled operation (all steps), coloured by style; None without any."""
    if operations.empty:
        return None
    rows = resource_rows(operations, lines)
    colours = style_colours(operations["style"])
    fig = go.Figure()
    for style, ops in operations.sort_values(["style", "start"]).groupby("style", sort=True):
        late = ops["late_minutes"] > 0
        fig.add_trace(
            go.Bar(
                name=str(style),
                legendgroup=str(style),
                orientation="h",
                y=list(ops["resource"]),
                base=_iso(ops["start"]),
                x=_ms(ops["start"], ops["end"]),
                customdata=[
                    [int(i), int(lot)] for i, lot in zip(ops["op_id"], ops["lot_id"], strict=True)
                ],
                hovertext=[_hover(op) for op in ops.itertuples(index=False)],
                hovertemplate="%{hovertext}<extra></extra>",
                width=0.72,
                marker={
                    "color": colours[style],
                    "line": {
                        "color": [LATE_OUTLINE if x else "rgba(255,255,255,0.9)" for x in late],
                        "width": [2.5 if x else 0.6 for x in late],
                    },
                    "pattern": {"shape": ["/" if f else "" for f in ops["fixed"]]},
                },
                meta={"kind": "operation", "style": str(style)},
            )
        )
    _add_changeovers(fig, operations, calendar)
    end = max(operations["end"].max(), plan_start + dt.timedelta(days=1))
    begin = min(operations["start"].min(), plan_start)
    _shade_calendar(fig, calendar, begin, end)
    fig.update_layout(
        barmode="overlay",
        height=140 + 34 * len(rows),
        margin={"l": 70, "r": 20, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.08, "yanchor": "top", "title": {"text": "style "}},
        hoverlabel={"align": "left"},
        xaxis={
            "type": "date",
            "range": [begin.isoformat(sep=" "), end.isoformat(sep=" ")],
        },
        updatemenus=[_zoom_buttons(plan_start, begin, end)],
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": rows,
            "autorange": "reversed",
            "fixedrange": True,
        },
        plot_bgcolor="white",
    )
    return fig


def _zoom_buttons(plan_start: dt.datetime, begin: dt.datetime, end: dt.datetime) -> dict:
    """Zoom to the first day, three days or week of the plan (what the floor does next)."""

    def window(days: int) -> list[str]:
        return [
            plan_start.isoformat(sep=" "),
            (plan_start + dt.timedelta(days=days)).isoformat(sep=" "),
        ]

    buttons = [
        {"label": label, "method": "relayout", "args": [{"xaxis.range": window(days)}]}
        for label, days in (("first day", 1), ("3 days", 3), ("week", 7))
    ]
    buttons.append(
        {
            "label": "all",
            "method": "relayout",
            "args": [{"xaxis.range": [begin.isoformat(sep=" "), end.isoformat(sep=" ")]}],
        }
    )
    return {
        "type": "buttons",
        "direction": "right",
        "buttons": buttons,
        "showactive": False,
        "x": 0,
        "xanchor": "left",
        "y": 1.0,
        "yanchor": "bottom",
        "pad": {"b": 4},
        "font": {"size": 11},
    }


def _add_changeovers(fig: go.Figure, operations: pd.DataFrame, calendar: Calendar) -> None:
    """Changeovers as thin dark bars in the working minutes just before their operation."""
    setups = operations[operations["setup_minutes"] > 0]
    if setups.empty:
        return
    windows = working_windows(
        calendar,
        setups["start"].min().date() - dt.timedelta(days=14),
        setups["start"].max().date(),
    )
    starts = [
        working_minutes_before(windows, op.start, op.setup_minutes)
        for op in setups.itertuples(index=False)
    ]
    fig.add_trace(
        go.Bar(
            name="changeover / ramp-up",
            orientation="h",
            y=list(setups["resource"]),
            base=_iso(starts),
            x=_ms(pd.Series(starts), setups["start"].reset_index(drop=True)),
            customdata=[int(i) for i in setups["op_id"]],
            hovertext=[
                f"set-up {_setup_text(op)} on {html.escape(op.resource)}"
                f"<br>before {html.escape(str(op.code))} ({html.escape(op.style)})"
                for op in setups.itertuples(index=False)
            ],
            hovertemplate="%{hovertext}<extra></extra>",
            width=0.22,
            marker={"color": CHANGEOVER_COLOUR},
            meta={"kind": "changeover"},
        )
    )


def _shade_calendar(fig: go.Figure, calendar: Calendar, begin: dt.datetime, end: dt.datetime):
    """Grey bands for non-working time, amber for the overtime slot."""
    windows = working_windows(calendar, begin.date(), end.date())
    shapes = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": a.isoformat(sep=" "),
            "x1": b.isoformat(sep=" "),
            "y0": 0,
            "y1": 1,
            "fillcolor": IDLE_COLOUR,
            "line": {"width": 0},
            "layer": "below",
        }
        for a, b in idle_windows(windows, begin, end)
    ]
    shapes += [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": w.start.isoformat(sep=" "),
            "x1": w.end.isoformat(sep=" "),
            "y0": 0,
            "y1": 1,
            "fillcolor": OVERTIME_COLOUR,
            "line": {"width": 0},
            "layer": "below",
        }
        for w in windows
        if w.kind == OVERTIME and w.end > begin and w.start < end
    ]
    fig.update_layout(shapes=shapes)


def load_figure(load: pd.DataFrame) -> go.Figure | None:
    """Stacked hours per day (sewing, changeover, overtime) per line, with capacity lines."""
    if load.empty or load["booked_hours"].sum() == 0:
        return None
    lines = list(dict.fromkeys(load["line"]))
    fig = make_subplots(
        rows=len(lines),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=min(0.06, 0.3 / len(lines)),
        subplot_titles=lines,
    )
    series = [
        ("sewing_hours", "sewing", "#2563eb"),
        ("changeover_hours", "changeover / ramp-up", "#6b7280"),
        ("overtime_hours", "overtime", "#f59e0b"),
    ]
    for row, line in enumerate(lines, start=1):
        part = load[load["line"] == line]
        days = [d.isoformat() for d in part["day"]]
        for column, label, colour in series:
            fig.add_trace(
                go.Bar(
                    x=days,
                    y=part[column].round(2).tolist(),
                    name=label,
                    legendgroup=label,
                    showlegend=row == 1,
                    marker_color=colour,
                    customdata=part["lots"].tolist(),
                    hovertemplate=f"{line} %{{x}}<br>{label}: %{{y:.1f}} h"
                    "<br>lots: %{customdata}<extra></extra>",
                ),
                row=row,
                col=1,
            )
        for column, label, dash in (
            ("capacity_hours", "regular capacity", "solid"),
            ("overtime_capacity_hours", "with overtime", "dot"),
        ):
            values = part["capacity_hours"] + (
                part["overtime_capacity_hours"] if column == "overtime_capacity_hours" else 0
            )
            fig.add_trace(
                go.Scatter(
                    x=days,
                    y=values.round(2).tolist(),
                    name=label,
                    legendgroup=label,
                    showlegend=row == 1,
                    mode="lines",
                    line={"shape": "hvh", "color": "#111827", "dash": dash, "width": 1.5},
                    hovertemplate=f"{line} %{{x}}<br>{label}: %{{y:.1f}} h<extra></extra>",
                ),
                row=row,
                col=1,
            )
        fig.update_yaxes(title_text="h", row=row, col=1, fixedrange=True)
    fig.update_layout(
        barmode="stack",
        height=110 + 150 * len(lines),
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
        plot_bgcolor="white",
        bargap=0.15,
    )
    return fig


def forecast_figure(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    styles: Sequence[str],
) -> go.Figure | None:
    """Per style (a dropdown): daily orders, forecast with its 80 % band, clicks and rank."""
    styles = [s for s in styles if (history["style"] == s).any() or (forecast["style"] == s).any()]
    if not styles:
        return None
    fig = go.Figure()
    per_style = 0
    for index, style in enumerate(styles):
        traces = _style_traces(
            history[history["style"] == style], forecast[forecast["style"] == style], index == 0
        )
        per_style = len(traces)
        for trace in traces:
            fig.add_trace(trace)
    buttons = []
    for index, style in enumerate(styles):
        mask = [False] * (per_style * len(styles))
        mask[index * per_style : (index + 1) * per_style] = [True] * per_style
        buttons.append({"label": style, "method": "update", "args": [{"visible": mask}]})
    fig.update_layout(**_forecast_layout(buttons))
    return fig


def _style_traces(hist: pd.DataFrame, fc: pd.DataFrame, visible: bool) -> list:
    """One style's traces: orders, the forecast's band and line, clicks, best rank."""
    fc_days = [d.date().isoformat() for d in fc["ds"]]
    hist_days = [d.date().isoformat() for d in hist["ds"]]
    return [
        go.Bar(
            x=hist_days,
            y=hist["orders"].astype(float).tolist(),
            name="orders (history)",
            marker_color="#94a3b8",
            visible=visible,
            hovertemplate="%{x}: %{y:.0f} orders<extra></extra>",
        ),
        go.Scatter(
            x=fc_days + fc_days[::-1],
            y=fc["hi"].round(2).tolist() + fc["lo"].round(2).tolist()[::-1],
            fill="toself",
            fillcolor="rgba(37, 99, 235, 0.18)",
            line={"width": 0},
            name="80 % interval",
            hoverinfo="skip",
            visible=visible,
        ),
        go.Scatter(
            x=fc_days,
            y=fc["yhat"].round(2).tolist(),
            name="forecast",
            mode="lines+markers",
            line={"color": "#2563eb", "width": 2},
            marker={"size": 4},
            customdata=list(zip(fc["lo"].round(1), fc["hi"].round(1), strict=True)),
            hovertemplate="%{x}: %{y:.1f} (80 %: %{customdata[0]}–%{customdata[1]})"
            "<extra>forecast</extra>",
            visible=visible,
        ),
        go.Scatter(
            x=hist_days,
            y=hist["clicks"].astype(float).tolist(),
            name="clicks",
            yaxis="y2",
            mode="lines",
            line={"color": "#10b981", "width": 1.2, "dash": "dot"},
            hovertemplate="%{x}: %{y:.0f} clicks<extra></extra>",
            visible=visible,
        ),
        go.Scatter(
            x=hist_days,
            y=[None if pd.isna(r) else float(r) for r in hist["rank"]],
            name="best rank",
            yaxis="y3",
            mode="markers",
            marker={"color": "#a855f7", "size": 5, "symbol": "diamond"},
            hovertemplate="%{x}: rank %{y:.0f}<extra></extra>",
            visible=visible,
        ),
    ]


def _forecast_layout(buttons: list[dict]) -> dict:
    """Axes for units, clicks and rank (reversed: 1 is best), and the style dropdown."""
    return dict(
        height=460,
        margin={"l": 50, "r": 20, "t": 60, "b": 40},
        barmode="overlay",
        plot_bgcolor="white",
        hovermode="x",
        legend={"orientation": "h", "y": -0.12, "yanchor": "top"},
        xaxis={"type": "date", "domain": [0, 0.86]},
        yaxis={"title": {"text": "units a day"}, "rangemode": "tozero"},
        yaxis2={
            "title": {"text": "clicks"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
            "tickmode": "auto",
            "tickformat": "~s",
        },
        yaxis3={
            "title": {"text": "rank"},
            "overlaying": "y",
            "side": "right",
            "anchor": "free",
            "position": 0.97,
            "autorange": "reversed",
            "showgrid": False,
            "tickmode": "auto",
            "tickformat": "d",
        },
        updatemenus=[
            {
                "buttons": buttons,
                "direction": "down",
                "x": 0,
                "xanchor": "left",
                "y": 1.13,
                "yanchor": "top",
                "showactive": True,
            }
        ],
    )
