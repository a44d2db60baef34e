"""A tiny, hand-checkable planning world for the planning tests (no database)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from c2m.config import load_config
from c2m.planning.inputs import FabricInfo, PlanningInputs, SkuInfo, StyleInfo

START = dt.datetime(2026, 12, 7)  # a Monday


def config(**solver):
    cfg = load_config()
    if solver:
        raw = cfg.model_dump()
        raw["solver"].update(solver)
        cfg = type(cfg).model_validate(raw)
    return cfg


def world(
    styles=(("TS1", "tshirt"), ("PO1", "polo")),
    colours=("BLK", "WHT"),
    sizes=("M", "L"),
    daily=10.0,
    days=14,
    spread=0.3,
    fabric_on_hand=1e6,
) -> PlanningInputs:
    """Every SKU sells ``daily`` units a day; quantiles ``daily * (1 +- spread...)``."""
    style_info, skus, rows = {}, {}, []
    for style, category in styles:
        style_info[style] = StyleInfo(
            style, category, fabric=f"F-{style}", fabric_per_unit=0.5, unit_cost=40, price=99
        )
        for colour in colours:
            for size in sizes:
                code = f"{style}-{colour}-{size}"
                skus[code] = SkuInfo(code, style, colour, size)
                for d in range(days):
                    rows.append(
                        {
                            "unique_id": code,
                            "ds": START.date() + dt.timedelta(days=d),
                            "yhat": daily,
                            "q10": daily * (1 - 1.28 * spread),
                            "q50": daily,
                            "q80": daily * (1 + 0.84 * spread),
                            "q90": daily * (1 + 1.28 * spread),
                        }
                    )
    fabrics = {
        f"F-{s}": FabricInfo(f"F-{s}", on_hand=fabric_on_hand, unit="kg", roll_size=25)
        for s, _ in styles
    }
    return PlanningInputs(
        styles=style_info, skus=skus, forecast=pd.DataFrame(rows), fabrics=fabrics
    )


def seed_database(url: str, inputs: PlanningInputs) -> int:
    """Writes a planning world into a database; returns the forecast run id."""
    from c2m.db import open_engine, session_scope
    from c2m.models import Fabric, ForecastRun, ForecastValue, Sku, Style

    engine = open_engine(url)
    with session_scope(engine) as session:
        for s in inputs.styles.values():
            session.add(
                Style(
                    style=s.style,
                    category=s.category,
                    fabric=s.fabric,
                    fabric_per_unit=s.fabric_per_unit,
                    unit_cost=s.unit_cost,
                    price=s.price,
                )
            )
        for k in inputs.skus.values():
            session.add(Sku(sku=k.sku, style=k.style, colour=k.colour, size=k.size))
        for f in inputs.fabrics.values():
            session.add(
                Fabric(fabric=f.fabric, unit=f.unit, on_hand=f.on_hand, roll_size=f.roll_size)
            )
        run = ForecastRun(origin=START.date() - dt.timedelta(days=1), horizon=14)
        session.add(run)
        session.flush()
        for r in inputs.forecast.itertuples():
            session.add(
                ForecastValue(
                    run_id=run.id,
                    sku=r.unique_id,
                    ds=r.ds,
                    yhat=r.yhat,
                    q10=r.q10,
                    q50=r.q50,
                    q80=r.q80,
                    q90=r.q90,
                )
            )
        return int(run.id)
