"""Forecasting glue: signals from the database -> :mod:`forecasting` -> a stored forecast run.

The library knows nothing of databases; this module reads the live-room signals into the long
format (one row per SKU and day, rooms summed), hands the catalogue's style and category to the
library as the hierarchy, and stores the result as one ``ForecastRun`` with its
``ForecastValue`` rows in a single transaction, so a crash never leaves half a forecast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from c2m.cold_start import launches, load_catalogue, skipped_skus
from c2m.config import Guards
from c2m.db import session_scope
from c2m.errors import DataError
from c2m.models import ForecastRun, ForecastValue, RoomDay, SalesSignal, Sku, Style
from c2m.progress import Say, silent
from c2m.room_calendar import CALENDAR_COLUMNS, WEIGHT_DAYS, attach_calendar

#: ``(series done, series total)``, as the forecasting library reports its progress
SeriesProgress = Callable[[int, int], None]

#: observed signals handed to the library. Rank and price are read and kept in the history
#: frame, but on the sample world's true future they made the forecasts worse
#: (``docs/measurements.md``).
SIGNALS = ("clicks", "carts")
#: a SKU with no live-room row in this many days before the origin is not forecast
ACTIVE_DAYS = 28
#: a SKU first seen fewer days than this before the origin counts as new
NEW_DAYS = 28


@dataclass
class ForecastSummary:
    """What ``c2m forecast`` reports; ``run_id`` names the stored run."""

    run_id: int
    origin: dt.date
    horizon: int
    method: str
    series: int
    skipped_inactive: int
    seconds: float
    methods: dict[str, int]
    failures: dict[str, int]
    total: float
    by_category: list[dict[str, Any]] = field(default_factory=list)
    by_style: list[dict[str, Any]] = field(default_factory=list)
    top_movers: list[dict[str, Any]] = field(default_factory=list)
    new_skus: list[dict[str, Any]] = field(default_factory=list)
    #: known-ahead inputs the forecast read (the room calendar's columns), empty without one
    known_ahead: list[str] = field(default_factory=list)
    #: sellable SKUs left without a forecast: ``{"sku", "style", "reason"}``
    skipped: list[dict[str, str]] = field(default_factory=list)
    #: launches forecast from analogues: ``{"sku", "launch", "analogues", "signal_ratio"}``
    launches: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """What ``c2m forecast --json`` prints (and the run's stored statistics)."""
        return {
            "run_id": self.run_id,
            "origin": self.origin.isoformat(),
            "horizon": self.horizon,
            "method": self.method,
            "series": self.series,
            "skipped_inactive": self.skipped_inactive,
            "seconds": round(self.seconds, 3),
            "methods": self.methods,
            "failures": self.failures,
            "total": round(self.total, 2),
            "by_category": self.by_category,
            "by_style": self.by_style,
            "top_movers": self.top_movers,
            "new_skus": self.new_skus,
            "known_ahead": self.known_ahead,
            "skipped": self.skipped,
            "launches": self.launches,
        }


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
    history, skipped = _select_active(full, end)
    history, future, calendar = with_calendar(
        session, history, hierarchy, end, end + pd.Timedelta(days=horizon)
    )
    known = CALENDAR_COLUMNS if future is not None else ()
    return ForecastInputs(
        full, history, hierarchy, catalogue, end, skipped, future, tuple(known), calendar
    )


def _select_active(history: pd.DataFrame, origin: pd.Timestamp) -> tuple[pd.DataFrame, int]:
    last = history.groupby("unique_id")["ds"].max()
    active = last[last > origin - pd.Timedelta(days=ACTIVE_DAYS)].index
    return history[history["unique_id"].isin(active)], int(len(last) - len(active))


def suspicious(
    active: int, skipped: int, origin: dt.date, last_origin: dt.date | None, guards: Guards
) -> list[str]:
    """What looks like bad input rather than the factory's sales: most SKUs inactive (their
    last sale long before the newest, often one mistyped date), or a history that ends far
    from where the last forecast's did. One sentence each."""
    problems = []
    total = active + skipped
    if total and skipped / total > guards.max_inactive_share:
        problems.append(
            f"{skipped} of {total} SKUs have no sales in the {ACTIVE_DAYS} days before "
            f"{origin} and are skipped as inactive; a mistyped date in the last import "
            "can do this"
        )
    if last_origin is not None and abs((origin - last_origin).days) > guards.max_origin_jump_days:
        problems.append(
            f"the history now ends {origin}, {abs((origin - last_origin).days)} days from the "
            f"last forecast's {last_origin} (guards.max_origin_jump_days is "
            f"{guards.max_origin_jump_days})"
        )
    return problems


def _check_method(method: str) -> None:
    from forecasting import MODELS

    if method != "auto" and method not in MODELS:
        known = ", ".join(["auto", *sorted(MODELS)])
        raise DataError(f"unknown forecasting method {method!r}; choose one of: {known}")


def run_forecast(
    engine: Engine,
    horizon: int = 14,
    method: str = "auto",
    origin: dt.date | None = None,
    say: Say = silent,
    progress: SeriesProgress | None = None,
    guards: Guards | None = None,
    unattended: bool = False,
) -> ForecastSummary:
    """Forecast every active SKU ``horizon`` days past ``origin`` and store the run.

    ``origin`` is the last day of history used (default: the last day with signals);
    ``progress`` gets (steps done, steps in all) as the library's model fits finish. When
    most SKUs turn inactive or the start jumps past the last run's (``guards``, see
    :func:`suspicious`), a person is warned through ``say``; an ``unattended`` run (the
    nightly replan) stops with :class:`DataError` instead, storing nothing.
    """
    import time

    import forecasting
    from forecasting.analogues import analogue_forecast

    _check_method(method)
    if horizon < 1:
        raise DataError(f"the horizon must be at least 1 day, not {horizon}")
    with session_scope(engine) as session:
        inputs = read_inputs(session, origin, horizon)
        last = session.exec(select(ForecastRun).order_by(ForecastRun.id.desc()).limit(1)).first()
        last_origin = last.origin if last else None
    full, history, hierarchy, catalogue = (
        inputs.full,
        inputs.history,
        inputs.hierarchy,
        inputs.catalogue,
    )
    end, future, known, skipped = inputs.end, inputs.future, inputs.known, inputs.skipped_inactive
    active = int(history["unique_id"].nunique())
    for problem in suspicious(active, skipped, end.date(), last_origin, guards or Guards()):
        if unattended:
            raise DataError(f"forecast not made: {problem}")
        say(f"warning: {problem}")
    first = (end + pd.Timedelta(days=1)).date()
    say(f"forecasting {active} SKUs {horizon} days from {first} (history to {end.date()})")
    say(inputs.calendar)
    t0 = time.perf_counter()
    try:
        fc = forecasting.forecast(
            history[["unique_id", "ds", "y", *SIGNALS, *known]],
            horizon,
            freq="D",
            method=method,
            future_exog=known,
            future_df=future,
            hierarchy=hierarchy,
            progress=progress,
        )
    except ValueError as exc:
        raise DataError(f"cannot forecast from the imported signals: {exc}") from None
    failures = fc.attrs.get("failures", {})
    cold = analogue_forecast(
        full[["unique_id", "ds", "y", *SIGNALS]],
        catalogue,
        launches(catalogue, full, end, horizon),
        horizon,
    )
    if len(cold.forecast):
        say(f"{len(cold.analogues)} launching SKUs forecast from analogues")
        fc = pd.concat(
            [fc[~fc["unique_id"].isin(list(cold.analogues))], cold.forecast], ignore_index=True
        )
    fc.attrs["failures"] = failures
    seconds = time.perf_counter() - t0
    known_skus = pd.concat([hierarchy, catalogue[["unique_id", "style", "category"]]])
    summary = _summarise(
        fc, history, known_skus.drop_duplicates("unique_id"), end, horizon, method, skipped, seconds
    )
    summary.known_ahead = list(known)
    summary.skipped = skipped_skus(
        catalogue, full, set(fc["unique_id"]), end, horizon, ACTIVE_DAYS, cold.skipped
    )
    launch_of = catalogue.set_index("unique_id")["launch"]
    summary.launches = [
        {
            "sku": sku,
            "launch": launch_of[sku].date().isoformat(),
            "analogues": len(peers),
            "signal_ratio": round(cold.ratio[sku], 3),
        }
        for sku, peers in cold.analogues.items()
    ]
    with session_scope(engine) as session:
        run = ForecastRun(
            origin=end.date(),
            horizon=horizon,
            freq="D",
            method=method,
            series=summary.series,
            stats={k: v for k, v in summary.as_json().items() if k != "run_id"},
        )
        session.add(run)
        session.flush()
        values = [
            {
                "run_id": run.id,
                "sku": str(r.unique_id),
                "ds": r.ds.date(),
                "yhat": float(r.yhat),
                "q10": float(r.q10),
                "q50": float(r.q50),
                "q80": float(r.q80),
                "q90": float(r.q90),
                "method": str(r.method)[:32],
            }
            for r in fc.itertuples(index=False)
        ]
        if values:
            session.execute(insert(ForecastValue), values)
        summary.run_id = int(run.id)
    return summary


def _summarise(fc, history, hierarchy, end, horizon, method, skipped, seconds):
    per_sku = fc.groupby("unique_id")["yhat"].sum()
    recent = history[history["ds"] > end - pd.Timedelta(days=7)].groupby("unique_id")["y"].sum()
    recent = recent.reindex(per_sku.index, fill_value=0.0)
    first = history.groupby("unique_id")["ds"].min().reindex(per_sku.index)
    info = hierarchy.set_index("unique_id").reindex(per_sku.index)
    info["style"] = info["style"].fillna("(unknown)")
    info["category"] = info["category"].fillna("(unknown)")
    table = pd.DataFrame(
        {
            "forecast": per_sku,
            "per_day": per_sku / horizon,
            "last_7d_per_day": recent / 7.0,
            "style": info["style"],
            "category": info["category"],
            "first_seen": first,
        }
    )
    table["change"] = table["per_day"] - table["last_7d_per_day"]
    movers = table.reindex(table["change"].abs().sort_values(ascending=False).index).head(10)
    new = table[table["first_seen"] > end - pd.Timedelta(days=NEW_DAYS)]
    new = new.sort_values("forecast", ascending=False).head(20)

    def rows(frame, cols):
        return [{"sku": str(i), **{c: _plain(frame.at[i, c]) for c in cols}} for i in frame.index]

    def totals(key):
        g = table.groupby(key)["forecast"].agg(["sum", "size"]).sort_values("sum", ascending=False)
        return [
            {key: str(k), "forecast": round(float(v["sum"]), 2), "skus": int(v["size"])}
            for k, v in g.iterrows()
        ]

    return ForecastSummary(
        run_id=0,
        origin=end.date(),
        horizon=horizon,
        method=method,
        series=len(per_sku),
        skipped_inactive=skipped,
        seconds=seconds,
        methods={str(k): int(v) // horizon for k, v in fc["method"].value_counts().items()},
        failures={str(k): int(v) for k, v in fc.attrs.get("failures", {}).items()},
        total=float(per_sku.sum()),
        by_category=totals("category"),
        by_style=totals("style"),
        top_movers=rows(movers, ["style", "per_day", "last_7d_per_day", "change"]),
        new_skus=rows(new, ["style", "first_seen", "forecast"]),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float | np.floating):
        return round(float(value), 2)
    return value


def run_backtest(
    engine: Engine,
    horizon: int = 7,
    folds: int = 4,
    methods: Sequence[str] = ("auto", "seasonal_naive", "naive"),
    say: Say = silent,
    progress: SeriesProgress | None = None,
) -> dict[str, Any]:
    """Rolling-origin evaluation on the database's history; nothing is stored.

    Returns ``{"horizon", "folds", "origin", "series", "methods": [...]}``; each method row has
    the library's columns (``method``, ``wape``, ``mase``, ``bias``, ``coverage_80``,
    ``seconds``, ``pinball``, the same for new SKUs, ...).
    """
    import forecasting

    for m in methods:
        _check_method(m)
    if horizon < 1 or folds < 1:
        raise DataError("the horizon and the number of folds must be at least 1")
    with session_scope(engine) as session:
        history = load_history(session)
        if history.empty:
            raise DataError("no live-room signals imported: run `c2m import sales FILE` first")
        hierarchy = load_hierarchy(session, history["unique_id"].unique())
        end = history["ds"].max()
        history, _ = _select_active(history, end)
        # rooms weighed by the clicks before the first fold: no fold sees its own future
        first_origin = end - pd.Timedelta(days=folds * horizon)
        history, future, calendar = with_calendar(session, history, hierarchy, first_origin, end)
    known = CALENDAR_COLUMNS if future is not None else ()
    say(calendar)
    say(
        f"backtesting {', '.join(methods)} on {history['unique_id'].nunique()} SKUs: "
        f"{folds} folds of {horizon} days"
    )
    try:
        table = forecasting.backtest(
            history[["unique_id", "ds", "y", *SIGNALS, *known]],
            horizon,
            folds,
            freq="D",
            methods=tuple(methods),
            future_exog=known,
            hierarchy=hierarchy,
            progress=progress,
        )
    except ValueError as exc:
        raise DataError(f"cannot backtest on the imported signals: {exc}") from None
    records = []
    for row in table.to_dict("records"):
        records.append({k: _json_number(v) for k, v in row.items()})
    return {
        "horizon": horizon,
        "folds": folds,
        "origin": end.date().isoformat(),
        "series": int(history["unique_id"].nunique()),
        "known_ahead": list(known),
        "methods": records,
    }


def _json_number(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    return value
