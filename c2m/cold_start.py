"""Every sellable SKU gets a forecast: launches from analogues, and a reason for any left out.

The forecasting library forecasts the series it is given, and the live rooms only report SKUs
that are on air. A style the catalogue launches inside the horizon has no row yet, so without
this module it gets no forecast and no lot is planned for its first run. Here the catalogue says
which SKUs are on sale on some day of the horizon (launched by its last day); those the library
cannot forecast well (not on air yet, or on air fewer than :data:`COLD_DAYS` days) are forecast
from analogues (:func:`forecasting.analogues.analogue_forecast`), and every other sellable SKU
without a forecast is named with the reason.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlmodel import Session, select

from c2m.models import Sku, Style

#: a catalogued SKU on air fewer days than this is forecast from its analogues, scaled by its
#: first clicks and carts, rather than from its own few days
COLD_DAYS = 7


def load_catalogue(session: Session) -> pd.DataFrame:
    """``unique_id``, ``style``, ``category``, ``price``, ``launch`` for every catalogued SKU."""
    stmt = select(Sku.sku, Sku.style, Style.category, Style.price, Style.launch_date).join(
        Style, Style.style == Sku.style
    )
    columns = ["unique_id", "style", "category", "price", "launch"]
    frame = pd.DataFrame(session.exec(stmt).all(), columns=columns)
    frame["launch"] = pd.to_datetime(frame["launch"])
    return frame


def launches(
    catalogue: pd.DataFrame, history: pd.DataFrame, origin: pd.Timestamp, horizon: int
) -> list[str]:
    """Catalogued SKUs launching by the horizon's last day that are not yet ``COLD_DAYS`` on air.

    On air means a live-room row: a SKU launched weeks ago with no row is not a launch but a
    SKU the rooms do not show (:func:`skipped_skus`).
    """
    end = origin + pd.Timedelta(days=horizon)
    first = history.groupby("unique_id")["ds"].min()
    seen = first.reindex(catalogue["unique_id"]).to_numpy()
    launch = catalogue["launch"]
    recent = launch > origin - pd.Timedelta(days=COLD_DAYS)
    young = pd.isna(seen) | (pd.to_datetime(seen) > origin - pd.Timedelta(days=COLD_DAYS))
    chosen = catalogue[(launch <= end) & recent.to_numpy() & young]
    return sorted(chosen["unique_id"].astype(str))


def skipped_skus(
    catalogue: pd.DataFrame,
    history: pd.DataFrame,
    forecast_ids: set[str],
    origin: pd.Timestamp,
    horizon: int,
    active_days: int,
    reasons: dict[str, str],
) -> list[dict[str, str]]:
    """Every catalogued SKU on sale in the horizon without a forecast, with the reason.

    On sale: launched by the horizon's last day (a SKU without a launch date is taken to be on
    sale). ``reasons`` holds the analogue step's own reasons for the launches it could not do.
    """
    end = origin + pd.Timedelta(days=horizon)
    last = history.groupby("unique_id")["ds"].max()
    rows = []
    for r in catalogue.sort_values("unique_id").itertuples(index=False):
        sku = str(r.unique_id)
        if sku in forecast_ids or (pd.notna(r.launch) and r.launch > end):
            continue
        if sku in reasons:
            reason = reasons[sku]
        elif sku in last.index:
            reason = (
                f"no live-room row since {_day(last[sku])} (over {active_days} days before "
                f"{_day(origin)}): off air"
            )
        elif pd.isna(r.launch):
            reason = "never seen in a live room and no launch date in the catalogue"
        else:
            reason = f"launched {_day(r.launch)} but never seen in a live room"
        rows.append({"sku": sku, "style": str(r.style), "reason": reason})
    return rows


def _day(ts: pd.Timestamp | dt.date) -> str:
    return pd.Timestamp(ts).date().isoformat()
