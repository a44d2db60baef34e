"""Finished goods on hand per SKU -> ``inventory`` (one row per SKU, replaced on re-import)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from c2m.errors import ImportFailed
from c2m.importing.import_loop import (
    cell_getter,
    missing_columns_message,
    parse_cell,
    run_import,
)
from c2m.importing.import_result import FileProgress, ImportResult
from c2m.importing.reading import Columns, Header
from c2m.importing.skus import SKU_ALIASES, SkuRowsImporter, has_sku_columns, resolve_sku
from c2m.importing.upsert import Counts, upsert
from c2m.importing.values import parse_count, parse_date
from c2m.models import Inventory

INVENTORY_COLUMNS = Columns(
    aliases={
        **SKU_ALIASES,
        "on_hand": ("库存", "库存数量", "现有库存", "可用库存", "在库数量", "实际库存", "stock",
                    "quantity", "qty"),
        "as_of": ("日期", "盘点日期", "库存日期", "统计日期", "date"),
    },
)  # fmt: skip


class InventoryImporter(SkuRowsImporter):
    kind = "inventory"
    columns = INVENTORY_COLUMNS
    chunk_size = 2000

    def check_header(self, header: Header, file: str) -> None:
        missing = [] if has_sku_columns(header.index) else ["sku (or style + colour + size)"]
        if "on_hand" not in header.index:
            missing.append("on_hand")
        if missing:
            raise ImportFailed(missing_columns_message(file, header, missing, self.columns))
        self.get = cell_getter(header)
        # A file without an as_of column leaves the stored count date alone.
        self.values = ("on_hand", "as_of") if "as_of" in header.index else ("on_hand",)

    def parse(self, cells: Sequence[str]) -> dict[str, Any]:
        get = self.get
        row = {
            "sku": resolve_sku(get, cells, self.catalogue, self.codes),
            "on_hand": parse_cell(get, cells, "on_hand", parse_count, required=True),
        }
        if "as_of" in self.values:
            row["as_of"] = parse_cell(get, cells, "as_of", parse_date)
        self.seen.add(row["sku"])
        return row

    def store(self, connection: Connection, records: list[Any], batch_id: int) -> Counts:
        return upsert(connection, Inventory.__table__, ("sku",), self.values, records)


def import_inventory(
    paths: Sequence[Path],
    engine: Engine,
    *,
    dry_run: bool = False,
    strict: bool = False,
    progress: FileProgress | None = None,
) -> ImportResult:
    """Import finished-goods stock counts per SKU."""
    return run_import(
        InventoryImporter(), paths, engine, dry_run=dry_run, strict=strict, progress=progress
    )
