"""What the planner needs, read from the database: the latest forecast, the catalogue,
stock, open orders and fabric, as the in-memory :class:`~c2m.planning.inputs.PlanningInputs`
that :func:`~c2m.planning.planner.make_plan` takes (the planner itself never sees a session).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pandas as pd
from sqlmodel import Session, select

from c2m.errors import DataError
from c2m.models import (
    Fabric,
    FabricDelivery,
    ForecastRun,
    ForecastValue,
    Inventory,
    OpenOrder,
    Sku,
    Style,
)
from c2m.planning.inputs import (
    FabricInfo,
    FrozenLot,
    OpenOrderInfo,
    PlanningInputs,
    SkuInfo,
    StyleInfo,
)


def latest_forecast_run(session: Session) -> ForecastRun | None:
    """The newest forecast run: what a plan starts from unless told otherwise."""
    return session.exec(select(ForecastRun).order_by(ForecastRun.id.desc()).limit(1)).first()


def load_forecast(session: Session, run_id: int) -> pd.DataFrame:
    """A stored forecast run in the long format (``unique_id``, ``ds``, ``yhat``, ``q..``)."""
    rows = session.exec(select(ForecastValue).where(ForecastValue.run_id == run_id)).all()
    return pd.DataFrame(
        [
            {
                "unique_id": r.sku,
                "ds": r.ds,
                "yhat": r.yhat,
                "q10": r.q10,
                "q50": r.q50,
                "q80": r.q80,
                "q90": r.q90,
                "method": r.method,
            }
            for r in rows
        ],
        columns=["unique_id", "ds", "yhat", "q10", "q50", "q80", "q90", "method"],
    )


def load_inputs(
    session: Session,
    forecast: pd.DataFrame,
    frozen_lots: Iterable[FrozenLot] = (),
    previous: Mapping[tuple[str, str], tuple[str, dt.datetime]] | None = None,
    line_state: Mapping[str, tuple[str, str | None]] | None = None,
    extra_on_hand: Mapping[str, int] | None = None,
) -> PlanningInputs:
    """Catalogue, stock, open orders and fabric from the database, plus what the caller knows.

    ``extra_on_hand``: finished units not yet in the last stock count (the replan adds the
    lots completed since then).
    """
    styles = {
        s.style: StyleInfo(
            style=s.style,
            category=s.category,
            sam_minutes=s.sam_minutes,
            fabric=s.fabric,
            fabric_per_unit=s.fabric_per_unit or 0.0,
            unit_cost=s.unit_cost or 0.0,
            price=s.price or 0.0,
            name=s.name or "",
        )
        for s in session.exec(select(Style)).all()
    }
    if not styles:
        raise DataError("the catalogue is empty: import it first (c2m import catalog FILE)")
    skus = {
        s.sku: SkuInfo(s.sku, s.style, s.colour, s.size) for s in session.exec(select(Sku)).all()
    }
    on_hand = {i.sku: int(i.on_hand) for i in session.exec(select(Inventory)).all()}
    for sku, qty in (extra_on_hand or {}).items():
        on_hand[sku] = on_hand.get(sku, 0) + int(qty)
    orders = [
        OpenOrderInfo(o.sku, o.due_date, int(o.quantity))
        for o in session.exec(select(OpenOrder)).all()
    ]
    deliveries: dict[str, list[tuple[dt.date, float]]] = {}
    for d in session.exec(select(FabricDelivery)).all():
        deliveries.setdefault(d.fabric, []).append((d.due_date, float(d.quantity)))
    fabrics = {
        f.fabric: FabricInfo(
            fabric=f.fabric,
            on_hand=float(f.on_hand or 0.0),
            unit=f.unit,
            roll_size=f.roll_size,
            deliveries=tuple(sorted(deliveries.get(f.fabric, []))),
        )
        for f in session.exec(select(Fabric)).all()
    }
    for name, rows in deliveries.items():
        if name not in fabrics:
            fabrics[name] = FabricInfo(name, deliveries=tuple(sorted(rows)))
    return PlanningInputs(
        styles=styles,
        skus=skus,
        forecast=forecast,
        on_hand=on_hand,
        open_orders=orders,
        fabrics=fabrics,
        frozen_lots=list(frozen_lots),
        previous=dict(previous or {}),
        line_state=dict(line_state or {}),
    )
