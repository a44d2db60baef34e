"""A tiny factory world in a real database, small enough for replans of a few seconds."""

from __future__ import annotations

import datetime as dt

from c2m.config import load_config
from c2m.db import open_engine, session_scope
from c2m.models import Fabric, Inventory, Room, SalesSignal, Sku, Style

FIRST_DAY = dt.date(2026, 11, 2)  # a Monday; four weeks of history before NOW
NOW = dt.datetime(2026, 11, 30, 6, 0)  # Monday morning, before the first shift
STYLES = (("TS1", "tshirt"), ("PO1", "polo"))
COLOURS = ("BLK", "WHT")
SIZES = ("M", "L")


def config(**solver):
    """The shipped factory with the solver settings of a test (short limits, one worker)."""
    cfg = load_config()
    raw = cfg.model_dump()
    raw["solver"].update({"time_limit_seconds": 3, "workers": 1, **solver})
    return type(cfg).model_validate(raw)


def skus() -> list[str]:
    return [f"{s}-{c}-{z}" for s, _ in STYLES for c in COLOURS for z in SIZES]


def seed(url: str, days: int = 28, daily: int = 12) -> None:
    """Catalogue, ample fabric, no stock, and ``days`` of signals before :data:`NOW`."""
    engine = open_engine(url)
    with session_scope(engine) as session:
        session.add(Room(room_id="R1", platform="douyin", name="main room"))
        for style, category in STYLES:
            session.add(
                Style(
                    style=style,
                    category=category,
                    fabric=f"F-{style}",
                    fabric_per_unit=0.4,
                    unit_cost=40,
                    price=99,
                )
            )
            session.add(Fabric(fabric=f"F-{style}", unit="kg", on_hand=10_000, roll_size=25))
            for colour in COLOURS:
                for size in SIZES:
                    code = f"{style}-{colour}-{size}"
                    session.add(Sku(sku=code, style=style, colour=colour, size=size))
                    session.add(Inventory(sku=code, on_hand=0, as_of=FIRST_DAY))
    add_signals(url, FIRST_DAY, days, daily)


def add_signals(url: str, first: dt.date, days: int, daily: int, skus_=None) -> None:
    """One evening broadcast a day per SKU: ``daily`` orders (+ a weekly wiggle)."""
    engine = open_engine(url)
    with session_scope(engine) as session:
        for k in range(days):
            day = first + dt.timedelta(days=k)
            for i, sku in enumerate(skus_ or skus()):
                orders = daily + (i % 3) + (2 if day.weekday() >= 5 else 0)
                session.add(
                    SalesSignal(
                        ts=dt.datetime.combine(day, dt.time(20, 0)),
                        room_id="R1",
                        sku=sku,
                        clicks=orders * 40,
                        carts=orders * 3,
                        orders=orders,
                        rank=5,
                    )
                )
