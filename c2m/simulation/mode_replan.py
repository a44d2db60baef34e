"""One mode's midnight replan inside the season, done as the nightly replan does it.

Lots on the floor are fixed (the running step pinned on its resource), lots of the previous
plan inside the frozen window keep their code and quantity
(:func:`c2m.replan.frozen.frozen_lots`), the previous plan's positions are the stability
reference and the lines' real set-ups the starting point; stock, backorders, open orders and
the fabric the planner can see are tonight's. The planner never sees the floor's future luck
(late deliveries arrive when they arrive; the planner only knows the promise).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from c2m.config import FactoryConfig
from c2m.planning import (
    FabricInfo,
    FrozenLot,
    OpenOrderInfo,
    PlanningInputs,
    PlanOptions,
    make_plan,
)
from c2m.planning.stored import StoredLot, StoredOp
from c2m.replan.frozen import FrozenWindow, frozen_lots, previous_assignments
from c2m.simulation import inputs as world_inputs
from c2m.simulation.disturbances import Season
from c2m.simulation.floor import Floor, FloorLot
from c2m.simulation.kpis import DayRecord
from c2m.simulation.ledger import Ledger
from c2m.simulation.options import SimulationOptions
from c2m.simulation.tracking import SkuTrack


@dataclass
class ModeState:
    """One mode's state through the season: its floor, its stock, and what it did so far."""

    name: str
    floor: Floor
    ledger: Ledger
    #: the planner's lot policy (``batch`` or ``c2m``; the oracle plans as ``c2m``)
    policy: str
    records: list[DayRecord] = field(default_factory=list)
    lots_cut: list[int] = field(default_factory=list)
    lot_cycles: list[float] = field(default_factory=list)  # days, cut to finished, per lot
    #: units finished in lots needed after the season's last day (made for later demand)
    made_for_later: int = 0
    track: SkuTrack = field(default_factory=SkuTrack)  # finished days and lots per SKU
    #: units built before the season (batch), reported as produced on day 1
    prebuilt: int = 0
    plans: list[dict[str, Any]] = field(default_factory=list)
    # fabric this mode's buyer ordered for lots a shortage held: (fabric, arrival, quantity)
    bought: list[tuple[str, dt.date, float]] = field(default_factory=list)


@dataclass(frozen=True)
class SeasonInputs:
    """What every night's replan of every mode shares: the season's fixed inputs."""

    catalogue: world_inputs.Catalogue
    orders: list[OpenOrderInfo]
    season: Season
    config: FactoryConfig
    options: SimulationOptions
    frozen_hours: float
    fabric_meta: dict[str, dict]


@dataclass(frozen=True)
class _Committed:
    """The previous plan's lots the new one must keep: on the floor, or inside the window."""

    started: list[FrozenLot]
    views: list[StoredLot]  # the previous plan's lots not started yet
    frozen: list[StoredLot]
    committed: list[FrozenLot]


def replan_mode(
    state: ModeState, now: dt.datetime, forecast: pd.DataFrame, inputs: SeasonInputs
) -> dict[str, Any]:
    """Plan mode ``state`` from ``now``, hand the plan to its floor; returns the plan's record."""
    day = now.date()
    kept = _committed_lots(state.floor, now, inputs.frozen_hours)
    plan_inputs = PlanningInputs(
        styles=inputs.catalogue.styles,
        skus=inputs.catalogue.skus,
        forecast=forecast,
        on_hand=dict(state.ledger.stock),
        open_orders=_open_orders(inputs.orders, state.ledger, day),
        fabrics=_visible_fabric(state, day, inputs, kept.frozen),
        frozen_lots=kept.started + kept.committed,
        previous=previous_assignments(kept.views),
        line_state=state.floor.line_state(),
    )
    options = inputs.options
    result = make_plan(
        plan_inputs,
        inputs.config,
        PlanOptions(
            mode=state.policy,
            start=now,
            horizon_days=options.horizon_days,
            time_limit=options.time_limit,
            workers=options.workers,
            seed=options.solver_seed,
            deterministic=True,
        ),
    )
    state.floor.adopt(result.lots)
    _buy_fabric(state, result.shortages, inputs.fabric_meta, day, options.fabric_lead_days)
    return {
        "digest": plan_digest(result.lots),
        "day": day.isoformat(),
        "status": result.status,
        "lots": len(result.lots),
        "fixed": len(kept.started) + len(kept.committed),
        "held": len(result.held),
        "held_units": sum(lot.quantity for lot in result.held),
        "planned_units": sum(lot.quantity for lot in result.lots),
        "objective": result.objective,
        "seconds": round(result.seconds, 2),
    }


