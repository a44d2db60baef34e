"""A replan does not push an already-due lot much later unless its own objective says so.

Both nights run in an overloaded copy of the replan world (300 orders a day per SKU, on the
shipped six lines), where the first plan already runs late: the second night then has due
lots for the solver to push. The property is checked on the stored plans themselves, with
"already due" and "pushed" recomputed here from their definition (``docs/replan.md``), so a
guard that holds nothing, or the wrong lots, fails.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from c2m.config import DEFAULT_CONFIG
from c2m.db import open_engine, session_scope
from c2m.models import Sku
from c2m.planning.stored import StoredLot, read_plan
from c2m.replan import ReplanOptions, replan
from cli import app
from tests import worlds

pytestmark = pytest.mark.slow

DAILY = 300  # orders per SKU per day: more than the six lines sew, so lots run late
FROZEN_HOURS = 24.0  # the shipped config's frozen window


def _config(later_hours: float = 24, **calendar: float):
    cfg = worlds.replan_config()
    guards = cfg.guards.model_copy(update={"later_hours": later_hours})
    return cfg.model_copy(
        update={"guards": guards, "calendar": cfg.calendar.model_copy(update=calendar)}
    )


def _pushed_due_lots(
    engine, old_id: int, new_id: int, now: dt.datetime, later_hours: float
) -> list[str]:
    """Lots of the old plan that were already due (due at or before their end, or before the
    frozen window's end) and that the new plan ends more than ``later_hours`` later."""
    until = now + dt.timedelta(hours=FROZEN_HOURS)
    old = {lot.code: lot for lot in read_plan(engine, old_id).lots}
    new = {lot.code: lot for lot in read_plan(engine, new_id).lots}

    def due(lot: StoredLot) -> bool:
        free = lot.start is not None and lot.start >= until
        return free and (lot.due <= lot.end or lot.due < until)

    return sorted(
        code
        for code, lot in old.items()
        if due(lot) and code in new and new[code].end - lot.end > dt.timedelta(hours=later_hours)
    )


def test_a_night_with_a_new_sku_does_not_push_an_established_due_lot(db_url):
    worlds.seed_replan_world(db_url, days=28, daily=DAILY)
    engine = open_engine(db_url)
    cfg = _config()
    first = replan(engine, cfg, ReplanOptions(now=worlds.NOW, time_limit=2))
    # a SKU never seen before goes live in the room tonight, and sells well at once
    new_skus = ["TS1-RED-M", "TS1-RED-L"]
    with session_scope(engine) as session:
        for sku in new_skus:
            session.add(Sku(sku=sku, style="TS1", colour="RED", size=sku[-1]))
    worlds.add_signals(db_url, worlds.NOW.date(), 1, daily=DAILY)
    worlds.add_signals(db_url, worlds.NOW.date(), 1, daily=1000, skus=new_skus)
    night = worlds.NOW + dt.timedelta(days=1)
    second = replan(engine, cfg, ReplanOptions(now=night, time_limit=2))

    # no due lot pushed past the threshold (without the guard: 22 of 30, by 46 to 259 h)
    assert _pushed_due_lots(engine, first.plan_id, second.plan_id, night, 24) == []
    verdict = second.due_guard
    assert verdict is not None and verdict.held, "the unguarded plan pushed no due lot"
    assert verdict.decision == "held", verdict.reason  # holding was not dearer here
    assert second.changes.held_due == len(verdict.held) and verdict.pushed == ()
    new_lots = [lot for lot in read_plan(engine, second.plan_id).lots if lot.colour == "RED"]
    assert new_lots  # the newcomer is planned too, around the held lots
    for code in verdict.held:  # each held lot kept its slot, line and times
        before = next(lot for lot in read_plan(engine, first.plan_id).lots if lot.code == code)
        after = next(lot for lot in read_plan(engine, second.plan_id).lots if lot.code == code)
        assert [(o.resource, o.start, o.end) for o in after.ops] == [
            (o.resource, o.start, o.end) for o in before.ops
        ]


def _config_file(folder: Path, name: str, overtime_cost: float, later_hours: float) -> Path:
    """The shipped factory as a TOML file: one solver worker, the given overtime premium and
    due-lot threshold."""
    text = DEFAULT_CONFIG.read_text()
    text = text.replace("workers = 2", "workers = 1")
    text = text.replace(
        "overtime_cost_per_hour = 60.0", f"overtime_cost_per_hour = {overtime_cost}"
    )
    path = folder / name
    path.write_text(text + f"\n[guards]\nlater_hours = {later_hours}\n")
    return path


def test_a_push_the_objective_pays_for_is_kept_and_the_replan_says_what_it_saved(db_url, tmp_path):
    """The factory makes overtime dear overnight (60 -> 20,000 CNY a line-hour): holding the
    due lots in last night's overtime slots now costs far more than their lateness, so the
    replan pushes them, and its output says, lot by lot, what holding would have cost."""
    worlds.seed_replan_world(db_url, days=28, daily=DAILY)
    runner = CliRunner()
    before = _config_file(tmp_path, "before.toml", 60.0, 1)
    dear = _config_file(tmp_path, "dear.toml", 20_000.0, 1)
    args = ["--db", db_url, "replan", "--time-limit", "2"]
    first = runner.invoke(
        app, ["--config", str(before), *args, "--now", worlds.NOW.isoformat(), "--json"]
    )
    assert first.exit_code == 0, first.output
    worlds.add_signals(db_url, worlds.NOW.date(), 1, daily=DAILY)
    night = worlds.NOW + dt.timedelta(days=1)
    second = runner.invoke(app, ["--config", str(dear), *args, "--now", night.isoformat()])
    assert second.exit_code == 0, second.output
    assert "pushing saves" in second.output and "CNY of objective" in second.output

    runs = runner.invoke(app, ["--db", db_url, "runs", "--last", "1", "--json"])
    [run] = json.loads(runs.stdout)
    changes = run["changes"]
    guard = changes["due_guard"]
    assert guard["decision"] == "pushed"
    assert guard["saving"] > guard["margin"] > 0
    assert guard["objective_held"] - guard["objective_pushed"] == pytest.approx(guard["saving"])
    explained = [lot for lot in changes["later"] if lot["lot"] in guard["pushed"]]
    assert explained
    for lot in explained:  # each pushed due lot: old and new slot, and the saving behind it
        assert lot["objective_saving"] == guard["saving"]
        assert lot["before"]["sewing_start"] and lot["after"]["sewing_start"]
        assert lot["late_hours_after"] - lot["late_hours_before"] > 1
