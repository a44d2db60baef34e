"""A sample world as the planner's static inputs: catalogue, fabrics, open orders.

The simulation never hands the planner the world itself (it holds the future); it hands it
these plain dataclasses, built once, plus what the day loop knows each night (stock, floor,
forecast from the past only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from c2m.planning.inputs import OpenOrderInfo, SkuInfo, StyleInfo
from c2m.sample import SampleWorld


@dataclass(frozen=True)
class Catalogue:
    """What the factory knows about its products (no demand in here)."""

    styles: dict[str, StyleInfo]
    skus: dict[str, SkuInfo]
    price: dict[str, float]  # per SKU
    unit_cost: dict[str, float]  # per SKU
    fabric_per_unit: dict[str, float]  # per SKU
    fabric_of: dict[str, str | None]  # per SKU


def catalogue(world: SampleWorld) -> Catalogue:
    cat = world.catalog
    styles: dict[str, StyleInfo] = {}
    for row in cat.drop_duplicates("style").itertuples(index=False):
        styles[row.style] = StyleInfo(
            style=row.style,
            category=row.category,
            sam_minutes=float(row.sam_minutes),
            fabric=row.fabric or None,
            fabric_per_unit=float(row.fabric_per_unit),
            unit_cost=float(row.unit_cost),
            price=float(row.price),
            name=str(row.name),
        )
    skus = {r.sku: SkuInfo(r.sku, r.style, r.colour, r.size) for r in cat.itertuples(index=False)}
    return Catalogue(
        styles=styles,
        skus=skus,
        price=dict(zip(cat["sku"], cat["price"].astype(float), strict=True)),
        unit_cost=dict(zip(cat["sku"], cat["unit_cost"].astype(float), strict=True)),
        fabric_per_unit=dict(zip(cat["sku"], cat["fabric_per_unit"].astype(float), strict=True)),
        fabric_of=dict(zip(cat["sku"], cat["fabric"], strict=True)),
    )


def initial_stock(world: SampleWorld) -> dict[str, int]:
    inv = world.inventory
    return {s: int(q) for s, q in zip(inv["sku"], inv["on_hand"], strict=True) if q > 0}


def open_orders(world: SampleWorld) -> list[OpenOrderInfo]:
    """Confirmed orders (wholesale, room pre-sales): demand on their due date, known ahead."""
    out = []
    for row in world.orders.itertuples(index=False):
        due = pd.Timestamp(row.due_date).date()
        out.append(OpenOrderInfo(str(row.sku), due, int(row.quantity)))
    return out


@dataclass(frozen=True)
class Delivery:
    fabric: str
    promised: dt.date
    arrives: dt.date  # the real day (later than promised when the supplier is late)
    quantity: float


def fabric_stock(world: SampleWorld) -> tuple[dict[str, float], dict[str, dict]]:
    """Fabric on hand at the start, and each fabric's unit and roll size."""
    on_hand, meta = {}, {}
    for row in world.fabrics.itertuples(index=False):
        on_hand[row.fabric] = float(row.on_hand)
        roll = float(row.roll_size) if pd.notna(row.roll_size) else None
        meta[row.fabric] = {"unit": row.unit, "roll_size": roll}
    return on_hand, meta