def _committed_lots(floor: Floor, now: dt.datetime, frozen_hours: float) -> _Committed:
    """The started lots (pinned as they run) and the frozen ones (code, quantity, sizes kept).

    Frozen lots are not pinned in time: the floor runs behind or ahead of the plan, so the
    old times may no longer fit; their times are re-sequenced around the real floor, held
    near the old plan by the stability cost.
    """
    started = floor.started_lots(now)
    views = [_as_stored(lot, n) for n, lot in enumerate(floor.lots.values()) if not lot.started]
    frozen, _ = frozen_lots(views, FrozenWindow.of(now, frozen_hours))
    committed = [dataclasses.replace(v.as_frozen(), ops=()) for v in frozen]
    return _Committed(started=started, views=views, frozen=frozen, committed=committed)


def _visible_fabric(
    state: ModeState, day: dt.date, inputs: SeasonInputs, frozen: list[StoredLot]
) -> dict[str, FabricInfo]:
    """The fabric the planner sees tonight: in store (less what committed lots hold), and due.

    A delivery not in the store yet arrives in the morning of its real day; an overdue one is
    expected any time now: the planner does not know how late it is.
    """
    floor = state.floor
    # fabric of committed lots is set aside for them (they are not gated again)
    reserved: dict[str, float] = {}
    for v in frozen:
        lot = floor.lots[v.code]
        if lot.fabric:
            reserved[lot.fabric] = reserved.get(lot.fabric, 0.0) + lot.fabric_quantity
    fabrics = {}
    for fabric, meta in inputs.fabric_meta.items():
        pending = tuple(
            sorted(
                (max(promised, day), qty)
                for f, promised, real, qty in inputs.season.deliveries
                if f == fabric and real >= day
            )
        )
        pending += tuple(
            (when, qty) for f, when, qty in state.bought if f == fabric and when >= day
        )
        fabrics[fabric] = FabricInfo(
            fabric,
            on_hand=max(floor.fabric.get(fabric, 0.0) - reserved.get(fabric, 0.0), 0.0),
            unit=meta["unit"],
            roll_size=meta["roll_size"],
            deliveries=tuple(sorted(pending)),
        )
    return fabrics


def _open_orders(orders: list[OpenOrderInfo], ledger: Ledger, day: dt.date) -> list[OpenOrderInfo]:
    """The confirmed orders still to ship, and every backorder as an order due today."""
    open_orders = [o for o in orders if o.due_date >= day]
    open_orders += [OpenOrderInfo(sku, day, qty) for sku, _since, qty in ledger.backorders()]
    return open_orders


def _buy_fabric(
    state: ModeState,
    shortages: Iterable[Mapping[str, Any]],
    meta: Mapping[str, Mapping[str, Any]],
    day: dt.date,
    lead_days: int,
) -> None:
    """Order what a shortage lacks, in whole rolls, to arrive ``lead_days`` from today.

    Both modes' buyers follow this one rule; the planner sees the order as a delivery from
    tomorrow night on, so a held lot is released when the fabric can be there. Without it a
    lot larger than the fabric in sight would wait for ever (the sample world's fabric is
    sized to recent consumption).
    """
    for shortage in shortages:
        short = float(shortage.get("short") or 0.0)
        fabric = shortage["fabric"]
        if short <= 0 or fabric not in meta:
            continue
        roll = meta[fabric].get("roll_size") or 1.0
        qty = math.ceil(short / roll - 1e-9) * roll
        state.bought.append((fabric, day + dt.timedelta(days=lead_days), qty))


def plan_digest(lots: Iterable[Any]) -> str:
    """A short fingerprint of a plan's lots, sizes and operations (equal plans, equal digest)."""
    rows = sorted(
        (
            lot.code,
            tuple(sorted(lot.items.items())),
            tuple(
                (op.step, op.resource, op.start.isoformat(), op.end.isoformat()) for op in lot.ops
            ),
        )
        for lot in lots
    )
    return hashlib.sha1(repr(rows).encode()).hexdigest()[:16]


def _as_stored(lot: FloorLot, number: int) -> StoredLot:
    """A floor lot not started yet, as the frozen-window rule reads a stored plan's lot.

    The floor is not a database: ``number`` stands in for the row ids, and the lot's planned
    steps are its operations. It is not fixed (it has not started), its release is its planned
    cut, and its lateness is how far its planned finish passes its due time.
    """
    steps = sorted(lot.steps.values(), key=lambda s: s.planned_start)
    ops = tuple(
        StoredOp(n, number, s.step, s.resource, s.planned_start, s.planned_end)
        for n, s in enumerate(steps)
    )
    end = max((op.end for op in ops), default=lot.due)
    return StoredLot(
        lot_id=number,
        code=lot.code,
        style=lot.style,
        colour=lot.colour,
        category="",
        quantity=lot.quantity,
        need_date=lot.need_date,
        due=lot.due,
        release=ops[0].start if ops else lot.due,
        fabric=lot.fabric,
        fabric_quantity=lot.fabric_quantity,
        late_minutes=max(int((end - lot.due).total_seconds() // 60), 0),
        fixed=False,
        items=dict(lot.items),
        ops=ops,
    )
