"""Idempotent writes that know what they did: inserted, updated or already there.

``INSERT ... ON CONFLICT (natural key) DO UPDATE ... WHERE <something changed>`` per chunk,
so the database's unique constraint, not Python, keeps keys unique, and unchanged rows are
left alone (no write, no new batch stamp). Two ways to count what happened:

- :func:`upsert` (small tables: catalogue, inventory, fabric, orders) first selects the
  stored values of the chunk's keys and compares in Python; plain SQLAlchemy dialect inserts.
- :func:`upsert_many` (big streams: live sales) writes a chunk with one statement and reads
  the counts off the database. PostgreSQL: COPY into a temporary table, one set-based upsert
  from it, ``RETURNING (xmax = 0)`` tells inserts from updates. SQLite: ``executemany``
  straight into the table, ``ON CONFLICT DO NOTHING``: ``total_changes`` counts the inserted
  rows; only when some keys were there already, the chunk runs once more as an ``UPDATE ...
  WHERE <something changed>`` whose ``total_changes`` are the updated rows. (No ``rowid``
  arithmetic: ``sales_signal`` is a WITHOUT ROWID table keyed by its natural key.)
"""

from __future__ import annotations

import itertools
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


def upsert_many(
    connection: Connection,
    table: Table,
    keys: Sequence[str],
    values: Sequence[str],
    rows: list[tuple],
    stamp: Mapping[str, Any] | None = None,
    *,
    stored_form: bool = False,
) -> Counts:
    """Write ``rows`` (tuples ordered as ``keys`` + ``values``) and count what they did.

    Same counting rules as :func:`upsert`: a key repeated in the chunk counts once per row,
    the last row wins, and a row identical to what is stored is unchanged. ``stored_form``:
    the caller already converted values with :func:`stored_form` (faster: it can cache).
    """
    if not rows:
        return Counts()
    if connection.dialect.name == "sqlite":
        return _upsert_many_sqlite(
            connection, table, keys, values, rows, stamp or {}, stored_form=stored_form
        )
    return _upsert_many_postgres(connection, table, keys, values, rows, stamp or {})


def _upsert_many_postgres(
    connection: Connection,
    table: Table,
    keys: Sequence[str],
    values: Sequence[str],
    rows: list[tuple],
    stamp: Mapping[str, Any],
) -> Counts:
    """COPY the chunk into a temporary table, then one set-based upsert from it.

    (SQLAlchemy's multi-row VALUES is dominated by psycopg splitting the huge statement.)
    ON CONFLICT cannot touch a row twice in one statement, so repeats are settled here
    first, with the same counting rule as elsewhere.
    """
    counts = Counts()
    latest: dict[tuple, tuple] = {}
    width = len(keys)
    for row in rows:
        key = row[:width]
        previous = latest.get(key)
        if previous is not None:
            if previous[width:] == row[width:]:
                counts.unchanged += 1
            else:
                counts.updated += 1
        latest[key] = row
    names = [*keys, *values]
    stage = f"_c2m_stage_{table.name}"
    columns = ", ".join(f'"{name}"' for name in names)
    connection.exec_driver_sql(
        f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" ON COMMIT DROP AS '
        f'SELECT {columns} FROM "{table.name}" WITH NO DATA'
    )
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(f'COPY "{stage}" ({columns}) FROM STDIN') as copy:
        for row in latest.values():
            copy.write_row(row)
    target = ", ".join(f'"{name}"' for name in (*names, *stamp))
    selected = ", ".join([columns, *("%s" for _ in stamp)])
    updates = ", ".join(f'"{name}" = excluded."{name}"' for name in (*values, *stamp))
    mine = ", ".join(f'"{table.name}"."{v}"' for v in values)
    theirs = ", ".join(f'excluded."{v}"' for v in values)
    sql = (
        f"WITH written AS ("
        f'INSERT INTO "{table.name}" ({target}) SELECT {selected} FROM "{stage}" '
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates} "
        f"WHERE ROW({mine}) IS DISTINCT FROM ROW({theirs}) "
        f"RETURNING (xmax = 0) AS inserted) "
        f"SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
        f"FROM written"
    )
    inserted, updated = connection.exec_driver_sql(sql, tuple(stamp.values())).one()
    connection.exec_driver_sql(f'TRUNCATE "{stage}"')
    counts.inserted += inserted
    counts.updated += updated
    counts.unchanged += len(latest) - inserted - updated
    return counts


def _upsert_many_sqlite(
    connection: Connection,
    table: Table,
    keys: Sequence[str],
    values: Sequence[str],
    rows: list[tuple],
    stamp: Mapping[str, Any],
    *,
    stored_form: bool = False,
) -> Counts:
    names = [*keys, *values]
    if not stored_form:
        processors = [_bind_processor(table.c[name].type, connection.dialect) for name in names]
        if any(processors):
            rows = _processed(rows, processors)
    # Whole-number stamps (the batch id) go into the SQL text: no per-row copy to add them.
    inline = {k: int(v) for k, v in stamp.items() if isinstance(v, int)}
    extra = tuple(v for k, v in stamp.items() if k not in inline)
    if extra:
        rows = [row + extra for row in rows]
    columns = [*names, *(k for k in stamp if k not in inline), *inline]
    quoted = ", ".join(f'"{name}"' for name in columns)
    marks = ["?"] * (len(columns) - len(inline)) + [str(v) for v in inline.values()]
    driver = connection.connection.driver_connection
    before = driver.total_changes
    _insert_new(connection, table.name, quoted, f"({', '.join(marks)})", keys, rows)
    inserted = driver.total_changes - before
    if inserted == len(rows):  # the bulk-load case: every key was new, nothing else to do
        return Counts(inserted=inserted)
    # Some keys were there already (or repeated in the chunk): the same rows once more as an
    # UPDATE that writes only what differs. Rows inserted just now compare equal, so
    # total_changes counts exactly the updated ones, and a repeated key's last row wins.
    numbered = {name: f"?{i}" for i, name in enumerate(columns[: len(columns) - len(inline)], 1)}
    numbered.update({k: str(v) for k, v in inline.items()})
    sets = ", ".join(f'"{name}" = {numbered[name]}' for name in (*values, *stamp))
    where = " AND ".join(f'"{k}" = {numbered[k]}' for k in keys)
    changed = " OR ".join(f'"{v}" IS NOT {numbered[v]}' for v in values)
    update = f'UPDATE "{table.name}" SET {sets} WHERE {where} AND ({changed})'
    before = driver.total_changes
    connection.exec_driver_sql(update, rows)
    updated = driver.total_changes - before
    return Counts(inserted=inserted, updated=updated, unchanged=len(rows) - inserted - updated)


