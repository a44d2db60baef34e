"""The network file: which workshops plan together, and how each reaches the warehouse.

A TOML file with one ``[[workshops]]`` table per workshop, each pointing to its own factory
config (the :class:`~c2m.config.FactoryConfig` every single-factory command reads). It is
validated like the factory file: unknown keys are errors, and every problem of the file is
listed in one sentence naming the key (``workshops[1].transfer_days``), so one edit fixes it.
A factory file that fails its own validation is named with the workshop that points to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from c2m.config import FactoryConfig, load_config, read_toml
from c2m.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NetworkInfo(_Strict):
    name: str = "Network"


class WorkshopEntry(_Strict):
    """One workshop as the file states it (paths still relative to the network file)."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[^\s].*$")
    config: str = Field(min_length=1, description="its factory config, relative to this file")
    categories: list[str] | None = Field(
        default=None, min_length=1, description="what it may make; default: what its lines sew"
    )
    transfer_days: int = Field(default=0, ge=0, le=30, description="days to the warehouse")
    transfer_cost_per_unit: float = Field(default=0, ge=0, description="CNY per unit shipped")
    min_weekly_minutes: float = Field(default=0, ge=0, description="SAM-minutes a week, at least")
    max_weekly_minutes: float | None = Field(default=None, gt=0, description="and at most")

    @model_validator(mode="after")
    def _bounds(self) -> WorkshopEntry:
        high = self.max_weekly_minutes
        if high is not None and high < self.min_weekly_minutes:
            raise ValueError("max_weekly_minutes must be at least min_weekly_minutes")
        return self


class NetworkFile(_Strict):
    network: NetworkInfo = Field(default_factory=NetworkInfo)
    workshops: list[WorkshopEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> NetworkFile:
        seen: set[str] = set()
        for index, entry in enumerate(self.workshops):
            if entry.name in seen:
                raise ValueError(f"workshops[{index}].name {entry.name!r} appears twice")
            seen.add(entry.name)
        return self


@dataclass(frozen=True)
class Workshop:
    """A workshop ready to plan: its factory config read, its categories settled."""

    name: str
    cfg: FactoryConfig
    config_path: Path
    categories: frozenset[str]
    transfer_days: int
    transfer_cost_per_unit: float
    min_weekly_minutes: float
    max_weekly_minutes: float | None


@dataclass(frozen=True)
class Network:
    """The workshops in the file's order; the first is the lead (its lot policy and costs
    size the network's net needs before allocation)."""

    name: str
    workshops: tuple[Workshop, ...]
    source: str = "<network>"

    @property
    def lead(self) -> Workshop:
        return self.workshops[0]

    def workshop(self, name: str) -> Workshop:
        for shop in self.workshops:
            if shop.name == name:
                return shop
        raise KeyError(name)


def single(cfg: FactoryConfig, name: str = "") -> Network:
    """Today's single factory as a network of one (its plans keep the workshop ``''``)."""
    shop = Workshop(name, cfg, Path(), _sewable(cfg), 0, 0.0, 0.0, None)
    return Network(cfg.factory.name, (shop,), source="the factory config")


def load_network(path: str | Path) -> Network:
    """Read and validate a network file; raise :class:`ConfigError` naming file and keys."""
    path = Path(path)
    raw = read_toml(path, "network file")
    return parse_network(raw, base=path.parent, source=str(path))


def parse_network(raw: dict, base: Path, source: str = "<network>") -> Network:
    """Validate the file's tables, then read each workshop's factory config; every problem
    found is listed in the one error."""
    try:
        parsed = NetworkFile.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{_dotted(e['loc'])}: {_message(e)}" for e in exc.errors()]
        raise ConfigError(f"{source}: invalid network: {'; '.join(problems)}") from None
    shops, problems = [], []
    for index, entry in enumerate(parsed.workshops):
        where = f"workshops[{index}]"
        config_path = (base / entry.config).resolve()
        try:
            cfg = load_config(config_path)
        except ConfigError as exc:
            problems.append(f"{where}.config ({entry.name}): {exc}")
            continue
        sewable = _sewable(cfg)
        categories = frozenset(entry.categories) if entry.categories else sewable
        unknown = sorted(categories - sewable)
        if unknown:
            problems.append(
                f"{where}.categories ({entry.name}): no line of {entry.config} sews {unknown} "
                f"(its lines sew {sorted(sewable)})"
            )
            continue
        shops.append(
            Workshop(
                name=entry.name,
                cfg=cfg,
                config_path=config_path,
                categories=categories,
                transfer_days=entry.transfer_days,
                transfer_cost_per_unit=entry.transfer_cost_per_unit,
                min_weekly_minutes=entry.min_weekly_minutes,
                max_weekly_minutes=entry.max_weekly_minutes,
            )
        )
    if problems:
        raise ConfigError(f"{source}: invalid network: {'; '.join(problems)}")
    return Network(parsed.network.name, tuple(shops), source=source)


def _sewable(cfg: FactoryConfig) -> frozenset[str]:
    return frozenset(c for line in cfg.lines for c in line.categories)


def _message(error: dict) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    return str(error["msg"]).removeprefix("Value error, ")


def _dotted(loc: tuple) -> str:
    parts: list[str] = []
    for item in loc:
        parts.append(f"[{item}]" if isinstance(item, int) else ("." if parts else "") + str(item))
    return "".join(parts) or "top level"
