"""Database tables (SQLModel), the same on SQLite and PostgreSQL.

Natural keys are unique constraints in the database, not only checks in Python, so that two
merchandisers importing at once, or a re-run cron job, can never create duplicates.

Stored times: every datetime column holds a *naive* datetime in the factory's wall-clock time
(the ``factory.timezone`` of the config), whatever the server's own zone. Live rooms, shifts
and cron all speak the factory's local time, and one convention avoids off-by-eight-hours
bugs. Stamps come from :func:`c2m.clock.factory_now`; imported times with an offset are
converted to factory time on the way in (:func:`c2m.clock.to_factory`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, DateTime, PrimaryKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from c2m.clock import factory_now


def _now() -> dt.datetime:
    return factory_now()


def LocalTime(**kwargs: Any) -> Any:
    """A naive local-time column on every SQLModel version (newer ones default to UTC-aware)."""
    return Field(sa_type=DateTime(timezone=False), **kwargs)


# --- catalogue -----------------------------------------------------------------------------


class Style(SQLModel, table=True):
    """A garment design; colours and sizes of it are SKUs."""

    style: str = Field(primary_key=True, max_length=64)
    name: str = ""
    category: str = Field(index=True, max_length=32)
    sam_minutes: float | None = None  # None: the category default from the factory config
    fabric: str | None = Field(default=None, max_length=64)
    fabric_per_unit: float = 0.0  # metres (woven) or kg (knit) per garment, incl. waste
    unit_cost: float = 0.0
    price: float = 0.0
    launch_date: dt.date | None = None


class Sku(SQLModel, table=True):
    """One sellable item: style x colour x size."""

    __table_args__ = (UniqueConstraint("style", "colour", "size", name="uq_sku_style_colour_size"),)

    sku: str = Field(primary_key=True, max_length=96)
    style: str = Field(index=True, max_length=64)
    colour: str = Field(max_length=32)
    size: str = Field(max_length=16)


class Fabric(SQLModel, table=True):
    fabric: str = Field(primary_key=True, max_length=64)
    name: str = ""
    unit: str = "m"  # "m" for woven, "kg" for knit
    on_hand: float = 0.0
    roll_size: float | None = None  # knit fabric is bought by the roll


class FabricDelivery(SQLModel, table=True):
    """Fabric on order: it can be cut from the morning of ``due_date``."""

    __table_args__ = (
        UniqueConstraint("fabric", "due_date", "reference", name="uq_fabric_delivery"),
    )

    id: int | None = Field(default=None, primary_key=True)
    fabric: str = Field(index=True, max_length=64)
    due_date: dt.date
    quantity: float
    reference: str = Field(default="", max_length=64)


class Inventory(SQLModel, table=True):
    """Finished goods on hand per SKU, as counted on ``as_of``."""

    sku: str = Field(primary_key=True, max_length=96)
    on_hand: int = 0
    as_of: dt.date | None = None


class OpenOrder(SQLModel, table=True):
    """Confirmed demand (wholesale or pre-sale orders) that must be made whatever the forecast."""

    __table_args__ = (UniqueConstraint("reference", "sku", name="uq_open_order"),)

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=64)
    sku: str = Field(index=True, max_length=96)
    due_date: dt.date
    quantity: int


# --- live-room signals and imports ---------------------------------------------------------


class Room(SQLModel, table=True):
    room_id: str = Field(primary_key=True, max_length=64)
    platform: str = ""
    name: str = ""


class RoomDay(SQLModel, table=True):
    """One day of a live room's published calendar: will it broadcast, is it a promotion day.

    Known weeks ahead, so the forecaster may read the future rows (``c2m.room_calendar``)."""

    __tablename__ = "room_day"

    room_id: str = Field(primary_key=True, max_length=64)
    day: dt.date = Field(primary_key=True)
    broadcast: bool = True
    promotion: bool = False
    batch_id: int | None = None


class SalesSignal(SQLModel, table=True):
    """What a live room showed for one SKU at one time: the raw material of the forecast."""

    __tablename__ = "sales_signal"
    # The natural key IS the primary key, and on SQLite the table is that one B-tree
    # (WITHOUT ROWID): no surrogate id and no second unique index to keep in step, and a
    # date-sorted export appends at the end of the tree. No secondary indexes: every reader
    # (forecast history, report, replan fingerprint) scans a time range or the whole table
    # in key order; a per-SKU or per-batch index cost an import up to 3x and served no query.
    __table_args__ = (
        PrimaryKeyConstraint("ts", "room_id", "sku", name="pk_signal_ts_room_sku"),
        {"sqlite_with_rowid": False},
    )

    ts: dt.datetime = LocalTime(primary_key=True)
    room_id: str = Field(primary_key=True, max_length=64)
    sku: str = Field(primary_key=True, max_length=96)
    clicks: int = 0
    carts: int = 0
    orders: int = 0
    rank: int | None = None
    price: float | None = None
    batch_id: int | None = None  # the import that last wrote the row (audit; see ImportBatch)


class ImportBatch(SQLModel, table=True):
    """One imported file: what it held and what became of each row."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # sales | catalog | inventory | fabric | orders | schedule
    file: str
    sha256: str = Field(max_length=64)
    started_at: dt.datetime = LocalTime(default_factory=_now)
    finished_at: dt.datetime | None = LocalTime(default=None)
    rows_read: int = 0
    rows_imported: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_skipped: int = 0
    rows_rejected: int = 0


