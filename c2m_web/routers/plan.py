"""The plan: KPIs beside the other mode, the Gantt and the load (the report's own figures),
the work orders per line and day, and the downloads (planners: CSV, XLSX, the HTML report).

Data comes from :mod:`c2m.report` (``load_plan_report``, the figures) and
:mod:`c2m.export` (``work_orders``, ``export_plan``), exactly what ``c2m report`` and
``c2m export`` use, so the page and the files agree with the terminal.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session
from starlette.responses import Response

from c2m.db import session_scope
from c2m.export import export_plan, work_orders
from c2m.planning.kpi_registry import format_value
from c2m.planning.stored import list_plans
from c2m.report import load_plan_report, render_plan_page
from c2m.report.figures import gantt_figure, load_figure
from c2m.report.html import figure_div
from c2m.report.kpi_cards import headline, shown_kpis
from c2m.report.line_load import line_load, sewing_lines
from c2m_web.deps import AppState, Viewer, allow, state
from c2m_web.errors import WebError
from c2m_web.pages import render

router = APIRouter(prefix="/plan")

_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _plans(session: Session) -> list[dict]:
    return [
        {"id": p.id, "mode": p.mode, "status": p.status, "start": p.start, "current": p.is_current}
        for p in list_plans(session)
    ]


def _day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise WebError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _kpis(data) -> list[dict]:
    plans = [data.plan] if data.companion is None else [data.plan, data.companion]
    cards = []
    for spec in shown_kpis(*(p.kpis for p in plans)):
        values = []
        for info in plans:
            value = headline(info.kpis.get(spec.key))
            shown = "–" if value is None else format_value(spec.kind, value)
            values.append({"mode": info.mode, "plan": info.id, "text": shown})
        cards.append({"label": spec.label, "cells": values})
    return cards


@router.get("")
def plan_page(
    request: Request,
    plan_id: int | None = None,
    line: str = "",
    day: str = "",
    viewer: Viewer = Depends(allow("merchandiser")),
    app: AppState = Depends(state),
) -> Response:
    # One connection at a time: the plan list, the report's data, then the work orders.
    with session_scope(app.engine) as session:
        plans = _plans(session)
    if not plans:
        context = {"plans": [], "data": None}
        return render(request, "plan.html", context, viewer=viewer)
    data = load_plan_report(app.engine, plan_id)
    config = app.config
    ops = data.operations
    lines = sewing_lines(ops, [ln.id for ln in config.lines])
    start = data.plan.start
    last = start.date() + dt.timedelta(days=max(data.plan.horizon_days - 1, 0))
    if len(ops):
        last = max([last, *(end.date() for end in ops[ops["step"] == "sew"]["end"])])
    load = line_load(ops, config.calendar, lines, start.date(), last)
    with session_scope(app.engine) as session:
        orders = work_orders(session, data.plan.id, config)
    wanted_day = _day(day)
    shown = [
        row
        for row in orders
        if (not line or row["line"] == line)
        and (wanted_day is None or row["date"] == wanted_day.isoformat())
    ]
    context = {
        "plans": plans,
        "data": data,
        "kpis": _kpis(data),
        "gantt": figure_div(
            gantt_figure(ops, config.calendar, lines, start), "gantt", "No operations."
        ),
        "load": figure_div(load_figure(load), "load", "No sewing is booked in this plan."),
        "orders": shown[:500],
        "orders_hidden": max(len(shown) - 500, 0),
        "order_lines": sorted({row["line"] for row in orders}),
        "order_days": sorted({row["date"] for row in orders}),
        "line": line,
        "day": wanted_day.isoformat() if wanted_day else "",
    }
    return render(request, "plan.html", context, viewer=viewer)


@router.get("/{plan_id}/work_orders.{fmt}")
def download_work_orders(
    plan_id: int,
    fmt: str,
    viewer: Viewer = Depends(allow("planner")),
    app: AppState = Depends(state),
) -> Response:
    if fmt not in _TYPES:
        raise WebError("work orders come as csv or xlsx")

    def write() -> bytes:
        with (
            session_scope(app.engine) as session,
            tempfile.TemporaryDirectory(prefix="c2m-export-") as folder,
        ):
            (path,) = export_plan(session, plan_id, fmt, Path(folder), app.config)
            return path.read_bytes()

    body = write()
    headers = {"Content-Disposition": f'attachment; filename="plan-{plan_id}-work_orders.{fmt}"'}
    return Response(body, media_type=_TYPES[fmt], headers=headers)


@router.get("/{plan_id}/report.html")
def download_report(
    plan_id: int, viewer: Viewer = Depends(allow("planner")), app: AppState = Depends(state)
) -> Response:
    def build() -> str:
        return render_plan_page(load_plan_report(app.engine, plan_id), app.config)

    text = build()
    headers = {"Content-Disposition": f'attachment; filename="plan-{plan_id}-report.html"'}
    return Response(text, media_type="text/html; charset=utf-8", headers=headers)
