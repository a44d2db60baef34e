"""``c2m report``: writes the page, says what it wrote, fails in one sentence."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


def test_report_command_writes_the_current_plan(sqlite_url, engine, make_plan, tmp_path):
    make_plan(mode="batch", lots=3)
    c2m = make_plan(mode="c2m", lots=6, late=1)
    out = tmp_path / "sub" / "plan.html"
    result = runner.invoke(app, ["--db", sqlite_url, "report", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["plan_id"] == c2m.plan_id and payload["mode"] == "c2m"
    assert payload["operations"] == c2m.operations
    assert payload["bytes"] == out.stat().st_size
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(out.parent.glob(".*.tmp"))

    result = runner.invoke(app, ["--db", sqlite_url, "report", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "plan 1 (batch, beside plan 2)" in result.stdout


def test_report_command_errors_are_one_sentence(sqlite_url, tmp_path):
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["--db", sqlite_url, "report", "--out", str(out)])
    assert result.exit_code == 65
    assert "no plan in the database yet" in result.stderr
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["--db", sqlite_url, "report", "7", "--out", str(out)])
    assert result.exit_code == 65 and "plan 7 does not exist" in result.stderr
    assert not out.exists()


def test_the_forecast_page_explains_the_top_skus_as_explain_does(
    sqlite_url, engine, make_plan, tmp_path
):
    from sqlmodel import select

    from c2m.db import session_scope
    from c2m.errors import DataError
    from c2m.forecast_explain import explain_forecast, explain_forecasts
    from c2m.models import ForecastValue
    from c2m.report.forecast_explanations import EXPLAINED_SKUS, load_explanations

    make_plan(mode="c2m", lots=4)
    with session_scope(engine) as session:  # the hand-built run names no model; a real one does
        for value in session.exec(select(ForecastValue)).all():
            value.method = "seasonal_ma"
            session.add(value)
    out = tmp_path / "plan.html"
    result = runner.invoke(app, ["--db", sqlite_url, "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert 'id="explain-section"' in text
    shown = load_explanations(engine, 1)
    assert len(shown) == EXPLAINED_SKUS
    for e in shown:
        assert e == explain_forecast(engine, e["sku"], 1)  # what --explain shows
        assert f'id="explain-{e["sku"]}"' in text and f"model {e['method']}" in text
        assert next(iter(e["contributions"])) in text
    # One read of the run's inputs for several SKUs; a SKU the run lacks is left out there,
    # and named in --explain's error.
    skus = [e["sku"] for e in shown]
    assert explain_forecasts(engine, [*skus, "NO-SUCH-SKU"], 1) == shown
    with pytest.raises(DataError, match="NO-SUCH-SKU"):
        explain_forecast(engine, "NO-SUCH-SKU", 1)
