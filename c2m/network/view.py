"""The network view of ``c2m compare`` and ``c2m report``: one night's plans read as one.

A network night is the plans that share ``kpis["network"]["night"]`` (:mod:`c2m.network.facts`).
Per workshop the view gives its load (SAM-minutes of its lots over its regular SAM-minutes of
the horizon), the style runs and lots that **moved** to it since the previous night, and its
fill rate; for the network, the fill rate over every workshop's demand plus the demand no
workshop took. A run moved when the previous night's allocation gave the same run (same style,
or the same colour of it) to another workshop; a lot moved when its style run did (a new run,
with no previous workshop, did not move). A workshop whose night failed has no plan in the
night: it is listed with the plan it kept, from an earlier night, and marked so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, select

from c2m.errors import NotFound
from c2m.models import Lot, Plan


@dataclass(frozen=True)
class Night:
    """One network night: its token, network name, mode, and plans by workshop."""

    token: str
    name: str
    mode: str
    plans: dict[str, Plan]

    @property
    def first_id(self) -> int:
        return min(int(p.id) for p in self.plans.values())

    def workshop_of(self, style: str, colour: str | None) -> str | None:
        """The workshop this night gave the style's run (its colour's, when split)."""
        keys = [f"{style}/{colour}", style] if colour else [style]
        for key in keys:
            for name, plan in self.plans.items():
                if key in _facts(plan).get("runs", []):
                    return name
        return None


def _facts(plan: Plan) -> dict[str, Any]:
    return dict((plan.kpis or {}).get("network") or {})


def _nights(session: Session, mode: str) -> dict[str, Night]:
    """Every network night of ``mode``, by token (plans of workshop '' never are)."""
    nights: dict[str, Night] = {}
    plans = session.exec(
        select(Plan).where(Plan.workshop != "", Plan.mode == mode).order_by(Plan.id)
    ).all()
    for plan in plans:
        facts = _facts(plan)
        token = facts.get("night")
        if not token:
            continue
        night = nights.setdefault(token, Night(token, facts.get("name", ""), mode, {}))
        night.plans[plan.workshop] = plan
    return nights


def night_of(session: Session, plan_id: int) -> Night | None:
    """The network night plan ``plan_id`` belongs to (None: a single factory's plan, or a
    network plan stored before nights were noted)."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"there is no plan {plan_id} (c2m plans lists them)")
    token = _facts(plan).get("night")
    if not plan.workshop or not token:
        return None
    return _nights(session, plan.mode).get(token)


def previous_night(session: Session, night: Night) -> Night | None:
    """The same network's night written last before ``night``."""
    earlier = [
        n
        for n in _nights(session, night.mode).values()
        if n.name == night.name and n.first_id < night.first_id
    ]
    return max(earlier, key=lambda n: n.first_id, default=None)


def network_view(session: Session, night: Night, previous: Night | None) -> dict[str, Any]:
    """Load, moves and fill rate per workshop of ``night``, against ``previous``."""
    rows, due, served = [], 0.0, 0.0
    for name, plan in night.plans.items():
        kpis, facts = dict(plan.kpis or {}), _facts(plan)
        due += float(kpis.get("units_due") or 0)
        served += float(kpis.get("units_on_time") or 0)
        runs = list(facts.get("runs", []))
        lots = session.exec(select(Lot.style, Lot.colour).where(Lot.plan_id == plan.id)).all()
        moved_runs = moved_lots = 0
        if previous is not None:
            moved_runs = sum(_moved(previous, name, *_split(key)) for key in runs)
            moved_lots = sum(_moved(previous, name, style, colour) for style, colour in lots)
        capacity = facts.get("capacity_minutes") or 0
        planned = facts.get("planned_minutes") or 0
        rows.append(
            {
                "workshop": name,
                "plan_id": int(plan.id),
                "runs": len(runs),
                "lots": len(lots),
                "planned_minutes": planned,
                "capacity_minutes": capacity,
                "load_share": round(planned / capacity, 4) if capacity else None,
                "runs_moved_in": moved_runs,
                "lots_moved_in": moved_lots,
                "fill_rate": kpis.get("fill_rate"),
            }
        )
    facts = _facts(next(iter(night.plans.values())))
    due += float(facts.get("unplaced_due") or 0)
    served += float(facts.get("unplaced_served") or 0)
    return {
        "network": night.name,
        "night": night.token,
        "previous_night": previous.token if previous else None,
        "workshops": rows,
        "runs_moved": sum(r["runs_moved_in"] for r in rows),
        "lots_moved": sum(r["lots_moved_in"] for r in rows),
        "fill_rate": round(served / due, 4) if due > 0 else 1.0,
    }


def _split(key: str) -> tuple[str, str | None]:
    style, _, colour = key.partition("/")
    return style, colour or None


def _moved(previous: Night, workshop: str, style: str, colour: str | None) -> bool:
    before = previous.workshop_of(style, colour)
    return before is not None and before != workshop


def compare_networks(
    session: Session, plan_a: int, plan_b: int, required: bool = False
) -> dict[str, Any] | None:
    """The network view of plan ``plan_b``'s night against plan ``plan_a``'s (the night before
    ``plan_b``'s when both are of one night); None when either is not a network plan, unless
    ``required`` (``compare --network``): then that is an error naming the plan."""
    night_a, night_b = night_of(session, plan_a), night_of(session, plan_b)
    if night_a is None or night_b is None:
        if required:
            which = plan_a if night_a is None else plan_b
            raise NotFound(
                f"plan {which} is not a network night's plan (c2m plan --network or "
                "c2m replan --network make them; c2m plans names their workshops)"
            )
        return None
    if night_a.token == night_b.token:
        night_a = previous_night(session, night_b)
    return network_view(session, night_b, night_a)


def report_view(session: Session, plan_id: int) -> dict[str, Any] | None:
    """The network view of plan ``plan_id``'s night against the night before (the report's
    network section); None for a single factory's plan."""
    night = night_of(session, plan_id)
    if night is None:
        return None
    return network_view(session, night, previous_night(session, night))
