"""Live-room sales exports (Douyin / Taobao / Kuaishou back-ends) -> ``sales_signal``.

The natural key is (timestamp, room, SKU): importing the same export twice changes nothing,
and a re-export with corrected numbers updates exactly the rows that changed. SKUs that the
catalogue does not know yet are imported and listed, never rejected: a product appearing in
a live room before the catalogue has it is the very signal C2M production lives on.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from c2m.clock import factory_now
from c2m.config import Guards
from c2m.errors import ImportFailed
from c2m.importing.import_loop import Importer, RowProblem, missing_columns_message, run_import
from c2m.importing.import_result import FileProgress, ImportResult, RowIssue
from c2m.importing.reading import Columns, Header, normalise_header
from c2m.importing.skus import SKU_ALIASES, SkuCodes, load_catalogue, sku_from_parts
from c2m.importing.upsert import (
    Counts,
    defer_secondary_indexes,
    insert_missing,
    restore_indexes,
    stored_form,
    upsert_many,
)
from c2m.importing.values import (
    MAX_COUNT,
    parse_count,
    parse_number,
    parse_time,
    parse_timestamp,
)
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
        # Names as the rooms' back-ends export them (Douyin Compass, Kuaishou, Taobao Live).
        "clicks": (
            "点击量",
            "点击数",
            "商品点击",
            "点击",
            "商品点击次数",
            "点击次数",
            "商品点击量",
            "商品点击人数",
            "点击人数",
            "clicks_count",
        ),
        "carts": (
            "加购数",
            "加购",
            "加购件数",
            "加购人数",
            "加购次数",
            "加购量",
            "加购商品件数",
            "加入购物车",
            "add_to_cart",
            "cart",
        ),
        "orders": (
            "成交件数",
            "订单数",
            "销量",
            "成交订单数",
            "成交数",
            "支付件数",
            "成交商品件数",
            "成交量",
            "支付订单数",
            "下单件数",
            "销售件数",
            "订单量",
            "order",
            "sold",
        ),
        "rank": ("排名", "热卖排名", "榜单排名", "名次", "排行", "ranking", "position"),
        "price": ("价格", "单价", "售价", "成交价", "商品价格", "成交均价", "selling_price"),
    },
)

# The order of positions that parse() unpacks.
_ORDER = ("date", "room_id", "sku", "style", "colour", "size")
_ORDER += ("clicks", "carts", "orders", "rank", "price")
_TABLE = SalesSignal.__table__
#: a file whose dates lie further than this outside the stored history gets one warning
HISTORY_MARGIN_DAYS: int = Guards.model_fields["import_margin_days"].default
_KEYS = ("ts", "room_id", "sku")
_VALUES = ("clicks", "carts", "orders", "rank", "price")


# A time of day in a column of its own, next to the date (日期 + 时间, date + time): the two
# are combined. Either name alone still means a date or a whole timestamp.
_TIME_NAMES = frozenset(normalise_header(n) for n in ("时间", "时刻", "time", "时间段", "hour"))
_DATE_NAMES = frozenset(normalise_header(n) for n in ("日期", "统计日期", "date", "day"))


class SalesImporter(Importer):
    kind = "sales"
    columns = SALES_COLUMNS

    def __init__(self, room: str | None = None, margin_days: int = HISTORY_MARGIN_DAYS) -> None:
        super().__init__()
        self.room = room.strip() if room else None
        self.margin = dt.timedelta(days=margin_days)
        self._file = ""
        self._history: tuple[dt.datetime, dt.datetime] | None = None
        self._dates: list[dt.datetime] = []  # the file's first and last dates, once seen
        self.catalogue: dict[tuple[str, str, str], str] = {}
        self.known: set[str] = set()
        self.codes = SkuCodes()
        self.seen: set[str] = set()
        self.rooms_seen: set[str] = set()
        self._stamps: dict[str, Any] = {}
        self._stored_ts: Any = None
        self._written: tuple[tuple[str, ...], Any] = (_VALUES, None)
        self._latest_sane = dt.datetime.max
        self._deferred: list = []

    def check_header(self, header: Header, file: str) -> None:
        self._file = file
        index = header.index
        missing = [c for c in ("date", "clicks", "carts", "orders") if c not in index]
        if "sku" not in index and not all(c in index for c in ("style", "colour", "size")):
            missing.append("sku (or style + colour + size)")
        if "room_id" not in index and not self.room:
            missing.append("room_id (or pass --room)")
        if missing:
            raise ImportFailed(missing_columns_message(file, header, missing, self.columns))
        self._width = len(header.names)
        # Optional value columns the file lacks are left as stored (a re-import of an export
        # without rank or price must not erase them); new rows get their defaults.
        written = [v for v in _VALUES if v in index]
        self._written = (
            (_VALUES, None)
            if len(written) == len(_VALUES)
            else (
                tuple(written),
                operator.itemgetter(
                    *range(len(_KEYS)), *(len(_KEYS) + _VALUES.index(v) for v in written)
                ),
            )
        )
        p_time = _split_date_and_time(header)
        self._positions = (*(index.get(name) for name in _ORDER), p_time)
        self.parse = self._parser()

    def prepare(self, connection: Connection) -> None:
        self.catalogue = load_catalogue(connection)
        self.known = set(self.catalogue.values())
        self.codes.load(self.known)
        self._stored_ts = stored_form(connection, _TABLE.c.ts)
        self._latest_sane = factory_now() + dt.timedelta(days=1)  # a day of slack
        self._stamps.clear()  # cleared, not replaced: the parser holds on to it
        self._history = _stored_history(connection)
        self._dates = []
        # ~40 bytes is a short sales row: an upper estimate of the rows in the file.
        self._deferred = defer_secondary_indexes(connection, _TABLE, self.file_size // 40)

    def parse(self, cells: Sequence[str]) -> tuple:
        """One row -> (ts, room, sku, clicks, carts, orders, rank, price).

        :meth:`check_header` replaces this with a parser built for the file's columns.
        """
        raise ImportFailed("the header must be checked before rows are parsed")

    def _parser(self) -> Callable[[Sequence[str]], tuple]:
        """The row parser for this file's columns, as a closure.

        Written for speed (it runs a million times on a big export): column positions and
        helpers are the closure's own variables (no attribute look-ups per row), the common
        case (plain digits, a date seen before) comes first, the messy forms on a slow path.
        It stays one function of about 95 lines on purpose: each step split out would cost a
        Python call per row, on the import's hottest path.
        """
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
            p_time,
        ) = self._positions
        width = self._width
        stamps = self._stamps
        timestamp = self._timestamp
        default_room = self.room
        seen, rooms_seen = self.seen, self.rooms_seen
        warn = self.warn
        sku_from_parts = self._sku_from_parts
        largest, most = _LARGEST, MAX_COUNT
        codes_exact, canonical = self.codes.exact, self.codes.canonical

        def parse(cells: Sequence[str]) -> tuple:
            if len(cells) < width:
                cells = [*cells, *([""] * (width - len(cells)))]
            text = cells[p_date]
            if p_time is not None:
                text = f"{text}\x00{cells[p_time]}"
            ts = stamps.get(text)
            if ts is None:
                ts = timestamp(text)

            room = cells[p_room].strip() if p_room is not None else ""
            if not room:
                room = default_room
                if not room:
                    raise RowProblem("room_id", "the room is missing (fill it in or pass --room)")

            sku = cells[p_sku].strip() if p_sku is not None else ""
            if not sku:
                sku = sku_from_parts(cells, p_style, p_colour, p_size)
            elif sku not in codes_exact:
                sku = canonical(sku)

            try:  # three plain whole numbers
                clicks, carts, orders = (
                    int(cells[p_clicks]),
                    int(cells[p_carts]),
                    int(cells[p_orders]),
                )
                if not (0 <= clicks <= most and 0 <= carts <= most and 0 <= orders <= most):
                    raise ValueError
            except ValueError:
                clicks = _count(cells[p_clicks], "clicks")
                carts = _count(cells[p_carts], "carts")
                orders = _count(cells[p_orders], "orders")
            rank = None
            if p_rank is not None:
                text = cells[p_rank]
                if text:
                    try:
                        rank = int(text)
                        if not 0 < rank <= most:
                            raise ValueError
                    except ValueError:
                        rank = _rank(text)
            price = None
            if p_price is not None:
                text = cells[p_price]
                if text:
                    try:
                        price = float(text)
                        if not 0 <= price < largest:  # also catches nan and inf
                            raise ValueError
                    except ValueError:
                        price = _price(text)

            if orders > clicks:
                warn("orders", f"{orders} orders but only {clicks} clicks")
            if sku not in seen:
                seen.add(sku)
            if room not in rooms_seen:
                rooms_seen.add(room)
            return (ts, room, sku, clicks, carts, orders, rank, price)

        return parse

    def _timestamp(self, text: str) -> Any:
        """The row's time in the form the database stores (SQLite: SQLAlchemy's text form).

        ``text`` is the date cell, or ``date NUL time`` when the time has a column of its own.
        """
        date_text, _, time_text = text.partition("\x00")
        try:
            ts = parse_timestamp(date_text)
        except ValueError as exc:
            raise RowProblem("date", str(exc)) from None
        if ts is None:
            raise RowProblem("date", "the date is missing")
        if time_text:
            ts = _with_time(ts, time_text)
        # Sales cannot come from the future (or from before live rooms): such a date is a
        # typo, and the latest imported day is where forecasts start. Warned once per date
        # text (this runs once per distinct text, then the cache answers).
        dates = self._dates
        if not dates:
            dates += [ts, ts]
        elif ts < dates[0]:
            dates[0] = ts
        elif ts > dates[1]:
            dates[1] = ts
        if ts > self._latest_sane:
            self.warn("date", f"{ts:%Y-%m-%d} is after today: check the date (a typo here moves "
                      "the forecast's start)")  # fmt: skip
        elif ts.year < _EARLIEST_YEAR:
            self.warn("date", f"{ts:%Y-%m-%d} is before {_EARLIEST_YEAR}: check the date")
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
        values, pick = self._written
        if pick is not None:
            records = [pick(r) for r in records]
        return upsert_many(connection, _TABLE, _KEYS, values, records, stamp, stored_form=True)

    def finish(self, connection: Connection, result: ImportResult) -> None:
        far = _far_from_history(self._dates, self._history, self.margin)
        if far:
            result.add_warning(RowIssue(self._file, 0, "date", far))
        restore_indexes(connection, self._deferred)
        self._deferred = []
        table = Room.__table__
        known = set(connection.execute(select(table.c.room_id)).scalars())
        fresh = sorted(self.rooms_seen - known)
        # A room named for the first time is listed like a new SKU: rooms are summed, so a
        # typo (douyin-1 for douyin-01) would count the same broadcast twice.
        result.new_rooms = sorted(set(result.new_rooms) | set(fresh))
        insert_missing(connection, table, [{"room_id": room} for room in fresh])
        new = self.seen - self.known
        result.new_skus = sorted(set(result.new_skus) | new)
        self.seen.clear()
        self.rooms_seen.clear()


def _stored_history(connection: Connection) -> tuple[dt.datetime, dt.datetime] | None:
    """The first and last time of the sales already stored, or None before the first import."""
    first, last = connection.execute(select(func.min(_TABLE.c.ts), func.max(_TABLE.c.ts))).one()
    if first is None:
        return None
    return tuple(
        v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(v) for v in (first, last)
    )


def _far_from_history(
    dates: Sequence[dt.datetime],
    history: tuple[dt.datetime, dt.datetime] | None,
    margin: dt.timedelta,
) -> str | None:
    """One warning for a file whose dates lie far outside the stored history (a 2024 export
    into a 2026 database, a mistyped year): imported, since it may be a real backfill, but
    said once per file, because a forecast will start from its last day."""
    if not dates or history is None:
        return None
    first, last = dates
    begin, end = history
    if first >= begin - margin and last <= end + margin:
        return None
    return (
        f"dates from {first:%Y-%m-%d} to {last:%Y-%m-%d} lie more than {margin.days} days "
        f"outside the stored history ({begin:%Y-%m-%d} to {end:%Y-%m-%d}): check the year"
    )


def _split_date_and_time(header: Header) -> int | None:
    """Position of a time-of-day column next to the date column, or None.

    The header reader maps the first date-like name to ``date`` and reports a second one as
    ignored; when one of the two is a date (日期) and the other a time (时间), the date
    column is the date and the time column is read with it (no longer reported as ignored).
    """
    names = [normalise_header(name) for name in header.names]
    p_date = header.index["date"]
    times = [i for i, name in enumerate(names) if name in _TIME_NAMES and i != p_date]
    if names[p_date] in _TIME_NAMES:  # 时间 came first: is there a 日期 column too?
        dates = [i for i, name in enumerate(names) if name in _DATE_NAMES]
        if not dates:
            return None
        times = [p_date]
        header.index["date"] = dates[0]
    elif names[p_date] not in _DATE_NAMES or not times:
        return None  # e.g. 日期时间 or timestamp: it already holds the time
    p_time = times[0]
    for position in (p_time, header.index["date"]):
        name = header.names[position]
        if name in header.ignored:
            header.ignored.remove(name)
    return p_time


def _with_time(day: dt.datetime, text: str) -> dt.datetime:
    """The date cell's day at the time cell's time (a date cell may say 00:00 itself)."""
    try:
        moment = parse_time(text)
    except ValueError as exc:
        raise RowProblem("time", str(exc)) from None
    if moment is None:
        return day
    if day.time() not in (dt.time(), moment):
        raise RowProblem(
            "time", f"the date already says {day:%H:%M:%S} but the time column says {moment}"
        )
    return dt.datetime.combine(day.date(), moment)


_LARGEST = 10**15
_EARLIEST_YEAR = 2000


def _count(text: str, field: str) -> int:
    """A count cell: plain digits on the fast path, ``1,234`` / ``1.2万`` on the slow one."""
    try:
        value = int(text)
        if 0 <= value <= MAX_COUNT:
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
    progress: FileProgress | None = None,
    margin_days: int = HISTORY_MARGIN_DAYS,
) -> ImportResult:
    """Import live-room sales exports; see :class:`SalesImporter` for the rules."""
    return run_import(
        SalesImporter(room, margin_days),
        paths,
        engine,
        dry_run=dry_run,
        strict=strict,
        progress=progress,
    )
