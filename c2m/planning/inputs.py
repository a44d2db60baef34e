"""What the planner needs to know, as plain in-memory data (no database, no config file).

The simulation builds these directly each simulated day; :mod:`c2m.planning.db_inputs` builds
them from the database. Keeping the core free of sessions is what lets one planning code path
serve ``c2m plan``, the nightly replan and a 28-day simulation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

MODES = ("batch", "c2m")
STEPS = ("cut", "sew", "finish")


@dataclass(frozen=True)
class StyleInfo:
    """Style-level catalogue facts. ``sam_minutes`` None: use the category default."""

    style: str
    category: str
    sam_minutes: float | None = None
    fabric: str | None = None
    fabric_per_unit: float = 0.0
    unit_cost: float = 0.0
    price: float = 0.0
    name: str = ""


@dataclass(frozen=True)
class SkuInfo:
    sku: str
    style: str
    colour: str
    size: str


@dataclass(frozen=True)
class FabricInfo:
    """Fabric stock at the plan start and deliveries on order (usable from their due date)."""

    fabric: str
    on_hand: float = 0.0
    unit: str = "m"
    roll_size: float | None = None
    deliveries: tuple[tuple[dt.date, float], ...] = ()


@dataclass(frozen=True)
class OpenOrderInfo:
    sku: str
    due_date: dt.date
    quantity: int


@dataclass(frozen=True)
class FrozenOp:
    """An operation that must stay where it is (started, or inside the frozen window)."""

    step: str
    resource: str
    start: dt.datetime
    end: dt.datetime
    # the changeover (+ ramp-up) minutes the floor's plan gives it; None: the matrix decides
    setup_minutes: int | None = None


@dataclass(frozen=True)
class FrozenLot:
    """A lot the plan may not move: started on the floor, or inside the replan's frozen
    window. It keeps its code, quantity and pinned steps, and is stored with ``fixed`` set.

    Its units count as work in progress when netting. Steps before the first one in
    ``ops`` are done; steps after the last one are scheduled freely after it.
    """

    code: str
    style: str
    colour: str | None
    items: tuple[tuple[str, int], ...]
    need_date: dt.date
    due: dt.datetime
    ops: tuple[FrozenOp, ...] = ()

    @property
    def quantity(self) -> int:
        return sum(q for _, q in self.items)


@dataclass(frozen=True)
class PreviousLot:
    """A free (not frozen) lot of the plan being replaced (``StoredLot.as_previous``): the
    replan lets a new lot of the same style-colour and a nearby need date take its code, so
    it is recognised again."""

    code: str
    style: str
    colour: str | None
    need_date: dt.date
    skus: tuple[str, ...] = ()


@dataclass
class PlanningInputs:
    """Everything the planner knows at the plan start.

    ``forecast`` is the long format of :func:`forecasting.forecast` with ``unique_id`` (or
    ``sku``), ``ds``, ``yhat`` and quantile columns ``q10``... ``previous`` maps
    ``(lot code, step)`` to ``(resource, start)`` of the plan being replaced (stability
    term); ``line_state`` maps a line to the ``(style, colour)`` it is set up for now.
    """

    styles: dict[str, StyleInfo]
    skus: dict[str, SkuInfo]
    forecast: pd.DataFrame
    on_hand: dict[str, int] = field(default_factory=dict)
    open_orders: list[OpenOrderInfo] = field(default_factory=list)
    fabrics: dict[str, FabricInfo] = field(default_factory=dict)
    frozen_lots: list[FrozenLot] = field(default_factory=list)
    previous: dict[tuple[str, str], tuple[str, dt.datetime]] = field(default_factory=dict)
    line_state: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    previous_lots: list[PreviousLot] = field(default_factory=list)
    # SKUs new to the rooms (no sales before the plan start): their first lot is a test run
    # (``first_run``); SKUs the forecast marks ``analogue`` (launches) are new as well
    new_skus: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: lot policy ``mode``, start, horizon and solver settings.

    ``None`` for a solver setting means the factory config's ``[solver]`` value.
    ``deterministic``: same plan for the same inputs, seed and workers (the replan and the
    simulation need it) at the price of a solve that may run past ``time_limit`` on a busy
    machine; off, the limit is wall-clock.
    """

    mode: str = "c2m"
    start: dt.datetime | None = None
    horizon_days: int = 14
    time_limit: float | None = None
    workers: int | None = None
    seed: int | None = None
    deterministic: bool = False
    strict: bool = False  # a SKU missing from the catalogue stops the plan (else: set aside)

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}")
        if self.horizon_days < 1:
            raise ValueError("horizon_days must be at least 1")
        if self.time_limit is not None and self.time_limit <= 0:
            raise ValueError("time_limit must be positive")
