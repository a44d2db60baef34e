"""The realised load of a sample world: demand SAM-minutes over regular sewing capacity.

``target_load`` sets the *expected* demand of the scored days; what the rooms really sold
wanders around it (noise, viral runs, the random walk of interest). A planner reading a
season's fill needs the load it ran at, so ``c2m sample`` and ``c2m simulate`` print it,
for the history and for the season, from the world's own rows.

Capacity is the factory's regular sewing minutes: operators x efficiency x regular hours,
on the share of days that are workdays (:func:`c2m.sample.calibration.sewing_minutes_per_day`),
with no overtime and before any changeover or learning-curve loss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from c2m.sample.world import SampleWorld


def demand_minutes(units: pd.DataFrame, catalog: pd.DataFrame, column: str) -> float:
    """SAM-minutes of ``units[column]`` per SKU, at each style's standard minutes."""
    sam = catalog.set_index("sku")["sam_minutes"].astype(float)
    per_sku = units.groupby("sku")[column].sum()
    return float((per_sku * sam.reindex(per_sku.index, fill_value=0.0)).sum())


def realised_load(world: SampleWorld) -> dict[str, float | None]:
    """``{"history": ..., "season": ...}``; ``None`` for a part with no days (no future).

    The season is the world's future: the days a simulation scores.
    """
    capacity = float(world.meta.get("sewing_minutes_per_day") or 0.0)

    def share(minutes: float, days: int) -> float | None:
        if days <= 0 or capacity <= 0:
            return None
        return round(minutes / (capacity * days), 4)

    history = demand_minutes(world.signals, world.catalog, "orders")
    season = demand_minutes(world.truth, world.catalog, "demand")
    return {
        "history": share(history, world.history_days),
        "season": share(season, world.future_days),
    }
