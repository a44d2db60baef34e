"""A SKU that sells but is missing from the catalogue is set aside and named, not a stop.

One new listing used to stop `plan` and the nightly `replan` with exit 65 until someone
updated the catalogue; every other SKU went unplanned with it.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from c2m.db import open_engine, session_scope
from c2m.models import Plan
from c2m.replan import ReplanOptions, list_runs, replan
from c2m.report import write_plan_report
from cli import app
from tests import worlds as world

NEW = "NEW-RED-M"  # listed in the room tonight, not in the catalogue yet


@pytest.fixture
def url(sqlite_url):
    world.seed_replan_world(sqlite_url, days=28)
    world.add_signals(sqlite_url, world.FIRST_DAY, 28, 9, skus=[NEW])
    return sqlite_url


def _cli(url, *args):
    return CliRunner().invoke(app, ["--db", url, *args])


def test_the_nightly_replan_plans_the_others_and_names_the_new_sku(url, tmp_path):
    engine = open_engine(url)
    options = ReplanOptions(
        now=world.NOW, horizon_days=3, time_limit=1, forecast_method="moving_average"
    )
    outcome = replan(engine, world.replan_config(), options)
    assert outcome.exit_code == 0 and outcome.plan_id is not None
    assert any(NEW in warning for warning in outcome.warnings)
    with session_scope(engine) as session:
        plan = session.get(Plan, outcome.plan_id)
        assert plan.kpis["skipped_skus"] == [NEW] and plan.kpis["lots"] > 0
    assert list_runs(engine, last=1)[0]["kpis"]["skipped_skus"] == [NEW]
    shown = _cli(url, "runs")
    assert shown.exit_code == 0 and f"{NEW}; import the catalogue" in shown.stdout
    page = write_plan_report(engine, world.replan_config(), tmp_path / "r.html", outcome.plan_id)
    assert NEW in page.path.read_text(encoding="utf-8")


def test_plan_names_it_in_its_json_and_strict_keeps_the_stop(url):
    common = ("plan", "--horizon", "3", "--time-limit", "1", "--deterministic", "--json")
    strict = _cli(url, *common, "--strict")
    assert strict.exit_code == 65
    assert f"SKU '{NEW}' sells but is not in the catalogue" in strict.stderr
    result = _cli(url, *common)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["skipped_skus"] == [NEW]
    assert f"left out of the plan: {NEW}" in result.stderr
    lots = _cli(url, "show", str(summary["plan_id"]), "--json")
    assert all(op["style"] != "NEW" for op in json.loads(lots.stdout)["operations"])
