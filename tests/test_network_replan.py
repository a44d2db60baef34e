"""The network's nightly replan on a real database, the real planner and CP-SAT: started work
stays at its workshop, a workshop whose solve fails keeps its plan while the others publish,
one lock for the night, and the network view counts what moved between two nights."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from c2m.config import DEFAULT_CONFIG
from c2m.db import open_engine, session_scope
from c2m.errors import LockBusy
from c2m.models import Lot, Plan
from c2m.network.config import load_network
from c2m.network.engine import EngineOptions
from c2m.network.replan import plan_workshop_night, replan_network
from c2m.planning.stored import current_plan, read_plan
from c2m.replan import ReplanOptions, list_runs, replan
from c2m.replan.lock import lock_for
from cli import app
from tests import worlds

runner = CliRunner()
SERIAL = EngineOptions(serial=True)
NEXT_MORNING = worlds.NOW + dt.timedelta(days=1)


def _file(
    tmp_path: Path, polo_at_knits: bool = False, family_fee: float = 0.0, family_min: float = 0
) -> Path:
    """Knits sews the tshirt (and the polo when allowed), the family shop the polo; a fee per
    unit shipped from the family shop makes the allocation want the polo at knits."""
    folder = DEFAULT_CONFIG.parent
    knits = '["tshirt", "polo"]' if polo_at_knits else '["tshirt"]'
    path = tmp_path / f"net-{int(polo_at_knits)}-{family_fee:g}-{family_min:g}.toml"
    path.write_text(
        f"""
