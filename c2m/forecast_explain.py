"""``c2m forecast --explain SKU``: what one SKU's stored forecast stands on.

A planner about to cut fabric for a forecast wants four things on one page: which model made
it, what each input was worth (:func:`forecasting.explain.explain` measures it by taking the
input away), how the last 4 weeks sold next to what is forecast, and how wide the interval is.
The explanation is rebuilt from the same history, calendar and model as the stored run, so it
explains that run and not a new one.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from c2m.db import session_scope
from c2m.errors import DataError
from c2m.forecast_inputs import ForecastInputs, read_inputs
from c2m.forecasts import SIGNALS
from c2m.models import ForecastRun, ForecastValue

#: past weeks shown beside the forecast
WEEKS = 4


def explain_forecast(engine: Engine, sku: str, run_id: int | None = None) -> dict[str, Any]:
    """The explanation of ``sku`` in run ``run_id`` (default: the newest run), as plain data.

    Keys: ``sku``, ``run_id``, ``origin``, ``method``, ``contributions`` (input -> units over
    the horizon, largest first), ``analogues`` (launches only), ``weeks`` (the last
    ``WEEKS`` weeks' orders, then the forecast weeks with their 10-90 % interval), ``days`` (the
    forecast per day with its quantiles) and ``total`` with ``interval_80``.
    """
    (only,) = explain_forecasts(engine, [sku], run_id, skip_missing=False)
    return only


def explain_forecasts(
    engine: Engine, skus: list[str], run_id: int | None = None, skip_missing: bool = True
) -> list[dict[str, Any]]:
    """:func:`explain_forecast` for several SKUs of one run, reading the run's inputs (the
    whole history and calendar) once rather than once per SKU. A SKU the run does not hold,
    or whose inputs are gone from the database, is left out (``skip_missing``) or raises
    :class:`DataError` naming the reason."""
    with session_scope(engine) as session:
        run = _run(session, run_id)
        stored: dict[str, list[ForecastValue]] = {}
        for sku in skus:
            values = session.exec(
                select(ForecastValue)
                .where(ForecastValue.run_id == run.id, ForecastValue.sku == sku)
                .order_by(ForecastValue.ds)  # type: ignore[arg-type]
            ).all()
            if values:
                stored[sku] = list(values)
            elif not skip_missing:
                raise DataError(_not_in_run(run, sku))
        inputs = read_inputs(session, run.origin, run.horizon) if stored else None
    out = []
    for sku, values in stored.items():
        assert inputs is not None  # read whenever a SKU has values
        try:
            out.append(_explain(run, inputs, sku, values))
        except DataError:
            if not skip_missing:
                raise
    return out


def _explain(
    run: ForecastRun, inputs: ForecastInputs, sku: str, values: list[ForecastValue]
) -> dict[str, Any]:
    """One SKU's explanation from its stored values and the run's inputs."""
    days = pd.DataFrame(
        [
            {"ds": v.ds, "yhat": v.yhat, "q10": v.q10, "q50": v.q50, "q80": v.q80, "q90": v.q90}
            for v in values
        ]
    )
    method = values[0].method
    out: dict[str, Any] = {
        "sku": sku,
        "run_id": int(run.id or 0),
        "origin": run.origin.isoformat(),
        "horizon": run.horizon,
        "method": method,
        "analogues": [],
    }
    if method == "analogue":
        out.update(_launch_contributions(inputs, sku, run.horizon, days))
    else:
        out["contributions"] = _model_contributions(inputs, sku, run.horizon, method)
    out["weeks"] = _weeks(inputs.full, sku, inputs.end, days)
    out["days"] = [
        {"date": pd.Timestamp(r.ds).date().isoformat(), **_round(r, ("yhat", "q10", "q50", "q90"))}
        for r in days.itertuples(index=False)
    ]
    out["total"] = round(float(days["yhat"].sum()), 1)
    out["interval_80"] = [round(float(days["q10"].sum()), 1), round(float(days["q90"].sum()), 1)]
    return out


def _run(session: Session, run_id: int | None) -> ForecastRun:
    if run_id is not None:
        run = session.get(ForecastRun, run_id)
        if run is None:
            raise DataError(f"no forecast run {run_id}: `c2m forecast` stores one")
        return run
    run = session.exec(select(ForecastRun).order_by(ForecastRun.id.desc())).first()  # type: ignore[union-attr]
    if run is None:
        raise DataError("no forecast stored yet: run `c2m forecast` first")
    return run


def _not_in_run(run: ForecastRun, sku: str) -> str:
    """One sentence saying why ``sku`` has no forecast in ``run``, with the run's own reason."""
    for row in (run.stats or {}).get("skipped", []):
        if row.get("sku") == sku:
            return f"SKU {sku} is not in forecast run {run.id}: {row['reason']}"
    return f"SKU {sku} is not in forecast run {run.id}; check the SKU code"


