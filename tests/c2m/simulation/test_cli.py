"""``c2m simulate`` end to end, as a user runs it (real process, real solver)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.worlds import two_line_config_file

C2M = [sys.executable, "-c", "import cli; cli.main()"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*C2M, *args], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )


def test_a_bad_mode_is_one_sentence_and_exit_64(tmp_path):
    done = run("simulate", "--modes", "batch,weekly", cwd=Path.cwd())
    assert done.returncode == 64
    assert "unknown mode 'weekly'" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_an_unknown_scenario_exits_65(tmp_path):
    done = run("simulate", "--scenario", "monsoon", "--days", "1", cwd=Path.cwd())
    assert done.returncode == 65
    assert "unknown scenario 'monsoon'" in done.stderr


@pytest.mark.slow
def test_a_short_season_end_to_end(tmp_path):
    config = two_line_config_file(tmp_path)
    out = tmp_path / "season"
    done = run(
        "--config", str(config), "simulate", "--days", "2", "--styles", "3",
        "--history-days", "42", "--time-limit", "1", "--seed", "5", "--json", "--out", str(out),
        cwd=Path.cwd(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert set(payload["modes"]) == {"batch", "c2m"}
    for kpis in payload["modes"].values():
        for key in (
            "fill_rate", "lost_units", "avg_inventory_units", "end_inventory_units",
            "end_inventory_value", "mean_lot_size", "changeovers", "utilisation", "total_cost",
        ):  # fmt: skip
            assert key in kpis, key
        assert 0 <= kpis["fill_rate"] <= 1
    daily = pd.read_csv(out / "daily.csv")
    assert len(daily) == 4 and set(daily["mode"]) == {"batch", "c2m"}
    page = (out / "simulation.html").read_text()
    assert "inventory" in page.lower() and "c2m" in page
    assert json.loads((out / "summary.json").read_text())["modes"] == payload["modes"]
