"""Fabric on hand and on order -> ``fabric`` and ``fabric_delivery``.

One file holds both, as purchasing keeps it: a row without ``due_date`` is stock on hand
(``Fabric.on_hand`` = quantity, replaced on re-import); a row with ``due_date`` is a delivery
on order, keyed by (fabric, due date, reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from c2m.importing.import_loop import Importer, RowProblem, cell_getter, parse_cell, run_import
from c2m.importing.import_result import FileProgress, ImportResult
from c2m.importing.reading import Columns, Header
from c2m.importing.upsert import Counts, insert_missing, upsert
from c2m.importing.values import parse_date, parse_number
from c2m.models import Fabric, FabricDelivery

FABRIC_COLUMNS = Columns(
    aliases={
        "fabric": ("面料", "面料编码", "面料编号", "物料编码", "fabric_code", "material"),
        "name": ("面料名称", "名称", "品名", "description"),
        "unit": ("单位", "计量单位", "uom"),
        "roll_size": ("卷重", "每卷", "匹长", "整卷", "roll"),
        "quantity": ("数量", "库存", "在途数量", "采购数量", "qty"),
        "due_date": ("到货日期", "交期", "预计到货", "到货时间", "due", "eta"),
        "reference": ("采购单号", "单号", "采购单", "po", "order"),
    },
    required=("fabric", "quantity"),
)  # fmt: skip

# Units as people write them -> the two the planner knows.
_UNITS = {"m": "m", "米": "m", "metre": "m", "meter": "m", "metres": "m", "meters": "m",
          "kg": "kg", "公斤": "kg", "千克": "kg", "kgs": "kg"}  # fmt: skip


class FabricImporter(Importer):
    kind = "fabric"
    columns = FABRIC_COLUMNS
    chunk_size = 2000

    def __init__(self) -> None:
        super().__init__()
        self.stored_units: dict[str, str] = {}
        self.file_units: dict[str, str] = {}  # fabric -> the unit its first row here gave

    def prepare(self, connection: Connection) -> None:
        table = Fabric.__table__
        rows = connection.execute(select(table.c.fabric, table.c.unit))
        self.stored_units = {fabric: unit for fabric, unit in rows}
        self.file_units = {}

    def check_header(self, header: Header, file: str) -> None:
        super().check_header(header, file)
        self.get = cell_getter(header)
        # Stock rows update only the describing columns the file has: a quantities-only
        # file must not blank the names and units already stored.
        described = [c for c in ("name", "unit", "roll_size") if c in header.index]
        self.stock_values = ("on_hand", *described)

    def parse(self, cells: Sequence[str]) -> dict[str, Any]:
        get = self.get
        fabric = get(cells, "fabric").strip()
        if not fabric:
            raise RowProblem("fabric", "the fabric code is missing")
        quantity = parse_cell(get, cells, "quantity", parse_number, required=True)
        unit_text = get(cells, "unit").strip()
        unit = _UNITS.get(unit_text.lower()) if unit_text else "m"
        if unit is None:
            raise RowProblem("unit", f"{unit_text!r} is not a unit (m or kg)")
        if unit_text:
            self._check_unit(fabric, unit)
        row = {
            "fabric": fabric,
            "name": get(cells, "name").strip(),
            "unit": unit,
            "roll_size": parse_cell(get, cells, "roll_size", parse_number),
            "quantity": quantity,
            "due_date": parse_cell(get, cells, "due_date", parse_date),
            "reference": get(cells, "reference").strip(),
        }
        if row["roll_size"] == 0:
            raise RowProblem("roll_size", "a roll of size 0")
        return row

    def _check_unit(self, fabric: str, unit: str) -> None:
        """One fabric, one unit: stock, deliveries and the catalogue's consumption per unit
        are all counted in it, so a file contradicting itself is a rejected row, and a unit
        that changes what is stored is imported with a warning (a correction, or a typo)."""
        first = self.file_units.get(fabric)
        if first is not None:
            if first != unit:
                raise RowProblem("unit", f"{fabric} is in {first} on an earlier row of this file")
            return
        self.file_units[fabric] = unit
        stored = self.stored_units.get(fabric)
        if stored is not None and stored != unit:
            self.warn(
                "unit",
                f"{fabric} was in {stored}, now {unit}: stock, deliveries and the catalogue's "
                f"fabric per unit must all be in {unit}",
            )

    def store(self, connection: Connection, records: list[Any], batch_id: int) -> Counts:
        stock = [
            {
                "fabric": r["fabric"],
                "on_hand": r["quantity"],
                **{c: r[c] for c in self.stock_values[1:]},
            }
            for r in records
            if r["due_date"] is None
        ]
        deliveries = [
            {k: r[k] for k in ("fabric", "due_date", "reference", "quantity")}
            for r in records
            if r["due_date"] is not None
        ]
        counts = upsert(connection, Fabric.__table__, ("fabric",), self.stock_values, stock)
        # A delivery of a fabric not described yet still needs its fabric row.
        insert_missing(
            connection,
            Fabric.__table__,
            [{"fabric": r["fabric"], "name": r["name"], "unit": r["unit"], "on_hand": 0.0,
              "roll_size": r["roll_size"]} for r in records if r["due_date"] is not None],
        )  # fmt: skip
        counts += upsert(
            connection,
            FabricDelivery.__table__,
            ("fabric", "due_date", "reference"),
            ("quantity",),
            deliveries,
        )
        return counts


def import_fabric(
    paths: Sequence[Path],
    engine: Engine,
    *,
    dry_run: bool = False,
    strict: bool = False,
    progress: FileProgress | None = None,
) -> ImportResult:
    """Import fabric stock on hand and deliveries on order."""
    return run_import(
        FabricImporter(), paths, engine, dry_run=dry_run, strict=strict, progress=progress
    )
