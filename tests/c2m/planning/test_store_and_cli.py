"""Plan -> store -> show round trip, plans/compare/export through the real CLI and DB."""

from __future__ import annotations

import csv
import json

import pytest
from openpyxl import load_workbook
from sqlmodel import select
from typer.testing import CliRunner

from c2m.config import load_config
from c2m.db import open_engine, session_scope
from c2m.models import Lot, LotItem, Plan, PlanOperation
from c2m.planning.publish import plan_and_store
from c2m.planning.show import schedule_rows
from c2m.planning.stored import read_plan
from cli import app
from tests.worlds import START, planning_inputs, seed_planning_world

KPI_KEYS = {
    "lots",
    "planned_units",
    "mean_lot_size",
    "changeovers",
    "changeover_hours",
    "utilisation",
    "overtime_hours",
    "fill_rate",
    "late_lots",
    "end_inventory_units",
}


def run(url, *args):
    result = CliRunner().invoke(app, ["--db", url, *args])
    return result


@pytest.fixture
def seeded(db_url):
    seed_planning_world(db_url, planning_inputs())
    return db_url


def test_plan_store_show_round_trip(seeded):
    engine = open_engine(seeded)
    plan_id, result = plan_and_store(
        engine, load_config(), mode="c2m", start=START, time_limit=2, deterministic=True, now=START
    )
    with session_scope(engine) as session:
        view = read_plan(session, plan_id)
        assert view.header.is_current and view.header.mode == "c2m"
        assert {lot.code for lot in view.lots} == {lot.code for lot in result.lots}
        stored = {lot.code: lot for lot in view.lots}
        for lot in result.lots:
            back = stored[lot.code]
            assert back.items == lot.items
            assert [(o.step, o.resource, o.start, o.end) for o in back.ops] == [
                (o.step, o.resource, o.start, o.end) for o in lot.ops
            ]
        assert view.header.kpis["planned_units"] == sum(lot.quantity for lot in view.lots)
    # a second plan of the same mode takes over "current"; the other mode is untouched
    second, _ = plan_and_store(
        engine, load_config(), mode="c2m", start=START, time_limit=2, deterministic=True, now=START
    )
    batch, _ = plan_and_store(
        engine,
        load_config(),
        mode="batch",
        start=START,
        time_limit=2,
        deterministic=True,
        now=START,
    )
    with session_scope(engine) as session:
        current = {p.id for p in session.exec(select(Plan).where(Plan.is_current)).all()}
    assert current == {second, batch}