[network]
name = "pair"
[[workshops]]
name = "knits"
config = "{folder / "network_knits.toml"}"
categories = {knits}
[[workshops]]
name = "family"
config = "{folder / "network_family.toml"}"
categories = ["polo"]
transfer_days = 1
transfer_cost_per_unit = {family_fee}
min_weekly_minutes = {family_min}
"""
    )
    return path


def _options(now: dt.datetime = worlds.NOW, **kw) -> ReplanOptions:
    base = {"now": now, "horizon_days": 7, "time_limit": 1, "forecast_method": "moving_average"}
    return ReplanOptions(**{**base, **kw})


def _night(url: str, path: Path, cluster: EngineOptions = SERIAL, task=None, **kw):
    network = load_network(path)
    return replan_network(open_engine(url), network, _options(**kw), cluster, work=1, task=task)


def _current(url: str, workshop: str) -> int:
    with session_scope(open_engine(url)) as session:
        return int(current_plan(session, "c2m", workshop).id)


def _lots(url: str, plan_id: int) -> dict[str, list[tuple]]:
    plan = read_plan(open_engine(url), plan_id)
    return {lot.code: [(o.step, o.resource, o.start, o.end) for o in lot.ops] for lot in plan.lots}


def test_started_work_stays_at_its_workshop_even_when_the_allocation_would_move_it(
    db_url: str, tmp_path: Path
) -> None:
    worlds.seed_replan_world(db_url)
    first = _night(db_url, _file(tmp_path))
    assert first.exit_code == 0, first.failures
    family_before = _lots(db_url, first.nights["family"].plan_id)
    assert family_before and all(code.startswith("C-PO1") for code in family_before)
    # The next morning the knits may sew polos and the family shop's shipping turned dear:
    # a free allocation moves the polo (the next test shows it), but it is on the floor.
    second = _night(db_url, _file(tmp_path, True, 50.0), now=NEXT_MORNING, frozen_hours=48)
    assert second.exit_code == 0, second.failures
    assert second.allocation.assignment["PO1"] == "family"
    family_after = _lots(db_url, _current(db_url, "family"))
    frozen = {
        code: ops for code, ops in family_before.items() if min(o[2] for o in ops) < NEXT_MORNING
    }
    assert frozen, "the first night's polo lots started before the next morning"
    for code, ops in frozen.items():
        assert family_after[code] == ops  # same lines, same times
    knits = read_plan(open_engine(db_url), _current(db_url, "knits"))
    assert {lot.style for lot in knits.lots} == {"TS1"}
    assert second.nights["family"].changes.inside_frozen == 0


def test_compare_counts_the_runs_and_lots_moved_between_two_nights(
    sqlite_url: str, tmp_path: Path
) -> None:
    worlds.seed_replan_world(sqlite_url)
    first = _night(sqlite_url, _file(tmp_path))
    # Re-planned from the same morning with nothing frozen: the polo is free to move.
    second = _night(sqlite_url, _file(tmp_path, True, 50.0), frozen_hours=0)
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert second.allocation.assignment["PO1"] == "knits"
    knits_b = second.nights["knits"].plan_id
    with session_scope(open_engine(sqlite_url)) as session:
        polo_lots = session.exec(
            select(Lot).where(Lot.plan_id == knits_b, Lot.style == "PO1")
        ).all()
        kpis = [session.get(Plan, second.nights["knits"].plan_id).kpis]
        retired = session.get(Plan, first.nights["family"].plan_id)
        assert not retired.is_current  # its polo lots went to knits: not sewn twice
    assert polo_lots and second.nights["family"].status == "idle"
    args = ["--db", sqlite_url, "compare", str(first.nights["knits"].plan_id), str(knits_b)]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)["network"]
    rows = {row["workshop"]: row for row in view["workshops"]}
    assert list(rows) == ["knits"]  # the family shop had no work that night
    assert (view["runs_moved"], view["lots_moved"]) == (1, len(polo_lots))
    assert (rows["knits"]["runs_moved_in"], rows["knits"]["lots_moved_in"]) == (1, len(polo_lots))
    due = sum(k["units_due"] for k in kpis)
    assert view["fill_rate"] == round(sum(k["units_on_time"] for k in kpis) / due, 4)
    knits_kpis = kpis[0]["network"]
    assert rows["knits"]["load_share"] == round(
        knits_kpis["planned_minutes"] / knits_kpis["capacity_minutes"], 4
    )
    table = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert "lots in" in table.stdout and "1 style runs" in table.stdout
    report = tmp_path / "night.html"
    made = runner.invoke(app, ["--db", sqlite_url, "report", str(knits_b), "--out", str(report)])
    assert made.exit_code == 0, made.output
    page = report.read_text()
    assert 'id="network-table"' in page
    facts = re.search(r'id="c2m-report-data"[^>]*>(.*?)</script>', page, re.S).group(1)
    assert json.loads(facts)["network"]["lots_moved"] == len(polo_lots)


def _fails_for_family(inputs, cfg, *rest):
    """The workshop solve, failing for the family shop (a fault on its worker)."""
    if "Family" in cfg.factory.name:
        raise RuntimeError("the family shop's solver broke")
    return plan_workshop_night(inputs, cfg, *rest)


def test_a_workshop_whose_solve_fails_keeps_its_plan_and_the_others_publish(
    sqlite_url: str, tmp_path: Path
) -> None:
    pytest.importorskip("distributed")
    worlds.seed_replan_world(sqlite_url)
    first = _night(sqlite_url, _file(tmp_path))
    kept = first.nights["family"].plan_id
    cluster = EngineOptions(workers=1, retries=1)
    second = _night(sqlite_url, _file(tmp_path), cluster, _fails_for_family, now=NEXT_MORNING)
    assert second.exit_code == 2
    assert list(second.failures) == ["family"]
    assert "the family shop's solver broke" in second.failures["family"]
    assert _current(sqlite_url, "family") == kept
    assert _current(sqlite_url, "knits") == second.nights["knits"].plan_id
    assert second.nights["knits"].plan_id != first.nights["knits"].plan_id
    runs = {run["workshop"]: run for run in list_runs(open_engine(sqlite_url), last=2)}
    assert runs["family"]["status"] == "failed" and runs["family"]["plan_id"] is None
    assert "its previous plan stays current" in runs["family"]["message"]
    assert runs["knits"]["exit_code"] == 0


SEEN: dict[str, object] = {}


def _tries_a_second_replan(inputs, cfg, *rest):
    """While the network's night solves, a single-factory replan on the same database."""
    if "Knits" in cfg.factory.name:
        try:
            replan(open_engine(SEEN["url"]), worlds.replan_config(), _options())
        except LockBusy as exc:
            SEEN["busy"] = str(exc)
    return plan_workshop_night(inputs, cfg, *rest)


