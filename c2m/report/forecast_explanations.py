"""The plan report's forecast explanations: what ``c2m forecast --explain`` shows, for the
SKUs that carry the most units.

A planner reading the plan asks why a lot is that big; the answer is the forecast of its
biggest SKUs. The run's inputs are read once for all of them, but each explanation refits the
chosen model (seconds), so the page explains a few top SKUs rather than all of them;
``--explain`` answers for any other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import select

from c2m.db import session_scope
from c2m.errors import DataError
from c2m.models import ForecastValue
from c2m.report.html import esc, table

#: SKUs explained on the page, most forecast units first
EXPLAINED_SKUS = 3


def load_explanations(
    engine: Engine, run_id: int | None, count: int = EXPLAINED_SKUS
) -> list[dict[str, Any]]:
    """Explanations of the ``count`` SKUs with the largest forecast in run ``run_id``.

    A SKU that cannot be explained (its inputs gone from the database) is left out; the page
    must not fail for it.
    """
    if run_id is None or count < 1:
        return []
    from c2m.forecast_explain import explain_forecasts  # pandas and the models: page time

    total = func.sum(ForecastValue.yhat)
    with session_scope(engine) as session:
        rows = session.exec(
            select(ForecastValue.sku, total)
            .where(ForecastValue.run_id == run_id)
            .group_by(ForecastValue.sku)
            .order_by(total.desc(), ForecastValue.sku)
            .limit(count)
        ).all()
    try:
        return explain_forecasts(engine, [sku for sku, _ in rows], run_id)
    except DataError:  # the run itself is gone
        return []


def explanations_html(explanations: list[dict[str, Any]]) -> str:
    """One block per SKU: model, total and interval, input contributions, weeks."""
    if not explanations:
        return '<p class="note">No forecast run to explain.</p>'
    return "".join(_one(e) for e in explanations)


def _one(e: dict[str, Any]) -> str:
    lo, hi = e["interval_80"]
    head = (
        f'<h3 id="explain-{esc(e["sku"])}">{esc(e["sku"])}: model {esc(e["method"])}, '
        f"{e['total']:,.0f} units over {e['horizon']} days, 80 % interval {lo:,.0f}-{hi:,.0f}</h3>"
    )
    contributions = table(
        ["input", "units (+ raised it)"],
        [[k, f"{v:+,.1f}"] for k, v in e.get("contributions", {}).items()],
        numeric=["units (+ raised it)"],
    )
    weeks = table(
        ["week", "", "units", "10 %", "90 %"],
        [
            [w["week"], w["kind"], f"{w['units']:,.0f}", _opt(w.get("q10")), _opt(w.get("q90"))]
            for w in e["weeks"]
        ],
        numeric=["units", "10 %", "90 %"],
    )
    return head + contributions + weeks


def _opt(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"