def test_cli_plan_plans_show_compare_export(seeded, tmp_path):
    res = run(
        seeded,
        "plan",
        "--mode",
        "c2m",
        "--start",
        "2026-12-07",
        "--now",
        "2026-12-07",
        "--time-limit",
        "2",
        "--deterministic",
        "--json",
    )
    assert res.exit_code == 0, res.output
    c2m_plan = json.loads(res.stdout)
    assert {"plan_id", "mode", "status", "objective", "bound", "gap", "seconds", "kpis"} <= set(
        c2m_plan
    )
    assert set(c2m_plan["kpis"]) >= KPI_KEYS
    assert c2m_plan["status"] in ("optimal", "feasible", "fallback")
    res = run(
        seeded,
        "plan",
        "--mode",
        "batch",
        "--start",
        "2026-12-07",
        "--now",
        "2026-12-07",
        "--time-limit",
        "2",
        "--deterministic",
        "--json",
    )
    batch_plan = json.loads(res.stdout)

    listed = json.loads(run(seeded, "plans", "--json").stdout)["plans"]
    assert [(p["plan_id"], p["current"]) for p in listed] == [
        (c2m_plan["plan_id"], True),
        (batch_plan["plan_id"], True),
    ]
    assert {"plan_id", "mode", "status", "created_at", "current"} <= set(listed[0])

    everything = json.loads(run(seeded, "show", str(c2m_plan["plan_id"]), "--json").stdout)
    line = next(op["resource"] for op in everything["operations"] if op["step"] == "sew")
    shown = run(seeded, "show", str(c2m_plan["plan_id"]), "--line", line, "--json")
    assert shown.exit_code == 0
    ops = json.loads(shown.stdout)["operations"]
    assert ops and {op["resource"] for op in ops} == {line}
    assert run(seeded, "show", str(c2m_plan["plan_id"])).exit_code == 0
    assert run(seeded, "show", "999").exit_code == 65
    lower = run(seeded, "show", str(c2m_plan["plan_id"]), "--line", line.lower(), "--json")
    assert json.loads(lower.stdout)["operations"] == ops  # a line is named in any case
    typo = run(seeded, "show", str(c2m_plan["plan_id"]), "--line", "L9")
    assert typo.exit_code == 65 and "no line 'L9'; its lines are L1, L2" in typo.output
    with session_scope(open_engine(seeded)) as session:  # a factory line the plan leaves idle
        _, idle = schedule_rows(session, c2m_plan["plan_id"], line="l99", lines=["L99"])
    assert idle == []

    compared = run(seeded, "compare", str(batch_plan["plan_id"]), str(c2m_plan["plan_id"]))
    assert compared.exit_code == 0 and "mean lot size" in compared.stdout
    assert "horizon (days)" in compared.stdout and "warning" not in compared.output
    week = run(
        seeded,
        "plan",
        "--start",
        "2026-12-07",
        "--now",
        "2026-12-07",
        "--horizon",
        "7",
        "--time-limit",
        "1",
        "--deterministic",
        "--json",
    )
    assert week.exit_code == 0, week.output
    week_id = str(json.loads(week.stdout)["plan_id"])
    mixed = json.loads(run(seeded, "compare", week_id, str(c2m_plan["plan_id"]), "--json").stdout)
    assert [p["horizon_days"] for p in mixed["plans"]] == [7, 14]
    assert "cover different periods (7 days from 2026-12-07" in mixed["warnings"][0]

    out = tmp_path / "export"
    for fmt in ("csv", "xlsx"):
        res = run(seeded, "export", str(c2m_plan["plan_id"]), "--format", fmt, "--out", str(out))
        assert res.exit_code == 0, res.output
    with (out / "work_orders.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    required = {"line", "lot_id", "sku", "quantity", "start", "end", "changeover_minutes"}
    assert required <= set(rows[0])
    # every step (cut, sew, finish) makes each unit once, one row per working day
    for step in ("cut", "sew", "finish"):
        made = sum(int(r["quantity"]) for r in rows if r["step"] == step)
        assert made == c2m_plan["kpis"]["planned_units"]
    book = load_workbook(out / "work_orders.xlsx")
    assert set(book.sheetnames) == {r["line"] for r in rows}
    xlsx_units = 0
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        header = [c.value for c in sheet[1]]
        col, step = header.index("quantity"), header.index("step")
        xlsx_units += sum(
            row[col] for row in sheet.iter_rows(min_row=2, values_only=True) if row[step] == "sew"
        )
        assert sheet.column_dimensions["A"].width > 0
    assert xlsx_units == c2m_plan["kpis"]["planned_units"]
    assert (
        run(
            seeded, "export", str(c2m_plan["plan_id"]), "--format", "pdf", "--out", str(out)
        ).exit_code
        == 64  # a bad option value is a usage error
    )


def test_plan_without_forecast_or_catalogue_is_one_clear_error(sqlite_url, monkeypatch):
    res = run(sqlite_url, "plan", "--time-limit", "1")
    assert res.exit_code == 65
    assert "Traceback" not in res.output
    engine = open_engine(sqlite_url)
    with session_scope(engine) as session:
        assert session.exec(select(Plan)).first() is None
        assert session.exec(select(Lot)).first() is None
        assert session.exec(select(LotItem)).first() is None
        assert session.exec(select(PlanOperation)).first() is None


def test_a_category_no_line_sews_is_left_out_by_name(db_url, tmp_path):
    """A tshirt style in a shop whose lines sew no tshirts used to stop the whole plan."""
    inputs = planning_inputs(styles=(("SW1", "tshirt"), ("PO1", "polo")))
    seed_planning_world(db_url, inputs)
    raw = load_config().model_dump(mode="json")
    for line in raw["lines"]:
        line["categories"] = [c for c in line["categories"] if c != "tshirt"] or ["polo"]
    path = str(tmp_path / "no_tshirts.toml")
    _write_toml(path, raw)
    args = ["--db", db_url, "--config", path, "plan", "--start", "2026-12-07"]
    res = CliRunner().invoke(app, [*args, "--now", "2026-12-07", "--time-limit", "1", "--json"])
    assert res.exit_code == 0, res.output
    plan = json.loads(res.stdout)
    excluded = plan["kpis"]["excluded_skus"]
    assert [x["sku"] for x in excluded] == sorted(s for s in inputs.skus if s.startswith("SW1"))
    assert {(x["category"], x["reason"]) for x in excluded} == {("tshirt", "no_line_sews_category")}
    with session_scope(open_engine(db_url)) as session:
        stored = read_plan(session, plan["plan_id"])
    assert stored.lots and all(lot.style == "PO1" for lot in stored.lots)
    assert stored.header.kpis["excluded_skus"] == excluded
    text = CliRunner().invoke(app, [*args, "--now", "2026-12-07", "--time-limit", "1"])
    assert "left out: 4 SKUs no configured line can sew (tshirt: SW1)" in text.output
    page = tmp_path / "report.html"
    base = ["--db", db_url, "--config", path]
    report = CliRunner().invoke(app, [*base, "report", str(plan["plan_id"]), "--out", str(page)])
    assert report.exit_code == 0, report.output
    html = page.read_text(encoding="utf-8")
    assert "SKUs left out (4)" in html and "no line sews category" in html


def _write_toml(path, raw):
    def value(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items() if x is not None) + "}"
        return repr(v)

    lines = []
    tables = []
    for key, v in raw.items():
        if isinstance(v, dict) and key != "categories":
            tables.append((key, v))
        elif key == "categories":
            tables += [(f"categories.{c}", d) for c, d in v.items()]
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for item in v:
                lines.append(f"[[{key}]]")
                lines += [f"{k} = {value(x)}" for k, x in item.items() if x is not None]
        else:
            lines.insert(0, f"{key} = {value(v)}")
    for name, table in tables:
        lines.append(f"[{name}]")
        lines += [f"{k} = {value(x)}" for k, x in table.items() if x is not None]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
