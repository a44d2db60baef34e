"""How a season is asked for (:class:`SimulationOptions`) and what it gives back.

The options check themselves, so a bad ``c2m simulate`` flag is one sentence (exit 64)
before any world is generated or any plan solved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from c2m.errors import C2MError, ExitCode
from c2m.planning.inputs import MODES
from c2m.simulation.disturbances import Disturbances
from c2m.simulation.oracle import ORACLE

DEFAULT_FORECAST_METHOD = "auto"
#: the lot policies a season can run: the planner's, and the oracle (C2M fed the truth)
SIMULATION_MODES = (*MODES, ORACLE)


class BadOptions(C2MError):
    """The simulation was asked for something it cannot run (a usage error)."""

    exit_code = ExitCode.USAGE


@dataclass(frozen=True)
class SimulationOptions:
    """How to run a season. ``None`` solver settings take the factory config's values.

    ``forecast_method``: ``auto``, the method the nightly replan uses, so that a season tests
    the forecaster production runs (a few CPU seconds a night for the sample world's 275
    SKUs since #17); ``launch`` or any model name runs that model instead.

    ``time_limit`` is a deterministic budget (CP-SAT work units), not wall seconds, so the
    season is the same for a fixed seed and workers; its wall cost is larger. The default,
    1.5, keeps a 28-day two-mode season (56 plans) within 10 minutes on the sample factory
    with KPIs close to those of a larger budget (the figures: ``docs/measurements.md``).
    """

    days: int = 28
    modes: tuple[str, ...] = MODES
    seed: int = 7
    scenario: str = "default"
    history_days: int = 120
    horizon_days: int = 14
    time_limit: float = 1.5
    workers: int = 1
    solver_seed: int | None = None
    frozen_hours: float | None = None
    forecast_method: str = DEFAULT_FORECAST_METHOD
    max_wait_days: int = 3
    fabric_lead_days: int = 7
    disturbances: Disturbances = field(default_factory=Disturbances)
    world_overrides: tuple[tuple[str, Any], ...] = ()
    #: the season's target load (the scenario's ``target_load`` for a generated world)
    load: float | None = None
    #: days of the lines' regular capacity batch's pre-season build may take (``None``: as many
    #: as the season has; 0: no pre-season build, batch makes its season inside it)
    preseason_days: float | None = None

    def __post_init__(self) -> None:
        if self.days < 1:
            raise BadOptions("the season must last at least one day (--days)")
        if not self.modes:
            raise BadOptions("give at least one mode (--modes batch,c2m)")
        for mode in self.modes:
            if mode not in SIMULATION_MODES:
                known = ", ".join(SIMULATION_MODES)
                raise BadOptions(f"unknown mode {mode!r}; choose from {known}")
        if len(set(self.modes)) != len(self.modes):
            raise BadOptions("a mode is listed twice in --modes")
        if self.load is not None and not 0 < self.load <= 3:
            raise BadOptions("the load must be above 0 and at most 3 (--load 0.75 is 75 %)")
        if self.preseason_days is not None and self.preseason_days < 0:
            raise BadOptions("the pre-season window cannot be negative (--preseason-days)")
        if self.time_limit <= 0:
            raise BadOptions("the time limit must be positive")
        if self.horizon_days < 1:
            raise BadOptions("the planning horizon must be at least one day")
        if self.fabric_lead_days < 0:
            raise BadOptions("the fabric lead time cannot be negative")
        if self.max_wait_days < 0:
            raise BadOptions("backorders cannot wait a negative number of days")
        from forecasting import MODELS

        if self.forecast_method != "auto" and self.forecast_method not in MODELS:
            known = ", ".join(sorted([*MODELS, "auto"]))
            raise BadOptions(f"unknown forecast method {self.forecast_method!r}; known: {known}")

    def preseason_window(self) -> float:
        """Days of capacity batch's pre-season build may take (default: the season's length)."""
        return float(self.days if self.preseason_days is None else self.preseason_days)


@dataclass
class SimulationResult:
    """A season's outcome: KPIs per mode, the daily series, and each day's plan per mode."""

    options: SimulationOptions
    world: dict[str, Any]
    modes: dict[str, dict[str, Any]]  # mode -> season KPIs
    daily: pd.DataFrame  # one row per mode and day
    seconds: dict[str, float]  # forecast / plan / execute / total
    plans: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # per day, per mode
    #: per mode, each SKU's lots in the season and finished days (``c2m.simulation.tracking``)
    tracks: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """What ``c2m simulate --json`` prints and ``summary.json`` holds."""
        return {
            # the season's realised load: demand SAM-minutes over regular sewing capacity
            "load": self.world.get("load"),
            "world": self.world,
            "settings": {
                "days": self.options.days,
                "modes": list(self.options.modes),
                "seed": self.options.seed,
                "scenario": self.options.scenario,
                "horizon_days": self.options.horizon_days,
                "time_limit": self.options.time_limit,
                "workers": self.options.workers,
                "forecast_method": self.options.forecast_method,
                "max_wait_days": self.options.max_wait_days,
                "load": self.options.load,
                "preseason_days": self.options.preseason_window(),
            },
            "modes": self.modes,
            "seconds": self.seconds,
        }
