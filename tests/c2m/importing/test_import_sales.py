"""Live-sales import into a real database (SQLite and PostgreSQL): counts, rejection,
idempotency, updates, new SKUs, dry runs and --strict."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from c2m.db import open_engine, session_scope
from c2m.errors import ExitCode
from c2m.importing import import_orders, import_sales
from c2m.models import ImportBatch, OpenOrder, RejectedRow, Room, SalesSignal, Sku

GOOD = (
    "date,room_id,sku,style,colour,size,clicks,carts,orders,rank,price\n"
    "2026-11-03,R1,HM1-BLK-M,HM1,BLK,M,120,14,6,1,59.9\n"
    "2026-11-03,R1,HM1-BLK-L,HM1,BLK,L,80,9,3,,59.9\n"
    "2026-11-03,R2,HM1-BLK-M,HM1,BLK,M,40,2,1,5,62\n"
    "2026-11-04,R1,HM1-BLK-M,HM1,BLK,M,150,20,9,1,59.9\n"
)


def _count(engine, model) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def _signals(engine) -> dict:
    with engine.connect() as connection:
        rows = connection.execute(select(SalesSignal.__table__))
        return {
            (r.ts, r.room_id, r.sku): (r.clicks, r.carts, r.orders, r.rank, r.price) for r in rows
        }


def test_import_counts_and_values(db_url, write_file):
    engine = open_engine(db_url)
    result = import_sales([write_file("s.csv", GOOD)], engine)
    assert (result.rows_read, result.rows_imported, result.rows_rejected) == (4, 4, 0)
    assert result.exit_code == ExitCode.OK
    signals = _signals(engine)
    assert signals[(dt.datetime(2026, 11, 3), "R1", "HM1-BLK-M")] == (120, 14, 6, 1, 59.9)
    assert signals[(dt.datetime(2026, 11, 3), "R1", "HM1-BLK-L")] == (80, 9, 3, None, 59.9)
    assert _count(engine, Room) == 2
    assert result.new_skus == ["HM1-BLK-L", "HM1-BLK-M"]
    with engine.connect() as connection:
        [batch] = connection.execute(select(ImportBatch.__table__)).all()
    assert (batch.kind, batch.rows_read, batch.rows_imported) == ("sales", 4, 4)


def test_same_file_twice_changes_nothing_and_says_so(db_url, write_file):
    engine = open_engine(db_url)
    path = write_file("s.csv", GOOD)
    import_sales([path], engine)
    before = _signals(engine)
    again = import_sales([path], engine)
    assert (again.rows_imported, again.rows_updated, again.rows_unchanged) == (0, 0, 4)
    assert again.exit_code == ExitCode.OK
    assert _signals(engine) == before
    assert _count(engine, SalesSignal) == 4


def test_reexport_with_changed_numbers_counts_updates(db_url, write_file):
    engine = open_engine(db_url)
    import_sales([write_file("s.csv", GOOD)], engine)
    changed = GOOD.replace("80,9,3,,59.9", "85,9,4,7,59.9").replace("40,2,1,5,62", "40,2,1,5,61")
    changed += "2026-11-04,R2,HM1-BLK-M,HM1,BLK,M,10,1,0,,62\n"
    result = import_sales([write_file("s2.csv", changed)], engine)
    assert (result.rows_imported, result.rows_updated, result.rows_unchanged) == (1, 2, 2)
    signals = _signals(engine)
    assert signals[(dt.datetime(2026, 11, 3), "R1", "HM1-BLK-L")] == (85, 9, 4, 7, 59.9)
    assert signals[(dt.datetime(2026, 11, 3), "R2", "HM1-BLK-M")][4] == 61
    assert _count(engine, SalesSignal) == 5


def test_bad_rows_are_rejected_with_line_field_and_kept_word_for_word(db_url, write_file):
    engine = open_engine(db_url)
    text = (
        "date,room_id,sku,clicks,carts,orders\n"  # line 1
        "2026-11-03,R1,A-1,10,2,1\n"  # 2 good
        "2026-11-03,R1,A-2,-4,2,1\n"  # 3 negative clicks
        "2026-11-03,R1,,10,2,1\n"  # 4 missing SKU
        "03.11.26,R1,A-3,10,2,1\n"  # 5 bad date
        "2026-11-03,R1,A-4,ten,2,1\n"  # 6 not a number
        "\n"  # 7 blank: skipped
        "合计,,,40,8,4\n"  # 8 totals: skipped
        "2026-11-03,R1,A-5,3,2,9\n"  # 9 more orders than clicks: a warning only
    )
    result = import_sales([write_file("bad.csv", text)], engine)
    assert result.exit_code == ExitCode.PARTIAL
    assert (result.rows_read, result.rows_imported, result.rows_skipped) == (8, 2, 2)
    assert result.rows_rejected == 4
    got = [(e.line, e.field) for e in result.errors]
    assert got == [(3, "clicks"), (4, "sku"), (5, "date"), (6, "clicks")]
    assert all(e.file.endswith("bad.csv") for e in result.errors)
    assert [(w.line, w.field) for w in result.warnings] == [(9, "orders")]
    with engine.connect() as connection:
        kept = connection.execute(
            select(RejectedRow.__table__).order_by(RejectedRow.__table__.c.line)
        ).all()
    assert (kept[0].line, kept[0].field, kept[0].raw) == (3, "clicks", "2026-11-03,R1,A-2,-4,2,1")
    assert len(kept) == 4 and all(r.message for r in kept)


def test_style_colour_size_finds_the_catalogue_sku_else_builds_one(db_url, write_file):
    engine = open_engine(db_url)
    with session_scope(engine) as session:
        session.add(Sku(sku="10023", style="HM1", colour="BLK", size="M"))
    text = (
        "日期,直播间,款号,颜色,尺码,点击量,加购数,成交件数\n"
        "2026-11-03,R1,HM1,BLK,M,10,2,1\n"
        "2026-11-03,R1,HM1,BLK,XL,10,2,1\n"
    )
    result = import_sales([write_file("s.csv", text)], engine)
    assert {key[2] for key in _signals(engine)} == {"10023", "HM1-BLK-XL"}
    assert result.new_skus == ["HM1-BLK-XL"]


def test_room_option_fills_a_missing_room_column(db_url, write_file):
    engine = open_engine(db_url)
    path = write_file("s.csv", "date,sku,clicks,carts,orders\n2026-11-03,A,1,1,1\n")
    failed = import_sales([path], engine)
    assert failed.exit_code == ExitCode.FAILED and "room_id" in failed.errors[0].message
    result = import_sales([path], engine, room="R9")
    assert result.rows_imported == 1
    assert next(iter(_signals(engine)))[1] == "R9"
    assert result.new_rooms == ["R9"]  # listed once, like a new SKU: a typo shows here
    assert import_sales([path], engine, room="R9").new_rooms == []


def test_duplicate_keys_in_one_file_last_row_wins(db_url, write_file):
    engine = open_engine(db_url)
    text = (
        "date,room_id,sku,clicks,carts,orders\n"
        "2026-11-03,R1,A,10,2,1\n"
        "2026/11/3,R1,A,12,2,1\n"
        "2026-11-03 00:00:00,R1,A,12,2,1\n"
    )
    result = import_sales([write_file("s.csv", text)], engine)
    assert result.rows_imported + result.rows_updated + result.rows_unchanged == 3
    assert result.rows_imported == 1
    assert list(_signals(engine).values()) == [(12, 2, 1, None, None)]


def test_dry_run_counts_but_writes_nothing(db_url, write_file):
    engine = open_engine(db_url)
    result = import_sales([write_file("s.csv", GOOD)], engine, dry_run=True)
    assert result.rows_imported == 4 and result.dry_run
    assert _count(engine, SalesSignal) == 0
    assert _count(engine, ImportBatch) == 0
    assert _count(engine, Room) == 0


def test_strict_imports_nothing_if_any_row_is_bad(db_url, write_file):
    engine = open_engine(db_url)
    good = write_file("good.csv", GOOD)
    bad = write_file("bad.csv", "date,room_id,sku,clicks,carts,orders\n2026-11-03,R1,X,1,1,-1\n")
    result = import_sales([good, bad], engine, strict=True)
    assert result.rolled_back and result.exit_code == ExitCode.FAILED
    assert result.rows_rejected == 1 and result.rows_imported == 0
    assert result.rolled_back_counts == (4, 0, 0)  # what the summary says it would have been
    assert _count(engine, SalesSignal) == 0
    assert _count(engine, RejectedRow) == 0
    ok = import_sales([good], engine, strict=True)
    assert ok.rows_imported == 4 and ok.exit_code == ExitCode.OK


def test_unreadable_file_fails_but_other_files_still_import(db_url, write_file, tmp_path):
    engine = open_engine(db_url)
    junk = write_file("junk.csv", "a,b\n1,2\n")
    result = import_sales([tmp_path / "missing.csv", junk, write_file("s.csv", GOOD)], engine)
    assert result.failed_files == [str(tmp_path / "missing.csv"), str(junk)]
    assert result.rows_imported == 4
    assert result.exit_code == ExitCode.PARTIAL
    assert "found columns: a, b" in result.errors[1].message


def test_nothing_importable_is_exit_1(db_url, write_file):
    engine = open_engine(db_url)
    text = "date,room_id,sku,clicks,carts,orders\nnot-a-date,R1,A,1,1,1\n"
    result = import_sales([write_file("s.csv", text)], engine)
    assert result.exit_code == ExitCode.FAILED


def test_large_file_in_many_chunks_with_progress(db_url, write_file):
    engine = open_engine(db_url)
    lines = ["date,room_id,sku,clicks,carts,orders"]
    lines += [
        f"2026-11-{1 + i % 28:02d},R{i % 3},S{i // 84},{i % 50},{i % 7},{i % 5}"
        for i in range(12_000)
    ]
    seen: list[tuple[int, int]] = []
    result = import_sales(
        [write_file("big.csv", "\n".join(lines) + "\n")],
        engine,
        progress=lambda name, done, total: seen.append((done, total)),
    )
    assert result.rows_imported == 12_000
    assert len(seen) >= 3 and seen[-1][0] == seen[-1][1]
    assert _count(engine, SalesSignal) == 12_000


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_messy_chinese_export(db_url, write_file, encoding):
    engine = open_engine(db_url)
    text = (
        "抖音电商 直播间商品数据\n"
        "日期;直播间;商品编码;商品点击;加购;销量;排名;单价(元);备注\n"
        "2026/11/3;抖音1号;HM-黑色-M;1,234; 56 ;1.2万;1;￥59.90;爆款\n"
        "2026-11-03 20:15:00;抖音1号;HM-黑色-L;12;3;2;;59.9;\n"
        ";;;;;;;;\n"
        "合计;;;1246;59;12002;;;\n"
    )
    result = import_sales([write_file("messy.csv", text, encoding)], engine)
    assert (result.rows_imported, result.rows_skipped, result.rows_rejected) == (2, 2, 0)
    assert result.ignored_columns == {result.files[0]: ["备注"]}
    signals = _signals(engine)
    key = (dt.datetime(2026, 11, 3), "抖音1号", "HM-黑色-M")
    assert signals[key] == (1234, 56, 12000, 1, 59.9)
    assert (dt.datetime(2026, 11, 3, 20, 15), "抖音1号", "HM-黑色-L") in signals


@pytest.mark.parametrize(
    "header",
    [
        # Douyin Compass
        "统计日期,直播间名称,商家编码,商品点击次数,加购次数,成交商品件数,榜单排名,成交均价",
        "日期,直播间,SKU ID,点击人数,加购人数,支付件数,名次,商品价格",  # Taobao Live
        "日期,直播间编号,规格编码,商品点击量,加入购物车,下单件数,排行,单价(元)",  # Kuaishou
    ],
)
def test_headers_as_each_platform_exports_them(db_url, write_file, header):
    """The live rooms' back-ends name the same signals differently; each is recognised."""
    engine = open_engine(db_url)
    text = header + "\n2026-11-03,R1,A,120,14,9,3,59.9\n"
    result = import_sales([write_file("platform.csv", text, "gbk")], engine)
    assert result.rows_imported == 1 and not result.ignored_columns.get(result.files[0])
    assert _signals(engine)[(dt.datetime(2026, 11, 3), "R1", "A")] == (120, 14, 9, 3, 59.9)


