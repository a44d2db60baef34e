"""Which factory file a command reads, and the template a new workshop starts from."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c2m.config import DEFAULT_CONFIG, discover_config, load_config, write_config_template
from c2m.errors import C2MError
from c2m.resources import crontab_example, sample_data, sample_scenarios
from cli import app

runner = CliRunner()


def test_the_bundled_files_are_package_data():
    """Found inside the package, not beside a source checkout (a wheel has no checkout)."""
    import c2m

    package = Path(c2m.__file__).parent
    for path in (DEFAULT_CONFIG, sample_scenarios(), crontab_example(), sample_data()):
        assert path.exists() and package in path.parents
    assert (sample_data() / "catalog.csv").is_file()


def test_the_option_wins_then_the_variable_then_the_working_directory(tmp_path):
    local = tmp_path / "c2m.toml"
    local.write_text("")
    env = {"C2M_CONFIG": "/srv/factory.toml"}
    assert discover_config("x.toml", env, tmp_path).path == Path("x.toml")
    assert discover_config(None, env, tmp_path).how == "environment"
    assert discover_config(None, {}, tmp_path).path == local
    local.unlink()
    found = discover_config(None, {}, tmp_path)
    assert found.bundled and found.path == DEFAULT_CONFIG


def test_running_on_the_sample_factory_says_so_in_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("C2M_CONFIG", raising=False)
    result = runner.invoke(app, ["check-config", "--json"])
    assert result.exit_code == 0
    warning = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(warning) == 1 and "bundled Humen sample factory" in warning[0]
    Path("c2m.toml").write_text(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    result = runner.invoke(app, ["check-config", "--json"])
    assert result.exit_code == 0 and result.stderr == ""


def test_a_named_config_that_is_missing_is_an_error_not_the_sample(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("C2M_CONFIG", str(tmp_path / "ours.toml"))
    result = runner.invoke(app, ["check-config"])
    assert result.exit_code == 65
    assert "ours.toml: configuration file not found" in result.stderr


def test_the_template_is_commented_valid_and_never_overwrites(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["init", "--config-template"])
    assert result.exit_code == 0, result.output
    text = Path("c2m.toml").read_text(encoding="utf-8")
    assert text.startswith("# c2m-planner factory configuration")
    assert load_config("c2m.toml") == load_config(DEFAULT_CONFIG)
    assert tomllib.loads(text)["factory"]["timezone"] == "Asia/Shanghai"
    again = runner.invoke(app, ["init", "--config-template"])
    assert again.exit_code == 1 and "already exists" in again.stderr
    result = runner.invoke(app, ["init", "--config-template", "plant/b.toml"])
    assert result.exit_code == 0 and Path("plant/b.toml").is_file()
    assert not Path("c2m.db").exists()  # writing a template touches no database
    with pytest.raises(C2MError, match="already exists"):
        write_config_template(tmp_path / "plant" / "b.toml")
