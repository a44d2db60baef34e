"""Batch done well: the season's stock built before it, from a season forecast.

The factories C2M wants to convert do not make their season inside it. Weeks ahead they
forecast the season per style, cut it in big lots at full efficiency, and sell from that
stock; what they guessed right sells, what they guessed wrong is marked down (industry
figures: 30-50 % unsold). In the season they replenish only in big lots. Comparing C2M with a
batch that makes 4,000-piece lots inside the season, holding lines for days, would be a
comparison with a strawman, so batch mode starts from this build.

The build, per style (the batch policy's granularity):

- the forecast is the one the season's nights use (same method, same calendar), made from
  the history before day 1 with a horizon of the whole season; its mean (``yhat``) summed
  over the season's days is a SKU's season demand (a sum of daily quantiles would not be
  a quantile of the sum);
- the need is each SKU's season forecast less its starting stock, summed over the style and
  rounded to the batch policy's lots (``min_lot``, ``lot_multiple``, ``max_lot``), then split
  into SKUs in proportion to their net needs (the planner too splits a style lot by a mix);
- it is bounded by what the lines could sew in the pre-season window: regular sewing
  capacity (operators x efficiency x regular hours on workdays; batch runs at the lines'
  mature efficiency) over ``preseason_days`` (default: the season's length), less one
  changeover per style lot. A build beyond that is cut back in proportion, style by style,
  in whole lot multiples. Sewing is the bottleneck of the sample factory; fabric for the
  build is bought for it ahead and does not come out of the season's fabric.

The build is handed to batch's stock on the night before day 1 and counts as made for the
season (its leftovers count in the unsold share).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from c2m.config import FactoryConfig, LotPolicy
from c2m.planning.build import sam_of
from c2m.planning.inputs import SkuInfo, StyleInfo
from c2m.planning.lots import lot_quantities, split_by_mix
from c2m.sample.calibration import sewing_minutes_per_day


@dataclass(frozen=True)
class PreseasonBuild:
    """What batch built before the season, and against what capacity."""

    units: dict[str, int] = field(default_factory=dict)  # per SKU
    lots: dict[str, list[int]] = field(default_factory=dict)  # per style: its lots' sizes
    forecast_units: float = 0.0  # the season forecast the build answers (all styles)
    capacity_minutes: float = 0.0  # what the pre-season window could sew
    minutes: float = 0.0  # SAM minutes the build took, its changeovers' lost output included
    cut_back: float = 1.0  # share of the wanted build that fitted the window

    @property
    def total(self) -> int:
        return sum(self.units.values())

    def summary(self) -> dict[str, float | int]:
        """The figures the season reports for the build (``preseason`` in batch's KPIs)."""
        return {
            "units": self.total,
            "lots": sum(len(q) for q in self.lots.values()),
            "season_forecast_units": round(self.forecast_units, 1),
            "capacity_share": round(self.minutes / self.capacity_minutes, 4)
            if self.capacity_minutes
            else 0.0,
            "cut_back": round(self.cut_back, 4),
        }


def style_needs(
    forecast: pd.DataFrame,
    skus: Mapping[str, SkuInfo],
    on_hand: Mapping[str, int],
) -> tuple[dict[str, float], dict[str, dict[str, float]], float]:
    """Per style: its SKUs' season forecast less their stock, summed; each SKU's share of
    that net need (the build's colour/size mix); and the forecast's total.

    Netting per SKU, then cutting per style, is batch done well: stock of one colour does
    not stand in for another's demand, and the lots are still the style's big runs.
    """
    total = forecast.groupby("unique_id")["yhat"].sum().clip(lower=0)
    needs: dict[str, float] = {}
    mix: dict[str, dict[str, float]] = {}
    for sku, qty in total.items():
        info = skus.get(str(sku))
        if info is None:
            continue
        net = max(float(qty) - on_hand.get(str(sku), 0), 0.0)
        needs[info.style] = needs.get(info.style, 0.0) + net
        mix.setdefault(info.style, {})[str(sku)] = net
    return needs, mix, float(total.sum())


def build_preseason(
    forecast: pd.DataFrame,
    catalogue_skus: Mapping[str, SkuInfo],
    styles: Mapping[str, StyleInfo],
    on_hand: Mapping[str, int],
    config: FactoryConfig,
    window_days: float,
) -> PreseasonBuild:
    """The pre-season build for ``forecast`` (the season's, per SKU and day), bounded by
    ``window_days`` of the lines' regular capacity; see the module docstring."""
    policy = config.policies.batch
    needs, mix, forecast_total = style_needs(forecast, catalogue_skus, on_hand)
    wanted = {s: lot_quantities(n, policy) for s, n in sorted(needs.items()) if n > 0}
    # a style changeover stops one line: its SAM output lost, at the mean line's rate
    rate = sum(line.operators * line.efficiency for line in config.lines) / len(config.lines)
    setup = float(config.changeover.style_minutes) * rate
    capacity = sewing_minutes_per_day(config) * window_days

    def minutes(lots: Mapping[str, list[int]]) -> float:
        return sum(sam_of(styles[s], config) * sum(q) + setup * len(q) for s, q in lots.items())

    built = _fit(wanted, capacity, minutes, policy.lot_multiple, policy)
    units: dict[str, int] = {}
    for style, parts in built.items():
        for sku, qty in split_by_mix(sum(parts), mix.get(style, {})).items():
            units[sku] = units.get(sku, 0) + qty
    return PreseasonBuild(
        units=units,
        lots=built,
        forecast_units=forecast_total,
        capacity_minutes=capacity,
        minutes=minutes(built),
        cut_back=_share(built, wanted),
    )


def _fit(
    wanted: dict[str, list[int]],
    capacity: float,
    minutes: Callable[[Mapping[str, list[int]]], float],
    step: int,
    policy: LotPolicy,
) -> dict[str, list[int]]:
    """``wanted`` cut back to ``capacity``: every style in the same proportion (in whole lot
    multiples, a style below the policy's minimum lot dropped), then one multiple at a time
    off the largest style while the rounding still overshoots."""
    if minutes(wanted) <= capacity:
        return wanted
    setups = minutes({s: [0] * len(q) for s, q in wanted.items()})
    sam = minutes(wanted) - setups
    scale = max(capacity - setups, 0.0) / sam if sam > 0 else 0.0
    built: dict[str, list[int]] = {}
    for style, parts in wanted.items():
        qty = math.floor(sum(parts) * scale / step) * step
        if qty >= policy.min_lot:
            built[style] = lot_quantities(qty, policy)
    while built and minutes(built) > capacity:
        style = max(built, key=lambda s: sum(built[s]))
        qty = sum(built[style]) - step
        if qty >= policy.min_lot:
            built[style] = lot_quantities(qty, policy)
        else:
            del built[style]
    return built


def _share(built: Mapping[str, list[int]], wanted: Mapping[str, list[int]]) -> float:
    """The share of the wanted build's units that was built."""
    want = sum(sum(q) for q in wanted.values())
    return sum(sum(q) for q in built.values()) / want if want else 1.0
