"""The network's night: a network of one is today's factory, workshops plan the same on any
number of Dask workers, a killed worker does not stop the night, bad input is one sentence."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from c2m.config import DEFAULT_CONFIG
from c2m.db import open_engine, session_scope
from c2m.models import Plan
from c2m.network.config import load_network, single
from c2m.network.engine import EngineOptions, run_tasks
from c2m.network.plan import plan_network
from c2m.planning.inputs import PlanOptions
from c2m.planning.planner import make_plan
from cli import app
from tests import worlds

runner = CliRunner()
OPTIONS = PlanOptions(horizon_days=7, time_limit=1, workers=1, deterministic=True)
STYLES = [("TS1", "tshirt"), ("PO1", "polo"), ("JE1", "jeans"), ("SH1", "shirt")]


def _lots(result) -> list[tuple]:
    return [
        (lot.code, sorted(lot.items.items()), [(o.resource, o.start) for o in lot.ops])
        for lot in result.lots
    ]


def _network(tmp_path: Path) -> Path:
    """Two workshops from the shipped sample network (knits; wovens and denim), small solver."""
    folder = DEFAULT_CONFIG.parent
    path = tmp_path / "net.toml"
    path.write_text(
        f"""
[network]
name = "test"
[[workshops]]
name = "knits"
config = "{folder / "network_knits.toml"}"
[[workshops]]
name = "wovens"
config = "{folder / "network_wovens.toml"}"
transfer_days = 1
transfer_cost_per_unit = 0.5
"""
    )
    return path


def test_a_network_of_one_plans_exactly_what_the_single_factory_plans() -> None:
    cfg = worlds.two_line_config()
    inputs = worlds.planning_inputs(days=7)
    alone = make_plan(inputs, cfg, OPTIONS)
    night = plan_network(inputs, single(cfg), OPTIONS, work=1)
    assert list(night.plans) == [""]
    ours = night.plans[""]
    assert _lots(ours) == _lots(alone)
    assert ours.kpis.as_json() | {"wall_seconds": 0} == alone.kpis.as_json() | {"wall_seconds": 0}


def test_each_workshop_plans_only_what_it_may_make(tmp_path: Path) -> None:
    network = load_network(_network(tmp_path))
    night = plan_network(worlds.planning_inputs(styles=STYLES, days=7), network, OPTIONS, work=1)
    for name, plan in night.plans.items():
        allowed = network.workshop(name).categories
        assert {lot.category for lot in plan.lots} <= allowed
    assert {lot.style for lot in night.plans["wovens"].lots} >= {"JE1", "SH1"}
    assert 0 < night.fill_rate <= 1


def test_the_same_plans_on_one_and_on_two_dask_workers(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    network = load_network(_network(tmp_path))
    inputs = worlds.planning_inputs(styles=STYLES, days=7)
    one = plan_network(inputs, network, OPTIONS, EngineOptions(workers=1), work=1)
    two = plan_network(inputs, network, OPTIONS, EngineOptions(workers=2), work=1)
    assert (one.engine, one.workers, two.workers) == ("local", 1, 2)
    assert sorted(one.plans) == sorted(two.plans) == ["knits", "wovens"]
    for name in one.plans:
        assert _lots(one.plans[name]) == _lots(two.plans[name])
        assert one.plans[name].objective == two.plans[name].objective


def _dies_once(marker: str, value: int) -> int:
    """Kills the worker process it runs on, the first time any worker runs it."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return 2 * value
    os._exit(1)


@pytest.mark.slow
def test_a_worker_killed_mid_task_leaves_its_task_to_another_and_the_night_completes(
    tmp_path: Path,
) -> None:
    pytest.importorskip("distributed")
    marker = str(tmp_path / "killed")
    tasks = {f"w{i}": (marker, i) for i in range(4)}
    outcome = run_tasks(_dies_once, tasks, EngineOptions(workers=2, retries=1))
    assert Path(marker).exists()  # a worker did die
    assert outcome.failures == {}
    assert outcome.results == {f"w{i}": 2 * i for i in range(4)}


def test_a_task_that_keeps_failing_is_reported_and_the_others_stand() -> None:
    outcome = run_tasks(divmod, {"a": (7, 2), "b": (1, 0)}, EngineOptions(serial=True))
    assert outcome.results == {"a": (3, 1)}
    assert outcome.failures["b"].startswith("ZeroDivisionError")


def test_plan_network_stores_one_current_plan_per_workshop(db_url: str, tmp_path: Path) -> None:
    worlds.seed_planning_world(db_url, worlds.planning_inputs(styles=STYLES))
    args = [
        "--db",
        db_url,
        "plan",
        "--network",
        str(_network(tmp_path)),
        "--horizon",
        "7",
        "--time-limit",
        "1",
        "--deterministic",
        "--dask-workers",
        "1",
        "--json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [row["workshop"] for row in summary["workshops"]] == ["knits", "wovens"]
    assert 0 < summary["fill_rate"] <= 1 and summary["allocation"]["gap"] is not None
    with session_scope(open_engine(db_url)) as session:
        plans = session.exec(select(Plan).where(Plan.is_current)).all()
        assert sorted(p.workshop for p in plans) == ["knits", "wovens"]
    listed = runner.invoke(app, ["--db", db_url, "plans", "--json"])
    current = [row["workshop"] for row in json.loads(listed.stdout)["plans"] if row["current"]]
    assert sorted(current) == ["knits", "wovens"]
    table = runner.invoke(app, ["--db", db_url, "plans"], env={"COLUMNS": "200"})
    assert "workshop" in table.stdout and "knits" in table.stdout


def test_a_bad_network_file_is_one_sentence_and_exit_65(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[workshops]]\nname = "x"\nconfig = "missing.toml"\ntransfer_days = -2\n')
    result = runner.invoke(app, ["--db", db_url, "plan", "--network", str(path)])
    assert result.exit_code == 65
    assert "workshops[0].transfer_days" in result.output
    assert "Traceback" not in result.output
    with session_scope(open_engine(db_url)) as session:
        assert session.exec(select(Plan)).all() == []


def test_an_unreachable_scheduler_is_exit_75_with_one_sentence(db_url: str, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    worlds.seed_planning_world(db_url, worlds.planning_inputs(styles=STYLES))
    args = [
        "--db",
        db_url,
        "plan",
        "--network",
        str(_network(tmp_path)),
        "--horizon",
        "7",
        "--scheduler",
        "tcp://127.0.0.1:9",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 75, result.output
    assert "the Dask scheduler at tcp://127.0.0.1:9 does not answer" in result.output
    with session_scope(open_engine(db_url)) as session:
        assert session.exec(select(Plan)).all() == []


def test_single_factory_options_are_refused_with_network_not_ignored(tmp_path: Path) -> None:
    """--problem-out, --strict, --now and --force were silently ignored with --network: a
    planner asking for a problem file got none and no word of it."""
    db_url = f"sqlite:///{tmp_path / 'net.db'}"
    worlds.seed_planning_world(db_url, worlds.planning_inputs(styles=STYLES))
    problem = tmp_path / "problem.json"
    args = ["--db", db_url, "plan", "--network", str(_network(tmp_path))]
    result = runner.invoke(app, [*args, "--problem-out", str(problem), "--strict"])
    assert result.exit_code == 64, result.output
    said = " ".join(result.output.replace("│", " ").split())  # Click's box, at any width
    assert "--problem-out, --strict cannot be used with --network" in said
    assert not problem.exists()
    with session_scope(open_engine(db_url)) as session:
        assert session.exec(select(Plan)).all() == []
