"""``c2m demo`` end to end, as ``make demo`` runs it: a real process on a fresh SQLite file."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

C2M = str(Path(sys.executable).with_name("c2m"))


def demo(db: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [C2M, "--db", f"sqlite:///{db}", "demo", "--out", str(out), "--time-limit", "5", *extra],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=db.parent,
    )


@pytest.mark.slow
def test_demo_end_to_end_and_again(tmp_path):
    db, out = tmp_path / "demo.db", tmp_path / "demo_out"
    first = demo(db, out, "--json")
    assert first.returncode == 0, first.stderr
    outcome = json.loads(first.stdout)
    batch, c2m = outcome["comparison"]["plans"]
    assert (batch["mode"], c2m["mode"]) == ("batch", "c2m")
    assert c2m["kpis"]["lots"] > batch["kpis"]["lots"]
    assert c2m["kpis"]["mean_lot_size"] < batch["kpis"]["mean_lot_size"]
    with (out / "work_orders.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    # every lot is cut, sewn and finished: each step's rows add up to the planned units
    for step in ("cut", "sew", "finish"):
        made = sum(int(r["quantity"]) for r in rows if r["step"] == step)
        assert made == c2m["kpis"]["planned_units"], step
    assert load_workbook(out / "work_orders.xlsx").sheetnames
    assert "next:" in outcome["next"][0]
    check_capacity_figures(db, c2m["kpis"])

    # a database with data, even an earlier demo's, is refused unless --reset (as make demo does)
    refused = demo(db, out)
    assert refused.returncode == 65
    assert "--reset" in refused.stderr
    again = demo(db, out, "--reset")
    assert again.returncode == 0, again.stderr
    assert "c2m" in again.stdout and "next:" in again.stdout


def test_demo_refuses_a_database_with_other_data(tmp_path):
    from tests.worlds import planning_inputs, seed_planning_world

    db = tmp_path / "mine.db"
    seed_planning_world(f"sqlite:///{db}", planning_inputs())
    refused = demo(db, tmp_path / "out")
    assert refused.returncode == 65
    assert "--reset" in refused.stderr
    assert "Traceback" not in refused.stderr


def check_capacity_figures(db: Path, demo_kpis: dict) -> None:
    """``c2m plan --json`` on the sample carries the figures lot sizing traded (#16): the load,
    setups as shares of capacity, the capacity price and the lots counted by their reason."""
    args = ["plan", "--mode", "c2m", "--time-limit", "2", "--deterministic", "--force", "--json"]
    res = subprocess.run(
        [C2M, "--db", f"sqlite:///{db}", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=db.parent,
    )
    assert res.returncode == 0, res.stderr
    plan = json.loads(res.stdout)
    kpis = plan["kpis"]
    assert len(plan["lot_sizing"]) == kpis["lots"] + kpis["held_lots"]
    assert all(lot["reason"] and lot["quantity"] > 0 for lot in plan["lot_sizing"])
    assert kpis["load"] == demo_kpis["load"] and 0.5 < kpis["load"] < 1.5
    assert kpis["capacity_price"] is not None and kpis["capacity_price"] >= 0
    assert 0 < kpis["changeover_share"] < 1 and 0 < kpis["learning_share"] < 1
    counted = ("lots_merged", "lots_held_small", "lots_first_run", "lots_capped")
    assert sum(kpis[k] for k in counted) == kpis["lots"] + kpis["held_lots"]


def test_demo_reset_empties_a_database_left_at_an_older_schema(db_url):
    """`make demo` after an upgrade: the earlier release's demo database, at an older schema
    version and holding data, is emptied by --reset rather than refused; without --reset the
    version check still refuses it (nothing of a factory's is ever wiped unasked)."""
    from sqlalchemy import text
    from sqlmodel import select

    from c2m.db import open_engine, session_scope
    from c2m.demo import fresh_engine
    from c2m.errors import C2MError
    from c2m.models import Style
    from c2m.schema import VERSION_TABLE
    from tests.worlds import planning_inputs, seed_planning_world

    seed_planning_world(db_url, planning_inputs())
    engine = open_engine(db_url)
    with engine.begin() as connection:
        head = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        connection.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '0003'"))
    engine.dispose()
    with pytest.raises(C2MError, match="older than this"):
        fresh_engine(db_url, reset=False)
    fresh = fresh_engine(db_url, reset=True)
    with session_scope(fresh) as session:
        assert session.exec(select(Style)).first() is None
    with fresh.connect() as connection:
        assert connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar() == head
    fresh.dispose()
