"""The replan's forecast: every active SKU, from the signals of the whole days before ``now``.

The replan adds nothing to how a forecast is made — it calls the same code as
``c2m forecast`` — so this module only decides where the history ends and how far the
forecast must reach, and refuses a history too old to forecast the coming days from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from c2m.config import Guards
from c2m.db import session_scope
from c2m.errors import DataError
from c2m.forecasts import run_forecast
from c2m.models import SalesSignal
from c2m.planning.db_inputs import load_forecast
from c2m.progress import Say, silent

# A replan forecasts from the newest signal. More days than STALE between it and the run's
# day is worth a warning (a room rests a day or two; a week without any signal is failed
# imports); more than MAX is not a forecast of the coming days any more (and would be a
# forecast of years for a --now typo).
STALE_SIGNAL_DAYS = 3
MAX_SIGNAL_AGE_DAYS = 28


@dataclass(frozen=True)
class ForecastInput:
    """The forecast the plan is made from, and the stored forecast run it came from."""

    frame: pd.DataFrame
    run_id: int | None = None
    method: str = "auto"


def forecast(
    engine: Engine,
    now: dt.datetime,
    horizon_days: int,
    newest: dt.datetime | None,
    method: str = "auto",
    say: Say = silent,
    guards: Guards | None = None,
) -> ForecastInput:
    """Forecast every active SKU from the signals of the whole days before ``now``'s day.

    The same glue as ``c2m forecast`` (stored as a forecast run the plan points to). A day
    still being sold would look like a slump, so today is not history; cron runs the replan
    after midnight, when yesterday is complete. One extra day covers the rest of today.
    Nobody watches the night: a forecast that ``guards`` find suspicious stops the run.
    """
    last_day = now.date() - dt.timedelta(days=1)
    # The forecast starts after the newest signal (``newest``, read with the run's inputs):
    # when imports stopped days ago it must reach further to cover the plan, or the rest of
    # the plan would be planned as days without demand.
    history_end = min(last_day, newest.date()) if newest is not None else last_day
    behind = (now.date() - history_end).days
    if behind > MAX_SIGNAL_AGE_DAYS:
        raise DataError(
            f"the newest signals are from {history_end}, {behind} days before {now:%Y-%m-%d}: "
            "import the rooms' exports first (or check --now)"
        )
    horizon = behind + horizon_days
    summary = run_forecast(
        engine,
        horizon=horizon,
        method=method,
        origin=last_day,
        say=say,
        guards=guards,
        unattended=True,
    )
    with session_scope(engine) as session:
        frame = load_forecast(session, summary.run_id)
    if frame.empty:
        raise DataError(f"the forecast up to {last_day} is empty: no active SKU to plan for")
    return ForecastInput(frame=frame, run_id=summary.run_id, method=method)


def newest_signal(session: Session, before: dt.datetime) -> dt.datetime | None:
    """The time of the newest live-room signal before ``before`` (None: there is none)."""
    return session.execute(select(func.max(SalesSignal.ts)).where(SalesSignal.ts < before)).scalar()
