"""Idempotent writes that know what they did: inserted, updated or already there.

One ``INSERT ... ON CONFLICT (natural key) DO UPDATE`` per chunk, through SQLAlchemy's
dialect inserts, so the same code runs on SQLite and PostgreSQL and the database's unique
constraint, not Python, is what keeps keys unique. Before writing, one ``SELECT`` per chunk
fetches the rows already stored under those keys: that is how a re-import can tell "updated"
from "unchanged", and it lets unchanged rows be left alone (no write, no new batch stamp).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, tuple_
from sqlalchemy.engine import Connection

from c2m.errors import DataError

_LOOKUP_CHUNK = 500  # keys per SELECT: far below SQLite's and PostgreSQL's parameter limits


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def dialect_insert(connection: Connection, table: Table) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_update``/``on_conflict_do_nothing``."""
    name = connection.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        raise DataError(f"importing needs SQLite or PostgreSQL, not {name}")
    return insert(table)


def insert_missing(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert rows whose key is not there yet; leave existing ones exactly as they are."""
    if rows:
        connection.execute(dialect_insert(connection, table).on_conflict_do_nothing(), list(rows))


def upsert(
    connection: Connection,
    table: Table,
    keys: Sequence[str],
    values: Sequence[str],
    rows: Iterable[Mapping[str, Any]],
    stamp: Mapping[str, Any] | None = None,
) -> Counts:
    """Write ``rows`` (dicts with ``keys`` + ``values``) and count what each one did.

    Rows repeating a key within ``rows`` count once each: the last one wins, and the earlier
    ones count as updated (different numbers) or unchanged (the same). ``stamp`` columns
    (e.g. the import batch) are written with inserted and changed rows only.
    """
    counts = Counts()
    latest: dict[tuple, Mapping[str, Any]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        previous = latest.get(key)
        if previous is not None:
            if all(previous[v] == row[v] for v in values):
                counts.unchanged += 1
            else:
                counts.updated += 1
        latest[key] = row
    if not latest:
        return counts

    stored = _stored_values(connection, table, keys, values, list(latest))
    to_write: list[dict[str, Any]] = []
    for key, row in latest.items():
        current = stored.get(key)
        if current is None:
            counts.inserted += 1
        elif all(_same(current[i], row[v]) for i, v in enumerate(values)):
            counts.unchanged += 1
            continue
        else:
            counts.updated += 1
        to_write.append({**row, **stamp} if stamp else dict(row))
    if to_write:
        insert = dialect_insert(connection, table)
        update = {name: insert.excluded[name] for name in (*values, *(stamp or {}))}
        connection.execute(
            insert.on_conflict_do_update(index_elements=list(keys), set_=update), to_write
        )
    return counts


def _stored_values(
    connection: Connection,
    table: Table,
    keys: Sequence[str],
    values: Sequence[str],
    wanted: list[tuple],
) -> dict[tuple, tuple]:
    """key -> stored value tuple, for the keys in ``wanted`` that are already in the table."""
    key_columns = [table.c[k] for k in keys]
    query_columns = [*key_columns, *(table.c[v] for v in values)]
    found: dict[tuple, tuple] = {}
    width = len(keys)
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        part = wanted[start : start + _LOOKUP_CHUNK]
        if width == 1:
            condition = key_columns[0].in_([key[0] for key in part])
        else:
            condition = tuple_(*key_columns).in_(part)
        for stored in connection.execute(select(*query_columns).where(condition)):
            found[tuple(stored[:width])] = tuple(stored[width:])
    return found


def _same(stored: Any, new: Any) -> bool:
    """Equal as the database keeps them (floats round-trip through REAL/double precision)."""
    if isinstance(stored, float) and isinstance(new, float):
        return abs(stored - new) <= 1e-9 * max(1.0, abs(new))
    return stored == new
