"""One read model of a stored plan: what was written comes back whole, in one shape."""

from __future__ import annotations

import pytest

from c2m.config import load_config
from c2m.db import open_engine, session_scope
from c2m.errors import NotFound
from c2m.planning.publish import plan_and_store
from c2m.planning.stored import read_plan
from tests.worlds import START, planning_inputs, seed_planning_world


def test_a_stored_plan_reads_back_as_it_was_planned(db_url):
    seed_planning_world(db_url, planning_inputs())
    engine = open_engine(db_url)
    cfg = load_config()
    plan_id, result = plan_and_store(
        engine, cfg, mode="c2m", start=START, time_limit=2, deterministic=True, now=START
    )
    stored = read_plan(engine, plan_id)
    with session_scope(engine) as session:
        assert read_plan(session, plan_id) == stored  # an engine or the caller's session
    assert stored.header.is_current and stored.header.kpis == result.kpis.as_json()
    assert [lot.code for lot in stored.lots] == [lot.code for lot in result.lots]
    line_ids = [line.id for line in cfg.lines]
    for planned, lot in zip(result.lots, stored.lots, strict=True):
        assert lot.items == planned.items and lot.quantity == planned.quantity
        assert lot.category == planned.category and lot.end == planned.end
        assert [(o.step, o.resource, o.start, o.end, o.learning_minutes) for o in lot.ops] == [
            (o.step, o.resource, o.start, o.end, o.learning_minutes) for o in planned.ops
        ]
        sewing = next(op for op in planned.ops if op.step == "sew")
        assert lot.sewing_line(line_ids) == sewing.resource
        assert lot.sewing_start(line_ids) == sewing.start
    starts = [op.start for _, op in stored.operations()]
    assert starts == sorted(starts)
    assert set(stored.skus) == {sku for lot in stored.lots for sku in lot.items}


def test_a_stored_lot_hands_itself_to_a_replan(db_url):
    seed_planning_world(db_url, planning_inputs(styles=(("TS1", "tshirt"),), colours=("BLK",)))
    engine = open_engine(db_url)
    plan_id, _ = plan_and_store(
        engine, load_config(), mode="c2m", start=START, time_limit=2, deterministic=True, now=START
    )
    lot = read_plan(engine, plan_id).lots[0]
    frozen = lot.as_frozen()
    assert frozen.quantity == lot.quantity and frozen.items == tuple(sorted(lot.items.items()))
    assert [(o.resource, o.start, o.setup_minutes) for o in frozen.ops] == [
        (o.resource, o.start, o.setup_minutes) for o in lot.ops
    ]
    previous = lot.as_previous()
    assert (previous.code, previous.need_date, previous.skus) == (
        lot.code,
        lot.need_date,
        tuple(sorted(lot.items)),
    )


def test_a_missing_plan_is_named(sqlite_url):
    engine = open_engine(sqlite_url)
    with pytest.raises(NotFound, match="there is no plan 9"):
        read_plan(engine, 9)
