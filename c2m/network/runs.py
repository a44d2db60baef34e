"""What the allocation assigns: style runs, their load in SAM-minutes and when it is needed.

A style's lots of the horizon are kept together (one workshop sets its lines up for the style
once, instead of each workshop paying the style changeover), so the unit of allocation is the
style run: every SKU of the style, its net need over the horizon (the lead workshop's lot
policy nets the forecast at its service quantile against stock and open orders, as the
planner does), the SAM-minutes that need costs and the cumulative profile of when it is due.
A style too big for any workshop that may make it is split into one run per colour.
Runs that need nothing (stock covers them) still go to a workshop, the first that may make
them, so their demand and stock are counted in that workshop's plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from c2m.network.capacity import daily_capacity
from c2m.network.config import Network, Workshop
from c2m.planning.build import sam_of
from c2m.planning.inputs import PlanningInputs
from c2m.planning.netting import net_requirements


@dataclass(frozen=True)
class Run:
    """One unit of allocation: a style (``colour`` None) or one colour of a style."""

    key: str
    style: str
    colour: str | None
    category: str
    skus: tuple[str, ...]
    units: int
    sam: float
    cumulative: tuple[int, ...]  # SAM-minutes needed by the end of each horizon day
    lost_sale_per_unit: float

    @property
    def load(self) -> int:
        return self.cumulative[-1] if self.cumulative else 0


def eligible(run: Run, network: Network) -> list[Workshop]:
    """The workshops allowed to make the run's category (skills)."""
    return [w for w in network.workshops if run.category in w.categories]


def make_runs(
    inputs: PlanningInputs, network: Network, mode: str, start: dt.date, horizon: int
) -> list[Run]:
    """The style runs of the horizon, split by colour where no workshop could hold one whole.

    Sorted by key, so the allocation model is the same whatever order the inputs came in."""
    lead = network.lead.cfg
    policy = getattr(lead.policies, mode)
    net = net_requirements(
        inputs.forecast,
        inputs.skus,
        start,
        horizon,
        policy.service_quantile,
        on_hand=inputs.on_hand,
        orders=inputs.open_orders,
    )
    need = _cumulative_units(net, horizon)
    by_style: dict[str, list[str]] = {}
    for sku, info in inputs.skus.items():
        by_style.setdefault(info.style, []).append(sku)
    runs: list[Run] = []
    for style, skus in sorted(by_style.items()):
        info = inputs.styles.get(style)
        if info is None or info.category not in lead.categories:
            continue  # the planner names these (exclusions); nothing to allocate
        whole = _run(style, None, sorted(skus), need, inputs, network, horizon)
        if _fits_somewhere(whole, network, start, horizon):
            runs.append(whole)
            continue
        colours: dict[str, list[str]] = {}
        for sku in skus:
            colours.setdefault(inputs.skus[sku].colour, []).append(sku)
        for colour, part in sorted(colours.items()):
            runs.append(_run(style, colour, sorted(part), need, inputs, network, horizon))
    return runs


def _cumulative_units(net: pd.DataFrame, horizon: int) -> dict[str, np.ndarray]:
    """Cumulative requirement per SKU per day (units), from the netting frame."""
    out: dict[str, np.ndarray] = {}
    for key, group in net.groupby("key", sort=True):
        values = group.sort_values("day")["requirement"].to_numpy(float)
        out[str(key)] = np.ceil(values[:horizon] - 1e-9)
    return out


def _run(
    style: str,
    colour: str | None,
    skus: Sequence[str],
    need: Mapping[str, np.ndarray],
    inputs: PlanningInputs,
    network: Network,
    horizon: int,
) -> Run:
    info = inputs.styles[style]
    cfg = network.lead.cfg
    sam = sam_of(info, cfg)
    units = np.zeros(horizon)
    for sku in skus:
        if sku in need:
            units += need[sku]
    margin = max(info.price - info.unit_cost, 0.0)
    return Run(
        key=style if colour is None else f"{style}/{colour}",
        style=style,
        colour=colour,
        category=info.category,
        skus=tuple(skus),
        units=int(units[-1]) if horizon else 0,
        sam=sam,
        cumulative=tuple(math.ceil(u * sam) for u in units),
        lost_sale_per_unit=cfg.costs.lost_sale_share_of_margin * margin,
    )


def _fits_somewhere(run: Run, network: Network, start: dt.date, horizon: int) -> bool:
    """Whether some workshop that may make the run has the category capacity for it whole."""
    for shop in eligible(run, network):
        room = sum(daily_capacity(shop.cfg, start, horizon, run.category))
        if shop.max_weekly_minutes is not None:
            room = min(room, shop.max_weekly_minutes * horizon / 7)
        if run.load <= room:
            return True
    return False


def workshop_inputs(
    inputs: PlanningInputs, skus: set[str], catalogue: Collection[str] = ()
) -> PlanningInputs:
    """The network's inputs cut to one workshop's SKUs: catalogue, forecast, stock, orders.

    ``catalogue``: SKUs kept in the catalogue only, without their demand (lots of theirs on
    this workshop's floor while their run is now another's: the lots stay, nothing new is
    planned for them here). Fabric stock is not split (no fabric location yet): each
    workshop sees the warehouse's."""
    forecast = inputs.forecast
    column = "unique_id" if "unique_id" in forecast.columns else "sku"
    known = skus | {s for s in catalogue if s in inputs.skus}
    styles = {inputs.skus[s].style for s in known}
    return dataclasses.replace(
        inputs,
        styles={k: v for k, v in inputs.styles.items() if k in styles},
        skus={s: i for s, i in inputs.skus.items() if s in known},
        forecast=forecast[forecast[column].astype(str).isin(skus)].reset_index(drop=True),
        on_hand={s: q for s, q in inputs.on_hand.items() if s in skus},
        open_orders=[o for o in inputs.open_orders if o.sku in skus],
        previous={},
        previous_lots=[],
        line_state={},
        frozen_lots=[],
    )
