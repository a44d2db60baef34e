"""The two lot policies: how net requirements become production lots.

Both walk the cumulative requirement ``R(t)`` of each key (a SKU, or a style) day by day.
When the need on day ``t`` is not covered yet, a lot is cut that covers the need up to
``t + cover_days - 1`` (beyond the horizon, at the horizon's mean daily demand), rounded up
to ``lot_multiple``, at least ``min_lot`` and (when set) split into lots of at most
``max_lot``. The lot is due ``lead_days`` before the end of day ``t``.

The config decides which world a policy is:

- ``batch`` (``granularity = "style"``): one requirement per style (stock pooled over colours
  and sizes, as a warehouse planner sees it), lots sized to weeks of cover of the style's
  season rate, made well ahead, split into SKUs by the style's fixed colour/size mix;
- ``c2m`` (``granularity = "sku"``): one requirement per SKU at a higher service quantile,
  small lots close to the need, sized per SKU (min lot, multiple, max lot). Then the sizes
  of one style-colour whose needs fall within ``cover_days`` of each other are cut together
  as one lot with a size breakdown, up to ``max_lot`` (:func:`group_sizes`): one cutting
  marker holds several sizes, and the sewing line changes nothing between sizes of a colour,
  so this is how a C2M workshop runs small lots without paying a changeover per size. Lots
  of one style share a changeover class per colour and a style-level ramp-up (see
  :mod:`c2m.planning.timing`), so the scheduler runs a style's colours back to back.

Lot codes are ``<B|C>-<style or style-colour or SKU>-<need date>`` (plus ``-2``, ``-3`` for
split lots): the same need gets the same code in tomorrow's replan, which is how the replan
recognises a lot again.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from c2m.config import LotPolicy
from c2m.errors import DataError
from c2m.planning.inputs import PreviousLot, SkuInfo, StyleInfo

PREFIX = {"batch": "B", "c2m": "C"}


@dataclass
class LotSpec:
    """A lot before scheduling. ``release`` is set by fabric gating (None: held by fabric)."""

    code: str
    style: str
    colour: str | None
    category: str
    items: dict[str, int]
    need_date: dt.date
    due: dt.datetime
    fabric: str | None = None
    fabric_quantity: float = 0.0
    fabric_rolls: int | None = None
    release: dt.datetime | None = None
    fixed: bool = False
    colours: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return sum(self.items.values())


def lot_quantities(need: float, policy: LotPolicy) -> list[int]:
    """``need`` rounded up to the policy: at least ``min_lot``, a multiple, split by max."""
    step = policy.lot_multiple
    qty = max(math.ceil(need - 1e-9), policy.min_lot)
    qty = math.ceil(qty / step) * step
    if policy.max_lot is None or qty <= policy.max_lot:
        return [qty]
    top = max(policy.max_lot // step * step, step)
    parts = [top] * (qty // top)
    rest = qty - sum(parts)
    if rest:
        parts.append(max(math.ceil(rest / step) * step, policy.min_lot))
    return parts


def split_by_mix(quantity: int, mix: Mapping[str, float]) -> dict[str, int]:
    """Largest-remainder split of ``quantity`` over SKUs in proportion to ``mix``."""
    skus = sorted(mix)
    weights = np.array([max(mix[s], 0.0) for s in skus], float)
    if weights.sum() <= 0:
        weights = np.ones(len(skus))
    exact = quantity * weights / weights.sum()
    base = np.floor(exact).astype(int)
    order = np.argsort(-(exact - base), kind="stable")
    for i in order[: quantity - base.sum()]:
        base[i] += 1
    return {s: int(q) for s, q in zip(skus, base, strict=True) if q > 0}


def make_lots(
    net: pd.DataFrame,
    policy: LotPolicy,
    mode: str,
    skus: Mapping[str, SkuInfo],
    styles: Mapping[str, StyleInfo],
    mix: Mapping[str, Mapping[str, float]] | None = None,
    taken: set[str] | None = None,
) -> list[LotSpec]:
    """Lots for every key of ``net`` (from :func:`c2m.planning.netting.net_requirements`).

    ``mix``: per style, each SKU's share of demand (used when a key is a style). ``taken``:
    lot codes already in use (fixed lots) that new lots must not reuse.
    """
    taken = set(taken or ())
    cover = max(1, math.ceil(policy.cover_days))
    lots: list[LotSpec] = []
    for key, rows in net.groupby("key", sort=True):
        rows = rows.sort_values("day")
        req = rows["requirement"].to_numpy(float)
        horizon = len(req)
        rate = rows["demand"].sum() / horizon
        dates = list(rows["date"])
        covered = 0.0
        for t in range(horizon):
            if req[t] - covered < 1.0:
                continue
            end = t + cover - 1
            target = req[min(end, horizon - 1)] + rate * max(0, end - (horizon - 1))
            _check_size(len(lots), target - covered, policy, key, dates[t])
            parts = lot_quantities(target - covered, policy)
            covered += sum(parts)
            need = dates[t]
            due = dt.datetime.combine(need + dt.timedelta(days=1), dt.time()) - dt.timedelta(
                days=policy.lead_days
            )
            for k, qty in enumerate(parts):
                code = _code(PREFIX[mode], key, need, k, taken)
                taken.add(code)
                lots.append(_lot(code, key, qty, need, due, skus, styles, mix))
    return lots


def group_sizes(
    lots: list[LotSpec], policy: LotPolicy, mode: str, taken: set[str] | None = None
) -> list[LotSpec]:
    """Merges single-SKU lots of one style-colour whose needs are within ``cover_days``.

    The merged lot takes the earliest need and due date of its members (the first size
    needed decides when the marker is cut) and never exceeds ``max_lot``. Every lot is
    renamed ``C-<style>-<colour>-<need date>``, a code that does not depend on which sizes
    happen to join it, so it stays stable from one replan to the next.
    """
    taken = set(taken or ())
    window = dt.timedelta(days=max(1, math.ceil(policy.cover_days)))
    groups: dict[tuple[str, str | None], list[LotSpec]] = {}
    for lot in lots:
        groups.setdefault((lot.style, lot.colour), []).append(lot)
    out: list[LotSpec] = []
    for (style, colour), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        members.sort(key=lambda x: (x.need_date, x.code))
        current: list[LotSpec] = []
        for lot in members:
            size = sum(x.quantity for x in current)
            fits = policy.max_lot is None or size + lot.quantity <= policy.max_lot
            if current and (lot.need_date - current[0].need_date < window) and fits:
                current.append(lot)
                continue
            if current:
                out.append(_merge(current, mode, style, colour, taken))
            current = [lot]
        if current:
            out.append(_merge(current, mode, style, colour, taken))
    return out


def _merge(members: list[LotSpec], mode: str, style: str, colour: str | None, taken: set[str]):
    first = members[0]
    items: dict[str, int] = {}
    for lot in members:
        for sku, qty in lot.items.items():
            items[sku] = items.get(sku, 0) + qty
    code = _code(PREFIX[mode], f"{style}-{colour}", first.need_date, 0, taken)
    taken.add(code)
    return LotSpec(
        code=code,
        style=style,
        colour=colour,
        category=first.category,
        items=items,
        need_date=first.need_date,
        due=min(x.due for x in members),
    )


def reuse_codes(
    lots: list[LotSpec], previous: Iterable[PreviousLot], fixed: set[str], policy: LotPolicy
) -> None:
    """Give new lots the codes of the previous plan's free lots they continue (in place).

    A lot code holds its need date, and a day of new signals moves need dates a little, so
    without this most of tomorrow's lots would look new: the stability term (keyed by code)
    could not hold them and the replan's diff would report churn that is not there. A new
    lot continues a previous lot of the same style and colour whose need date is within
    ``cover_days`` (at least one day); pairs are taken nearest first (same SKUs preferred),
    each lot at most once, in a fixed order so the result is deterministic. Lots left
    unmatched keep their own code, renumbered if it collides with a reused one.
    """
    window = max(1, math.ceil(policy.cover_days))
    by_key: dict[tuple[str, str | None], list] = {}
    for old in previous:
        if old.code not in fixed:
            by_key.setdefault((old.style, old.colour), []).append(old)
    pairs = []
    for i, lot in enumerate(lots):
        skus = tuple(sorted(lot.items))
        for old in by_key.get((lot.style, lot.colour), ()):
            days = abs((lot.need_date - old.need_date).days)
            if days <= window:
                same = 0 if tuple(sorted(old.skus)) == skus else 1
                pairs.append((days, same, old.code, i))
    pairs.sort()
    given: dict[int, str] = {}
    used: set[str] = set()
    for _days, _same, code, i in pairs:
        if i not in given and code not in used:
            given[i] = code
            used.add(code)
    taken = set(fixed) | used
    for i, lot in enumerate(lots):
        if i in given:
            lot.code = given[i]
        elif lot.code in taken:
            base, n = lot.code, 2
            while f"{base}-{n}" in taken:
                n += 1
            lot.code = f"{base}-{n}"
        taken.add(lot.code)


# More lots than this in one plan is a typo in the demand (an open order of 3,000,000,000
# units made a plan build lots until it ran out of memory), not a factory's fortnight: the
# 10x benchmark floor plans 2,170 lots.
MAX_LOTS = 10_000


def _check_size(made: int, need: float, policy: LotPolicy, key: str, date: dt.date) -> None:
    """DataError, naming the SKU, when ``need`` units would take the plan past MAX_LOTS."""
    per_lot = policy.max_lot or max(need, 1.0)
    if made + math.ceil(need / per_lot) > MAX_LOTS:
        raise DataError(
            f"the plan would need more than {MAX_LOTS:,} lots: {key} alone needs {need:,.0f} "
            f"units by {date:%Y-%m-%d} (forecast plus open orders); check them for a typo"
        )


def _code(prefix: str, key: str, need: dt.date, k: int, taken: set[str]) -> str:
    base = f"{prefix}-{key}-{need:%Y%m%d}"
    n = k + 1
    code = base if n == 1 else f"{base}-{n}"
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


def _lot(code, key, qty, need, due, skus, styles, mix) -> LotSpec:
    if key in skus:
        sku = skus[key]
        style = styles[sku.style]
        return LotSpec(code, sku.style, sku.colour, style.category, {key: qty}, need, due)
    style = styles[key]
    items = split_by_mix(qty, (mix or {}).get(key) or {})
    colours = len({skus[s].colour for s in items}) if items else 1
    return LotSpec(code, key, None, style.category, items, need, due, colours=colours)
