"""``c2m forecast`` forecasts every sellable SKU: launches inside the horizon from analogues,
and names each sellable SKU it skipped with the reason."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

runner = CliRunner()
HORIZON = 14


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory):
    """A world whose style HM2602 launches 3 days after the history, and whose catalogue holds
    one SKU the rooms never showed (launched long ago) and one launching after the horizon."""
    from c2m.sample import generate

    world = generate(5, history_days=56, future_days=14, styles=8, launched_in_history=0.4)
    out = tmp_path_factory.mktemp("world")
    world.write_csv(out, truth=False, messy=False)
    sales = pd.read_csv(out / "sales.csv")
    end = pd.to_datetime(sales["date"]).max().date()
    sales[sales["style"] != "HM2602"].to_csv(out / "sales.csv", index=False)
    catalog = pd.read_csv(out / "catalog.csv")
    catalog.loc[catalog["style"] == "HM2602", "launch_date"] = str(end + dt.timedelta(days=3))
    ghost = catalog[catalog["style"] == "HM2601"].iloc[[0]].copy()
    ghost[["sku", "style", "launch_date"]] = ["HM2698-KHK-S", "HM2698", "2026-01-05"]
    late = catalog[catalog["style"] == "HM2603"].copy()
    late["style"] = "HM2699"
    late["sku"] = late["sku"].str.replace("HM2603", "HM2699")
    late["launch_date"] = str(end + dt.timedelta(days=HORIZON + 5))
    pd.concat([catalog, ghost, late]).to_csv(out / "catalog.csv", index=False)
    return out


def c2m(url, *args):
    from cli import app

    return runner.invoke(app, ["--db", url, *args])


def forecast(url, world_dir):
    for kind in ("catalog", "sales", "schedule"):
        result = c2m(url, "import", kind, str(world_dir / f"{kind}.csv"), "--json")
        assert result.exit_code == 0, result.output
    result = c2m(url, "forecast", "--horizon", str(HORIZON), "--method", "seasonal_ma", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stored(url, run_id):
    """The stored forecast run as a frame with a ``sku`` column."""
    from c2m.db import open_engine, session_scope
    from c2m.planning.db_inputs import load_forecast

    with session_scope(open_engine(url)) as session:
        fc = load_forecast(session, run_id)
    return fc.rename(columns={"unique_id": "sku"})


def test_a_launch_inside_the_horizon_is_forecast_from_analogues(db_url, world_dir):
    summary = forecast(db_url, world_dir)
    catalog = pd.read_csv(world_dir / "catalog.csv")
    launching = set(catalog.loc[catalog["style"] == "HM2602", "sku"])
    assert {r["sku"] for r in summary["launches"]} == launching
    assert summary["methods"]["analogue"] == len(launching)
    fc = stored(db_url, summary["run_id"])
    ids = "sku"
    new = fc[fc[ids].isin(launching)]
    launch = pd.Timestamp(catalog.loc[catalog["style"] == "HM2602", "launch_date"].iloc[0])
    before = new[pd.to_datetime(new["ds"]) < launch]
    after = new[pd.to_datetime(new["ds"]) >= launch]
    assert len(before) and (before["yhat"] == 0).all(), "nothing sells before the launch"
    assert (after.groupby(ids)["yhat"].sum() > 0).all()
    assert not set(catalog.loc[catalog["style"] == "HM2699", "sku"]) & set(fc[ids])


def test_every_sellable_sku_is_forecast_or_named_with_a_reason(sqlite_url, world_dir):
    summary = forecast(sqlite_url, world_dir)
    skipped = {r["sku"]: r["reason"] for r in summary["skipped"]}
    assert skipped["HM2698-KHK-S"] == "launched 2026-01-05 but never seen in a live room"
    catalog = pd.read_csv(world_dir / "catalog.csv")
    sellable = set(catalog.loc[catalog["style"] != "HM2699", "sku"])
    forecast_skus = set(stored(sqlite_url, summary["run_id"])["sku"])
    assert sellable == forecast_skus | set(skipped)
    assert not forecast_skus & set(skipped)
    assert not any(s.startswith("HM2699") for s in skipped), "not on sale in the horizon"
    text = c2m(sqlite_url, "forecast", "--horizon", "7", "--method", "seasonal_ma")
    assert text.exit_code == 0, text.output
    assert "sellable SKUs not forecast" in text.stdout
    assert "HM2698-KHK-S: launched 2026-01-05 but never seen in a live room" in text.stdout
    assert "launches forecast from analogues" in text.stdout


def test_explain_shows_model_inputs_weeks_and_interval(sqlite_url, world_dir):
    summary = forecast(sqlite_url, world_dir)
    fc = stored(sqlite_url, summary["run_id"])
    sku = fc.groupby("sku")["yhat"].sum().drop(labels=[r["sku"] for r in summary["launches"]])
    sku = str(sku.idxmax())
    result = c2m(sqlite_url, "forecast", "--explain", sku, "--json")
    assert result.exit_code == 0, result.output
    e = json.loads(result.stdout)
    assert (e["sku"], e["method"], e["run_id"]) == (sku, "seasonal_ma", summary["run_id"])
    assert "clicks (observed)" in e["contributions"]
    assert e["contributions"]["clicks (observed)"] == 0, "seasonal_ma does not read clicks"
    assert any(v != 0 for v in e["contributions"].values())
    kinds = [w["kind"] for w in e["weeks"]]
    assert kinds == ["sold"] * 4 + ["forecast"] * 2
    lo, hi = e["interval_80"]
    assert lo <= e["total"] <= hi
    assert e["total"] == pytest.approx(fc[fc["sku"] == sku]["yhat"].sum(), abs=0.1)
    text = c2m(sqlite_url, "forecast", "--explain", sku)
    assert "the last 4 weeks against the forecast" in text.stdout
    assert "model seasonal_ma" in text.stdout


def test_explain_a_launch_names_its_analogues(sqlite_url, world_dir):
    summary = forecast(sqlite_url, world_dir)
    sku = summary["launches"][0]["sku"]
    result = c2m(sqlite_url, "forecast", "--explain", sku, "--json")
    assert result.exit_code == 0, result.output
    e = json.loads(result.stdout)
    assert e["method"] == "analogue" and e["analogues"]
    assert not any(a.startswith("HM2602") for a in e["analogues"])
    assert sum(e["contributions"].values()) == pytest.approx(e["total"], abs=0.2)


def test_explain_a_skipped_or_unknown_sku_says_why_in_one_sentence(sqlite_url, world_dir):
    forecast(sqlite_url, world_dir)
    result = c2m(sqlite_url, "forecast", "--explain", "HM2698-KHK-S")
    assert result.exit_code == 65  # bad input data
    assert "launched 2026-01-05 but never seen in a live room" in result.output
    assert "Traceback" not in result.output
    result = c2m(sqlite_url, "forecast", "--explain", "NO-SUCH-SKU")
    assert result.exit_code == 65 and "check the SKU code" in result.output