def test_a_count_beyond_the_database_integer_is_a_rejected_row_not_a_crash(db_url, write_file):
    """PostgreSQL's INTEGER stops at 2,147,483,647: a bigger count used to end the import
    with the database's error (exit 70) instead of naming the row."""
    engine = open_engine(db_url)
    text = (
        "date,room_id,sku,clicks,carts,orders\n"
        "2026-11-03,R1,A,3000000000,1,1\n"
        "2026-11-03,R1,B,2147483647,1,1\n"
    )
    result = import_sales([write_file("big.csv", text)], engine)
    assert (result.rows_imported, result.rows_rejected) == (1, 1)
    assert result.errors[0].field == "clicks" and "too large" in result.errors[0].message


def test_a_catalogue_code_in_another_case_or_width_is_the_catalogue_sku(db_url, write_file):
    """A room's export writing ``hm1-blk-m`` (or full-width ``ＨＭ1-BLK-M``) means the
    catalogue's ``HM1-BLK-M``: as a new SKU it would stop every plan (not in the catalogue).
    Codes that differ only in case within the catalogue are taken as written."""
    engine = open_engine(db_url)
    with session_scope(engine) as session:
        session.add(Sku(sku="HM1-BLK-M", style="HM1", colour="BLK", size="M"))
        session.add(Sku(sku="Ab-1", style="AB", colour="X", size="1"))
        session.add(Sku(sku="AB-1", style="AB", colour="X", size="2"))
    text = (
        "date,room_id,sku,clicks,carts,orders\n"
        "2026-11-03,R1, hm1-blk-m ,10,2,1\n"
        "2026-11-04,R1,ＨＭ1-BLK-M,10,2,1\n"
        "2026-11-05,R1,HM1-BLK-M,10,2,1\n"
        "2026-11-05,R1,ab-1,10,2,1\n"
    )
    result = import_sales([write_file("case.csv", text)], engine)
    assert result.rows_imported == 4
    assert {key[2] for key in _signals(engine)} == {"HM1-BLK-M", "ab-1"}
    assert result.new_skus == ["ab-1"]
    orders = "reference,sku,due_date,quantity\nPO1,hm1-blk-m,2026-11-20,100\n"
    assert import_orders([write_file("orders.csv", orders)], engine).new_skus == []
    with session_scope(engine) as session:
        assert session.execute(select(OpenOrder.sku)).scalars().all() == ["HM1-BLK-M"]


