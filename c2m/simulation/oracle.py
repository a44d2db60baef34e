"""The oracle: the C2M planner fed the season's true demand, a perfect forecast.

Same floor, same disturbances, same costs, same lot rules; only the forecast differs. What
the oracle cannot fill, no forecast could have filled with these rules on this floor: it is
the capacity (and the rules') part of every mode's lost demand (:mod:`c2m.simulation.losses`).

Inside the season the oracle's forecast is the truth, with every quantile equal to it (no
uncertainty, so no safety stock). Past the season's last day there is no truth to know; the
oracle keeps C2M's own forecast there, so that it differs from C2M only in what it knows of
the days that are scored (a plan cannot know that the season ends, and neither does C2M's).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from c2m.planning.netting import quantile_levels

#: the lot policy the oracle plans with, and the mode name the simulation knows it by
ORACLE = "oracle"
ORACLE_POLICY = "c2m"


def oracle_forecast(
    forecast: pd.DataFrame, truth: pd.DataFrame, day: dt.date, horizon_days: int
) -> pd.DataFrame:
    """``forecast`` (C2M's, from ``day``) with the true demand on every day ``truth`` holds.

    ``truth`` is a sample world's ``date, sku, demand`` frame of the season (every SKU and
    day, zeros included). The result has the forecast's columns; ``method`` is ``oracle`` on
    the true rows.
    """
    end = day + dt.timedelta(days=horizon_days)
    dates = pd.to_datetime(truth["date"]).dt.date
    inside = truth[(dates >= day) & (dates < end)]
    known = {d for d in dates[(dates >= day) & (dates < end)]}
    true_rows = pd.DataFrame(
        {
            "unique_id": inside["sku"].to_numpy(),
            "ds": dates[inside.index].to_numpy(),
            "yhat": inside["demand"].to_numpy(float),
        }
    )
    for column in quantile_levels(forecast).values():
        true_rows[column] = true_rows["yhat"]
    if "method" in forecast.columns:
        true_rows["method"] = ORACLE
    beyond = forecast[~forecast["ds"].isin(known)]
    frame = pd.concat([true_rows[list(forecast.columns)], beyond], ignore_index=True)
    return frame.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
