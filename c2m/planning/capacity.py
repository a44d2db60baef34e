"""Capacity-aware lot sizing: how long each style-colour's runs are, priced by line time.

The fixed rules cut every SKU's lots to ``cover_days`` before the capacity is known, so at
high load the lines spend a third of their time on changeovers and learning curves. Here each
style-colour gets its own cover window from a **Lagrangian price of capacity** ``λ`` (CNY per
line-hour), the classic heuristic of capacitated lot sizing (the CLSP/GLSP family): relax the
capacity constraint into the cost with a price, size each item alone against that price
(an economic run length), and search the price that makes the items fit. It never puts lot
sizes into the CP-SAT model, so it scales linearly with the number of style-colours (600+
lots cost milliseconds) and is deterministic; the scheduler then sequences the lots.

A run of a style-colour costs ``S(λ) = (changeover + learning) hours × λ``: its colour change,
its share of the style's change (a style's colours run back to back, so they share one style
changeover) and its share of the style's learning-curve ramp (:func:`ramp_loss_days`, which
grows with the run). Units made ahead of need cost ``h`` per unit-day
(``costs.holding_rate_per_year`` of the unit cost). The economic run length in days is
``T*(λ) = sqrt(2 S(λ) / (h d))`` for demand rate ``d``; the window is ``T*`` bounded below by
the policy's ``cover_days`` (the cut close to demand a C2M workshop wants when it can) and above
by the horizon; it is the span of need dates whose lots of the style-colour's SKUs are cut as
one run (:func:`c2m.planning.lots.group_sizes`). ``λ`` is 0 when the estimated line time
(units × SAM / line output plus setups plus learning at ``cover_days`` windows) fits the
lines' regular time over the horizon; otherwise it is found by bisection so that it just
fits; if even horizon-long runs do not fit, the lines are full whatever the sizing does and
every window is the horizon.

Why ``changeover_per_hour`` is not in ``S``: the config's figure is a guess at the value of a
line-hour (the output a changeover loses); ``λ`` is that value measured from the actual load.
Counting both would double-count, and at slack a changeover hour costs idle time, not output, so
with the config's figure in ``S`` the small holding cost of C2M units (30 % a year) would
stretch every window to weeks even on an empty floor. See docs/planning.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from c2m.config import FactoryConfig, LotPolicy
from c2m.planning.inputs import SkuInfo, StyleInfo
from c2m.planning.timing import day_minutes, ramp_loss_days
from c2m.planning.working_time import regular_minutes_on

Key = tuple[str, str | None]

#: bisection steps on λ: the interval halves each time, far below a yuan after 60
STEPS = 60


@dataclass(frozen=True)
class Item:
    """One style-colour as lot sizing sees it: its need over the horizon and its costs."""

    style: str
    colour: str | None
    category: str
    units: float
    rate: float  # units per day
    minutes_per_unit: float  # line-minutes per unit on the lines that can sew it
    holding: float  # CNY per unit-day
    colours: int  # colours of its style with a need (they share the style's changeover)


@dataclass(frozen=True)
class Sizing:
    """The price of capacity and each style-colour's cover window (days)."""

    price: float  # λ, CNY per line-hour
    full: bool  # even horizon-long runs do not fit the regular time
    capacity_minutes: float  # regular line-minutes over the horizon, all lines
    windows: dict[Key, int]

    def reason(self, key: Key, policy: LotPolicy) -> str:
        """Why a lot of this style-colour is as long as it is."""
        window = self.windows.get(key, math.ceil(policy.cover_days))
        if self.price <= 0:
            return "cut to demand: slack"
        if window > math.ceil(policy.cover_days):
            extra = ", beyond what merging can fix" if self.full else ""
            return f"merged: lines full (λ={self.price:,.0f} CNY/h{extra}), {window}-day runs"
        return f"held small: holding outweighs setups (λ={self.price:,.0f} CNY/h)"


def regular_line_minutes(cfg: FactoryConfig, start: dt.date, horizon: int) -> float:
    """Regular (not overtime) working minutes of one line over the horizon's days."""
    days = (start + dt.timedelta(days=k) for k in range(horizon))
    return sum(regular_minutes_on(cfg.calendar, day) for day in days)