def test_dates_after_today_or_long_ago_are_imported_with_a_warning_per_date(db_url, write_file):
    """2030-01-01 for 2026-01-01 became the forecast's start without a word."""
    engine = open_engine(db_url)
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    text = (
        "date,room_id,sku,clicks,carts,orders\n"
        f"{future},R1,A,10,2,1\n"
        f"{future},R1,B,10,2,1\n"
        "1970-01-01,R1,A,10,2,1\n"
        f"{dt.date.today().isoformat()},R1,A,10,2,1\n"
    )
    result = import_sales([write_file("dates.csv", text)], engine)
    assert result.rows_imported == 4 and result.exit_code == ExitCode.OK
    assert [(w.line, w.field) for w in result.warnings] == [(2, "date"), (4, "date")]
    assert "is after today" in result.warnings[0].message
    assert "before 2000" in result.warnings[1].message


def test_a_file_without_rank_or_price_leaves_the_stored_ones(db_url, write_file):
    """Re-importing an export that lacks the optional columns erased rank and price."""
    engine = open_engine(db_url)
    full = "date,room_id,sku,clicks,carts,orders,rank,price\n2026-11-03,R1,A,10,2,1,3,59.9\n"
    import_sales([write_file("full.csv", full)], engine)
    slim = "date,room_id,sku,clicks,carts,orders\n2026-11-03,R1,A,12,2,1\n2026-11-04,R1,A,5,1,0\n"
    result = import_sales([write_file("slim.csv", slim)], engine)
    assert (result.rows_imported, result.rows_updated) == (1, 1)
    signals = _signals(engine)
    assert signals[(dt.datetime(2026, 11, 3), "R1", "A")] == (12, 2, 1, 3, 59.9)
    assert signals[(dt.datetime(2026, 11, 4), "R1", "A")] == (5, 1, 0, None, None)
    only_price = "date,room_id,sku,clicks,carts,orders,price\n2026-11-03,R1,A,12,2,1,49.9\n"
    import_sales([write_file("price.csv", only_price)], engine)
    assert _signals(engine)[(dt.datetime(2026, 11, 3), "R1", "A")] == (12, 2, 1, 3, 49.9)


