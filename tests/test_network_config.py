"""The network file: the shipped example reads; a bad file is one sentence naming its keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from c2m.config import DEFAULT_CONFIG
from c2m.errors import ConfigError
from c2m.network.config import load_network

EXAMPLE = DEFAULT_CONFIG.parent / "network.toml"


def test_the_shipped_network_reads_with_its_workshops_and_skills() -> None:
    network = load_network(EXAMPLE)
    assert [w.name for w in network.workshops] == ["knits", "wovens", "family"]
    assert network.lead.name == "knits"
    # default categories: what the lines sew; stated ones: as stated
    assert network.workshop("wovens").categories == {"jeans", "shirt", "dress", "polo", "hoodie"}
    assert network.workshop("family").categories == {"tshirt", "hoodie"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "net.toml"
    path.write_text(text)
    return path


def test_every_problem_of_a_bad_file_is_named_in_one_sentence(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"""
[[workshops]]
name = "a"
config = "{DEFAULT_CONFIG}"
transfer_days = -1
[[workshops]]
name = "a"
config = "{DEFAULT_CONFIG}"
trnsfer_cost_per_unit = 2
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_network(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    assert "workshops[0].transfer_days" in message
    assert "workshops[1].trnsfer_cost_per_unit: unknown key" in message


def test_a_missing_factory_file_and_an_unsewable_category_are_named(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"""
[[workshops]]
name = "ghost"
config = "nowhere.toml"
[[workshops]]
name = "real"
config = "{DEFAULT_CONFIG}"
categories = ["tshirt", "socks"]
""",
    )
    with pytest.raises(ConfigError) as caught:
        load_network(path)
    message = str(caught.value)
    assert "workshops[0].config (ghost)" in message and "not found" in message
    assert "workshops[1].categories (real)" in message and "socks" in message


def test_duplicate_names_and_inverted_load_bounds_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        f"""
[[workshops]]
name = "a"
config = "{DEFAULT_CONFIG}"
min_weekly_minutes = 10
max_weekly_minutes = 5
""",
    )
    with pytest.raises(ConfigError, match="max_weekly_minutes must be at least"):
        load_network(path)
    twice = _write(
        tmp_path,
        f'[[workshops]]\nname = "a"\nconfig = "{DEFAULT_CONFIG}"\n' * 2,
    )
    with pytest.raises(ConfigError, match="appears twice"):
        load_network(twice)
