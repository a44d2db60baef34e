"""File handling: encodings, delimiters, header aliases, preambles, blank and totals rows."""

from __future__ import annotations

import pytest

from c2m.errors import ImportFailed
from c2m.importing.reading import (
    CsvFile,
    is_blank,
    is_summary,
    normalise_header,
    sniff_delimiter,
    sniff_file,
)
from c2m.importing.sales import SALES_COLUMNS

# Every header name the issue lists, with the canonical column it must map to.
ISSUE_ALIASES = [
    ("日期", "date"),
    ("时间", "date"),
    ("直播间", "room_id"),
    ("商品编码", "sku"),
    ("SKU", "sku"),
    ("款号", "style"),
    ("颜色", "colour"),
    ("尺码", "size"),
    ("点击量", "clicks"),
    ("点击数", "clicks"),
    ("商品点击", "clicks"),
    ("加购数", "carts"),
    ("加购", "carts"),
    ("成交件数", "orders"),
    ("订单数", "orders"),
    ("销量", "orders"),
    ("排名", "rank"),
    ("价格", "price"),
    ("单价", "price"),
]


@pytest.mark.parametrize(("alias", "canonical"), ISSUE_ALIASES)
def test_every_listed_alias_maps_to_its_column(alias, canonical):
    assert SALES_COLUMNS.lookup()[normalise_header(alias)] == canonical


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        (" Room ID ", "room_id"),
        ("ROOM_ID", "room_id"),
        ("\ufeffdate", "date"),
        ("价格(元)", "price"),
        ("价格（元）", "price"),
        ("Clicks", "clicks"),
        ("color", "colour"),
    ],
)
def test_header_matching_ignores_case_spaces_bom_and_units(written, canonical):
    assert SALES_COLUMNS.lookup()[normalise_header(written)] == canonical


HEADER = "日期,直播间,商品编码,点击量,加购数,成交件数\n"
ROW = "2026-11-03,抖音1号,HM-黑色-M,10,3,1\n"


@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("gbk", b"", "gb18030"),
        ("gb18030", b"", "gb18030"),
    ],
)
def test_encodings_are_detected(tmp_path, encoding, bom, detected):
    path = tmp_path / "x.csv"
    path.write_bytes(bom + (HEADER + ROW).encode(encoding))
    assert sniff_file(path)[0] == detected
    with CsvFile(path, SALES_COLUMNS) as source:
        assert source.header.index["date"] == 0
        [record] = list(source.records())
    assert record.cells[1] == "抖音1号" and record.cells[2] == "HM-黑色-M"


def test_gbk_deep_in_an_ascii_file_is_still_detected(tmp_path):
    path = tmp_path / "late.csv"
    text = "date,room_id,sku,clicks,carts,orders\n" + "2026-11-03,R1,A,1,1,1\n" * 200_000
    path.write_bytes(text.encode() + "2026-11-03,R1,黑色,1,1,1\n".encode("gbk"))
    assert sniff_file(path)[0] == "gb18030"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(write_file, delimiter):
    path = write_file("d.csv", (HEADER + ROW).replace(",", delimiter))
    with CsvFile(path, SALES_COLUMNS) as source:
        assert source.delimiter == delimiter
        [record] = list(source.records())
    assert record.cells[3] == "10"


def test_semicolon_file_with_decimal_commas_in_cells():
    assert sniff_delimiter("date;room;sku;price") == ";"
    assert sniff_delimiter("date\troom\tsku") == "\t"


def test_title_lines_above_the_header_and_physical_line_numbers(write_file):
    text = "抖音电商罗盘 商品数据\n导出时间 2026-11-04\n\n" + HEADER + ROW + "\n" + ROW
    path = write_file("t.csv", text)
    with CsvFile(path, SALES_COLUMNS) as source:
        assert source.header.line == 4
        records = list(source.records())
    assert [r.line for r in records] == [5, 6, 7]
    assert records[0].raw == ROW.strip()


def test_quoted_multiline_cell_keeps_line_numbers_right(write_file):
    text = HEADER + '2026-11-03,R1,"A\nB",1,1,1\n' + ROW
    with CsvFile(write_file("m.csv", text), SALES_COLUMNS) as source:
        records = list(source.records())
    assert [r.line for r in records] == [2, 4]
    assert records[0].raw == '2026-11-03,R1,"A\nB",1,1,1'


def test_raw_text_is_read_back_only_for_the_rows_asked_about(write_file):
    """Raw text comes from a second, forward-only reader: it must match the csv reader's
    records past preambles, quoted line breaks, CRLF and GB18030 text, in any pattern."""
    rows = [f"2026-11-03,直播间{i},款{i},{i},1,1" for i in range(40)]
    rows[7] = '2026-11-03,R1,"多\r\n行",1,1,1'
    text = "标题\r\n\r\n" + HEADER.replace("\n", "\r\n") + "\r\n".join(rows) + "\r\n"
    path = write_file("g.csv", text, "gb18030")
    with CsvFile(path, SALES_COLUMNS) as source:
        asked = {}
        for number, _cells in enumerate(source.rows()):
            if number in (3, 7, 8, 39):
                asked[number] = (source.line, source.raw, source.raw)
    assert asked[3] == (7, rows[3], rows[3])
    assert asked[7] == (11, rows[7], rows[7])
    assert asked[8] == (13, rows[8], rows[8])
    assert asked[39] == (44, rows[39], rows[39])


def test_no_recognisable_header_lists_found_and_expected(write_file):
    path = write_file("junk.csv", "foo,bar,baz\n1,2,3\n")
    with pytest.raises(ImportFailed) as caught:
        CsvFile(path, SALES_COLUMNS)
    message = str(caught.value)
    assert "foo, bar, baz" in message and "orders" in message and "成交件数" in message


def test_empty_file_fails_cleanly(write_file):
    with pytest.raises(ImportFailed, match="empty"):
        CsvFile(write_file("e.csv", ""), SALES_COLUMNS)


def test_blank_and_summary_rows():
    assert is_blank(["", " ", "\t"])
    assert not is_blank(["", "1"])
    for word in ("合计", "总计", "Total", "TOTAL:", "合计："):
        assert is_summary([word, "", "", "10"])
        assert is_summary(["", word, "10"])
    assert not is_summary(["2026-11-03", "R1", "Total Black Tee"])


def test_utf16_unicode_text_from_excel(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes((HEADER + ROW).replace(",", "\t").encode("utf-16"))
    assert sniff_file(path)[0] == "utf-16"
    with CsvFile(path, SALES_COLUMNS) as source:
        [record] = list(source.records())
    assert record.cells[1] == "抖音1号"


@pytest.mark.parametrize(
    ("head", "says"),
    [
        (b"PK\x03\x04rest-of-a-zip", "cannot read the workbook"),
        (b"\xd0\xcf\x11\xe0old-excel", "old Excel .xls workbook"),
        (b"\x00\x01\x02junk", "binary"),
    ],
)
def test_spreadsheets_and_binary_files_are_refused_clearly(tmp_path, head, says):
    path = tmp_path / "wrong.csv"
    path.write_bytes(head + bytes(range(256)) * 4)
    with pytest.raises(ImportFailed, match=says):
        CsvFile(path, SALES_COLUMNS)
