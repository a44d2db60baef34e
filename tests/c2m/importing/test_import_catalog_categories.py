"""Importing a catalogue names every category no configured line can sew, once per file."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from c2m.db import open_engine
from c2m.errors import ExitCode
from c2m.importing import import_catalog
from cli import app

HEADER = "sku,style,colour,size,name,category\n"


def _catalogue() -> str:
    rows = [
        ("TS1", "tshirt", "圆领短袖T恤"),
        ("HD1", "hoodie", "连帽卫衣"),
        ("HD2", "hoodie", "拉链卫衣"),
        ("JK1", "jacket", "牛仔夹克"),
    ]
    return HEADER + "".join(
        f"{s}-BLK-{z},{s},BLK,{z},{name},{cat}\n" for s, cat, name in rows for z in ("M", "L")
    )


def test_every_unsewable_category_is_named_with_its_styles(db_url, write_file):
    engine = open_engine(db_url)
    path = write_file("catalog.csv", _catalogue())
    result = import_catalog([path], engine, sewable={"tshirt", "polo"})
    assert result.rows_imported == 8 and result.exit_code == ExitCode.OK
    [warning] = result.warnings
    assert (warning.line, warning.field) == (0, "category")
    assert warning.message.startswith(
        "no configured line can sew 'hoodie' (styles HD1, HD2); 'jacket' (styles JK1): "
    )
    assert import_catalog([path], engine).warnings == []  # no factory given: nothing to check


def test_the_cli_checks_against_the_config(sqlite_url, write_file):
    path = write_file("catalog.csv", _catalogue())
    res = CliRunner().invoke(app, ["--db", sqlite_url, "import", "catalog", str(path), "--json"])
    assert res.exit_code == 0, res.output
    [warning] = json.loads(res.stdout)["warnings"]
    assert "no configured line can sew 'jacket' (styles JK1)" in warning["message"]
    assert "hoodie" not in warning["message"]  # the shipped factory sews hoodies
