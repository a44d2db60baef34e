"""The one test world: a small catalogue, its signals and forecasts, and the factory configs.

Tests of planning, replan, simulation and forecasting build their inputs here, so a change
to the catalogue's shape or to a config's solver settings is made once. Everything is small
enough to check by hand and to plan in a second or two with a deterministic solver budget:

- the catalogue: two styles (a tshirt and a polo) x two colours x two sizes, eight SKUs;
- the planning world (:func:`planning_inputs`): a flat forecast for every SKU, no database;
- the replan world (:func:`seed_replan_world`): the catalogue, ample fabric, no stock and
  four weeks of live-room signals in a real database, up to :data:`NOW`;
- the configs: the shipped factory with a test's solver settings, or two lines only, and
  a short simulation season on those two lines;
- synthetic forecasting panels (:func:`frame`, :func:`weekly`, :func:`poisson_panel`) with
  a known answer.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session

from c2m.config import DEFAULT_CONFIG, FactoryConfig, load_config
from c2m.db import open_engine, session_scope
from c2m.models import (
    Fabric,
    ForecastRun,
    ForecastValue,
    Inventory,
    Room,
    SalesSignal,
    Sku,
    Style,
)
from c2m.planning.inputs import FabricInfo, PlanningInputs, SkuInfo, StyleInfo
from c2m.simulation import Disturbances, SimulationOptions

# --- the catalogue -------------------------------------------------------------------------

STYLES = (("TS1", "tshirt"), ("PO1", "polo"))
COLOURS = ("BLK", "WHT")
SIZES = ("M", "L")

#: the planning world's first day: a Monday
START = dt.datetime(2026, 12, 7)
#: the replan world's history starts on a Monday, four weeks before NOW
FIRST_DAY = dt.date(2026, 11, 2)
#: the replan world's "now": Monday morning, before the first shift
NOW = dt.datetime(2026, 11, 30, 6, 0)


def sku_codes(
    styles: Iterable[tuple[str, str]] = STYLES,
    colours: Iterable[str] = COLOURS,
    sizes: Iterable[str] = SIZES,
) -> list[str]:
    """SKU codes ``STYLE-COLOUR-SIZE`` in catalogue order (style, then colour, then size)."""
    return [f"{s}-{c}-{z}" for s, _ in styles for c in colours for z in sizes]


# --- factory configs -----------------------------------------------------------------------

#: solver settings for tests that run the whole replan: short, one worker
TEST_SOLVER: dict[str, Any] = {"time_limit_seconds": 3, "workers": 1}


def config(**solver: Any) -> FactoryConfig:
    """The shipped factory, with ``solver`` settings changed when given."""
    cfg = load_config()
    if not solver:
        return cfg
    raw = cfg.model_dump()
    raw["solver"].update(solver)
    return type(cfg).model_validate(raw)


def replan_config(**solver: Any) -> FactoryConfig:
    """The shipped factory with :data:`TEST_SOLVER` (then ``solver``) as its solver settings."""
    return config(**{**TEST_SOLVER, **solver})


def two_line_config() -> FactoryConfig:
    """The shipped factory cut to lines L1 and L2, both sewing every category.

    The sample world scales demand to the factory's sewing capacity, so two lines give a
    season the planner solves in a second or two a day, and the demand can really be made.
    """
    cfg = load_config()
    raw = cfg.model_dump()
    lines = [line for line in raw["lines"] if line["id"] in ("L1", "L2")]
    for line in lines:
        line["categories"] = sorted(raw["categories"])
    raw["lines"] = lines
    return type(cfg).model_validate(raw)


def two_line_config_file(folder: Path) -> Path:
    """:func:`two_line_config` as a TOML file in ``folder``, for tests that run the CLI."""
    text = DEFAULT_CONFIG.read_text()
    blocks = re.split(r"(?=\n\[)", text)  # one block per table
    kept = [b for b in blocks if not re.search(r'id = "L[3-6]"', b)]
    every = '["tshirt", "polo", "hoodie", "jeans", "shirt", "dress"]'
    kept = [re.sub(r"categories = \[[^\]]*\]", f"categories = {every}", b) for b in kept]
    path = folder / "small.toml"
    path.write_text("".join(kept))
    return path


def simulation_options(**changes: Any) -> SimulationOptions:
    """A short season (3 days, seed 3) of a three-style default world, for
    :func:`two_line_config`, with a one-unit deterministic budget per daily plan."""
    base: dict[str, Any] = {
        "days": 3,
        "seed": 3,
        "scenario": "default",
        "history_days": 42,
        "time_limit": 1.0,
        "workers": 1,
        "world_overrides": (("styles", 3),),
        "disturbances": Disturbances(),
    }
    base.update(changes)
    return SimulationOptions(**base)


# --- the planning world (no database) ------------------------------------------------------


def planning_inputs(
    styles: Iterable[tuple[str, str]] = STYLES,
    colours: Iterable[str] = COLOURS,
    sizes: Iterable[str] = SIZES,
    daily: float = 10.0,
    days: int = 14,
    spread: float = 0.3,
    fabric_on_hand: float = 1e6,
) -> PlanningInputs:
    """Every SKU sells ``daily`` units a day from :data:`START`; quantiles
    ``daily * (1 +- z * spread)``, so netting and lot sizes can be checked by hand."""
    styles, colours, sizes = tuple(styles), tuple(colours), tuple(sizes)
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


def seed_planning_world(url: str, inputs: PlanningInputs) -> int:
    """Writes a planning world (catalogue, fabric, one forecast run) into a database; returns
    the forecast run's id."""
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


