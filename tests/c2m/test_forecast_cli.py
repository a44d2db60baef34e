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


def test_bad_method_and_empty_database_are_one_sentence_errors(sqlite_url, sample_dir):
    result = c2m(sqlite_url, "forecast")
    assert result.exit_code == 65
    assert "no live-room signals" in result.output
    load(sqlite_url, sample_dir)
    result = c2m(sqlite_url, "backtest", "--methods", "auto,crystal_ball")
    assert result.exit_code == 65
    assert "unknown forecasting method 'crystal_ball'" in result.output
