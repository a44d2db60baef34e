"""The inputs' fingerprint: one hash of everything a replan's plan depends on.

Two runs with the same fingerprint saw the same world (catalogue, stock, fabric, open orders,
live-room signals up to ``--now``) with the same factory and the same settings, so they must
give the same plan; the runner relies on that to republish an identical plan with zero changes
when nothing came in, and an auditor can tell from the run log whether a changed plan had a
changed cause. It hashes CONTENT, never surrogate ids or import batch numbers, so re-importing
the same files leaves it unchanged. Rows stream from the database in key order, so memory does
not grow with the number of signals.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import String, cast, select
from sqlmodel import Session, SQLModel

from c2m.models import (
    Fabric,
    FabricDelivery,
    Inventory,
    OpenOrder,
    SalesSignal,
    Sku,
    Style,
)

_SEP = "\x1f"


def _cell(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _feed(digest: Any, rows: Iterable[Iterable[Any]]) -> int:
    count = 0
    for row in rows:
        digest.update((_SEP.join(["\x00" if v is None else v for v in row]) + "\n").encode())
        count += 1
    return count


def _table_rows(
    session: Session, model: type[SQLModel], order: list[str], where: Any = None
) -> Iterable[tuple]:
    """Every content column of ``model`` (not ids, not import batch), in a stable order."""
    table = model.__table__
    columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
    columns = [c for c in columns if c.name not in ("id", "batch_id")]
    # As text, cast by the database: no per-value conversion to Python dates and floats,
    # which is what made hashing a million signals slow.
    stmt = select(*(cast(c, String) for c in columns)).order_by(*(table.c[name] for name in order))
    if where is not None:
        stmt = stmt.where(where)
    result = session.connection().execution_options(yield_per=50_000).execute(stmt)
    for rows in result.partitions():
        yield from rows


def fingerprint(
    session: Session, now: dt.datetime, config: Any, settings: Mapping[str, Any]
) -> tuple[str, dict[str, int]]:
    """The sha256 of the inputs as of ``now``, and how many rows of each kind went into it.

    ``config`` is the validated factory configuration (hashed by its canonical JSON, so
    comments and key order in the TOML file do not matter); ``settings`` are the run's own
    choices that change the plan (mode, horizon, frozen hours, solver limits...).
    """
    digest = hashlib.sha256()
    counts: dict[str, int] = {}
    sources: list[tuple[str, type[SQLModel], list[str], Any]] = [
        ("styles", Style, ["style"], None),
        ("skus", Sku, ["sku"], None),
        ("fabrics", Fabric, ["fabric"], None),
        ("fabric_deliveries", FabricDelivery, ["fabric", "due_date", "reference"], None),
        ("inventory", Inventory, ["sku"], None),
        ("open_orders", OpenOrder, ["reference", "sku"], None),
        ("signals", SalesSignal, ["ts", "room_id", "sku"], SalesSignal.ts <= now),
    ]
    for name, model, order, where in sources:
        digest.update(f"[{name}]\n".encode())
        counts[name] = _feed(digest, _table_rows(session, model, order, where))
    config_json = config.model_dump_json() if hasattr(config, "model_dump_json") else str(config)
    digest.update(b"[config]\n" + config_json.encode() + b"\n")
    digest.update(b"[settings]\n")
    digest.update(json.dumps(dict(settings), sort_keys=True, default=_cell).encode())
    digest.update(b"\n[now]\n" + now.isoformat().encode())
    return digest.hexdigest(), counts
