"""Scenario parameters of the sample world, read from ``c2m/data/configs/scenarios.toml``.

A scenario is a set of plausible, documented parameters of a live-commerce garment business
(how dispersed the styles' appeal is, how often products go viral, how big promotions are).
They live in a TOML file, validated with pydantic like the factory config, so the simulation
and the tests can name a world (``steady``, ``viral``, ``promo``) instead of repeating numbers,
and a planner can add their own without touching code.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from c2m.config import _dotted
from c2m.errors import ConfigError
from c2m.resources import sample_scenarios

DEFAULT_SCENARIOS = sample_scenarios()


class Festival(BaseModel):
    """A platform-wide shopping festival (618, Double 11) placed in the future window.

    Viewers browse and fill their carts during the pre-heat days and pay on the day itself,
    so carts rise days before the orders do; afterwards demand dips because it was pulled
    forward.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    future_day: int = Field(
        ge=0, description="day of the festival, counted from the first future day"
    )
    lift: float = Field(gt=0, description="traffic multiplier on the day")
    discount: float = Field(ge=0, lt=1, description="price cut on the day")
    preheat_days: int = Field(default=7, ge=0)
    preheat_lift: float = Field(
        default=1.5, gt=0, description="traffic multiplier while pre-heating"
    )
    preheat_deferred: float = Field(
        default=0.75, ge=0, le=1, description="share of pre-heat purchases paid on the day"
    )
    lull_days: int = Field(default=5, ge=0)
    lull: float = Field(default=0.7, gt=0, description="traffic multiplier after the festival")


class Scenario(BaseModel):
    """Everything that shapes one sample world; the bundled ``scenarios.toml`` documents each."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "default"
    description: str = ""
    # catalogue
    styles: int = Field(default=24, ge=1, le=999)
    colours: tuple[int, int] = (2, 3)
    basics_share: float = Field(default=0.3, ge=0, le=1)
    launched_in_history: float = Field(default=0.25, ge=0, le=1)
    launched_in_future: float = Field(default=0.1, ge=0, le=1)
    # demand level and shape
    target_load: float = Field(default=0.75, gt=0, le=3)
    appeal_sigma: float = Field(default=0.7, ge=0)
    volatility: float = Field(default=0.06, ge=0)
    mean_reversion: float = Field(default=0.05, ge=0, le=1)
    seasonality: float = Field(default=0.5, ge=0)
    weekly_amplitude: float = Field(default=0.15, ge=0, lt=1)
    # live rooms
    rooms: int = Field(default=3, ge=1, le=8)
    broadcast_days: tuple[int, int] = (5, 7)
    skip_rate: float = Field(default=0.04, ge=0, le=1)
    off_air_share: float = Field(default=0.1, ge=0, le=1)
    session_sigma: float = Field(default=0.35, ge=0)
    dispersion: float = Field(default=0.15, ge=0)
    cart_rate: float = Field(default=0.10, gt=0, lt=1)
    buy_rate: float = Field(default=0.40, gt=0, lt=1)
    pay_lags: tuple[float, float, float] = (0.5, 0.3, 0.2)
    rank_depth: int = Field(default=30, ge=1)
    # promotions and virality
    promo_rate: float = Field(default=0.06, ge=0, le=1)
    promo_lift: float = Field(default=2.0, gt=0)
    promo_discount: float = Field(default=0.15, ge=0, lt=1)
    viral_rate: float = Field(default=0.01, ge=0, le=1)
    viral_lift: float = Field(default=4.0, ge=0)
    viral_half_life: float = Field(default=5.0, gt=0)
    festival: Festival | None = None
    # False: every draw is replaced by its expectation (a world with no demand uncertainty)
    noise: bool = True

    @model_validator(mode="after")
    def _ranges(self) -> Scenario:
        if not 1 <= self.colours[0] <= self.colours[1]:
            raise ValueError("colours must be [min, max] with 1 <= min <= max")
        if not 1 <= self.broadcast_days[0] <= self.broadcast_days[1] <= 7:
            raise ValueError("broadcast_days must be [min, max] within 1..7")
        if self.launched_in_history + self.launched_in_future > 1:
            raise ValueError("launched_in_history + launched_in_future must not exceed 1")
        if any(w < 0 for w in self.pay_lags) or abs(sum(self.pay_lags) - 1) > 1e-6:
            raise ValueError("pay_lags must be three non-negative shares summing to 1")
        return self


def load_scenarios(path: str | Path | None = None) -> dict[str, Scenario]:
    """All scenarios of a file, by name; :class:`ConfigError` names the file and key."""
    path = Path(path) if path is not None else DEFAULT_SCENARIOS
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: scenario file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    table = raw.get("scenarios")
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"{path}: no [scenarios.NAME] tables found")
    scenarios: dict[str, Scenario] = {}
    for name, params in table.items():
        scenarios[name] = parse_scenario(
            {**params, "name": name}, source=f"{path}: scenarios.{name}"
        )
    return scenarios


def parse_scenario(raw: dict, source: str = "<scenario>") -> Scenario:
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = _dotted(first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        where = f" at {key}" if key else ""
        raise ConfigError(f"{source}: invalid scenario{where}: {message}") from None


def get_scenario(
    scenario: str | Scenario = "default", path: str | Path | None = None, **overrides: object
) -> Scenario:
    """A scenario by name (or as given), with keyword ``overrides`` validated on top."""
    if isinstance(scenario, Scenario):
        base = scenario
    else:
        known = load_scenarios(path)
        if scenario not in known:
            raise ConfigError(f"unknown scenario {scenario!r}; known: {', '.join(sorted(known))}")
        base = known[scenario]
    if not overrides:
        return base
    return parse_scenario({**base.model_dump(), **overrides}, source=f"scenario {base.name}")
