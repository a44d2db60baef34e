"""Naming a SKU in a file: a ``sku`` code, or ``style`` + ``colour`` + ``size``.

Real SKU codes are arbitrary (``10023``, ``HM2401黑M``), so when a file names a SKU by its
parts the catalogue is asked for its code; only a SKU the catalogue does not know gets the
code ``<style>-<colour>-<size>``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Connection

from c2m.importing.import_loop import Importer, RowProblem
from c2m.importing.import_result import ImportResult
from c2m.models import Sku

SKU_ALIASES: dict[str, tuple[str, ...]] = {
    "sku": ("商品编码", "SKU", "sku编码", "sku_id", "skuid", "sku_code", "商品sku", "规格编码",
            "商家编码"),
    "style": ("款号", "款式编码", "款式", "style_code", "style_no"),
    "colour": ("颜色", "color", "colour_name"),
    "size": ("尺码", "尺寸", "规格"),
}  # fmt: skip


def load_catalogue(connection: Connection) -> dict[tuple[str, str, str], str]:
    """(style, colour, size) -> SKU code, for every SKU in the catalogue."""
    table = Sku.__table__
    query = select(table.c.sku, table.c.style, table.c.colour, table.c.size)
    return {(r.style, r.colour, r.size): r.sku for r in connection.execute(query)}


def has_sku_columns(index: dict[str, int]) -> bool:
    return "sku" in index or all(c in index for c in ("style", "colour", "size"))


def _fold(code: str) -> str:
    """A code's comparable form: case and full-width characters do not matter."""
    return unicodedata.normalize("NFKC", code).casefold()


class SkuCodes:
    """The catalogue's SKU codes, found however a file writes them: ``hm2601-pnk-s`` and
    ``ＨＭ2601-PNK-S`` are the catalogue's ``HM2601-PNK-S`` (a live room's export in lower
    case must not create a new SKU that then stops every plan). Codes that differ only in
    case in the catalogue itself are taken only as written."""

    def __init__(self) -> None:
        self.exact: set[str] = set()
        self.folded: dict[str, str] = {}

    def load(self, codes: Iterable[str]) -> None:
        """Takes the catalogue's codes (in place: parsers hold on to these containers)."""
        self.exact.clear()
        self.folded.clear()
        clashes: set[str] = set()
        for code in codes:
            self.exact.add(code)
            key = _fold(code)
            if key in self.folded and self.folded[key] != code:
                clashes.add(key)
            self.folded[key] = code
        for key in clashes:
            del self.folded[key]

    def canonical(self, sku: str) -> str:
        """The catalogue's code for ``sku``, or ``sku`` itself when the catalogue has none."""
        if sku in self.exact:
            return sku
        return self.folded.get(_fold(sku), sku)


def resolve_sku(
    get, cells: Sequence[str], catalogue: dict[tuple[str, str, str], str], codes: SkuCodes
) -> str:
    """The SKU code a row names; RowProblem when it names none."""
    sku = get(cells, "sku").strip()
    if sku:
        return codes.canonical(sku)
    parts = (get(cells, c).strip() for c in ("style", "colour", "size"))
    return sku_from_parts(*parts, catalogue=catalogue)


def sku_from_parts(
    style: str, colour: str, size: str, *, catalogue: dict[tuple[str, str, str], str]
) -> str:
    """The catalogue's code for style/colour/size, else ``<style>-<colour>-<size>``."""
    if not (style and colour and size):
        raise RowProblem("sku", "the SKU is missing (give sku, or style + colour + size)")
    return catalogue.get((style, colour, size)) or f"{style}-{colour}-{size}"


class SkuRowsImporter(Importer):
    """An importer whose rows name a SKU: resolves it through the catalogue and lists the SKUs
    the catalogue does not know yet, since a new SKU is a signal, not an error."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()
        self.catalogue: dict[tuple[str, str, str], str] = {}
        self.codes = SkuCodes()

    def prepare(self, connection: Connection) -> None:
        self.catalogue = load_catalogue(connection)
        self.codes.load(self.catalogue.values())

    def finish(self, connection: Connection, result: ImportResult) -> None:
        new = self.seen - set(self.catalogue.values())
        result.new_skus = sorted(set(result.new_skus) | new)
        self.seen = set()
