"""``c2m forecast`` and ``c2m backtest`` end to end: sample CSVs -> import -> forecast -> DB."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from c2m.db import open_engine, session_scope
from c2m.models import ForecastRun, ForecastValue

runner = CliRunner()


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    from c2m.sample import generate

    world = generate(3, history_days=49, future_days=7, styles=3)
    out = tmp_path_factory.mktemp("world")
    world.write_csv(out, truth=False, messy=False)
    return out


def c2m(url, *args):
    from cli import app

    return runner.invoke(app, ["--db", url, *args])


def load(url, sample_dir):
    for kind in ("catalog", "sales"):
        result = c2m(url, "import", kind, str(sample_dir / f"{kind}.csv"), "--json")
        assert result.exit_code == 0, result.output


def test_forecast_stores_one_run_with_quantiles(db_url, sample_dir):
    load(db_url, sample_dir)
    result = c2m(db_url, "forecast", "--horizon", "5", "--method", "seasonal_ma", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["horizon"] == 5 and summary["series"] > 0
    assert summary["by_category"] and summary["by_style"]
    with session_scope(open_engine(db_url)) as session:
        run = session.exec(select(ForecastRun)).one()
        values = session.exec(select(ForecastValue).where(ForecastValue.run_id == run.id)).all()
    assert run.id == summary["run_id"]
    assert len(values) == summary["series"] * 5
    assert all(v.q10 <= v.q50 <= v.q80 <= v.q90 for v in values)
    assert {v.method for v in values} == {"seasonal_ma"}


def test_forecast_auto_and_human_output(sqlite_url, sample_dir):
    load(sqlite_url, sample_dir)
    result = c2m(sqlite_url, "forecast", "--horizon", "7")
    assert result.exit_code == 0, result.output
    assert "forecast run 1" in result.stdout
    assert "totals by category" in result.stdout


def test_backtest_json_lists_methods(sqlite_url, sample_dir):
    load(sqlite_url, sample_dir)
    result = c2m(
        sqlite_url,
        "backtest",
        "--horizon",
        "7",
        "--folds",
        "2",
        "--methods",
        "seasonal_ma,seasonal_naive,naive",
        "--json",
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    rows = {r["method"]: r for r in payload["methods"]}
    assert set(rows) == {"seasonal_ma", "seasonal_naive", "naive"}
    for r in rows.values():
        for key in ("wape", "mase", "bias", "coverage_80", "seconds", "pinball"):
            assert key in r
    # where the error and the bias sit: per method x segment x horizon band, and pooled
    cells = {(b["method"], b["segment"], b["band"]) for b in payload["breakdown"]}
    assert {("naive", "all", "1-3"), ("naive", "all", "4-7")} <= cells
    pooled = [b for b in payload["breakdown"] if b["segment"] == "all" and b["method"] == "naive"]
    assert sum(b["n_points"] for b in pooled) == rows["naive"]["n_points"]


def test_bad_method_and_empty_database_are_one_sentence_errors(sqlite_url, sample_dir):
    result = c2m(sqlite_url, "forecast")
    assert result.exit_code == 65
    assert "no live-room signals" in result.output
    load(sqlite_url, sample_dir)
    result = c2m(sqlite_url, "backtest", "--methods", "auto,crystal_ball")
    assert result.exit_code == 65
    assert "unknown forecasting method 'crystal_ball'" in result.output


def _day_totals(url, run_id):
    with session_scope(open_engine(url)) as session:
        values = session.exec(select(ForecastValue).where(ForecastValue.run_id == run_id)).all()
    totals: dict = {}
    for v in values:
        totals[v.ds] = totals.get(v.ds, 0.0) + v.yhat
    return [totals[d] for d in sorted(totals)]


def _schedule_file(tmp_path, sample_dir, off_day):
    """The sample's schedule with every room on air over the horizon, except ``off_day``."""
    import pandas as pd

    sched = pd.read_csv(sample_dir / "schedule.csv")
    last = pd.read_csv(sample_dir / "sales.csv")["date"].max()
    future = sorted(d for d in sched["date"].unique() if d > last)
    sched.loc[sched["date"].isin(future), ["broadcast", "promotion"]] = (1, 0)
    if off_day is not None:
        sched.loc[sched["date"] == future[off_day], "broadcast"] = 0
    path = tmp_path / f"schedule_{off_day}.csv"
    sched.to_csv(path, index=False)
    return path


def test_the_room_schedule_is_read_ahead(tmp_path, sample_dir):
    """A day the rooms will be off air is forecast below the same day on air.

    (How much below is the model's business, measured in benchmarks/forecast_accuracy.py;
    a small world's history never has every room off air, so trees cannot go far.)"""
    days = []
    for off_day in (None, 2):
        url = f"sqlite:///{tmp_path / f'cal{off_day}.db'}"
        load(url, sample_dir)
        schedule = _schedule_file(tmp_path, sample_dir, off_day)
        assert c2m(url, "import", "schedule", str(schedule)).exit_code == 0
        result = c2m(url, "forecast", "--horizon", "5", "--method", "global", "--json")
        assert result.exit_code == 0, result.output
        summary = json.loads(result.stdout)
        assert summary["known_ahead"] == ["on_air", "promotion"]
        days.append(_day_totals(url, summary["run_id"]))
    on_air, off_air = days
    assert off_air[2] < 0.97 * on_air[2]
    assert off_air[0] == pytest.approx(on_air[0], rel=0.02)  # the other days barely move

    backtest = c2m(url, "backtest", "--folds", "2", "--methods", "global", "--json")
    assert json.loads(backtest.stdout)["known_ahead"] == ["on_air", "promotion"]


def test_a_schedule_that_stops_short_is_not_used(sqlite_url, sample_dir, tmp_path):
    import pandas as pd

    load(sqlite_url, sample_dir)
    sched = pd.read_csv(sample_dir / "schedule.csv")
    last = pd.read_csv(sample_dir / "sales.csv")["date"].max()
    sched[sched["date"] <= last].to_csv(tmp_path / "past.csv", index=False)
    assert c2m(sqlite_url, "import", "schedule", str(tmp_path / "past.csv")).exit_code == 0
    result = c2m(sqlite_url, "forecast", "--horizon", "3", "--method", "seasonal_ma")
    assert result.exit_code == 0, result.output
    assert "room schedule ends" in result.output and "not used" in result.output
