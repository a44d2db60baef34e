"""Live-room sales exports (Douyin / Taobao / Kuaishou back-ends) -> ``sales_signal``.

The natural key is (timestamp, room, SKU): importing the same export twice changes nothing,
and a re-export with corrected numbers updates exactly the rows that changed. SKUs that the
catalogue does not know yet are imported and listed, never rejected: a product appearing in
a live room before the catalogue has it is the very signal C2M production lives on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from c2m.errors import ImportFailed
from c2m.importing.base import Importer, RowProblem, missing_columns_message, run_import
from c2m.importing.reading import Columns, Header
from c2m.importing.result import ImportResult, Progress
from c2m.importing.skus import SKU_ALIASES, load_catalogue, sku_from_parts
from c2m.importing.upsert import (
    Counts,
    defer_secondary_indexes,
    insert_missing,
    restore_indexes,
    stored_form,
    upsert_many,
)
from c2m.importing.values import parse_count, parse_number, parse_timestamp
from c2m.models import Room, SalesSignal

SALES_COLUMNS = Columns(
    aliases={
        "date": (
            "日期",
            "时间",
            "日期时间",
            "统计日期",
            "统计时间",
            "day",
            "ts",
            "timestamp",
            "datetime",
            "time",
        ),
        "room_id": (
            "直播间",
            "直播间id",
            "直播间编号",
            "直播间名称",
            "room",
            "live_room",
            "roomid",
        ),
        **SKU_ALIASES,
        "clicks": ("点击量", "点击数", "商品点击", "点击", "商品点击次数", "clicks_count"),
        "carts": ("加购数", "加购", "加购件数", "加购人数", "add_to_cart", "cart"),
        "orders": ("成交件数", "订单数", "销量", "成交订单数", "成交数", "order", "sold"),
        "rank": ("排名", "热卖排名", "榜单排名", "ranking", "position"),
        "price": ("价格", "单价", "售价", "成交价", "selling_price"),
    },
)

# The order of positions that parse() unpacks.
_ORDER = ("date", "room_id", "sku", "style", "colour", "size")
_ORDER += ("clicks", "carts", "orders", "rank", "price")
_TABLE = SalesSignal.__table__
_KEYS = ("ts", "room_id", "sku")
_VALUES = ("clicks", "carts", "orders", "rank", "price")


class SalesImporter(Importer):
    kind = "sales"
    columns = SALES_COLUMNS

    def __init__(self, room: str | None = None) -> None:
        super().__init__()
        self.room = room.strip() if room else None
        self.catalogue: dict[tuple[str, str, str], str] = {}
        self.known: set[str] = set()
        self.seen: set[str] = set()
        self.rooms_seen: set[str] = set()
        self._stamps: dict[str, Any] = {}
        self._stored_ts: Any = None
        self._deferred: list = []

    def check_header(self, header: Header, file: str) -> None:
        index = header.index
        missing = [c for c in ("date", "clicks", "carts", "orders") if c not in index]
        if "sku" not in index and not all(c in index for c in ("style", "colour", "size")):
            missing.append("sku (or style + colour + size)")
        if "room_id" not in index and not self.room:
            missing.append("room_id (or pass --room)")
        if missing:
            raise ImportFailed(missing_columns_message(file, header, missing, self.columns))
        self._width = len(header.names)
        self._positions = tuple(index.get(name) for name in _ORDER)

    def prepare(self, connection: Connection) -> None:
        self.catalogue = load_catalogue(connection)
        self.known = set(self.catalogue.values())
        self._stored_ts = stored_form(connection, _TABLE.c.ts)
        self._stamps = {}
        # ~40 bytes is a short sales row: an upper estimate of the rows in the file.
        self._deferred = defer_secondary_indexes(connection, _TABLE, self.file_size // 40)

    def parse(self, cells: Sequence[str]) -> tuple:
        """One row -> (ts, room, sku, clicks, carts, orders, rank, price).

        Written for speed (it runs a million times on a big export): plain positions, the
        common case (plain digits, a date seen before) first, the messy forms on a slow path.
        """
        if len(cells) < self._width:
            cells = [*cells, *([""] * (self._width - len(cells)))]
        (
            p_date,
            p_room,
            p_sku,
            p_style,
            p_colour,
            p_size,
            p_clicks,
            p_carts,
            p_orders,
            p_rank,
            p_price,
        ) = self._positions
        text = cells[p_date]
        ts = self._stamps.get(text)
        if ts is None:
            ts = self._timestamp(text)

        room = cells[p_room].strip() if p_room is not None else ""
        if not room:
            room = self.room
            if not room:
                raise RowProblem("room_id", "the room is missing (fill it in or pass --room)")

        sku = cells[p_sku].strip() if p_sku is not None else ""
        if not sku:
            sku = self._sku_from_parts(cells, p_style, p_colour, p_size)

        try:  # inlined fast path: three plain whole numbers
            clicks, carts, orders = int(cells[p_clicks]), int(cells[p_carts]), int(cells[p_orders])
            if not (0 <= clicks < _LARGEST and 0 <= carts < _LARGEST and 0 <= orders < _LARGEST):
                raise ValueError
        except ValueError:
            clicks = _count(cells[p_clicks], "clicks")
            carts = _count(cells[p_carts], "carts")
            orders = _count(cells[p_orders], "orders")
        rank = None
        if p_rank is not None and cells[p_rank]:
            rank = _rank(cells[p_rank])
        price = None
        if p_price is not None:
            text = cells[p_price]
            if text:
                try:
                    price = float(text)
                    if not 0 <= price < _LARGEST:  # also catches nan and inf
                        raise ValueError
                except ValueError:
                    price = _price(text)

        if orders > clicks:
            self.warn("orders", f"{orders} orders but only {clicks} clicks")
        if sku not in self.seen:
            self.seen.add(sku)
        if room not in self.rooms_seen:
            self.rooms_seen.add(room)
        return (ts, room, sku, clicks, carts, orders, rank, price)

    def _timestamp(self, text: str) -> Any:
        """The row's time in the form the database stores (SQLite: SQLAlchemy's text form)."""
        try:
            ts = parse_timestamp(text)
        except ValueError as exc:
            raise RowProblem("date", str(exc)) from None
        if ts is None:
            raise RowProblem("date", "the date is missing")
        if self._stored_ts is not None:
            ts = self._stored_ts(ts)
        if len(self._stamps) < 100_000:  # a bounded cache: memory must not grow with the file
            self._stamps[text] = ts
        return ts

    def _sku_from_parts(self, cells: Sequence[str], *positions: int | None) -> str:
        parts = (cells[p].strip() if p is not None else "" for p in positions)
        return sku_from_parts(*parts, catalogue=self.catalogue)

    def store(self, connection: Connection, records: list[Any], batch_id: int) -> Counts:
        stamp = {"batch_id": batch_id}
        return upsert_many(connection, _TABLE, _KEYS, _VALUES, records, stamp, stored_form=True)

    def finish(self, connection: Connection, result: ImportResult) -> None:
        restore_indexes(connection, self._deferred)
        self._deferred = []
        rooms = [{"room_id": room} for room in sorted(self.rooms_seen)]
        insert_missing(connection, Room.__table__, rooms)
        new = self.seen - self.known
        result.new_skus = sorted(set(result.new_skus) | new)
        self.seen.clear()
        self.rooms_seen.clear()


_LARGEST = 10**15


def _count(text: str, field: str) -> int:
    """A count cell: plain digits on the fast path, ``1,234`` / ``1.2万`` on the slow one."""
    try:
        value = int(text)
        if 0 <= value < _LARGEST:
            return value
    except ValueError:
        pass
    try:
        value = parse_count(text)
    except ValueError as exc:
        raise RowProblem(field, f"{exc}; counts must be whole numbers >= 0") from None
    return value or 0


def _rank(text: str) -> int | None:
    """A hot-list position (1 = top); blank or a dash means unranked."""
    try:
        value = parse_count(text)
    except ValueError as exc:
        raise RowProblem("rank", f"{exc}; a rank is a position 1, 2, 3, ...") from None
    if value == 0:
        raise RowProblem("rank", "a rank of 0 is not a position (1 is the top)")
    return value


def _price(text: str) -> float | None:
    try:
        value = float(text)
        if 0 <= value < _LARGEST:  # also false for nan and inf
            return value
    except ValueError:
        pass
    try:
        return parse_number(text)
    except ValueError as exc:
        raise RowProblem("price", str(exc)) from None


def import_sales(
    paths: Sequence[Path],
    engine: Engine,
    *,
    room: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import live-room sales exports; see :class:`SalesImporter` for the rules."""
    return run_import(
        SalesImporter(room), paths, engine, dry_run=dry_run, strict=strict, progress=progress
    )
