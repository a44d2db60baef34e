"""A sales file far outside the stored history is imported with one warning for the file."""

from __future__ import annotations

from c2m.db import open_engine
from c2m.errors import ExitCode
from c2m.importing import import_sales


def _rows(*days: str) -> str:
    return "date,room_id,sku,clicks,carts,orders\n" + "".join(
        f"{day},R1,{sku},10,2,1\n" for day in days for sku in ("A", "B")
    )


def test_a_2024_file_into_a_2026_history_is_warned_once(db_url, write_file):
    engine = open_engine(db_url)
    history = [f"2026-10-{d:02d}" for d in range(1, 29)]
    first = import_sales([write_file("nov.csv", _rows(*history))], engine)
    assert first.warnings == []  # nothing stored yet: nothing to be far from
    near = import_sales([write_file("dec.csv", _rows("2026-10-29", "2026-11-20"))], engine)
    assert near.warnings == []
    old = [f"2024-03-{d:02d}" for d in range(1, 11)]
    result = import_sales([write_file("old.csv", _rows(*old))], engine)
    assert result.rows_imported == 20 and result.exit_code == ExitCode.OK
    [warning] = result.warnings
    assert warning.file.endswith("old.csv") and (warning.line, warning.field) == (0, "date")
    assert warning.message == (
        "dates from 2024-03-01 to 2024-03-10 lie more than 60 days outside the stored history "
        "(2026-10-01 to 2026-11-20): check the year"
    )


def test_the_margin_is_the_callers(db_url, write_file):
    engine = open_engine(db_url)
    import_sales([write_file("a.csv", _rows("2026-11-01", "2026-11-02"))], engine)
    late = _rows("2026-11-20")
    assert (
        import_sales([write_file("b.csv", late)], engine, margin_days=30, dry_run=True).warnings
        == []
    )
    [warning] = import_sales([write_file("c.csv", late)], engine, margin_days=10).warnings
    assert "more than 10 days outside" in warning.message
