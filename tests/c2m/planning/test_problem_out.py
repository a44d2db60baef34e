"""``c2m plan --problem-out``: the file holds the problem the plan was solved on, so reading it
back and solving it again (same seed, workers and deterministic budget) gives the stored plan's
objective, and the checker prices the stored plan the same on the file's problem."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from c2m.config import load_config
from c2m.db import open_engine, session_scope
from c2m.planning.stored import read_plan
from cli import app
from scheduling import formats
from scheduling.solve import solve
from scheduling.validate import objective, validate
from tests.worlds import planning_inputs, seed_planning_world


def test_plan_problem_out_read_solve_check_gives_the_plans_objective(sqlite_url, tmp_path):
    seed_planning_world(sqlite_url, planning_inputs())
    out = tmp_path / "plan.json.gz"
    args = ["--db", sqlite_url, "plan", "--start", "2026-12-07", "--time-limit", "2"]
    res = CliRunner().invoke(app, [*args, "--deterministic", "--problem-out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)
    inst = formats.read(out)
    problem = formats.to_problem(inst)
    assert inst.meta["plan_id"] == plan["plan_id"]
    cfg = load_config()
    again = solve(
        problem,
        time_limit=2,
        workers=cfg.solver.workers,
        seed=cfg.solver.seed,
        deterministic=True,
    )
    assert again.solution is not None and not validate(problem, again.solution)
    # the plan's objective also prices the demand no lot serves, a constant no schedule of
    # these operations changes: the floor file holds the part the solver decides
    scheduled = round(plan["objective"] - plan["kpis"]["cost_unserved"], 2)
    assert round(again.objective / inst.scale, 2) == scheduled
    assert round(objective(problem, again.solution).total / inst.scale, 2) == scheduled
    with session_scope(open_engine(sqlite_url)) as session:
        assert read_plan(session, plan["plan_id"]).header.status == plan["status"]


def test_problem_out_to_a_missing_folder_is_refused_before_planning(sqlite_url, tmp_path):
    bad = tmp_path / "nowhere" / "plan.json"
    args = ["--db", sqlite_url, "plan", "--time-limit", "1", "--problem-out", str(bad)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1
    assert "does not exist" in res.output and "Traceback" not in res.output


def test_problem_out_needs_a_json_name(sqlite_url, tmp_path):
    args = ["--db", sqlite_url, "plan", "--problem-out", str(tmp_path / "plan.txt")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 1 and "must end in .json" in res.output


def test_replan_problem_out_writes_the_nights_problem_with_its_previous_plan(tmp_path):
    from tests import worlds

    url = f"sqlite:///{tmp_path / 'replan.db'}"
    worlds.seed_replan_world(url, days=28, daily=12)
    out = tmp_path / "night.json"
    runner = CliRunner()
    for k, now in enumerate((worlds.NOW, worlds.NOW + dt.timedelta(days=1))):
        args = ["--db", url, "replan", "--now", now.isoformat(), "--time-limit", "1"]
        res = runner.invoke(app, [*args, "--problem-out", str(out), "--json"])
        assert res.exit_code == 0, res.output
        inst = formats.read(out)
        assert inst.meta["source"] == "c2m replan" and inst.meta["now"] == now.isoformat()
        problem = formats.to_problem(inst)
        # the second night keeps close to the first night's plan
        assert (problem.previous is not None) == (k == 1)
