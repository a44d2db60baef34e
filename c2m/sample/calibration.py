"""Setting a sample world's load: the scale on interest that makes the scored days' demand
fill ``target_load`` of the factory's regular sewing capacity.

Kept apart from :mod:`c2m.sample.world` (which builds the world) and from
:mod:`c2m.sample.load` (which measures the load a world really ran at): this module only
decides the scale, first from the structural mean (:func:`demand_scale`), then by running
the rooms again until the scored days come close (:func:`calibrated`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from c2m.config import FactoryConfig
from c2m.sample.demand import WARMUP_DAYS, DemandPath, Rooms
from c2m.sample.scenario import Scenario

# Recent days of sales the factory's stock levels are derived from (in the world), and the days
# a world without a future is scaled on (:func:`scored_days`).
RECENT_DAYS = 14
# Rescaling rounds that bring the scored days' expected load to ``target_load``, and how close
# is close enough (the realised load still scatters around it with the rooms' noise).
CALIBRATION_ROUNDS = 8
CALIBRATION_TOLERANCE = 0.02


def sewing_minutes_per_day(config: FactoryConfig) -> float:
    """Regular sewing capacity, in SAM minutes per calendar day, of all lines together."""
    hours = config.calendar.regular_hours_per_day
    days = len(config.calendar.workdays) / 7
    return sum(line.operators * line.efficiency for line in config.lines) * hours * 60 * days


def scored_days(history_days: int, future_days: int) -> slice:
    """The days a world's load is set on, as indices after the warm-up.

    The simulated season is the future; a world without a future is planned from its last
    day, so its recent two weeks stand for the horizon. Scaling on the whole span instead
    would let the season run far above (or below) ``target_load`` when demand rises into
    winter, and no policy can fill a season at full load.
    """
    if future_days > 0:
        return slice(history_days, history_days + future_days)
    return slice(max(history_days - RECENT_DAYS, 0), history_days)


def demand_scale(
    params: Scenario,
    config: FactoryConfig,
    rooms: Rooms,
    base: np.ndarray,
    styles: pd.DataFrame,
    scored: slice,
) -> float:
    """The factor on interest that makes mean demand over the ``scored`` days fill
    ``target_load``.

    A world is only useful to a planner when its demand loads the factory as the scenario
    says; 0 for a world whose styles sell nothing on those days. Expected interest is
    scaled, so the realised load (:func:`c2m.sample.load.realised_load`) wanders around the
    target with the rooms' noise and the viral runs.
    """
    paid_share = rooms.buy_today / rooms.buy[None, :]
    room_factor = (rooms.traffic * paid_share) @ rooms.weight  # (T, S)
    minutes = (base * room_factor) @ styles["sam_minutes"].to_numpy()
    mean_minutes = float(minutes[WARMUP_DAYS:][scored].mean())
    capacity = params.target_load * sewing_minutes_per_day(config)
    return capacity / mean_minutes if mean_minutes > 0 else 0.0


def calibrated(
    run: Callable[[float], DemandPath],
    scale: float,
    target: float,
    minutes: Callable[[DemandPath], float],
) -> DemandPath:
    """The path whose scored days come closest to ``target`` SAM-minutes a day.

    The walk of interest and the viral runs lift demand above the structural mean the first
    scale was set on (a viral world by half or more, and by luck). Each round runs the rooms
    again from the same draws at a scale set on the mean lift seen so far; the viral runs
    fall differently at another scale, so the rounds do not converge to a point: the path
    closest to the target wins. The scored days then run at the asked load, viral luck and
    all, rather than wherever one draw of luck put them.
    """
    best, best_gap = None, float("inf")
    lifts: list[float] = []
    for _ in range(CALIBRATION_ROUNDS):
        path = run(scale)
        expected = minutes(path)
        if expected <= 0:
            return path  # nothing sells on the scored days: no scale helps
        gap = abs(expected / target - 1)
        if gap < best_gap:
            best, best_gap = path, gap
        if gap < CALIBRATION_TOLERANCE:
            break
        lifts.append(expected / scale)
        scale = target / (sum(lifts) / len(lifts))
    assert best is not None
    return best