def _model_contributions(
    inputs: ForecastInputs, sku: str, horizon: int, method: str
) -> dict[str, float]:
    from forecasting.explain import explain

    frame = inputs.history[["unique_id", "ds", "y", *SIGNALS, *inputs.known]]
    try:
        result = explain(
            frame,
            sku,
            horizon,
            method,
            future_exog=inputs.known,
            future_df=inputs.future,
            hierarchy=inputs.hierarchy,
        )
    except ValueError as exc:
        raise DataError(f"cannot explain the forecast of {sku}: {exc}") from None
    ranked = sorted(result.contributions.items(), key=lambda kv: -abs(kv[1]))
    return {k: round(v, 1) for k, v in ranked}


def _launch_contributions(
    inputs: ForecastInputs, sku: str, horizon: int, days: pd.DataFrame
) -> dict[str, Any]:
    """A launch's forecast is its analogues' curve times its first signals' ratio."""
    from forecasting.analogues import analogue_forecast

    cold = analogue_forecast(
        inputs.full[["unique_id", "ds", "y", *SIGNALS]], inputs.catalogue, [sku], horizon
    )
    ratio = cold.ratio.get(sku, 1.0)
    total = float(days["yhat"].sum())
    curve = total / ratio if ratio > 0 else total
    return {
        "contributions": {
            "analogues' launch curve": round(curve, 1),
            f"first clicks and carts (x{ratio:.2f})": round(total - curve, 1),
        },
        "analogues": cold.analogues.get(sku, []),
        "signal_ratio": round(ratio, 3),
    }


def _weeks(
    full: pd.DataFrame, sku: str, end: pd.Timestamp, days: pd.DataFrame
) -> list[dict[str, Any]]:
    """The last ``WEEKS`` weeks' orders, then the forecast's weeks with their interval."""
    own = full[full["unique_id"] == sku].set_index("ds")["y"]
    rows = []
    for w in range(WEEKS, 0, -1):
        first = end - pd.Timedelta(days=7 * w - 1)
        last = first + pd.Timedelta(days=6)
        sold = float(own[(own.index >= first) & (own.index <= last)].sum())
        rows.append({"week": _span(first, last), "kind": "sold", "units": round(sold, 1)})
    dates = pd.to_datetime(days["ds"])
    for k in range(0, len(days), 7):
        part = days.iloc[k : k + 7]
        rows.append(
            {
                "week": _span(dates.iloc[k], dates.iloc[min(k + 6, len(days) - 1)]),
                "kind": "forecast",
                "units": round(float(part["yhat"].sum()), 1),
                "q10": round(float(part["q10"].sum()), 1),
                "q90": round(float(part["q90"].sum()), 1),
            }
        )
    return rows


def _span(first: pd.Timestamp, last: pd.Timestamp) -> str:
    return f"{first.date().isoformat()}..{last.date().isoformat()}"


def _round(row: Any, cols: tuple[str, ...]) -> dict[str, float]:
    return {c: round(float(getattr(row, c)), 2) for c in cols}
