"""A small factory (two lines) and a small world for the simulation tests.

The sample world scales demand to the factory's sewing capacity, so two lines and three
styles give a season the planner solves in a second or two a day. Both lines sew every
category, so the world's demand (sized for all lines) can really be made.
"""

from __future__ import annotations

from c2m.config import load_config
from c2m.simulation import Disturbances, SimulationOptions


def small_config():
    cfg = load_config()
    raw = cfg.model_dump()
    lines = [line for line in raw["lines"] if line["id"] in ("L1", "L2")]
    for line in lines:
        line["categories"] = sorted(raw["categories"])
    raw["lines"] = lines
    return type(cfg).model_validate(raw)


def small_options(**changes) -> SimulationOptions:
    base = {
        "days": 3,
        "seed": 3,
        "scenario": "default",
        "history_days": 42,
        "time_limit": 1.0,
        "workers": 1,
        "world_overrides": (("styles", 3),),
        "disturbances": Disturbances(),
    }
    base.update(changes)
    return SimulationOptions(**base)
