"""The floor's bad luck, drawn once per season from the seed and shared by every mode.

Both modes meet the same noise on the same line on the same day and the same late truck
(common random numbers), so a difference between batch and C2M comes from the policies, not
from one mode drawing a worse season. The defaults are plausible orders of magnitude for a
Humen workshop, not fitted to any result:

- ``efficiency_sigma``: day-to-day log-sd of a line's output around its planned efficiency
  (machine stops, a tricky fabric batch, a slow Monday): 8 %;
- ``absence_rate``: chance a line works a given day with operators missing (sick, a family
  matter; piece-rate workers in Humen come and go), ``max_absent`` at most: 1 in 10 line-days;
- ``late_delivery_rate`` and ``late_days``: share of fabric deliveries that arrive late, and
  by how many days at most (mills in Keqiao and Shaoxing slip a few days in peak season).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from c2m.config import FactoryConfig


@dataclass(frozen=True)
class Disturbances:
    efficiency_sigma: float = 0.08
    absence_rate: float = 0.10
    max_absent: int = 2
    late_delivery_rate: float = 0.3
    late_days: int = 4

    def __post_init__(self) -> None:
        if self.efficiency_sigma < 0:
            raise ValueError("efficiency_sigma must be >= 0")
        for name in ("absence_rate", "late_delivery_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must lie between 0 and 1")
        if self.max_absent < 0 or self.late_days < 0:
            raise ValueError("max_absent and late_days must be >= 0")

    @classmethod
    def none(cls) -> Disturbances:
        """A floor that does exactly what it is told (noise off), for tests and baselines."""
        return cls(0.0, 0.0, 0, 0.0, 0)


@dataclass(frozen=True)
class Season:
    """The drawn disturbances: per day and line, and the real arrival of each delivery."""

    efficiency: dict[dt.date, dict[str, float]]
    absent: dict[dt.date, dict[str, int]]
    arrivals: dict[dt.date, dict[str, float]]
    # (fabric, promised date, real date, quantity) of every delivery, for the planner's view
    deliveries: tuple[tuple[str, dt.date, dt.date, float], ...]


def draw(
    seed: int,
    days: list[dt.date],
    cfg: FactoryConfig,
    deliveries: pd.DataFrame,
    params: Disturbances,
) -> Season:
    rng = np.random.default_rng(np.random.SeedSequence([seed, 6]))
    lines = [line.id for line in cfg.lines]
    efficiency: dict[dt.date, dict[str, float]] = {}
    absent: dict[dt.date, dict[str, int]] = {}
    for day in days:
        noise = rng.normal(0.0, 1.0, len(lines))
        hit = rng.random(len(lines))
        count = rng.integers(1, max(params.max_absent, 1) + 1, len(lines))
        sigma = params.efficiency_sigma
        factors = np.exp(sigma * noise - sigma**2 / 2)  # mean 1: noise, not a bias
        efficiency[day] = {line: float(f) for line, f in zip(lines, factors, strict=True)}
        absent[day] = {
            line: int(c)
            for line, h, c in zip(lines, hit, count, strict=True)
            if params.max_absent > 0 and h < params.absence_rate
        }
    arrivals: dict[dt.date, dict[str, float]] = {}
    out = []
    for row in deliveries.sort_values(["due_date", "fabric", "reference"]).itertuples(index=False):
        promised = pd.Timestamp(row.due_date).date()
        late = rng.random() < params.late_delivery_rate
        delay = int(rng.integers(1, params.late_days + 1)) if late and params.late_days else 0
        real = promised + dt.timedelta(days=delay)
        day = arrivals.setdefault(real, {})
        day[row.fabric] = day.get(row.fabric, 0.0) + float(row.quantity)
        out.append((str(row.fabric), promised, real, float(row.quantity)))
    return Season(efficiency, absent, arrivals, tuple(out))