def test_an_xlsx_export_imports_like_its_csv(db_url, tmp_path):
    """Douyin Compass and Kuaishou export .xlsx: its first sheet is read, with the sheet's
    row numbers in messages, dates and numbers as Excel stores them."""
    book = Workbook()
    sheet = book.active
    sheet.append(["抖音电商罗盘 商品数据"])
    sheet.append(["日期", "直播间", "商品编码", "商品点击次数", "加购次数", "成交件数", "价格"])
    sheet.append([dt.datetime(2026, 11, 3), "抖音1号", "HM-黑色-M", 1234, 56, 12.0, 59.9])
    sheet.append([dt.datetime(2026, 11, 3, 20, 15), "抖音1号", "HM-黑色-L", 12, 3, -2, 59.9])
    sheet.append(["合计", None, None, 1246, 59, 10, None])
    path = tmp_path / "compass.xlsx"
    book.save(path)
    engine = open_engine(db_url)
    copies_before = set(Path(tempfile.gettempdir()).glob("c2m-sheet-*"))
    result = import_sales([path], engine)
    assert (result.rows_imported, result.rows_rejected, result.rows_skipped) == (1, 1, 1)
    assert (result.errors[0].line, result.errors[0].field) == (4, "orders")
    assert result.errors[0].file == str(path)
    assert _signals(engine) == {
        (dt.datetime(2026, 11, 3), "抖音1号", "HM-黑色-M"): (1234, 56, 12, None, 59.9)
    }
    assert set(Path(tempfile.gettempdir()).glob("c2m-sheet-*")) == copies_before  # cleaned up


