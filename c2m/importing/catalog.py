"""The product catalogue -> ``style`` and ``sku``.

One row per SKU; style-level fields (name, category, SAM, fabric and consumption, cost,
price, launch date) repeat on every SKU row of a style and must agree: a row that
contradicts an earlier row of its style is rejected, naming the field, instead of letting
whichever row comes last win silently. A row counts as updated when its SKU or its style
changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from c2m.errors import ImportFailed
from c2m.importing.import_loop import (
    Importer,
    RowProblem,
    cell_getter,
    missing_columns_message,
    parse_cell,
    run_import,
)
from c2m.importing.import_result import FileProgress, ImportResult, RowIssue
from c2m.importing.reading import Columns, Header
from c2m.importing.skus import SKU_ALIASES, load_catalogue
from c2m.importing.upsert import Counts, upsert
from c2m.importing.values import parse_date, parse_number
from c2m.models import Sku, Style

CATALOG_COLUMNS = Columns(
    aliases={
        **SKU_ALIASES,
        "name": ("名称", "商品名称", "品名", "款式名称", "title", "product_name"),
        "category": ("品类", "类目", "类别", "分类", "商品类目", "type"),
        "sam_minutes": ("sam", "标准工时", "工时", "sam_min", "sewing_minutes"),
        "fabric": ("面料", "面料编码", "主面料"),
        "fabric_per_unit": ("单耗", "用料", "面料单耗", "consumption", "fabric_use"),
        "unit_cost": ("成本", "单件成本", "成本价", "cost"),
        "price": ("价格", "售价", "单价", "吊牌价", "零售价", "retail_price"),
        "launch_date": ("上市日期", "上新日期", "上架日期", "launch", "launched"),
    },
)  # fmt: skip

STYLE_FIELDS = ("name", "category", "sam_minutes", "fabric", "fabric_per_unit", "unit_cost",
                "price", "launch_date")  # fmt: skip
_STYLE = Style.__table__
_SKU = Sku.__table__


class CatalogImporter(Importer):
    kind = "catalog"
    columns = CATALOG_COLUMNS
    chunk_size = 2000

    def __init__(self, sewable: Iterable[str] | None = None) -> None:
        super().__init__()
        #: categories some configured line sews; None: no factory to check against
        self.sewable = None if sewable is None else frozenset(sewable)
        self.file = ""

    def check_header(self, header: Header, file: str) -> None:
        self.file = file
        index = header.index
        missing = [c for c in ("style", "colour", "size", "category") if c not in index]
        if missing:
            raise ImportFailed(missing_columns_message(file, header, missing, self.columns))
        self.get = cell_getter(header)
        # Style columns the file lacks keep their stored values (or the model defaults).
        self.style_values = tuple(f for f in STYLE_FIELDS if f in index)
        self.styles: dict[str, dict[str, Any]] = {}  # this file's styles, first row each
        self.sku_parts: dict[str, tuple[str, str, str]] = {}  # this file's SKUs

    def prepare(self, connection: Connection) -> None:
        self.catalogue = load_catalogue(connection)  # (style, colour, size) -> sku

    def parse(self, cells: Sequence[str]) -> dict[str, Any]:
        get = self.get
        parts = tuple(get(cells, c).strip() for c in ("style", "colour", "size"))
        for column, value in zip(("style", "colour", "size"), parts, strict=True):
            if not value:
                raise RowProblem(column, f"the {column} is missing")
        style, colour, size = parts
        sku = get(cells, "sku").strip() or self.catalogue.get(parts) or "-".join(parts)
        owner = self.catalogue.get(parts)
        if owner is not None and owner != sku:
            raise RowProblem("sku", f"{style}/{colour}/{size} is already SKU {owner}")
        if self.sku_parts.get(sku, parts) != parts:
            raise RowProblem("sku", f"SKU {sku} appears above as {'/'.join(self.sku_parts[sku])}")

        fields = {
            "name": get(cells, "name").strip(),
            "category": get(cells, "category").strip().lower(),
            "sam_minutes": parse_cell(get, cells, "sam_minutes", parse_number),
            "fabric": get(cells, "fabric").strip() or None,
            "fabric_per_unit": parse_cell(get, cells, "fabric_per_unit", parse_number) or 0.0,
            "unit_cost": parse_cell(get, cells, "unit_cost", parse_number) or 0.0,
            "price": parse_cell(get, cells, "price", parse_number) or 0.0,
            "launch_date": parse_cell(get, cells, "launch_date", parse_date),
        }
        if not fields["category"]:
            raise RowProblem("category", "the category is missing")
        if fields["sam_minutes"] == 0:
            raise RowProblem("sam_minutes", "a SAM of 0 minutes (leave it blank for the default)")
        first = self.styles.setdefault(style, fields)
        for field in self.style_values:
            if first[field] != fields[field]:
                raise RowProblem(
                    field,
                    f"style {style} has {field} {fields[field]!r} here but "
                    f"{first[field]!r} on an earlier row",
                )
        self.sku_parts[sku] = parts
        self.catalogue[parts] = sku
        return {"sku": sku, "style": style, "colour": colour, "size": size, **fields}

    def finish(self, connection: Connection, result: ImportResult) -> None:
        """One warning naming every category of this file that no configured line can sew
        (a hoodie in a shop without hoodie lines): imported, but left out of every plan."""
        if self.sewable is None:
            return
        unsewable: dict[str, list[str]] = {}
        for style, fields in self.styles.items():
            if fields["category"] not in self.sewable:
                unsewable.setdefault(fields["category"], []).append(style)
        if unsewable:
            named = "; ".join(
                f"{category!r} (styles {', '.join(sorted(styles)[:5])}"
                f"{', ...' if len(styles) > 5 else ''})"
                for category, styles in sorted(unsewable.items())
            )
            result.add_warning(
                RowIssue(
                    self.file,
                    0,
                    "category",
                    f"no configured line can sew {named}: plans will leave these SKUs out "
                    "until a line's categories include them",
                )
            )

    def store(self, connection: Connection, records: list[Any], batch_id: int) -> Counts:
        styles = {r["style"]: {"style": r["style"], **{f: r[f] for f in self.style_values}}
                  for r in records}  # fmt: skip
        changed_styles = self._changed_styles(connection, styles)
        stored_skus = {
            row.sku: (row.style, row.colour, row.size)
            for row in connection.execute(
                select(_SKU.c.sku, _SKU.c.style, _SKU.c.colour, _SKU.c.size).where(
                    _SKU.c.sku.in_({r["sku"] for r in records})
                )
            )
        }
        counts = Counts()
        for record in records:  # a row is updated when its SKU or its style changed
            before = stored_skus.get(record["sku"])
            parts = (record["style"], record["colour"], record["size"])
            if before is None:
                counts.inserted += 1
                stored_skus[record["sku"]] = parts  # a repeat of it below is not new
            elif before != parts or record["style"] in changed_styles:
                counts.updated += 1
            else:
                counts.unchanged += 1
        upsert(connection, _STYLE, ("style",), self.style_values, styles.values())
        upsert(
            connection,
            _SKU,
            ("sku",),
            ("style", "colour", "size"),
            [{k: r[k] for k in ("sku", "style", "colour", "size")} for r in records],
        )
        return counts

    def _changed_styles(self, connection: Connection, styles: dict[str, dict]) -> set[str]:
        """Styles of this chunk whose stored fields differ from the file (new ones excluded)."""
        columns = [_STYLE.c.style, *(_STYLE.c[f] for f in self.style_values)]
        query = select(*columns).where(_STYLE.c.style.in_(styles))
        changed = set()
        for row in connection.execute(query):
            fields = styles[row[0]]
            if tuple(row[1:]) != tuple(fields[f] for f in self.style_values):
                changed.add(row[0])
        return changed


def import_catalog(
    paths: Sequence[Path],
    engine: Engine,
    *,
    dry_run: bool = False,
    strict: bool = False,
    progress: FileProgress | None = None,
    sewable: Iterable[str] | None = None,
) -> ImportResult:
    """Import the product catalogue (styles and their SKUs); ``sewable``, the categories the
    factory's lines sew, makes the import name every category none of them can."""
    return run_import(
        CatalogImporter(sewable), paths, engine, dry_run=dry_run, strict=strict, progress=progress
    )
