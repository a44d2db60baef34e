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
    reason: str = ""  # why it is as big as it is (lot sizing), for the planner to read

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
                lot = _lot(code, key, qty, need, due, skus, styles, mix)
                if len(parts) > 1:
                    lot.reason = CAPPED
                lots.append(lot)
    return lots


#: the reason of a lot that ``max_lot`` cut short
CAPPED = "capped by max_lot"


def group_sizes(
    lots: list[LotSpec],
    policy: LotPolicy,
    mode: str,
    taken: set[str] | None = None,
    windows: Mapping[tuple[str, str | None], int] | None = None,
) -> list[LotSpec]:
    """Merges single-SKU lots of one style-colour whose needs are within ``cover_days`` (or
    the style-colour's own window in ``windows``, from capacity sizing).

    The merged lot takes the earliest need and due date of its members (the first size
    needed decides when the marker is cut) and never exceeds ``max_lot`` (a lot closed by
    it says so in its ``reason``). Every lot is renamed ``C-<style>-<colour>-<need date>``,
    a code that does not depend on which sizes happen to join it, so it stays stable from
    one replan to the next.
    """
    taken = set(taken or ())
    default = max(1, math.ceil(policy.cover_days))
    groups: dict[tuple[str, str | None], list[LotSpec]] = {}
    for lot in lots:
        groups.setdefault((lot.style, lot.colour), []).append(lot)
    out: list[LotSpec] = []
    for (style, colour), members in sorted(
        groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        members.sort(key=lambda x: (x.need_date, x.code))
        window = dt.timedelta(days=(windows or {}).get((style, colour)) or default)
        current: list[LotSpec] = []
        for lot in members:
            size = sum(x.quantity for x in current)
            fits = policy.max_lot is None or size + lot.quantity <= policy.max_lot
            near = bool(current) and lot.need_date - current[0].need_date < window
            if near and fits:
                current.append(lot)
                continue
            if current:
                out.append(_merge(current, mode, style, colour, taken))
                if near:
                    out[-1].reason = CAPPED
            current = [lot]
        if current:
            out.append(_merge(current, mode, style, colour, taken))
    return out


def first_runs(
    net: pd.DataFrame,
    policy: LotPolicy,
    mode: str,
    skus: Mapping[str, SkuInfo],
    styles: Mapping[str, StyleInfo],
    taken: set[str] | None = None,
) -> list[LotSpec]:
    """One test lot per new style-colour (``net`` keyed by its SKUs): ``first_run`` pieces
    (less when the horizon's need is smaller; rounded to the policy), split over its sizes
    by their need, needed on the first day any of them is.

    Test-and-reorder: a new SKU's forecast is borrowed from analogues, so its full cover is a
    guess; the first run tests it and the nightly replan cuts the reorders when its own
    clicks, carts and orders come in. The code is that of a grouped lot
    (``C-<style>-<colour>-<need date>``), so tomorrow's replan recognises it.
    """
    taken = set(taken or ())
    first = policy.first_run or policy.min_lot
    need: dict[tuple[str, str | None], dict[str, float]] = {}
    when: dict[tuple[str, str | None], int] = {}
    for key, rows in net.groupby("key", sort=True):
        req = rows.sort_values("day")["requirement"].to_numpy(float)
        if len(req) == 0 or req[-1] < 1.0:
            continue
        info = skus[key]
        group = (info.style, info.colour)
        need.setdefault(group, {})[key] = float(req[-1])
        day = int(np.argmax(req >= 1.0))
        when[group] = min(when.get(group, day), day)
    dates = sorted(set(net["date"]))
    out: list[LotSpec] = []
    for (style, colour), by_sku in sorted(need.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        date = dates[when[(style, colour)]]
        due = dt.datetime.combine(date + dt.timedelta(days=1), dt.time()) - dt.timedelta(
            days=policy.lead_days
        )
        for k, qty in enumerate(lot_quantities(min(sum(by_sku.values()), first), policy)):
            code = _code(PREFIX[mode], f"{style}-{colour}", date, k, taken)
            taken.add(code)
            items = split_by_mix(qty, by_sku)
            category = styles[style].category
            out.append(LotSpec(code, style, colour, category, items, date, due, reason=FIRST_RUN))
    return out


#: the reason of a new style-colour's test lot
FIRST_RUN = "first run: new SKU, reorders follow its signals"


def _merge(members: list[LotSpec], mode: str, style: str, colour: str | None, taken: set[str]):
    first = members[0]
    items: dict[str, int] = {}
    for lot in members:
        for sku, qty in lot.items.items():
            items[sku] = items.get(sku, 0) + qty
    code = _code(PREFIX[mode], f"{style}-{colour}", first.need_date, 0, taken)
    taken.add(code)
    capped = any(x.reason == CAPPED for x in members)
    return LotSpec(
        code=code,
        style=style,
        colour=colour,
        category=first.category,
        items=items,
        need_date=first.need_date,
        due=min(x.due for x in members),
        reason=CAPPED if capped else "",
    )


def reuse_codes(
    lots: list[LotSpec],
    previous: Iterable[PreviousLot],
    fixed: set[str],
    policy: LotPolicy,
    windows: Mapping[tuple[str, str | None], int] | None = None,
) -> None:
    """Give new lots the codes of the previous plan's free lots they continue (in place).

    A lot code holds its need date, and a day of new signals moves need dates a little, so
    without this most of tomorrow's lots would look new: the stability term (keyed by code)
    could not hold them and the replan's diff would report churn that is not there. A new
    lot continues a previous lot of the same style and colour whose need date is within
    ``cover_days`` (at least one day; or the style-colour's own window in ``windows``); pairs
    are taken nearest first (same SKUs preferred),
    each lot at most once, in a fixed order so the result is deterministic. Lots left
    unmatched keep their own code, renumbered if it collides with a reused one.
    """
    default = max(1, math.ceil(policy.cover_days))
    by_key: dict[tuple[str, str | None], list] = {}
    for old in previous:
        if old.code not in fixed:
            by_key.setdefault((old.style, old.colour), []).append(old)
    pairs = []
    for i, lot in enumerate(lots):
        skus = tuple(sorted(lot.items))
        window = (windows or {}).get((lot.style, lot.colour)) or default
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
