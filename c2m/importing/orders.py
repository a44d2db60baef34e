"""Confirmed open orders (wholesale, pre-sale) -> ``open_order``, keyed by (reference, SKU)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from c2m.errors import ImportFailed
from c2m.importing.import_loop import (
    RowProblem,
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
from c2m.models import OpenOrder

ORDER_COLUMNS = Columns(
    aliases={
        "reference": ("订单号", "单号", "订单编号", "合同号", "order", "order_id", "order_no",
                      "po"),
        **SKU_ALIASES,
        "due_date": ("交期", "交货日期", "发货日期", "要求交期", "due", "deadline"),
        "quantity": ("数量", "件数", "订单数量", "下单数量", "qty"),
    },
)  # fmt: skip


class OrdersImporter(SkuRowsImporter):
    kind = "orders"
    columns = ORDER_COLUMNS
    chunk_size = 2000

    def check_header(self, header: Header, file: str) -> None:
        index = header.index
        missing = [c for c in ("reference", "due_date", "quantity") if c not in index]
        if not has_sku_columns(index):
            missing.append("sku (or style + colour + size)")
        if missing:
            raise ImportFailed(missing_columns_message(file, header, missing, self.columns))
        self.get = cell_getter(header)

    def parse(self, cells: Sequence[str]) -> dict[str, Any]:
        get = self.get
        reference = get(cells, "reference").strip()
        if not reference:
            raise RowProblem("reference", "the order reference is missing")
        sku = resolve_sku(get, cells, self.catalogue, self.codes)
        due = parse_cell(get, cells, "due_date", parse_date, required=True)
        quantity = parse_cell(get, cells, "quantity", parse_count, required=True)
        if quantity == 0:
            raise RowProblem("quantity", "an order of 0 pieces (delete the row instead)")
        self.seen.add(sku)
        return {"reference": reference, "sku": sku, "due_date": due, "quantity": quantity}

    def store(self, connection: Connection, records: list[Any], batch_id: int) -> Counts:
        return upsert(
            connection,
            OpenOrder.__table__,
            ("reference", "sku"),
            ("due_date", "quantity"),
            records,
        )


def import_orders(
    paths: Sequence[Path],
    engine: Engine,
    *,
    dry_run: bool = False,
    strict: bool = False,
    progress: FileProgress | None = None,
) -> ImportResult:
    """Import confirmed open orders."""
    return run_import(
        OrdersImporter(), paths, engine, dry_run=dry_run, strict=strict, progress=progress
    )
