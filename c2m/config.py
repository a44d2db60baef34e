"""Factory configuration: one TOML file describes one factory.

The file is read with :mod:`tomllib` and validated with pydantic, so a planner who mistypes
a key or gives a negative efficiency gets one sentence naming the key (``lines[2].efficiency``)
instead of a wrong plan. Every field has a default a new user can run on; the shipped sample
factory (``c2m/data/configs/humen_factory.toml``) says where each figure comes from.

Which file a command reads (:func:`discover_config`): ``--config``, else ``$C2M_CONFIG``, else
``./c2m.toml``, else the bundled sample factory. The last is fine for a tour, wrong for a real
workshop's database, so the command line says so when it happens.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import os
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from c2m.errors import C2MError, ConfigError
from c2m.resources import sample_factory

DEFAULT_CONFIG = sample_factory()
ENV_VAR = "C2M_CONFIG"
LOCAL_NAME = "c2m.toml"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FactoryInfo(_Strict):
    name: str = "Factory"
    timezone: str = "Asia/Shanghai"
    currency: str = "CNY"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone (e.g. Asia/Shanghai)") from None
        return value


class Category(_Strict):
    """A garment category: its default sewing time when a style gives none."""

    sam_minutes: float = Field(gt=0, description="standard allowed minutes to sew one unit")
    description: str = ""


class SewingLine(_Strict):
    id: str = Field(min_length=1)
    operators: int = Field(gt=0)
    efficiency: float = Field(gt=0, le=1.2, description="planned share of SAM output achieved")
    categories: list[str] = Field(min_length=1)


class StationGroup(_Strict):
    """Cutting tables or finishing stations: identical stations that work in parallel."""

    stations: int = Field(default=1, gt=0)
    minutes_per_lot: float = Field(
        default=0, ge=0, description="fixed time per lot (marker, spread)"
    )
    minutes_per_unit: float = Field(default=0, ge=0)


class Shift(_Strict):
    name: str
    start: dt.time
    end: dt.time

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.end <= self.start:
            raise ValueError(
                f"shift {self.name!r} must end after it starts (no shifts over midnight)"
            )
        return self


class Calendar(_Strict):
    workdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri", "sat"], min_length=1
    )
    shifts: list[Shift] = Field(min_length=1)
    overtime: Shift | None = None
    overtime_cost_per_hour: float = Field(default=0, ge=0)
    holidays: list[dt.date] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_overlap(self) -> Calendar:
        windows = sorted([(s.start, s.end, s.name) for s in self.shifts])
        if self.overtime is not None:
            windows = sorted(
                [*windows, (self.overtime.start, self.overtime.end, self.overtime.name)]
            )
        for (_, end_a, name_a), (start_b, _, name_b) in itertools.pairwise(windows):
            if start_b < end_a:
                raise ValueError(f"shifts {name_a!r} and {name_b!r} overlap")
        return self

    @property
    def regular_hours_per_day(self) -> float:
        return sum(_hours(s) for s in self.shifts)


def _hours(shift: Shift) -> float:
    start = dt.datetime.combine(dt.date.min, shift.start)
    end = dt.datetime.combine(dt.date.min, shift.end)
    return (end - start).total_seconds() / 3600


class Changeover(_Strict):
    """Sewing-line changeover minutes, the largest difference between two lots decides."""

    category_minutes: float = Field(ge=0)
    style_minutes: float = Field(ge=0)
    colour_minutes: float = Field(ge=0)

    @model_validator(mode="after")
    def _hierarchy(self) -> Changeover:
        if not self.category_minutes >= self.style_minutes >= self.colour_minutes:
            raise ValueError(
                "changeover minutes must not grow from category to style to colour "
                "(category_minutes >= style_minutes >= colour_minutes)"
            )
        return self


class Learning(_Strict):
    """Ramp-up of a new style on a line: efficiency starts low and climbs to steady state."""

    start_efficiency: float = Field(gt=0, le=1, description="share of steady efficiency on day 1")
    days_to_steady: float = Field(gt=0)
    steady_share: float = Field(default=0.95, gt=0, le=1)


class Costs(_Strict):
    holding_rate_per_year: float = Field(ge=0, description="share of unit value per year")
    lateness_per_unit_day: float = Field(ge=0)
    changeover_per_hour: float = Field(ge=0)
    lost_sale_share_of_margin: float = Field(default=1.0, ge=0)
    markdown_share: float = Field(
        default=0.5, ge=0, le=1, description="price cut needed to clear unsold stock"
    )


class LotPolicy(_Strict):
    service_quantile: float = Field(gt=0, lt=1)
    min_lot: int = Field(gt=0)
    lot_multiple: int = Field(gt=0)
    max_lot: int | None = Field(default=None, gt=0)
    cover_days: float = Field(gt=0, description="days of demand one lot covers")
    lead_days: float = Field(default=0, ge=0, description="how far ahead of need a lot is made")
    granularity: Literal["sku", "style"] = "sku"
    # "fixed": cover_days for every key, cut before capacity is known; "capacity": each
    # style-colour's window stretches with the price of line time (c2m.planning.capacity)
    sizing: Literal["capacity", "fixed"] = "fixed"
    first_run: int | None = Field(
        default=None, gt=0, description="pieces of a new style-colour's first lot (test run)"
    )
    release_days: float | None = Field(
        default=None,
        gt=0,
        description="earliest cut of a lot, in days before its need date (None: any time)",
    )

    @model_validator(mode="after")
    def _bounds(self) -> LotPolicy:
        if self.max_lot is not None and self.max_lot < self.min_lot:
            raise ValueError("max_lot must be at least min_lot")
        return self


class Policies(_Strict):
    batch: LotPolicy
    c2m: LotPolicy


class Solver(_Strict):
    time_limit_seconds: float = Field(default=30, gt=0)
    workers: int = Field(default=2, gt=0)
    seed: int = 0
    frozen_hours: float = Field(default=24, ge=0)
    stability_weight: float = Field(default=1.0, ge=0)


class Guards(_Strict):
    """When a plan, a forecast or an import looks like a typo rather than the factory's week.

    A mistyped year once turned into a published plan of nothing: these thresholds let
    ``plan`` and ``replan`` refuse to make such a plan current (``--force`` overrides),
    ``forecast`` warn (and the unattended replan stop), and ``import`` warn once per file.
    """

    min_sku_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="a plan must cover this share of the last current plan's SKUs and of the "
        "catalogue's active SKUs",
    )
    min_unit_share: float = Field(
        default=0.5, ge=0, le=1, description="and this share of the last current plan's demand"
    )
    max_start_days: int = Field(
        default=7, ge=0, description="days a plan's start may lie from the factory's today"
    )
    max_inactive_share: float = Field(
        default=0.5, ge=0, le=1, description="share of SKUs a forecast may skip as inactive"
    )
    max_origin_jump_days: int = Field(
        default=7, ge=0, description="days a forecast's start may move past the last one's"
    )
    import_margin_days: int = Field(
        default=60, ge=0, description="days outside the stored history an imported date may be"
    )
    later_hours: float = Field(
        default=24,
        ge=0,
        description="a replan keeps an already-due lot within this many hours of the lateness "
        "the last plan gave it unless pushing it is cheaper, and lists every lot whose lateness "
        "grew by more, with old and new slot and cost",
    )
    later_margin_share: float = Field(
        default=0.01,
        ge=0,
        le=1,
        description="a replan pushes already-due lots only when that lowers its objective by more "
        "than this share of the objective of the plan that holds them",
    )


class Web(_Strict):
    """``c2m serve``: limits of the web page (the ``[web]`` table; every key optional)."""

    max_upload_mb: float = Field(default=50, gt=0)
    secure_cookies: bool = False  # true behind a TLS proxy: cookies only over https
    login_attempts: int = Field(default=5, gt=0)  # failed logins allowed per window
    login_window_minutes: float = Field(default=15, gt=0)


class FactoryConfig(_Strict):
    factory: FactoryInfo = Field(default_factory=FactoryInfo)
    categories: dict[str, Category] = Field(min_length=1)
    lines: list[SewingLine] = Field(min_length=1)
    cutting: StationGroup
    finishing: StationGroup
    transfer_minutes: float = Field(default=0, ge=0, description="min time between steps of a lot")
    calendar: Calendar
    changeover: Changeover
    learning: Learning
    costs: Costs
    policies: Policies
    solver: Solver = Field(default_factory=Solver)
    # Not part of a plan's inputs: left out of dumps, so the replan's fingerprint ignores it.
    web: Web = Field(default_factory=Web, exclude=True)
    # Mostly whether a plan is published, not what it is: left out of dumps. The due-lot
    # guard's two keys do shape a replan's plan; the replan adds them to its fingerprint.
    guards: Guards = Field(default_factory=Guards, exclude=True)

    @field_validator("lines")
    @classmethod
    def _unique_lines(cls, lines: list[SewingLine]) -> list[SewingLine]:
        seen: set[str] = set()
        for line in lines:
            if line.id in seen:
                raise ValueError(f"line id {line.id!r} appears twice")
            seen.add(line.id)
        return lines

    @model_validator(mode="after")
    def _known_categories(self) -> FactoryConfig:
        for index, line in enumerate(self.lines):
            unknown = sorted(set(line.categories) - set(self.categories))
            if unknown:
                raise ValueError(
                    f"lines[{index}] ({line.id}) sews unknown categories {unknown}; "
                    f"known: {sorted(self.categories)}"
                )
        return self

    def lines_for(self, category: str) -> list[SewingLine]:
        return [line for line in self.lines if category in line.categories]


@dataclass(frozen=True)
class ConfigSource:
    """The factory file a command will read, and how it was chosen."""

    path: Path
    how: Literal["option", "environment", "working directory", "bundled sample"]

    @property
    def bundled(self) -> bool:
        return self.how == "bundled sample"


def discover_config(
    explicit: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ConfigSource:
    """``--config``, then ``$C2M_CONFIG``, then ``./c2m.toml``, then the bundled sample.

    A path that was asked for (option or variable) is returned even when it does not exist,
    so that reading it fails with a sentence naming it, rather than silently planning a real
    workshop on the sample factory.
    """
    environ = os.environ if environ is None else environ
    if explicit is not None:
        return ConfigSource(Path(explicit), "option")
    if environ.get(ENV_VAR):
        return ConfigSource(Path(environ[ENV_VAR]), "environment")
    local = (cwd or Path.cwd()) / LOCAL_NAME
    if local.is_file():
        return ConfigSource(Path(LOCAL_NAME) if cwd is None else local, "working directory")
    return ConfigSource(DEFAULT_CONFIG, "bundled sample")


_TEMPLATE_HEADER = """\
# c2m-planner factory configuration, written by `c2m init --config-template`.
#
# It starts as a copy of the bundled sample (a casualwear workshop in Humen, Dongguan): change
# the factory's name and time zone, its sewing lines, shifts, changeovers and costs to yours,
# then check it with `c2m --config THIS_FILE check-config`. Commands find it through
# --config, then $C2M_CONFIG, then ./c2m.toml in the directory they run in.

