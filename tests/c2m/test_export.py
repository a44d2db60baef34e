"""Work orders that a Chinese Windows Excel opens as they are: text, dates, numbers, sheets."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from c2m.db import open_engine, session_scope
from c2m.export import export_plan, sheet_names
from c2m.replan import ReplanOptions, replan
from tests import worlds as world

CHINESE_LINES = {"L1": "缝纫一线", "L2": "缝纫二线", "L3": "针织[3]线"}


def excel_decode(raw: bytes) -> str:
    """What Excel does with a CSV: UTF-8 when a byte-order mark says so, else the system's
    code page, which on a Chinese Windows is GBK (cp936)."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8")
    return raw.decode("cp936", errors="replace")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A small replanned world whose sewing lines have Chinese names, exported both ways."""
    tmp = tmp_path_factory.mktemp("export")
    url = f"sqlite:///{tmp / 'c2m.db'}"
    raw = world.replan_config().model_dump()
    for line in raw["lines"]:
        line["id"] = CHINESE_LINES.get(line["id"], line["id"])
    cfg = type(world.replan_config()).model_validate(raw)
    world.seed_replan_world(url, days=28)
    engine = open_engine(url)
    options = ReplanOptions(
        now=world.NOW, horizon_days=3, time_limit=1, forecast_method="moving_average"
    )
    plan_id = replan(engine, cfg, options).plan_id
    with session_scope(engine) as session:
        csv_path = export_plan(session, plan_id, "csv", tmp / "out", cfg)[0]
        xlsx_path = export_plan(session, plan_id, "xlsx", tmp / "out", cfg)[0]
    return csv_path, xlsx_path


def test_the_csv_opens_in_excel_with_its_chinese_text_intact(exported):
    csv_path, _ = exported
    text = excel_decode(csv_path.read_bytes())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert next(iter(rows[0])) == "line"  # one mark, not glued to the first header
    assert {r["line"] for r in rows} & {"缝纫一线", "缝纫二线"}
    assert "\ufffd" not in text


def test_the_xlsx_has_real_dates_times_and_numbers(exported):
    _, xlsx_path = exported
    book = load_workbook(xlsx_path)
    checked = 0
    for sheet in book.worksheets:
        header = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2):
            cells = dict(zip(header, row, strict=True))
            assert isinstance(cells["start"].value, dt.datetime)
            assert isinstance(cells["due"].value, dt.datetime)
            assert cells["start"].number_format == "yyyy-mm-dd hh:mm"
            assert cells["date"].is_date and cells["date"].number_format == "yyyy-mm-dd"
            assert cells["date"].value.date() == cells["start"].value.date()
            assert isinstance(cells["quantity"].value, int)
            if cells["step"].value == "cut" and cells["part"].value.startswith("1/"):
                # the fabric is pulled once per lot, with its cutting
                assert isinstance(cells["fabric_quantity"].value, int | float)  # 40.0 -> 40
            assert cells["fabric_quantity"].number_format == "#,##0.00"
            checked += 1
    assert checked > 0


def test_chinese_line_names_become_sheet_names_excel_accepts(exported):
    _, xlsx_path = exported
    names = load_workbook(xlsx_path).sheetnames
    assert "缝纫一线" in names and "缝纫二线" in names
    assert all(not set("[]:*?/\\") & set(name) and len(name) <= 31 for name in names)


def test_sheet_names_are_short_legal_and_distinct_ignoring_case():
    names = sheet_names(["缝纫一线", "L1/2", "a" * 40, "A" * 40, "History", "'x'", "l1", "L1"])
    assert names[:2] == ["缝纫一线", "L1_2"]
    assert all(0 < len(n) <= 31 and not n.startswith("'") for n in names)
    assert len({n.casefold() for n in names}) == len(names)
    assert "history" not in {n.casefold() for n in names}
