"""The simulation page: inventory and fill rate over a season, one line per mode.

The input is plain data so the page does not depend on how the simulation works inside: a
long DataFrame of daily series with a ``mode`` column (``batch``, ``c2m``, ...), a ``day``
column (dates or day numbers) and one numeric column per series. Recognised series get
their own charts (see :data:`SERIES`); any other numeric column can be picked in the last
chart's menu, so a new series shows up without a change here. An optional summary
(mode -> KPI dict, what ``c2m simulate --json`` prints under ``modes``) becomes a
side-by-side table at the top.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from c2m.errors import DataError
from c2m.planning.kpi_registry import KpiKind, format_value
from c2m.report.html import esc, figure_div, json_block, page, table, write_whole
from c2m.report.kpi_cards import headline

MODE_COLOURS = {"batch": "#d97706", "c2m": "#2563eb"}
OTHER_COLOURS = ["#059669", "#7c3aed", "#db2777", "#0891b2"]

# (column, chart title, axis title, kind): kind "pct" draws a share as a percentage.
INVENTORY = ("inventory_units", "backorder_units")
FILL = ("cumulative_fill_rate", "fill_rate")
FLOW = ("demand_units", "shipped_units", "produced_units", "lost_units")
SERIES = INVENTORY + FILL + FLOW


def _kind(key: str) -> KpiKind:
    """How to write a summary number, from its name (shares as %)."""
    k = key.lower()
    if any(word in k for word in ("rate", "share", "utilisation", "utilization", "gap")):
        return KpiKind.SHARE
    return KpiKind.AMOUNT


def _colour(mode: str, index: int) -> str:
    return MODE_COLOURS.get(mode, OTHER_COLOURS[index % len(OTHER_COLOURS)])


def check_daily(daily: pd.DataFrame) -> pd.DataFrame:
    """The frame in a canonical shape, or a :class:`DataError` saying what is missing."""
    if not isinstance(daily, pd.DataFrame):
        raise DataError("the simulation's daily series must be a pandas DataFrame")
    frame = daily.rename(columns={"date": "day"}) if "day" not in daily else daily
    missing = [c for c in ("mode", "day") if c not in frame]
    if missing:
        raise DataError(
            f"the simulation's daily series needs the column(s) {missing} "
            f"(it has {list(daily.columns)})"
        )
    if not any(c in frame for c in INVENTORY[:1] + FILL):
        raise DataError(
            "the simulation's daily series needs an 'inventory_units' or a fill-rate column "
            "('cumulative_fill_rate' or 'fill_rate')"
        )
    frame = frame.copy()
    frame["mode"] = frame["mode"].astype(str)
    return frame.sort_values(["mode", "day"]).reset_index(drop=True)


def _x(days: pd.Series) -> list:
    return [d.isoformat() if isinstance(d, dt.date) else d for d in days]


def _lines_figure(
    frame: pd.DataFrame, columns: tuple[str, ...], title: str, axis: str, pct: bool = False
) -> go.Figure | None:
    """One line per mode for the first column; the second (if any) dashed, same colour."""
    present = [c for c in columns if c in frame]
    if not present:
        return None
    fig = go.Figure()
    for index, (mode, part) in enumerate(frame.groupby("mode", sort=True)):
        for rank, column in enumerate(present):
            values = part[column].astype(float) * (100 if pct else 1)
            fig.add_trace(
                go.Scatter(
                    x=_x(part["day"]),
                    y=values.round(3).tolist(),
                    name=f"{mode} · {column.replace('_', ' ')}",
                    legendgroup=mode,
                    mode="lines" if rank == 0 else "lines+markers",
                    line={
                        "color": _colour(mode, index),
                        "width": 2.5 if rank == 0 else 1.2,
                        "dash": "solid" if rank == 0 else "dot",
                    },
                    marker={"size": 4},
                    hovertemplate=f"{mode} %{{x}}: %{{y:,.1f}}{' %' if pct else ''}"
                    f"<extra>{column.replace('_', ' ')}</extra>",
                    meta={"mode": mode, "series": column},
                )
            )
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 15}},
        height=380,
        margin={"l": 55, "r": 20, "t": 50, "b": 40},
        plot_bgcolor="white",
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.15, "yanchor": "top"},
        yaxis={"title": {"text": axis}, "rangemode": "tozero", "gridcolor": "#e5e7eb"},
    )
    if pct:
        fig.update_yaxes(range=[0, 101], ticksuffix=" %")
    return fig


def _other_figure(frame: pd.DataFrame) -> go.Figure | None:
    """Every other numeric series, one at a time from a menu, a line per mode."""
    others = [
        c
        for c in frame.columns
        if c not in ("mode", "day", *SERIES) and pd.api.types.is_numeric_dtype(frame[c])
    ]
    if not others:
        return None
    modes = sorted(frame["mode"].unique())
    fig = go.Figure()
    for k, column in enumerate(others):
        for index, mode in enumerate(modes):
            part = frame[frame["mode"] == mode]
            fig.add_trace(
                go.Scatter(
                    x=_x(part["day"]),
                    y=part[column].astype(float).round(3).tolist(),
                    name=mode,
                    mode="lines",
                    line={"color": _colour(mode, index), "width": 2},
                    visible=k == 0,
                    hovertemplate=f"{mode} %{{x}}: %{{y:,.2f}}<extra>{column}</extra>",
                )
            )
    buttons = []
    for k, column in enumerate(others):
        mask = [j // len(modes) == k for j in range(len(others) * len(modes))]
        buttons.append(
            {"label": column.replace("_", " "), "method": "update", "args": [{"visible": mask}]}
        )
    fig.update_layout(
        height=360,
        margin={"l": 55, "r": 20, "t": 60, "b": 40},
        plot_bgcolor="white",
        hovermode="x unified",
        yaxis={"gridcolor": "#e5e7eb"},
        updatemenus=[
            {
                "buttons": buttons,
                "x": 0,
                "xanchor": "left",
                "y": 1.18,
                "yanchor": "top",
                "direction": "down",
            }
        ],
    )
    return fig


def _summary_table(summary: Mapping[str, Mapping[str, Any]]) -> str:
    modes = list(summary)
    keys: list[str] = []
    for mode in modes:
        for key, value in summary[mode].items():
            if key not in keys and headline(value) is not None:
                keys.append(key)
    rows = []
    for key in keys:
        row = [key.replace("_", " ")]
        for mode in modes:
            value = headline(summary[mode].get(key))
            row.append("–" if value is None else format_value(_kind(key), value))
        rows.append(row)
    return table(
        ["KPI", *modes],
        rows,
        numeric=modes,
        table_id="simulation-kpis",
        empty_text="No summary figures.",
    )


def render_simulation_page(
    daily: pd.DataFrame,
    summary: Mapping[str, Mapping[str, Any]] | None = None,
    title: str = "Season simulation: batch vs C2M",
    notes: Mapping[str, Any] | None = None,
) -> str:
    """One offline HTML page: summary table, inventory, fill rate, flows, other series."""
    frame = check_daily(daily)
    modes = sorted(frame["mode"].unique())
    days = frame["day"]
    info = ", ".join(f"{esc(k)}: {esc(v)}" for k, v in (notes or {}).items())
    header = (
        f"<header><h1>{esc(title)}</h1><p>{len(modes)} mode(s): {esc(', '.join(modes))} · "
        f"{frame['day'].nunique()} days ({esc(days.min())} to {esc(days.max())})</p>"
        + (f"<p>{info}</p>" if info else "")
        + "</header>"
    )
    sections = [header]
    if summary:
        sections.append(_section("Season KPIs", "summary", _summary_table(summary)))
    charts = [
        ("inventory", _lines_figure(frame, INVENTORY, "Stock on hand", "units")),
        ("fill-rate", _lines_figure(frame, FILL, "Fill rate", "%", pct=True)),
        ("flows", _flows_figure(frame)),
        ("other-series", _other_figure(frame)),
    ]
    for ident, fig in charts:
        if fig is None:
            continue
        heading = "<h2>More daily series (pick one)</h2>" if ident == "other-series" else ""
        sections.append(
            f'<section id="{ident}-section">{heading}{figure_div(fig, ident, "")}</section>'
        )
    sections.append(
        json_block(
            "c2m-simulation-data",
            {
                "modes": modes,
                "days": int(frame["day"].nunique()),
                "charts": [ident for ident, fig in charts if fig is not None],
            },
        )
    )
    return page(title, "\n".join(sections))


def _flows_figure(frame: pd.DataFrame) -> go.Figure | None:
    """Demand, shipments, production and lost sales per day, per mode (a line each)."""
    present = [c for c in FLOW if c in frame]
    if not present:
        return None
    fig = go.Figure()
    dashes = ["solid", "dot", "dash", "longdash"]
    for index, (mode, part) in enumerate(frame.groupby("mode", sort=True)):
        for rank, column in enumerate(present):
            fig.add_trace(
                go.Scatter(
                    x=_x(part["day"]),
                    y=part[column].astype(float).round(2).tolist(),
                    name=f"{mode} · {column.replace('_units', '')}",
                    legendgroup=mode,
                    mode="lines",
                    line={"color": _colour(mode, index), "dash": dashes[rank % 4], "width": 1.6},
                    hovertemplate=f"{mode} %{{x}}: %{{y:,.0f}}<extra>{column}</extra>",
                )
            )
    fig.update_layout(
        title={
            "text": "Demand, shipments, production and lost sales a day",
            "x": 0,
            "font": {"size": 15},
        },
        height=380,
        margin={"l": 55, "r": 20, "t": 50, "b": 40},
        plot_bgcolor="white",
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.15, "yanchor": "top"},
        yaxis={"title": {"text": "units"}, "rangemode": "tozero", "gridcolor": "#e5e7eb"},
    )
    return fig


def _section(title: str, ident: str, content: str) -> str:
    return f'<section id="{ident}"><h2>{esc(title)}</h2>{content}</section>'


def write_simulation_report(
    daily: pd.DataFrame,
    out: str | Path,
    summary: Mapping[str, Mapping[str, Any]] | None = None,
    title: str = "Season simulation: batch vs C2M",
    notes: Mapping[str, Any] | None = None,
) -> Path:
    """Render and write the page (``out`` may be a directory: ``simulation.html`` in it)."""
    path = Path(out)
    if path.is_dir() or not path.suffix:
        path = path / "simulation.html"
    write_whole(path, render_simulation_page(daily, summary, title, notes))
    return path