def test_the_night_holds_one_lock_for_every_workshop(sqlite_url: str, tmp_path: Path) -> None:
    worlds.seed_replan_world(sqlite_url)
    SEEN.clear()
    SEEN["url"] = sqlite_url
    night = _night(sqlite_url, _file(tmp_path), task=_tries_a_second_replan)
    assert night.exit_code == 0, night.failures  # both workshops ran under the one lock
    assert "another replan is running" in str(SEEN.get("busy"))
    held = lock_for(open_engine(sqlite_url))
    held.acquire()
    try:
        with pytest.raises(LockBusy):
            _night(sqlite_url, _file(tmp_path), now=NEXT_MORNING)
    finally:
        held.release()
    statuses = [run["status"] for run in list_runs(open_engine(sqlite_url), last=10)]
    assert statuses.count("busy") == 2  # the single replan, then the second network night


def test_replan_network_from_the_command_line(sqlite_url: str, tmp_path: Path) -> None:
    worlds.seed_replan_world(sqlite_url)
    path = _file(tmp_path)
    args = ["--db", sqlite_url, "replan", "--network", str(path), "--now", "2026-11-30 06:00"]
    args += ["--horizon", "7", "--time-limit", "1", "--forecast-method", "moving_average"]
    result = runner.invoke(app, [*args, "--dask-workers", "1", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [w["workshop"] for w in summary["workshops"]] == ["knits", "family"]
    assert all(w["plan_id"] for w in summary["workshops"])
    again = runner.invoke(app, args, env={"COLUMNS": "200"})  # nothing new: republished
    assert again.exit_code == 0, again.output
    assert "network replan: pair" in again.stdout
    reused = [
        r for r in list_runs(open_engine(sqlite_url), last=2) if "republished" in r["message"]
    ]
    assert len(reused) == 2
    listed = runner.invoke(app, ["--db", sqlite_url, "runs"], env={"COLUMNS": "200"})
    assert "workshop" in listed.stdout and "family" in listed.stdout
    refused = runner.invoke(app, [*args, "--force"])
    assert refused.exit_code == 64
    assert "--force cannot be used with --network" in " ".join(
        refused.output.replace("│", " ").split()
    )
    alone = ["--db", sqlite_url, "replan", "--dask-workers", "2"]
    refused = runner.invoke(app, alone)
    assert refused.exit_code == 64
    assert "--dask-workers only apply with --network" in " ".join(
        refused.output.replace("│", " ").split()
    )


def test_a_failed_night_is_replanned_whole_the_next_time(sqlite_url: str, tmp_path: Path) -> None:
    """A network night that failed in one workshop leaves fingerprints that differ: the next
    run re-plans every workshop rather than republishing."""
    worlds.seed_replan_world(sqlite_url)
    _night(sqlite_url, _file(tmp_path), task=_fails_for_family)
    again = _night(sqlite_url, _file(tmp_path))
    assert again.exit_code == 0, again.failures
    assert all(o.reused_plan_id is None for o in again.nights.values())
    assert again.allocation.assignment == {"PO1": "family", "TS1": "knits"}


def test_a_workshop_left_idle_does_not_stop_an_unchanged_night_being_republished(
    sqlite_url: str, tmp_path: Path
) -> None:
    worlds.seed_replan_world(sqlite_url)
    path = _file(tmp_path, True, 50.0)  # every run goes to knits: the family shop is idle
    first = _night(sqlite_url, path)
    assert first.nights["family"].status == "idle" and first.nights["family"].plan_id is None
    again = _night(sqlite_url, path)
    assert again.exit_code == 0, again.failures
    assert again.nights["knits"].reused_plan_id == first.nights["knits"].plan_id
    assert again.nights["family"].status == "idle"
    assert again.allocation is None  # nothing was forecast or allocated again


def test_a_minimum_load_no_allocation_can_meet_is_a_warning_not_a_lost_night(
    sqlite_url: str, tmp_path: Path
) -> None:
    """``plan --network`` stops on it (exit 65); the unattended night allocates without the
    minimums, says so in every workshop's run, and publishes."""
    worlds.seed_replan_world(sqlite_url)
    night = _night(sqlite_url, _file(tmp_path, family_min=1e7))
    assert night.exit_code == 0, night.failures
    assert all(o.plan_id for o in night.nights.values())
    for run in list_runs(open_engine(sqlite_url), last=2):
        assert any("allocated without the minimums" in w for w in run["warnings"])