class RejectedRow(SQLModel, table=True):
    """A row that could not be imported, kept word for word so nothing a user sent is lost."""

    __tablename__ = "rejected_row"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(index=True)
    file: str
    line: int
    field: str = ""
    message: str
    raw: str = ""


# --- forecasts -----------------------------------------------------------------------------


class ForecastRun(SQLModel, table=True):
    __tablename__ = "forecast_run"

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = LocalTime(default_factory=_now)
    origin: dt.date  # last day of history the forecast saw
    horizon: int
    freq: str = "D"
    method: str = "auto"
    series: int = 0
    stats: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class ForecastValue(SQLModel, table=True):
    """Demand forecast for one SKU and day, with its spread."""

    __tablename__ = "forecast_value"
    __table_args__ = (UniqueConstraint("run_id", "sku", "ds", name="uq_forecast_run_sku_ds"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(index=True)
    sku: str = Field(max_length=96)
    ds: dt.date
    yhat: float
    q10: float
    q50: float
    q80: float
    q90: float
    method: str = Field(default="", max_length=128)


# --- plans ---------------------------------------------------------------------------------


class Plan(SQLModel, table=True):
    """A production plan; per mode, exactly one plan is current (the one the floor works to)."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = LocalTime(default_factory=_now)
    mode: str = Field(max_length=16)  # batch | c2m
    start: dt.datetime = LocalTime()
    horizon_days: int
    status: str = Field(max_length=16)  # optimal | feasible | fallback
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    forecast_run_id: int | None = None
    replan_run_id: int | None = None
    is_current: bool = False
    kpis: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    # The workshop of a network (c2m plan --network) the plan is for; '' for the single factory
    # of today, so a database of one factory is the network of one. Current per mode and workshop.
    workshop: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})


class Lot(SQLModel, table=True):
    """A production lot: what is cut, sewn and finished together."""

    __table_args__ = (UniqueConstraint("plan_id", "code", name="uq_lot_plan_code"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(index=True)
    code: str = Field(max_length=128)  # stable across replans: how a lot is recognised again
    style: str = Field(max_length=64)
    colour: str | None = Field(default=None, max_length=32)
    quantity: int
    need_date: dt.date
    due: dt.datetime = LocalTime()
    release: dt.datetime = LocalTime()  # earliest cutting start (fabric on hand)
    fabric: str | None = Field(default=None, max_length=64)
    fabric_quantity: float = 0.0
    late_minutes: int = 0
    fixed: bool = False  # on the floor or in the frozen window when planned


class LotItem(SQLModel, table=True):
    """Size/colour breakdown of a lot."""

    __tablename__ = "lot_item"
    __table_args__ = (UniqueConstraint("lot_id", "sku", name="uq_lot_item"),)

    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(index=True)
    sku: str = Field(max_length=96)
    quantity: int


class PlanOperation(SQLModel, table=True):
    """One step of a lot (cut, sew, finish) on one resource, with the changeover before it."""

    __tablename__ = "plan_operation"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(index=True)
    lot_id: int = Field(index=True)
    step: str = Field(max_length=16)
    resource: str = Field(max_length=32)
    start: dt.datetime = LocalTime()
    end: dt.datetime = LocalTime()
    setup_minutes: int = 0
    learning_minutes: int = 0  # part of setup_minutes: ramp-up of a new style (planning)
    fixed: bool = False


class ReplanRun(SQLModel, table=True):
    """One nightly replan, whatever its outcome: the audit trail cron leaves behind."""

    __tablename__ = "replan_run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: dt.datetime = LocalTime(default_factory=_now)
    finished_at: dt.datetime | None = LocalTime(default=None)
    now: dt.datetime | None = LocalTime(default=None)
    mode: str = Field(default="c2m", max_length=16)
    status: str = Field(default="running", max_length=16)
    exit_code: int | None = None
    plan_id: int | None = None
    previous_plan_id: int | None = None
    fingerprint: str = Field(default="", max_length=64)
    message: str = ""
    phases: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
