"""The objective prices what a plan leaves undone, and lots are due when the floor works."""

from __future__ import annotations

import datetime as dt

from c2m.config import Calendar
from c2m.db import open_engine, session_scope
from c2m.models import Plan
from c2m.planning.inputs import PlanOptions
from c2m.planning.planner import make_plan
from c2m.planning.publish import plan_and_store
from c2m.planning.show import compare_plans
from c2m.planning.working_time import last_shift_end
from tests.worlds import START, config, planning_inputs, seed_planning_world

WEEKDAYS_ONLY = Calendar.model_validate(
    {
        "workdays": ["mon", "tue", "wed", "thu", "fri"],
        "shifts": [{"name": "day", "start": "08:00", "end": "17:00"}],
        "holidays": ["2026-12-10"],
    }
)


def test_a_weekend_demand_is_due_at_fridays_last_shift():
    saturday_night = dt.datetime(2026, 12, 6)  # the end of Saturday 12-05
    assert last_shift_end(WEEKDAYS_ONLY, saturday_night) == dt.datetime(2026, 12, 4, 17)
    assert last_shift_end(WEEKDAYS_ONLY, dt.datetime(2026, 12, 8)) == dt.datetime(2026, 12, 7, 17)
    # a holiday (Thursday 12-10) is a day off too; a moment inside a shift is before its end
    assert last_shift_end(WEEKDAYS_ONLY, dt.datetime(2026, 12, 11)) == dt.datetime(2026, 12, 9, 17)
    assert last_shift_end(WEEKDAYS_ONLY, dt.datetime(2026, 12, 9, 12)) == dt.datetime(
        2026, 12, 8, 17
    )


def test_every_lot_is_due_at_the_end_of_a_working_shift():
    cfg = config()
    plan = make_plan(
        planning_inputs(), cfg, PlanOptions(mode="c2m", start=START, time_limit=1, workers=1)
    )
    ends = {s.end for s in cfg.calendar.shifts}
    workdays = cfg.calendar.workdays
    assert plan.lots
    for lot in plan.lots:
        assert lot.due.time() in ends, lot.due
        assert ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[lot.due.weekday()] in workdays
        assert lot.due.date() <= lot.need_date


def test_a_plan_that_serves_nothing_cannot_look_cheaper():
    """Batch once won `compare` at 74,754 CNY against C2M's 115,756 while serving 14 % of
    demand against 41 %: what a plan leaves undone cost nothing."""
    options = PlanOptions(mode="c2m", start=START, horizon_days=7, time_limit=1, workers=1)
    served = make_plan(planning_inputs(), config(), options)
    starved = make_plan(planning_inputs(fabric_on_hand=0.0), config(), options)
    assert starved.kpis.held_lots > 0 and starved.kpis.fill_rate < served.kpis.fill_rate
    assert starved.kpis.cost_lateness == 0  # the solver's part alone would prefer it
    assert starved.objective > served.objective
    margin = config().costs.lost_sale_share_of_margin * (99 - 40)
    unserved = starved.kpis.units_due - starved.kpis.units_on_time
    assert abs(starved.kpis.cost_unserved - unserved * margin) <= 0.1 * margin  # KPIs round
    parts = [v for k, v in starved.kpis.as_json().items() if k.startswith("cost_")]
    assert abs(sum(parts) - starved.objective) <= 0.01 * len(parts)


def test_compare_says_when_objectives_do_not_compare(db_url):
    engine = open_engine(db_url)
    seed_planning_world(db_url, planning_inputs())
    ids = {}
    for mode, days in (("c2m", 14), ("batch", 14), ("week", 7)):
        ids[mode], _ = plan_and_store(
            engine,
            config(),
            mode="c2m" if mode == "week" else mode,
            start=START,
            horizon_days=days,
            time_limit=1,
            deterministic=True,
            now=START,
        )
    with session_scope(engine) as session:
        same = compare_plans(session, ids["batch"], ids["c2m"])
        assert same["warnings"] == []
        other = compare_plans(session, ids["week"], ids["c2m"])
        assert any("plan for different demand" in w for w in other["warnings"])
        # a plan stored before the objective priced unserved demand
        old = session.get(Plan, ids["batch"])
        old.kpis = {k: v for k, v in old.kpis.items() if k != "cost_unserved"}
        session.add(old)
    with session_scope(engine) as session:
        [warning] = compare_plans(session, ids["batch"], ids["c2m"])["warnings"]
        assert warning.startswith(f"plan {ids['batch']} was stored before objectives priced")
