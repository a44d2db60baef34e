"""Forecasting glue: signals from the database -> :mod:`forecasting` -> a stored forecast run.

The library knows nothing of databases; this module reads the live-room signals into the long
format (one row per SKU and day, rooms summed), hands the catalogue's style and category to the
library as the hierarchy, and stores the result as one ``ForecastRun`` with its
``ForecastValue`` rows in a single transaction, so a crash never leaves half a forecast.
Reading the inputs lives in :mod:`c2m.forecast_inputs`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import select

from c2m.cold_start import launches, skipped_skus
from c2m.config import Guards
from c2m.db import session_scope
from c2m.errors import DataError
from c2m.forecast_inputs import (
    ACTIVE_DAYS,
    ForecastInputs,
    load_hierarchy,
    load_history,
    read_inputs,
    select_active,
    with_calendar,
)
from c2m.models import ForecastRun, ForecastValue
from c2m.progress import Say, silent
from c2m.room_calendar import CALENDAR_COLUMNS

if TYPE_CHECKING:
    from forecasting.analogues import ColdStart

#: ``(series done, series total)``, as the forecasting library reports its progress
SeriesProgress = Callable[[int, int], None]

#: observed signals handed to the library. Rank and price are read and kept in the history
#: frame, but on the sample world's true future they made the forecasts worse
#: (``docs/measurements.md``).
SIGNALS = ("clicks", "carts")
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

    _check_method(method)
    if horizon < 1:
        raise DataError(f"the horizon must be at least 1 day, not {horizon}")
    inputs, last_origin = _read(engine, origin, horizon)
    _guard(inputs, last_origin, horizon, guards or Guards(), unattended, say)
    t0 = time.perf_counter()
    fc, cold = _forecast_all(inputs, horizon, method, progress, say)
    seconds = time.perf_counter() - t0
    summary = _summary_of(fc, cold, inputs, horizon, method, seconds)
    summary.run_id = _store(engine, fc, summary, inputs.end, horizon, method)
    return summary


def _read(
    engine: Engine, origin: dt.date | None, horizon: int
) -> tuple[ForecastInputs, dt.date | None]:
    """The run's inputs and the last stored run's origin, read in one session so both see the
    same database."""
    with session_scope(engine) as session:
        inputs = read_inputs(session, origin, horizon)
        last = session.exec(select(ForecastRun).order_by(ForecastRun.id.desc()).limit(1)).first()
        last_origin = last.origin if last else None
    return inputs, last_origin


def _guard(
    inputs: ForecastInputs,
    last_origin: dt.date | None,
    horizon: int,
    guards: Guards,
    unattended: bool,
    say: Say,
) -> None:
    """Warn about (or, ``unattended``, refuse) inputs that look wrong, then say what is about to
    be forecast: a person reads the warnings before the long model fits start."""
    end = inputs.end
    active = int(inputs.history["unique_id"].nunique())
    for problem in suspicious(active, inputs.skipped_inactive, end.date(), last_origin, guards):
        if unattended:
            raise DataError(f"forecast not made: {problem}")
        say(f"warning: {problem}")
    first = (end + pd.Timedelta(days=1)).date()
    say(f"forecasting {active} SKUs {horizon} days from {first} (history to {end.date()})")
    say(inputs.calendar)


def _forecast_all(
    inputs: ForecastInputs,
    horizon: int,
    method: str,
    progress: SeriesProgress | None,
    say: Say,
) -> tuple[pd.DataFrame, ColdStart]:
    """The library's forecast of the active SKUs, with launches replaced by their analogues'.

    Launches have too little history of their own, so :func:`analogue_forecast` borrows from
    similar SKUs in the full history; the library's failures are kept in ``attrs``.
    """
    import forecasting

    full, history, catalogue, end = inputs.full, inputs.history, inputs.catalogue, inputs.end
    known = inputs.known
    try:
        fc = forecasting.forecast(
            history[["unique_id", "ds", "y", *SIGNALS, *known]],
            horizon,
            freq="D",
            method=method,
            future_exog=known,
            future_df=inputs.future,
            hierarchy=inputs.hierarchy,
            progress=progress,
        )
    except ValueError as exc:
        raise DataError(f"cannot forecast from the imported signals: {exc}") from None
    failures = fc.attrs.get("failures", {})
    fc, cold = with_launches(fc, full, catalogue, end, horizon)
    if len(cold.forecast):
        say(f"{len(cold.analogues)} launching SKUs forecast from analogues")
    fc.attrs["failures"] = failures
    return fc, cold


def with_launches(
    fc: pd.DataFrame, full: pd.DataFrame, catalogue: pd.DataFrame, end: pd.Timestamp, horizon: int
) -> tuple[pd.DataFrame, ColdStart]:
    """``fc`` with every launch of the horizon forecast from its analogues (method
    ``analogue``, which the planner cuts as a first run) in place of its own few days.

    One function for the nightly forecast and the season simulation, so that a simulated
    season tests the cold start production runs. ``full`` is every SKU's history up to
    ``end``; ``catalogue`` has ``unique_id``, ``style``, ``category``, ``price``, ``launch``.
    """
    from forecasting.analogues import analogue_forecast

    cold = analogue_forecast(
        full[["unique_id", "ds", "y", *SIGNALS]],
        catalogue,
        launches(catalogue, full, end, horizon),
        horizon,
    )
    if len(cold.forecast):
        fc = pd.concat(
            [fc[~fc["unique_id"].isin(list(cold.analogues))], cold.forecast], ignore_index=True
        )
    return fc, cold


def _summary_of(
    fc: pd.DataFrame,
    cold: ColdStart,
    inputs: ForecastInputs,
    horizon: int,
    method: str,
    seconds: float,
) -> ForecastSummary:
    """The report of one run (``run_id`` still 0): totals, movers, skipped SKUs, launches."""
    full, catalogue, end = inputs.full, inputs.catalogue, inputs.end
    known_skus = pd.concat([inputs.hierarchy, catalogue[["unique_id", "style", "category"]]])
    summary = _summarise(
        fc,
        inputs.history,
        known_skus.drop_duplicates("unique_id"),
        end,
        horizon,
        method,
        inputs.skipped_inactive,
        seconds,
    )
    summary.known_ahead = list(inputs.known)
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
    return summary


def _store(
    engine: Engine,
    fc: pd.DataFrame,
    summary: ForecastSummary,
    end: pd.Timestamp,
    horizon: int,
    method: str,
) -> int:
    """Store the run and its values in one transaction (never half a forecast); its id."""
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
                "method": str(r.method)[:128],
            }
            for r in fc.itertuples(index=False)
        ]
        if values:
            session.execute(insert(ForecastValue), values)
        return int(run.id)


def _summarise(
    fc: pd.DataFrame,
    history: pd.DataFrame,
    hierarchy: pd.DataFrame,
    end: pd.Timestamp,
    horizon: int,
    method: str,
    skipped: int,
    seconds: float,
) -> ForecastSummary:
    """The run's totals per category and style, its top movers and its new SKUs."""
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

    def rows(frame: pd.DataFrame, cols: list[str]) -> list[dict[str, Any]]:
        return [{"sku": str(i), **{c: _plain(frame.at[i, c]) for c in cols}} for i in frame.index]

    def totals(key: str) -> list[dict[str, Any]]:
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
    ``seconds``, ``pinball``, the same for new SKUs, ...); ``breakdown`` has WAPE and bias per
    method x segment x horizon band (``forecasting.api.breakdown``).
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
        history, _ = select_active(history, end)
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
        "breakdown": [
            {k: _json_number(v) for k, v in row.items()}
            for row in table.attrs["breakdown"].to_dict("records")
        ],
    }


def _json_number(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else round(float(value), 4)
    if isinstance(value, np.integer):
        return int(value)
    return value
