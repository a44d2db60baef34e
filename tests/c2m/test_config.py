"""The factory file: the shipped one loads, and every mistake names its key."""

from __future__ import annotations

import tomllib

import pytest

from c2m.config import DEFAULT_CONFIG, load_config, parse_config
from c2m.errors import ConfigError, ExitCode


def _raw() -> dict:
    with DEFAULT_CONFIG.open("rb") as handle:
        return tomllib.load(handle)


def test_shipped_config_loads_with_every_category_sewable():
    cfg = load_config()
    assert cfg.lines and cfg.categories
    for category in cfg.categories:
        assert cfg.lines_for(category), f"no line can sew {category}"
    assert cfg.policies.c2m.min_lot < cfg.policies.batch.min_lot


@pytest.mark.parametrize(
    ("mutate", "key_in_message"),
    [
        (lambda raw: raw["lines"][1].__setitem__("efficiency", -0.5), "lines[1].efficiency"),
        (lambda raw: raw["lines"][0].__setitem__("categories", ["socks"]), "socks"),
        (lambda raw: raw["changeover"].__setitem__("colour_minutes", 999), "changeover"),
        (lambda raw: raw["costs"].pop("holding_rate_per_year"), "costs.holding_rate_per_year"),
        (lambda raw: raw["calendar"].__setitem__("shfts", []), "calendar.shfts"),
        (lambda raw: raw["policies"]["c2m"].__setitem__("max_lot", 10), "policies.c2m"),
        (lambda raw: raw["lines"].append(dict(raw["lines"][0])), "appears twice"),
        (lambda raw: raw["calendar"].__setitem__("workdays", []), "calendar.workdays"),
        (lambda raw: raw["factory"].__setitem__("timezone", "Mars/Olympus"), "Mars/Olympus"),
        (
            lambda raw: raw["calendar"]["shifts"].append(
                {"name": "late", "start": "11:00", "end": "12:30"}
            ),
            "overlap",
        ),
    ],
)
def test_invalid_config_names_the_key(mutate, key_in_message):
    raw = _raw()
    mutate(raw)
    with pytest.raises(ConfigError) as info:
        parse_config(raw, source="factory.toml")
    assert key_in_message in str(info.value)
    assert str(info.value).startswith("factory.toml:")
    assert info.value.exit_code == ExitCode.DATA


def test_unreadable_files_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[lines\nid = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)
