"""What one forecast reads from the database, as of its origin.

Split out of :mod:`c2m.forecasts` (issue #15) so that reading the inputs -- the long-format
history, the catalogue's hierarchy and the room calendar -- is one module with one job, and
the forecast explanation (:mod:`c2m.forecast_explain`) can rebuild exactly the inputs a stored
run saw without importing the whole forecasting glue. Nothing after the origin is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, select

from c2m.cold_start import load_catalogue
from c2m.errors import DataError
from c2m.models import RoomDay, SalesSignal, Sku, Style
from c2m.room_calendar import CALENDAR_COLUMNS, WEIGHT_DAYS, attach_calendar

#: a SKU with no live-room row in this many days before the origin is not forecast
ACTIVE_DAYS = 28


def load_history(session: Session, until: dt.date | None = None) -> pd.DataFrame:
    """Daily signals per SKU in the long format: ``unique_id``, ``ds``, ``y`` (orders),
    ``clicks``, ``carts``, ``rank`` (best rank in any room), ``price`` (mean over rooms).

    Only whole days up to and including ``until`` are read, so nothing after the forecast
    origin reaches the library.
    """
    day = func.date(SalesSignal.ts)
    stmt = select(
        SalesSignal.sku,
        day.label("ds"),
        func.sum(SalesSignal.orders),
        func.sum(SalesSignal.clicks),
        func.sum(SalesSignal.carts),
        func.min(SalesSignal.rank),
        func.avg(SalesSignal.price),
    ).group_by(SalesSignal.sku, day)
    if until is not None:
        stmt = stmt.where(
            SalesSignal.ts < dt.datetime.combine(until + dt.timedelta(days=1), dt.time())
        )
    rows = session.exec(stmt).all()
    columns = ["unique_id", "ds", "y", "clicks", "carts", "rank", "price"]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    frame["ds"] = pd.to_datetime(frame["ds"])
    for col in columns[2:]:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def load_hierarchy(session: Session, skus: Sequence[str]) -> pd.DataFrame:
    """``unique_id`` -> ``style`` -> ``category`` (finest to coarsest), for known SKUs.

    SKUs the catalogue does not know yet (new in a live room) are left out; the library treats
    each as a group of its own.
    """
    stmt = select(Sku.sku, Sku.style, Style.category).join(Style, Style.style == Sku.style)
    rows = session.exec(stmt).all()
    frame = pd.DataFrame(rows, columns=["unique_id", "style", "category"])
    return frame[frame["unique_id"].isin(set(skus))].reset_index(drop=True)


def load_schedule(session: Session) -> pd.DataFrame:
    """The rooms' calendar: ``date``, ``room_id``, ``broadcast``, ``promotion`` (0/1)."""
    rows = session.exec(
        select(RoomDay.day, RoomDay.room_id, RoomDay.broadcast, RoomDay.promotion)
    ).all()
    frame = pd.DataFrame(rows, columns=["date", "room_id", "broadcast", "promotion"])
    return frame.astype({"broadcast": int, "promotion": int})


def load_room_clicks(session: Session, since: dt.date, until: dt.date) -> pd.DataFrame:
    """Clicks per room and SKU on the days ``since``..``until`` (inclusive)."""
    stmt = (
        select(SalesSignal.room_id, SalesSignal.sku, func.sum(SalesSignal.clicks))
        .where(SalesSignal.ts >= dt.datetime.combine(since, dt.time()))
        .where(SalesSignal.ts < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
        .group_by(SalesSignal.room_id, SalesSignal.sku)
    )
    frame = pd.DataFrame(session.exec(stmt).all(), columns=["room_id", "sku", "clicks"])
    return frame.astype({"clicks": float})


def with_calendar(
    session: Session,
    history: pd.DataFrame,
    hierarchy: pd.DataFrame,
    weights_until: pd.Timestamp,
    horizon_end: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame | None, str]:
    """``history`` with the room calendar's columns, their future rows, and a line saying so.

    See :func:`c2m.room_calendar.attach_calendar`; the future rows are None (and the history
    unchanged) when no calendar was imported or it does not reach ``horizon_end``. Rooms are
    weighed per SKU by its clicks in the ``WEIGHT_DAYS`` up to ``weights_until``, never later.
    """
    schedule = load_schedule(session)
    if schedule.empty:
        return history, None, "no room schedule imported: forecasting without it"
    ids = pd.Index(history["unique_id"].unique())
    styles = hierarchy.drop_duplicates("unique_id").set_index("unique_id")["style"].reindex(ids)
    skus = pd.DataFrame({"sku": ids, "style": styles.fillna(pd.Series(ids, index=ids))})
    since = (weights_until - pd.Timedelta(days=WEIGHT_DAYS - 1)).date()
    clicks = load_room_clicks(session, since, weights_until.date())
    merged, future = attach_calendar(history, clicks, schedule, skus, horizon_end)
    if future is None:
        last = pd.to_datetime(schedule["date"]).max().date()
        return history, None, f"room schedule ends {last}, before {horizon_end.date()}: not used"
    return merged, future, "room schedule read: broadcasts and promotions known ahead"


@dataclass
class ForecastInputs:
    """What one forecast reads from the database, as of its origin."""

    #: every SKU's history up to the origin (launches borrow their analogues from it)
    full: pd.DataFrame
    #: the active SKUs' history with the calendar's columns: what the library forecasts
    history: pd.DataFrame
    hierarchy: pd.DataFrame
    catalogue: pd.DataFrame
    end: pd.Timestamp
    skipped_inactive: int
    #: the calendar's future rows, None without a calendar reaching the horizon
    future: pd.DataFrame | None
    known: tuple[str, ...]
    #: a line saying whether the calendar was read
    calendar: str


def read_inputs(session: Session, origin: dt.date | None, horizon: int) -> ForecastInputs:
    """The history up to ``origin`` (default: the last day with signals) and what goes with it."""
    full = load_history(session, origin)
    if full.empty:
        raise DataError("no live-room signals imported: run `c2m import sales FILE` first")
    catalogue = load_catalogue(session)
    hierarchy = load_hierarchy(session, full["unique_id"].unique())
    end = full["ds"].max()
    history, skipped = select_active(full, end)
    history, future, calendar = with_calendar(
        session, history, hierarchy, end, end + pd.Timedelta(days=horizon)
    )
    known = CALENDAR_COLUMNS if future is not None else ()
    return ForecastInputs(
        full, history, hierarchy, catalogue, end, skipped, future, tuple(known), calendar
    )


def select_active(history: pd.DataFrame, origin: pd.Timestamp) -> tuple[pd.DataFrame, int]:
    """The SKUs with a row in the :data:`ACTIVE_DAYS` up to ``origin``, and how many were not.

    A SKU that stopped selling weeks ago would only be forecast from stale zeros.
    """
    last = history.groupby("unique_id")["ds"].max()
    active = last[last > origin - pd.Timedelta(days=ACTIVE_DAYS)].index
    return history[history["unique_id"].isin(active)], int(len(last) - len(active))
