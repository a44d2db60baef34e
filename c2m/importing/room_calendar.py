"""The live rooms' published calendar -> ``room_day`` (one row per room and day).

Rooms plan their broadcasts and promotions weeks ahead, so unlike the sales export this file
reaches into the future, and the forecaster reads it as known-ahead input
(:mod:`c2m.room_calendar`). A row is one room-day; ``broadcast`` defaults to yes (a listed day
is a planned session) and ``promotion`` to no, so a plain list of session dates is a valid
schedule. Re-importing a day replaces it (a cancelled session is re-imported as ``0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection, Engine

from c2m.errors import ImportFailed
from c2m.importing.import_loop import Importer, RowProblem, cell_getter, parse_cell, run_import
from c2m.importing.import_result import FileProgress, ImportResult
from c2m.importing.reading import Columns, Header, normalise_header
from c2m.importing.sales import SALES_COLUMNS
from c2m.importing.upsert import Counts, insert_missing, upsert
from c2m.importing.values import parse_date, parse_flag
from c2m.models import Room, RoomDay

ROOM_CALENDAR_COLUMNS = Columns(
    aliases={
        "room_id": ("直播间", "直播间id", "直播间编号", "直播间名称", "room", "live_room",
                    "roomid"),
        "date": ("日期", "直播日期", "排期日期", "开播日期", "day"),
        "broadcast": ("开播", "是否开播", "直播", "排播", "on_air", "live", "session"),
        "promotion": ("促销", "是否促销", "大促", "活动", "活动日", "promo", "campaign"),
    },
    required=("room_id", "date"),
)  # fmt: skip


class RoomCalendarImporter(Importer):
    """The rooms' calendar of broadcasts and promotions (``c2m import rooms``).

    ``kind`` stays ``schedule``, the name the import batches already carry in the database
    and in ``--json``: the rename is the library's, not the data's.
    """

    kind = "schedule"
    columns = ROOM_CALENDAR_COLUMNS
    chunk_size = 5000

    def __init__(self) -> None:
        super().__init__()
        self.rooms_seen: set[str] = set()

    def check_header(self, header: Header, file: str) -> None:
        super().check_header(header, file)
        # Rows without flags are broadcast days, so a sales export (date and room on every
        # row) would read as a schedule that streams every day: refuse it by its columns.
        sales = SALES_COLUMNS.lookup()
        named = {sales.get(normalise_header(name)) for name in header.names}
        if {"clicks", "orders"} <= named and not {"broadcast", "promotion"} & set(header.index):
            raise ImportFailed(
                "this looks like a sales export (it has clicks and orders, and no broadcast or "
                "promotion column): import it with `c2m import sales`"
            )
        self.get = cell_getter(header)
        # only the flags the file has are written: a promotions-only file keeps the sessions
        self.values = tuple(c for c in ("broadcast", "promotion") if c in header.index)

    def parse(self, cells: Sequence[str]) -> dict[str, Any]:
        get = self.get
        room = get(cells, "room_id").strip()
        if not room:
            raise RowProblem("room_id", "the room is missing")
        day = parse_cell(get, cells, "date", parse_date, required=True)
        broadcast = parse_cell(get, cells, "broadcast", parse_flag)
        promotion = parse_cell(get, cells, "promotion", parse_flag)
        broadcast = True if broadcast is None else broadcast
        promotion = False if promotion is None else promotion
        if promotion and not broadcast:
            raise RowProblem("promotion", "a promotion on a day without a broadcast")
        self.rooms_seen.add(room)
        return {"room_id": room, "day": day, "broadcast": broadcast, "promotion": promotion}

    def store(self, connection: Connection, records: list[Any], batch_id: int) -> Counts:
        insert_missing(
            connection, Room.__table__, [{"room_id": r} for r in sorted(self.rooms_seen)]
        )
        self.rooms_seen.clear()
        return upsert(
            connection,
            RoomDay.__table__,
            ("room_id", "day"),
            self.values,
            records,
            stamp={"batch_id": batch_id},
        )


def import_room_calendar(
    paths: Sequence[Path],
    engine: Engine,
    *,
    dry_run: bool = False,
    strict: bool = False,
    progress: FileProgress | None = None,
) -> ImportResult:
    """Import the live rooms' calendar of broadcasts and promotions."""
    return run_import(
        RoomCalendarImporter(), paths, engine, dry_run=dry_run, strict=strict, progress=progress
    )
