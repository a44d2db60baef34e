"""Stored plans as the rows and figures ``c2m show`` and ``c2m compare`` render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlmodel import Session

from c2m.errors import NotFound
from c2m.planning.stored import StoredPlan, read_plan


def schedule_rows(
    session: Session,
    plan_id: int,
    line: str | None = None,
    day: dt.date | None = None,
    lines: Iterable[str] = (),
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The plan's summary and one row per operation, filtered by resource and by day.

    ``lines``: the factory's line ids, which ``line`` may name even when the plan leaves
    that line idle (an empty schedule, not an error)."""
    view = read_plan(session, plan_id)
    if line is not None:
        line = _resource_named(view, plan_id, line, lines)
    rows = []
    for lot in view.lots:
        for op in lot.ops:
            if line is not None and op.resource != line:
                continue
            if day is not None and not (op.start.date() <= day <= op.end.date()):
                continue
            rows.append(
                {
                    "resource": op.resource,
                    "step": op.step,
                    "start": op.start,
                    "end": op.end,
                    "lot": lot.code,
                    "style": lot.style,
                    "colour": lot.colour,
                    "quantity": lot.quantity,
                    "items": lot.items,
                    "setup_minutes": op.setup_minutes,
                    "changeover_minutes": op.changeover_minutes,
                    "learning_minutes": op.learning_minutes,
                    "late_minutes": lot.late_minutes,
                    "fixed": op.fixed,
                }
            )
    rows.sort(key=lambda r: (_resource_key(r["resource"]), r["start"]))
    return view.as_json(), rows


def _resource_named(view: StoredPlan, plan_id: int, name: str, lines: Iterable[str]) -> str:
    """The resource called ``name`` (any case), among the plan's and the factory's ``lines``:
    a typo is an error that lists them, not an empty schedule that reads like an idle line."""
    used = {op.resource for lot in view.lots for op in lot.ops}
    resources = sorted(used | set(lines), key=_resource_key)
    for resource in resources:
        if resource.casefold() == name.strip().casefold():
            return resource
    raise NotFound(f"plan {plan_id} has no line {name!r}; its lines are {', '.join(resources)}")


def _resource_key(name: str) -> tuple[int, str]:
    """Sewing lines first, then cutting, then finishing."""
    if name.startswith("CUT"):
        return (1, name)
    if name.startswith("FIN"):
        return (2, name)
    return (0, name)


def compare_plans(session: Session, plan_a: int, plan_b: int) -> dict[str, Any]:
    """Both plans' summaries and, for every numeric KPI, the difference b - a."""
    head_a, head_b = read_plan(session, plan_a).header, read_plan(session, plan_b).header
    a, b = head_a.as_json(), head_b.as_json()
    delta = {}
    for key, value in a["kpis"].items():
        other = b["kpis"].get(key)
        numeric = isinstance(value, int | float) and isinstance(other, int | float)
        if numeric and not isinstance(value, bool):
            delta[key] = round(other - value, 4)
    warnings = []
    if (a["start"], a["horizon_days"]) != (b["start"], b["horizon_days"]):
        warnings.append(
            f"plans {plan_a} and {plan_b} cover different periods ({_period(a)} and "
            f"{_period(b)}): totals such as units, lots and costs do not compare one to one"
        )
    warnings += _not_comparable(head_a, head_b)
    return {"plans": [a, b], "difference": delta, "warnings": warnings}


def _not_comparable(a: Any, b: Any) -> list[str]:
    """Why two plans' objectives do not compare: different demand (another forecast, or other
    units due), or an objective that does not price unserved demand (a plan stored before
    ``cost_unserved`` existed). A plan serving less must not read as the cheaper one."""
    out = []
    due_a, due_b = (float(h.kpis.get("units_due") or 0) for h in (a, b))
    if a.forecast_run_id != b.forecast_run_id or abs(due_a - due_b) > 0.005 * max(due_a, due_b):
        out.append(
            f"plans {a.id} and {b.id} plan for different demand ({due_a:,.0f} and "
            f"{due_b:,.0f} units due, forecast runs {a.forecast_run_id} and "
            f"{b.forecast_run_id}): their objectives do not compare"
        )
    old = [str(h.id) for h in (a, b) if "cost_unserved" not in h.kpis]
    if old:
        out.append(
            f"plan {' and '.join(old)} was stored before objectives priced unserved demand: "
            "its objective does not compare with a newer plan's"
        )
    return out


def _period(summary: dict[str, Any]) -> str:
    return f"{summary['horizon_days']} days from {summary['start']:%Y-%m-%d %H:%M}"
