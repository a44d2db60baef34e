"""A config with several mistakes names every one of them, not "(and 1 more problem)"."""

from __future__ import annotations

import tomllib

import pytest

from c2m.config import DEFAULT_CONFIG, parse_config
from c2m.errors import ConfigError


def _raw() -> dict:
    with DEFAULT_CONFIG.open("rb") as handle:
        return tomllib.load(handle)


def test_every_problem_is_named():
    raw = _raw()
    raw["lines"][1]["efficiency"] = -0.5
    raw["costs"]["lateness_per_unit_dy"] = raw["costs"].pop("lateness_per_unit_day")
    raw["guards"] = {"max_start_days": -1}
    with pytest.raises(ConfigError) as info:
        parse_config(raw, source="factory.toml")
    message = str(info.value)
    assert message.startswith(
        "factory.toml: invalid configuration at costs.lateness_per_unit_dy: unknown key "
        "(did you mean 'lateness_per_unit_day'?) (also "
    )
    assert "lines[1].efficiency: Input should be greater than 0" in message
    assert "guards.max_start_days: Input should be greater than or equal to 0" in message
    assert "costs.lateness_per_unit_day" not in message.replace("(did you mean", "")
    assert "more problem" not in message


def test_one_problem_reads_as_before():
    raw = _raw()
    raw["lines"][1]["efficiency"] = -0.5
    with pytest.raises(ConfigError) as info:
        parse_config(raw, source="f.toml")
    assert str(info.value) == (
        "f.toml: invalid configuration at lines[1].efficiency: Input should be greater than 0"
    )