# --- the replan world (a database with live-room history) ----------------------------------


def seed_replan_world(url: str, days: int = 28, daily: int = 12) -> None:
    """Catalogue, ample fabric, no stock, one live room and ``days`` of signals before
    :data:`NOW`: small enough for replans of a few seconds."""
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


def add_signals(
    url: str, first: dt.date, days: int, daily: int, skus: list[str] | None = None
) -> None:
    """One evening broadcast a day per SKU in room R1: ``daily`` orders plus a small per-SKU
    offset and a weekend lift, with clicks and carts in proportion."""
    engine = open_engine(url)
    with session_scope(engine) as session:
        _add_signals(session, first, days, daily, skus or sku_codes())


def _add_signals(session: Session, first: dt.date, days: int, daily: int, skus: list[str]) -> None:
    for k in range(days):
        day = first + dt.timedelta(days=k)
        for i, sku in enumerate(skus):
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


# --- synthetic forecasting panels ----------------------------------------------------------

#: a week of a shop that sells most at the weekend
WEEK = np.array([10.0, 8.0, 8.0, 9.0, 12.0, 20.0, 25.0])


def frame(
    series: dict[str, np.ndarray], start: str = "2026-01-05", **signals: dict[str, np.ndarray]
) -> pd.DataFrame:
    """Long frame from ``{id: y}`` (and ``{name: {id: values}}`` signal columns)."""
    parts = []
    for uid, y in series.items():
        ds = pd.date_range(start, periods=len(y), freq="D")
        part = pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.asarray(y, float)})
        for name, values in signals.items():
            part[name] = np.asarray(values[uid], float)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def weekly(n_weeks: int = 10, scale: float = 1.0) -> np.ndarray:
    """:data:`WEEK` repeated ``n_weeks`` times."""
    return np.tile(WEEK * scale, n_weeks)


def poisson_panel(n: int = 40, T: int = 84, seed: int = 0) -> pd.DataFrame:
    """Weekly-patterned Poisson demand with clicks that track the level (a calm shop)."""
    rng = np.random.default_rng(seed)
    series, clicks = {}, {}
    for i in range(n):
        level = rng.gamma(2.0, 3.0)
        lam = level * np.tile(WEEK / WEEK.mean(), T // 7 + 1)[:T]
        series[f"s{i:02d}"] = rng.poisson(lam)
        clicks[f"s{i:02d}"] = rng.poisson(lam * 25)
    return frame(series, clicks=clicks)