"""


def write_config_template(path: str | Path) -> Path:
    """Write a commented configuration to start from; never overwrites a file."""
    path = Path(path)
    if path.exists():
        raise C2MError(f"{path} already exists; choose another path or remove it first")
    text = _TEMPLATE_HEADER + DEFAULT_CONFIG.read_text(encoding="utf-8")
    parse_config(tomllib.loads(text), source="the template")  # ships valid, or fails here
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_config(path: str | Path | None = None) -> FactoryConfig:
    """Read and validate a factory file; raise :class:`ConfigError` naming file and key."""
    path = Path(path) if path is not None else DEFAULT_CONFIG
    return parse_config(read_toml(path, "configuration file"), source=str(path))


def read_toml(path: Path, what: str) -> dict:
    """The TOML file's table; a missing, unreadable or malformed file is one sentence naming
    the file (``what`` says which kind of file it should have been)."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None


def parse_config(raw: dict, source: str = "<config>") -> FactoryConfig:
    try:
        return FactoryConfig.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        # A typo'd key shows up twice: the key it should have been is "missing" and the typo
        # is "extra". The typo is the cause, so say it first, with the likely intended key.
        # Every problem is named, so one edit fixes the file instead of one per run.
        errors.sort(key=lambda e: e["type"] != "extra_forbidden")
        named = [_problem(e, errors) for e in errors]
        named = [p for p in named if p is not None]
        key, message = named[0]
        where = f" at {key}" if key else ""
        rest = "; ".join(f"{k or 'top level'}: {m}" for k, m in named[1:])
        tail = f" (also {rest})" if rest else ""
        raise ConfigError(f"{source}: invalid configuration{where}: {message}{tail}") from None


def _problem(error: dict, errors: list) -> tuple[str, str] | None:
    """(dotted key, message) for one validation error; None for a missing key that an unknown
    key beside it already names (``did you mean``), which is the same problem twice."""
    loc = tuple(error["loc"])
    if error["type"] == "missing":
        named = f" (did you mean {loc[-1]!r}?)"
        typos = [tuple(o["loc"]) for o in errors if o["type"] == "extra_forbidden"]
        if any(t[:-1] == loc[:-1] and _did_you_mean(t, errors) == named for t in typos):
            return None
    if error["type"] == "extra_forbidden":
        return _dotted(loc), "unknown key" + _did_you_mean(loc, errors)
    return _dotted(loc), error["msg"].removeprefix("Value error, ")


def _did_you_mean(loc: tuple, errors: list) -> str:
    """' (did you mean X?)' when a missing key beside the unknown one looks like it."""
    missing = [
        str(e["loc"][-1])
        for e in errors
        if e["type"] == "missing" and tuple(e["loc"][:-1]) == tuple(loc[:-1])
    ]
    close = difflib.get_close_matches(str(loc[-1]), missing, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _dotted(loc: tuple) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts)
