"""Catalogue, inventory, fabric and open-order imports (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from c2m.db import open_engine
from c2m.errors import ExitCode
from c2m.importing import import_catalog, import_fabric, import_inventory, import_orders
from c2m.models import Fabric, FabricDelivery, Inventory, OpenOrder, Sku, Style

CATALOG = (
    "sku,style,colour,size,name,category,sam_minutes,fabric,fabric_per_unit,unit_cost,price,"
    "launch_date\n"
    "HM1-BLK-M,HM1,BLK,M,Basic tee,tshirt,4.5,JERSEY180,0.25,18,59.9,2026-09-01\n"
    "HM1-BLK-L,HM1,BLK,L,Basic tee,tshirt,4.5,JERSEY180,0.25,18,59.9,2026-09-01\n"
    "HM2-NVY-M,HM2,NVY,M,Polo,polo,13,PIQUE220,0.35,32,99,\n"
)


def _rows(engine, model):
    with engine.connect() as connection:
        return connection.execute(select(model.__table__)).all()


def test_catalog_import_and_reimport(db_url, write_file):
    engine = open_engine(db_url)
    result = import_catalog([write_file("catalog.csv", CATALOG)], engine)
    assert (result.rows_imported, result.rows_rejected) == (3, 0)
    styles = {s.style: s for s in _rows(engine, Style)}
    assert styles["HM1"].sam_minutes == 4.5 and styles["HM1"].launch_date == dt.date(2026, 9, 1)
    assert styles["HM2"].launch_date is None and styles["HM2"].category == "polo"
    assert {s.sku for s in _rows(engine, Sku)} == {"HM1-BLK-M", "HM1-BLK-L", "HM2-NVY-M"}

    again = import_catalog([write_file("catalog.csv", CATALOG)], engine)
    assert (again.rows_imported, again.rows_updated, again.rows_unchanged) == (0, 0, 3)

    # A new price on the style counts each of its SKU rows as updated.
    repriced = CATALOG.replace("18,59.9", "18,69.9")
    result = import_catalog([write_file("catalog2.csv", repriced)], engine)
    assert (result.rows_imported, result.rows_updated, result.rows_unchanged) == (0, 2, 1)
    assert {s.style: s.price for s in _rows(engine, Style)}["HM1"] == 69.9


def test_catalog_conflicts_are_row_errors(db_url, write_file):
    engine = open_engine(db_url)
    text = CATALOG + (
        "HM1-BLK-S,HM1,BLK,S,Basic tee,tshirt,5.0,JERSEY180,0.25,18,59.9,2026-09-01\n"  # line 5
        "HM9-X,HM1,BLK,M,Basic tee,tshirt,4.5,JERSEY180,0.25,18,59.9,2026-09-01\n"  # line 6
        "HM3-RED-M,HM3,RED,M,Dress,,15,,0.3,40,129,\n"  # line 7: no category
        "HM4-RED-M,HM4,RED,M,Dress,dress,abc,,0.3,40,129,\n"  # line 8: bad SAM
    )
    result = import_catalog([write_file("catalog.csv", text)], engine)
    assert result.exit_code == ExitCode.PARTIAL
    assert [(e.line, e.field) for e in result.errors] == [
        (5, "sam_minutes"),
        (6, "sku"),
        (7, "category"),
        (8, "sam_minutes"),
    ]
    assert "4.5" in result.errors[0].message and "HM1-BLK-M" in result.errors[1].message
    assert len(_rows(engine, Sku)) == 3


def test_catalog_with_chinese_headers_and_no_sku_column(db_url, write_file):
    engine = open_engine(db_url)
    text = "款号,颜色,尺码,品类,标准工时,价格\nHM5,黑色,M,hoodie,12,159\nHM5,黑色,L,hoodie,12,159\n"
    result = import_catalog([write_file("c.csv", text, "gbk")], engine)
    assert result.rows_imported == 2
    assert {s.sku for s in _rows(engine, Sku)} == {"HM5-黑色-M", "HM5-黑色-L"}


def test_inventory(db_url, write_file):
    engine = open_engine(db_url)
    import_catalog([write_file("catalog.csv", CATALOG)], engine)
    text = 'sku,on_hand,as_of\nHM1-BLK-M,120,2026-11-02\nHM1-BLK-L,"1,050",2026-11-02\n'
    text += "NEW-SKU,5,2026-11-02\nHM2-NVY-M,-4,2026-11-02\n"
    result = import_inventory([write_file("inventory.csv", text)], engine)
    assert (result.rows_imported, result.rows_rejected) == (3, 1)
    assert result.errors[0].line == 5 and result.errors[0].field == "on_hand"
    assert result.new_skus == ["NEW-SKU"]
    stock = {r.sku: r.on_hand for r in _rows(engine, Inventory)}
    assert stock == {"HM1-BLK-M": 120, "HM1-BLK-L": 1050, "NEW-SKU": 5}
    # Chinese headers, style+colour+size resolved through the catalogue, a changed count.
    text = "款号,颜色,尺码,库存,盘点日期\nHM1,BLK,M,100,2026/11/5\n"
    result = import_inventory([write_file("inv2.csv", text)], engine)
    assert (result.rows_imported, result.rows_updated) == (0, 1)
    row = next(r for r in _rows(engine, Inventory) if r.sku == "HM1-BLK-M")
    assert (row.on_hand, row.as_of) == (100, dt.date(2026, 11, 5))


def test_fabric_stock_and_deliveries(db_url, write_file):
    engine = open_engine(db_url)
    text = (
        "fabric,name,unit,roll_size,quantity,due_date,reference\n"
        "JERSEY180,Cotton jersey 180g,kg,25,420.5,,\n"
        "JERSEY180,Cotton jersey 180g,kg,25,300,2026-11-10,PO-881\n"
        "PIQUE220,Pique 220g,米,,80,,\n"
        "DENIM12,Denim 12oz,yards,,80,,\n"
        "TWILL,Twill,m,,50,2026-11-12,PO-900\n"
    )
    result = import_fabric([write_file("fabric.csv", text)], engine)
    assert (result.rows_imported, result.rows_rejected) == (4, 1)
    assert (result.errors[0].line, result.errors[0].field) == (5, "unit")
    fabrics = {f.fabric: f for f in _rows(engine, Fabric)}
    assert fabrics["JERSEY180"].on_hand == 420.5 and fabrics["JERSEY180"].roll_size == 25
    assert fabrics["PIQUE220"].unit == "m"
    assert fabrics["TWILL"].on_hand == 0  # known only from its delivery
    deliveries = {(d.fabric, d.reference): d for d in _rows(engine, FabricDelivery)}
    assert deliveries[("JERSEY180", "PO-881")].due_date == dt.date(2026, 11, 10)
    again = import_fabric([write_file("fabric.csv", text)], engine)
    assert (again.rows_imported, again.rows_updated, again.rows_unchanged) == (0, 0, 4)
    # A quantities-only file updates stock and keeps the names.
    result = import_fabric([write_file("f2.csv", "面料,数量\nJERSEY180,400\n")], engine)
    assert result.rows_updated == 1
    jersey = next(f for f in _rows(engine, Fabric) if f.fabric == "JERSEY180")
    assert (jersey.on_hand, jersey.name) == (400, "Cotton jersey 180g")


def test_a_fabric_has_one_unit(db_url, write_file):
    """A file giving one fabric two units rejects the later row; a unit that changes what
    is stored is imported with a warning (quantities in m and kg must not mix unseen)."""
    engine = open_engine(db_url)
    first = "fabric,unit,quantity,due_date\nCHF75,m,100,\n"
    import_fabric([write_file("f1.csv", first)], engine)
    text = (
        "fabric,unit,quantity,due_date\n"
        "CHF75,kg,100,\n"
        "CHF75,m,40,2026-11-20\n"
        "CHF75,kg,30,2026-11-21\n"
    )
    result = import_fabric([write_file("f2.csv", text)], engine)
    assert (result.rows_imported + result.rows_updated, result.rows_rejected) == (2, 1)
    assert (result.errors[0].line, result.errors[0].field) == (3, "unit")
    assert [(w.line, w.field) for w in result.warnings] == [(2, "unit")]
    assert "CHF75 was in m, now kg" in result.warnings[0].message


def test_open_orders(db_url, write_file):
    engine = open_engine(db_url)
    text = (
        "reference,sku,due_date,quantity\n"
        "WH-1001,HM1-BLK-M,2026-11-20,300\n"
        "WH-1001,HM1-BLK-L,2026-11-20,200\n"
        "WH-1002,HM1-BLK-L,20/11/2026,100\n"
        ",HM1-BLK-L,2026-11-20,100\n"
    )
    result = import_orders([write_file("orders.csv", text)], engine)
    assert result.rows_imported == 2
    assert [(e.line, e.field) for e in result.errors] == [(4, "due_date"), (5, "reference")]
    changed = text.replace("2026-11-20,200", "2026-11-22,250")
    again = import_orders([write_file("orders2.csv", changed)], engine)
    assert (again.rows_imported, again.rows_updated, again.rows_unchanged) == (0, 1, 1)
    orders = {(o.reference, o.sku): (o.due_date, o.quantity) for o in _rows(engine, OpenOrder)}
    assert orders[("WH-1001", "HM1-BLK-L")] == (dt.date(2026, 11, 22), 250)


def test_missing_required_columns_fail_with_both_lists(db_url, write_file):
    engine = open_engine(db_url)
    result = import_inventory([write_file("i.csv", "sku,as_of\nA,2026-11-01\n")], engine)
    assert result.exit_code == ExitCode.FAILED
    message = result.errors[0].message
    assert "missing column(s) on_hand" in message and "found columns: sku, as_of" in message
