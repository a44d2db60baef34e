"""The oracle (C2M fed the truth) and the split of lost demand it makes possible."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from c2m.simulation import simulate
from c2m.simulation.losses import loss_split
from c2m.simulation.options import BadOptions
from c2m.simulation.oracle import oracle_forecast
from tests.worlds import simulation_options, two_line_config, two_line_config_file

DAY = dt.date(2026, 12, 1)
C2M = [sys.executable, "-c", "import cli; cli.main()"]


def _forecast(days: int) -> pd.DataFrame:
    rows = [
        {"unique_id": sku, "ds": DAY + dt.timedelta(days=k), "yhat": 5.0, "q10": 2.0,
         "q50": 5.0, "q90": 9.0, "method": "launch"}
        for sku in ("A", "B") for k in range(days)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_the_oracle_sees_the_truth_inside_the_season_and_the_forecast_past_it():
    # a season of two days (the world's truth is dense: every SKU and day)
    truth = pd.DataFrame(
        {
            "date": pd.to_datetime(
                [DAY, DAY, DAY + dt.timedelta(days=1), DAY + dt.timedelta(days=1)]
            ),
            "sku": ["A", "B", "A", "B"],
            "demand": [7, 0, 3, 1],
        }
    )
    seen = oracle_forecast(_forecast(4), truth, DAY, horizon_days=4)
    assert list(seen.columns) == list(_forecast(4).columns)
    day0 = seen[seen["ds"] == DAY].set_index("unique_id")
    assert day0.loc["A", "yhat"] == 7 and day0.loc["B", "yhat"] == 0
    assert (day0[["q10", "q50", "q90"]].to_numpy() == day0[["yhat"]].to_numpy()).all()
    assert (day0["method"] == "oracle").all()
    # past the season's last day there is no truth: C2M's forecast stays
    later = seen[seen["ds"] == DAY + dt.timedelta(days=3)]
    assert (later["yhat"] == 5.0).all() and (later["method"] == "launch").all()
    assert len(seen) == 8


@given(st.dictionaries(st.sampled_from(["batch", "c2m", "oracle"]), st.integers(0, 10_000)))
def test_the_loss_split_adds_up_and_is_never_negative(unfilled):
    split = loss_split(unfilled)
    if "oracle" not in unfilled:
        assert split is None
        return
    assert split is not None
    for mode, parts in split.items():
        assert min(parts.values()) >= 0
        assert parts["capacity"] + parts["forecast"] + parts["policy"] == unfilled[mode]
    assert split["oracle"]["capacity"] == unfilled["oracle"]
    if "c2m" in split:
        assert split["c2m"]["policy"] == 0


def test_a_bad_load_is_refused_before_any_work():
    with pytest.raises(BadOptions, match="load"):
        simulation_options(load=0.0)


@pytest.fixture(scope="module")
def season():
    return simulate(simulation_options(modes=("batch", "c2m", "oracle")), config=two_line_config())


@pytest.mark.slow
def test_the_oracle_never_fills_less_than_c2m(season):
    modes = season.modes
    assert modes["oracle"]["demand_units"] == modes["c2m"]["demand_units"] > 0
    assert modes["oracle"]["fill_rate"] >= modes["c2m"]["fill_rate"]


@pytest.mark.slow
def test_the_loss_split_adds_up_to_the_lost_demand(season):
    for mode, kpis in season.modes.items():
        parts = kpis["lost_demand"]
        assert parts["capacity"] + parts["forecast"] + parts["policy"] == parts["lost"]
        # lost demand is the demand not served the day it came
        assert parts["lost"] / kpis["demand_units"] == pytest.approx(
            1 - kpis["fill_rate"], abs=1e-4
        ), mode


FLIP_KPIS = (
    "fill_rate", "unsold_share", "end_inventory_units", "made_units", "mean_lot_size",
    "lead_time_days", "reorders", "changeover_hours", "learning_hours", "total_cost",
)  # fmt: skip


@pytest.mark.slow
def test_every_mode_reports_what_the_flip_is_judged_on(season):
    for mode, kpis in season.modes.items():
        assert set(FLIP_KPIS) <= set(kpis), mode
        assert kpis["made_units"] == kpis["produced_units"]
        unsold = kpis["unsold_made_units"] + kpis["start_stock_left_units"]
        assert unsold == kpis["end_inventory_units"], mode
        assert 0 <= kpis["unsold_share"] <= 1
        assert kpis["unsold_made_units"] <= kpis["made_units"]
        # what was made either sold or is left; what shipped came from the start or was made
        sold_from_made = kpis["made_units"] - kpis["unsold_made_units"]
        sold_from_start = kpis["initial_inventory_units"] - kpis["start_stock_left_units"]
        assert sold_from_made + sold_from_start == kpis["shipped_units"], mode
        assert kpis["reorders"] >= 0 and kpis["mean_lot_size"] >= 0
        lead = kpis["lead_time_days"]
        assert lead is None or lead >= 0


@pytest.mark.slow
def test_load_and_oracle_end_to_end(tmp_path: Path):
    config = two_line_config_file(tmp_path)
    done = subprocess.run(
        [*C2M, "--config", str(config), "simulate", "--days", "2", "--styles", "3",
         "--history-days", "42", "--time-limit", "1", "--seed", "5", "--load", "0.6",
         "--modes", "c2m,oracle", "--json"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["settings"]["load"] == 0.6
    # the world was made for it (how close a season's realised load comes: test_sample.py)
    assert payload["world"]["target_load"] == 0.6 and payload["load"] > 0
    assert set(payload["modes"]) == {"c2m", "oracle"}
    for kpis in payload["modes"].values():
        assert set(FLIP_KPIS) <= set(kpis)
    oracle = payload["modes"]["oracle"]["lost_demand"]
    assert oracle["forecast"] == oracle["policy"] == 0


def test_a_bad_load_on_the_command_line_is_one_sentence_and_exit_64():
    done = subprocess.run(
        [*C2M, "simulate", "--load", "-1", "--days", "1"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 64, done.stderr
    assert "load" in done.stderr and "Traceback" not in done.stderr


def test_a_lots_lead_time_runs_from_its_cutting_to_its_finished_goods():
    from c2m.planning.inputs import STEPS
    from c2m.simulation.floor import FloorLot, StepState
    from c2m.simulation.season import lot_cycle_days

    t0 = dt.datetime(2026, 12, 1, 8)

    def step(name: str, started: dt.datetime | None, finished: dt.datetime | None) -> StepState:
        return StepState(name, "R", t0, t0, work=60.0, started=started, finished=finished)

    lot = FloorLot("L", "S", None, {"A": 10}, DAY, t0, None, 0.0)
    lot.steps = {STEPS[0]: step(STEPS[0], t0, t0), STEPS[-1]: step(STEPS[-1], t0, None)}
    assert lot_cycle_days(lot) is None  # not finished
    lot.steps[STEPS[-1]] = step(STEPS[-1], t0, t0 + dt.timedelta(hours=36))
    assert lot_cycle_days(lot) == pytest.approx(1.5)
