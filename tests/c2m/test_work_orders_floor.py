"""Work orders the floor can work to: one row per working day, every step, real SKUs in size
order, product names."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from openpyxl import load_workbook
from sqlmodel import select

from c2m.config import WEEKDAYS, Calendar, load_config
from c2m.db import open_engine, session_scope
from c2m.export import export_plan, work_orders
from c2m.floor_days import day_pieces, size_key
from c2m.models import Style
from c2m.planning.publish import plan_and_store
from c2m.report import write_plan_report
from tests.worlds import START, planning_inputs, seed_planning_world

NAMES = {"TS1": "圆领短袖T恤", "PO1": "翻领POLO衫"}


def test_a_lot_from_friday_to_tuesday_is_three_days_of_work():
    one_shift = Calendar.model_validate(
        {"workdays": WEEKDAYS[:5], "shifts": [{"name": "day", "start": "08:00", "end": "17:00"}]}
    )
    cfg = load_config().model_copy(update={"calendar": one_shift})
    friday = dt.datetime(2026, 12, 11, 14)
    pieces = day_pieces(friday, dt.datetime(2026, 12, 15, 10), 30, 380, cfg)
    assert [p.day for p in pieces] == [
        dt.date(2026, 12, 11),
        dt.date(2026, 12, 14),
        dt.date(2026, 12, 15),
    ]
    assert [p.minutes for p in pieces] == [180 - 30, 540, 120]
    assert sum(p.quantity for p in pieces) == 380
    assert pieces[1].quantity > pieces[0].quantity > pieces[2].quantity
    assert pieces[1].start == dt.datetime(2026, 12, 14, 8) and pieces[1].end == dt.datetime(
        2026, 12, 14, 17
    )


def test_sizes_sort_as_a_catalogue_lists_them():
    assert sorted(["XL", "L", "s", "M", "3XL", "XS"], key=size_key) == [
        "XS",
        "s",
        "M",
        "L",
        "XL",
        "3XL",
    ]
    assert sorted(["32", "28", "30", "One"], key=size_key) == ["28", "30", "32", "One"]


def test_the_export_has_every_day_every_step_and_the_names(db_url, tmp_path):
    inputs = planning_inputs(sizes=("S", "M", "L"), daily=60.0)
    seed_planning_world(db_url, inputs)
    engine = open_engine(db_url)
    with session_scope(engine) as session:
        for style in session.exec(select(Style)).all():
            style.name = NAMES[style.style]
            session.add(style)
    cfg = load_config()
    plan_id, result = plan_and_store(
        engine, cfg, mode="batch", start=START, time_limit=2, deterministic=True, now=START
    )
    with session_scope(engine) as session:
        rows = work_orders(session, plan_id, cfg)
        xlsx = export_plan(session, plan_id, "xlsx", tmp_path, cfg)[0]
    made: dict[tuple[str, str], int] = defaultdict(int)
    days: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        made[row["lot_id"], row["step"]] += row["quantity"]
        days[row["lot_id"], row["step"]].append(row["date"])
        assert row["name"] == NAMES[row["style"]]
    planned = {lot.code: lot.quantity for lot in result.lots}
    for (code, _step), quantity in made.items():
        assert quantity == planned[code]  # the day quantities add up to the lot
    assert {step for _, step in made} == {"cut", "sew", "finish"}
    spanning = [key for key, dates in days.items() if len(dates) > 1]
    assert spanning, "a batch lot of weeks of cover spans several days"
    for key in spanning:
        assert len(set(days[key])) == len(days[key])  # one row per day
    sizes = {"S": 0, "M": 1, "L": 2}
    for row in rows:
        listed = [part.split(":")[0].split("/")[1] for part in row["breakdown"].split("; ")]
        assert listed == sorted(listed, key=sizes.get)
        assert (
            row["sku"].split("; ") == [f"{row['style']}-{row['colour']}-{s}" for s in listed]
            or row["colour"] == "mixed"
        )
    sheets = load_workbook(xlsx).sheetnames
    assert any(s.startswith("CUT") for s in sheets) and any(s.startswith("FIN") for s in sheets)
    report = write_plan_report(engine, cfg, tmp_path / "report.html", plan_id)
    page = report.path.read_text(encoding="utf-8")
    assert all(name in page for name in NAMES.values())