def test_rows_written_by_the_orm_and_by_the_importer_share_keys(db_url, write_file):
    """The importer's fast path must store timestamps exactly as SQLAlchemy does."""
    engine = open_engine(db_url)
    with session_scope(engine) as session:
        session.add(SalesSignal(ts=dt.datetime(2026, 11, 3), room_id="R1", sku="A", clicks=5))
        session.add(SalesSignal(ts=dt.datetime(2026, 11, 3, 20, 15), room_id="R1", sku="A"))
    text = (
        "date,room_id,sku,clicks,carts,orders\n"
        "2026-11-03,R1,A,5,0,0\n"
        "2026-11-03 20:15:00,R1,A,7,0,0\n"
    )
    result = import_sales([write_file("s.csv", text)], engine)
    assert (result.rows_imported, result.rows_updated, result.rows_unchanged) == (0, 1, 1)
    assert _count(engine, SalesSignal) == 2
    with session_scope(engine) as session:
        assert session.get(SalesSignal, (dt.datetime(2026, 11, 3, 20, 15), "R1", "A")).clicks == 7


def test_dashes_mean_nothing_and_rank_zero_is_rejected(db_url, write_file):
    engine = open_engine(db_url)
    text = (
        "date,room_id,sku,clicks,carts,orders,rank,price\n"
        "2026-11-03,R1,A,10,-,1,-,59\n"
        "2026-11-03,R1,B,10,2,1,0,59\n"
    )
    result = import_sales([write_file("s.csv", text)], engine)
    assert result.rows_imported == 1
    assert [(e.line, e.field) for e in result.errors] == [(3, "rank")]
    assert list(_signals(engine).values()) == [(10, 0, 1, None, 59.0)]


def test_big_import_keeps_the_table_as_it_was_built(sqlite_url, write_file):
    """A bulk load leaves the table's B-trees as they were (a dry run too), and the table
    is the one B-tree of its natural key: no rowid, no secondary index to maintain."""
    engine = open_engine(sqlite_url)
    lines = ["date,room_id,sku,clicks,carts,orders"]
    lines += [f"2026-11-{1 + i % 28:02d},R{i % 2},S{i},3,1,0" for i in range(60_000)]
    path = write_file("big.csv", "\n".join(lines) + "\n")

    def indexes() -> set[str]:
        with engine.connect() as connection:
            query = (
                "select name from sqlite_master where type = 'index' and tbl_name = 'sales_signal'"
            )
            return {row[0] for row in connection.exec_driver_sql(query)}

    expected = indexes()
    assert all(name.startswith("sqlite_autoindex") for name in expected)
    with engine.connect() as connection:
        sql = connection.exec_driver_sql(
            "select sql from sqlite_master where name = 'sales_signal'"
        ).scalar_one()
    assert "WITHOUT ROWID" in sql
    assert import_sales([path], engine, dry_run=True).rows_imported == 60_000
    assert indexes() == expected
    assert import_sales([path], engine).rows_imported == 60_000
    assert indexes() == expected
    again = import_sales([path], engine)
    assert again.rows_unchanged == 60_000


def test_a_file_of_only_bad_rows_keeps_every_one(db_url, write_file):
    engine = open_engine(db_url)
    lines = ["date,room_id,sku,clicks,carts,orders"]
    lines += [f"2026-11-03,R1,S{i},-1,0,0" for i in range(12_000)]
    result = import_sales([write_file("bad.csv", "\n".join(lines) + "\n")], engine)
    assert result.exit_code == ExitCode.FAILED
    assert result.rows_rejected == 12_000 and len(result.errors) == 1000
    assert result.errors_not_listed == 11_000
    assert _count(engine, RejectedRow) == 12_000