def items(
    net: pd.DataFrame,
    skus: Mapping[str, SkuInfo],
    styles: Mapping[str, StyleInfo],
    cfg: FactoryConfig,
    sam: Mapping[str, float],
) -> list[Item]:
    """The style-colours of a SKU-level net need (keys are SKUs), with their costs."""
    horizon = max(int(net["day"].max()) + 1, 1) if not net.empty else 1
    last = net[net["day"] == horizon - 1]
    need: dict[Key, float] = {}
    for sku, units in zip(last["key"], last["requirement"], strict=True):
        info = skus[sku]
        key = (info.style, info.colour)
        need[key] = need.get(key, 0.0) + float(units)
    colours: dict[str, int] = {}
    for (style, _), units in need.items():
        if units >= 1:
            colours[style] = colours.get(style, 0) + 1
    out = []
    for (style, colour), units in sorted(need.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if units < 1:
            continue
        info = styles[style]
        lines = [ln for ln in cfg.lines if info.category in ln.categories]
        output = sum(ln.operators * ln.efficiency for ln in lines) / max(len(lines), 1)
        out.append(
            Item(
                style=style,
                colour=colour,
                category=info.category,
                units=units,
                rate=units / horizon,
                minutes_per_unit=sam[style] / max(output, 1e-9),
                holding=cfg.costs.holding_rate_per_year * info.unit_cost / 365,
                colours=colours[style],
            )
        )
    return out


def size(
    found: list[Item], cfg: FactoryConfig, policy: LotPolicy, start: dt.date, horizon: int
) -> Sizing:
    """λ and the windows: 0 with ``cover_days`` windows when they fit, else bisection. The
    capacity is that of the lines that can sew some item (a jeans line idle for want of
    jeans does not make room for T-shirts)."""
    categories = {i.category for i in found}
    lines = [ln for ln in cfg.lines if categories & set(ln.categories)]
    capacity = regular_line_minutes(cfg, start, horizon) * len(lines)
    low = math.ceil(policy.cover_days)
    if not found or _minutes(found, 0.0, cfg, low, horizon) <= capacity:
        return Sizing(0.0, False, capacity, {(i.style, i.colour): low for i in found})
    hi = max(_price_of_horizon(i, cfg, low, horizon) for i in found) + 1.0
    if _minutes(found, hi, cfg, low, horizon) > capacity:
        return Sizing(round(hi, 2), True, capacity, _windows(found, hi, cfg, low, horizon))
    lo = 0.0
    for _ in range(STEPS):
        mid = (lo + hi) / 2
        if _minutes(found, mid, cfg, low, horizon) > capacity:
            lo = mid
        else:
            hi = mid
    return Sizing(round(hi, 2), False, capacity, _windows(found, hi, cfg, low, horizon))


def _setup_minutes(item: Item, cfg: FactoryConfig, days: float) -> float:
    """Line-minutes one run of ``days`` of the item pays: its colour change, its share of the
    style's change and of the style's learning ramp (the style's colours run together)."""
    co = cfg.changeover
    change = co.colour_minutes + (co.style_minutes - co.colour_minutes) / item.colours
    style_work = item.rate * item.colours * days * item.minutes_per_unit / day_minutes(cfg)
    ramp = ramp_loss_days(style_work, cfg.learning) * day_minutes(cfg)
    return change + ramp / item.colours


def _window(item: Item, price: float, cfg: FactoryConfig, low: int, horizon: int) -> int:
    """The item's cover window in whole days at capacity price ``price`` (CNY per line-hour).

    ``S`` depends on the run's length through the ramp, so the economic length is iterated
    a few times from ``low`` (it converges fast: the ramp is concave in the run)."""
    if price <= 0:
        return low
    days = float(low)
    for _ in range(8):
        setup = _setup_minutes(item, cfg, days) / 60 * price
        if item.holding * item.rate <= 0:
            days = float(horizon)
            break
        days = min(max(math.sqrt(2 * setup / (item.holding * item.rate)), low), horizon)
    return min(max(math.ceil(days - 1e-9), low), horizon)


def _windows(found: list[Item], price: float, cfg, low: int, horizon: int) -> dict[Key, int]:
    return {(i.style, i.colour): _window(i, price, cfg, low, horizon) for i in found}


def _minutes(found: list[Item], price: float, cfg, low: int, horizon: int) -> float:
    """Estimated line-minutes of the horizon's need at price ``price``: sewing plus setups."""
    total = 0.0
    for item in found:
        days = _window(item, price, cfg, low, horizon)
        runs = max(math.ceil(horizon / days), 1)
        total += item.units * item.minutes_per_unit + runs * _setup_minutes(item, cfg, days)
    return total


def _price_of_horizon(item: Item, cfg: FactoryConfig, low: int, horizon: int) -> float:
    """The λ at which the item's economic run reaches the horizon (its windows stop growing)."""
    setup_hours = max(_setup_minutes(item, cfg, horizon) / 60, 1e-9)
    return item.holding * item.rate * horizon**2 / (2 * setup_hours)


def load(
    demand: Mapping[str, float],
    skus: Mapping[str, SkuInfo],
    sam: Mapping[str, float],
    cfg: FactoryConfig,
    start: dt.date,
    horizon: int,
) -> float | None:
    """Demand SAM-minutes over the lines' regular SAM capacity in the horizon (operators x
    efficiency x regular minutes): 1.0 means the lines are full before any changeover.
    ``demand`` is units per SKU over the horizon; None without working time."""
    minutes = regular_line_minutes(cfg, start, horizon)
    capacity = sum(ln.operators * ln.efficiency for ln in cfg.lines) * minutes
    if capacity <= 0:
        return None
    needed = sum(units * sam[skus[sku].style] for sku, units in demand.items() if sku in skus)
    return needed / capacity