def _insert_new(
    connection: Connection,
    table: str,
    columns: str,
    row_marks: str,
    keys: Sequence[str],
    rows: list[tuple],
) -> None:
    """``INSERT ... ON CONFLICT DO NOTHING`` of ``rows``, many rows per statement.

    One ``VALUES`` list of ``_ROWS_PER_INSERT`` rows per execution: SQLite's per-statement
    work (step, reset, the sqlite3 module's per-row bookkeeping) is paid once per group
    instead of once per row (the figures: ``docs/measurements.md``). A key
    repeated within a statement behaves as in separate statements: the first row wins the
    insert, the later ones are left to the caller's UPDATE pass.
    """
    width = len(rows[0])
    per = max(1, min(_ROWS_PER_INSERT, _MAX_PARAMETERS // max(width, 1)))
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO NOTHING"
    whole = len(rows) // per * per
    if whole:
        many = ", ".join([row_marks] * per)
        sql = f'INSERT INTO "{table}" ({columns}) VALUES {many} {conflict}'
        # The grouper idiom: one iterator zipped with itself cuts tuples of per * width
        # values, in C; ``whole`` is a multiple of ``per``, so nothing is left over.
        values = itertools.chain.from_iterable(rows[:whole])
        groups = list(zip(*[values] * (per * width), strict=False))
        connection.exec_driver_sql(sql, groups)
    if whole < len(rows):
        sql = f'INSERT INTO "{table}" ({columns}) VALUES {row_marks} {conflict}'
        connection.exec_driver_sql(sql, rows[whole:])


_ROWS_PER_INSERT = 50  # why 50: docs/measurements.md
_MAX_PARAMETERS = 900  # below SQLITE_MAX_VARIABLE_NUMBER of old builds (999)


def stored_form(connection: Connection, column: Any) -> Any:
    """SQLAlchemy's conversion of a value to the form ``column`` stores, or None if none.

    Raw ``executemany`` bypasses SQLAlchemy, so values must already look exactly as the
    ORM writes them (SQLite datetimes are text), or keys written both ways would differ.
    """
    return _bind_processor(column.type, connection.dialect)


def _bind_processor(column_type: Any, dialect: Any) -> Any:
    """SQLAlchemy's conversion to the stored form; numbers need none (they are parsed)."""
    try:
        if column_type.python_type in (int, float):
            return None
    except NotImplementedError:
        pass
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _processed(rows: list[tuple], processors: list) -> list[tuple]:
    """Rows with each value in the form SQLAlchemy stores it (SQLite: datetimes as text).

    The stored form must be exactly SQLAlchemy's, or a key written here and one written by
    the ORM would differ. Each distinct value is converted once: timestamps repeat a lot.
    """
    for i, process in enumerate(processors):
        if process is not None:
            mapping = {value: process(value) for value in {row[i] for row in rows}}
            rows = [(*row[:i], mapping[row[i]], *row[i + 1 :]) for row in rows]
    return rows


def defer_secondary_indexes(connection: Connection, table: Table, expected_rows: int) -> list:
    """SQLite bulk load: drop the table's non-unique indexes when the file outweighs the table.

    Inserting rows one by one into an index keyed differently from the load order (the
    ``(sku, ts)`` index of a file sorted by day) costs a random B-tree descent per row;
    building the index once at the end is a sort, several times cheaper. Worth it only when
    the file is large next to what the table holds, so the rule compares the two. Unique
    indexes stay: ON CONFLICT needs them. Everything happens inside the import's
    transaction, so a crash or a rollback brings the indexes back untouched; readers of the
    WAL keep their snapshot meanwhile. Returns the indexes to pass to
    :func:`restore_indexes`.
    """
    if connection.dialect.name != "sqlite" or expected_rows < _DEFER_MIN_ROWS:
        return []
    deferred = [index for index in table.indexes if not index.unique]
    if not deferred:  # sales_signal today: its primary key is its only B-tree
        return []
    # Counting stops past expected_rows (a bounded scan; tables may have no rowid to ask).
    stored = connection.exec_driver_sql(
        f'SELECT count(*) FROM (SELECT 1 FROM "{table.name}" LIMIT {int(expected_rows) + 1})'
    ).scalar_one()
    if stored > expected_rows:
        return []
    for index in deferred:
        index.drop(connection, checkfirst=True)
    return deferred


def restore_indexes(connection: Connection, indexes: list) -> None:
    for index in indexes:
        index.create(connection, checkfirst=True)


_DEFER_MIN_ROWS = 50_000
