"""What a network's night notes on each workshop's plan, for the network view to read back.

A network plan is not one row: it is the plans of one night, one per workshop. Each plan's
``kpis["network"]`` (JSON, no schema change) says which night it belongs to (``night``, a
token shared by the night's plans), which style runs the allocation gave its workshop
(``runs``: what "moved between workshops" is counted on), its load (``planned_minutes``: the
SAM-minutes of its lots, against ``capacity_minutes``: the workshop's regular SAM-minutes over
the horizon) and the demand no workshop took that night (``unplaced_due`` and
``unplaced_served``, the same on every plan of the night, for the network's fill rate).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from c2m.config import FactoryConfig
from c2m.network.allocation import Allocation
from c2m.planning.build import sam_of
from c2m.planning.inputs import PlanningInputs
from c2m.planning.plan_result import PlanResult


def night_token(now: dt.datetime) -> str:
    """A new night's token: readable (when) and unique (a rerun of the same night is another)."""
    return f"{now:%Y%m%d%H%M}-{uuid.uuid4().hex[:8]}"


def planned_minutes(result: PlanResult, inputs: PlanningInputs, cfg: FactoryConfig) -> int:
    """SAM-minutes of the plan's lots (frozen ones included: they load the lines too)."""
    total = 0.0
    for lot in result.lots:
        style = inputs.styles.get(lot.style)
        if style is not None and style.category in cfg.categories:
            total += lot.quantity * sam_of(style, cfg)
    return round(total)


def plan_facts(
    network: str,
    night: str,
    workshop: str,
    allocation: Allocation,
    result: PlanResult,
    inputs: PlanningInputs,
    cfg: FactoryConfig,
    unplaced: tuple[float, float],
) -> dict[str, Any]:
    """``kpis["network"]`` of ``workshop``'s plan of the night."""
    return {
        "name": network,
        "night": night,
        "runs": sorted(r.key for r in allocation.runs_of(workshop)),
        "planned_minutes": planned_minutes(result, inputs, cfg),
        "capacity_minutes": round(allocation.capacity.get(workshop, 0.0)),
        "unplaced_due": round(unplaced[0], 2),
        "unplaced_served": round(unplaced[1], 2),
    }