def test_a_time_column_next_to_the_date_column_is_part_of_the_timestamp(db_url, write_file):
    """日期 + 时间 (a GBK export, time first) and date + time both give one timestamp."""
    engine = open_engine(db_url)
    chinese = (
        "时间,日期,直播间,商品编码,点击量,加购数,成交件数\n"
        "20:15,2026/11/3,抖音1号,A,10,2,1\n"
        "21:30:05,2026/11/3,抖音1号,A,12,3,2\n"
        ",2026/11/4,抖音1号,A,9,1,0\n"
        "1899-12-30 08:05:00,2026-11-05 00:00:00,抖音1号,A,7,1,0\n"
    )
    english = "date,time,room_id,sku,clicks,carts,orders\n2026-11-03,20时15分,R1,B,5,1,0\n"
    result = import_sales(
        [write_file("zh.csv", chinese, "gbk"), write_file("en.csv", english)], engine
    )
    assert result.rows_imported == 5 and not result.errors
    assert result.ignored_columns == {}
    assert set(_signals(engine)) == {
        (dt.datetime(2026, 11, 3, 20, 15), "抖音1号", "A"),
        (dt.datetime(2026, 11, 3, 21, 30, 5), "抖音1号", "A"),
        (dt.datetime(2026, 11, 4), "抖音1号", "A"),
        (dt.datetime(2026, 11, 5, 8, 5), "抖音1号", "A"),
        (dt.datetime(2026, 11, 3, 20, 15), "R1", "B"),
    }
    again = import_sales([write_file("zh.csv", chinese, "gbk")], engine)
    assert again.rows_unchanged == 4


def test_a_bad_time_cell_rejects_its_row(db_url, write_file):
    engine = open_engine(db_url)
    text = (
        "日期,时间,直播间,SKU,点击量,加购数,成交件数\n"
        "2026-11-03,25:00,R1,A,10,2,1\n"
        "2026-11-03 09:00:00,20:15,R1,A,10,2,1\n"
        "2026-11-03,soon,R1,A,10,2,1\n"
        "2026-11-03,20:15,R1,A,10,2,1\n"
    )
    result = import_sales([write_file("s.csv", text)], engine)
    assert result.rows_imported == 1
    assert [(e.line, e.field) for e in result.errors] == [(2, "time"), (3, "time"), (4, "time")]
    assert "25:00" in result.errors[0].message
    assert "09:00:00" in result.errors[1].message


def test_a_lone_time_column_is_still_the_timestamp(db_url, write_file):
    engine = open_engine(db_url)
    text = "时间,直播间,SKU,点击量,加购数,成交件数\n2026-11-03 20:15:00,R1,A,10,2,1\n"
    assert import_sales([write_file("s.csv", text)], engine).rows_imported == 1
    assert set(_signals(engine)) == {(dt.datetime(2026, 11, 3, 20, 15), "R1", "A")}


def test_counts_and_last_row_wins_across_many_row_inserts(db_url, write_file):
    """Repeats inside one multi-row INSERT, rows already stored (same or changed numbers)
    and new rows in one chunk: every row counted once, the file's last row for a key wins."""
    engine = open_engine(db_url)
    header = "date,room_id,sku,clicks,carts,orders\n"
    first = [f"2026-11-03,R1,S{i},{i},0,0" for i in range(0, 200, 2)]
    import_sales([write_file("a.csv", header + "\n".join(first) + "\n")], engine)
    rows = []
    for i in range(200):
        rows.append(f"2026-11-03,R1,S{i},{i},0,0")  # even i: stored as is; odd i: new
        if i % 5 == 0:
            rows.append(f"2026-11-03,R1,S{i},{i + 1000},0,0")  # a repeat with other numbers
    result = import_sales([write_file("b.csv", header + "\n".join(rows) + "\n")], engine)
    assert result.rows_imported == 100
    assert result.rows_imported + result.rows_updated + result.rows_unchanged == len(rows)
    if db_url.startswith("sqlite"):  # rows apply in file order: a stored twin is unchanged
        assert (result.rows_updated, result.rows_unchanged) == (40, 100)
    else:  # PostgreSQL settles repeats before the upsert: the first of a pair is "updated"
        assert (result.rows_updated, result.rows_unchanged) == (60, 80)
    clicks = {key[2]: value[0] for key, value in _signals(engine).items()}
    assert clicks == {f"S{i}": i + 1000 if i % 5 == 0 else i for i in range(200)}
