"""The import loop every kind shares: stream a file, parse rows, write in chunks, one
transaction per file.

A kind (sales, catalog, ...) is an :class:`Importer`: its columns, how to turn one row's
cells into a record (raising :class:`RowProblem` for a bad row), and how to store a chunk of
records. Everything else — reading, skipping blank and summary rows, rejecting bad rows with
file, line, field and raw text, the batch record, progress, dry runs, ``--strict`` and the
transaction rule — lives here once.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import insert, update
from sqlalchemy.engine import Connection, Engine

from c2m.errors import ImportFailed
from c2m.importing.import_result import FileProgress, ImportResult, RowIssue
from c2m.importing.reading import Columns, CsvFile, Header, is_summary
from c2m.importing.upsert import Counts
from c2m.models import ImportBatch, RejectedRow, _now

_BATCH = ImportBatch.__table__
_REJECTED = RejectedRow.__table__


class RowProblem(Exception):
    """A row cannot be imported; ``field`` is the canonical column at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class Importer:
    """One kind of file. Subclasses set ``kind`` and ``columns`` and fill in the hooks."""

    kind: ClassVar[str]
    columns: ClassVar[Columns]
    chunk_size: ClassVar[int] = 5000

    def __init__(self) -> None:
        self.pending_warnings: list[tuple[str, str]] = []
        self.file_size = 0  # bytes of the file being imported, set before prepare()

    # --- hooks --------------------------------------------------------------------------

    def check_header(self, header: Header, file: str) -> None:
        """Raise ImportFailed when a required column is missing (the default: ``required``)."""
        missing = [c for c in self.columns.required if c not in header.index]
        if missing:
            raise ImportFailed(missing_columns_message(file, header, missing, self.columns))

    def prepare(self, connection: Connection) -> None:
        """Load what parsing needs from the database (lookups), once per file."""

    def parse(self, cells: Sequence[str]) -> Any:
        """One row's cells -> a record; raise RowProblem for a bad row."""
        raise NotImplementedError

    def store(self, connection: Connection, records: list[Any], batch_id: int) -> Counts:
        """Write a chunk of records and count what became of them."""
        raise NotImplementedError

    def finish(self, connection: Connection, result: ImportResult) -> None:
        """After the last chunk of a file: file-level checks and summary facts."""

    def warn(self, field: str, message: str) -> None:
        """A row is imported but looks odd (e.g. more orders than clicks)."""
        self.pending_warnings.append((field, message))


def missing_columns_message(
    file: str, header: Header, missing: Sequence[str], columns: Columns
) -> str:
    return (
        f"missing column(s) {', '.join(missing)}; "
        f"found columns: {', '.join(n for n in header.names if n) or 'none'}; "
        f"expected: {columns.describe()}"
    )


def parse_cell(
    get: Callable[[Sequence[str], str], str],
    cells: Sequence[str],
    column: str,
    parser: Callable[[str], Any],
    *,
    required: bool = False,
) -> Any:
    """One cell through a value parser; a ValueError or a required blank becomes RowProblem."""
    try:
        value = parser(get(cells, column))
    except ValueError as exc:
        raise RowProblem(column, str(exc)) from None
    if value is None and required:
        raise RowProblem(column, f"the {column} is missing")
    return value


def cell_getter(header: Header):
    """A fast ``get(cells, column) -> str`` that returns '' for absent columns and cells."""
    index = header.index

    def get(cells: Sequence[str], column: str) -> str:
        position = index.get(column)
        if position is None or position >= len(cells):
            return ""
        return cells[position]

    return get


def run_import(
    importer: Importer,
    paths: Sequence[Path],
    engine: Engine,
    *,
    dry_run: bool = False,
    strict: bool = False,
    progress: FileProgress | None = None,
) -> ImportResult:
    """Import every file; each in its own transaction (``--strict``: all in one)."""
    result = ImportResult(kind=importer.kind, dry_run=dry_run, strict=strict)
    if strict:
        with (
            engine.connect() as connection,
            _big_cache(connection),
            connection.begin() as transaction,
        ):
            for path in paths:
                _import_file(connection, importer, Path(path), result, progress)
            if result.rows_rejected or result.failed_files:
                transaction.rollback()
                result.rolled_back = True
                result.rolled_back_counts = (
                    result.rows_imported,
                    result.rows_updated,
                    result.rows_unchanged,
                )
                result.rows_imported = result.rows_updated = result.rows_unchanged = 0
                result.batch_ids = []
            elif dry_run:
                transaction.rollback()
        return result
    for path in paths:
        with (
            engine.connect() as connection,
            _big_cache(connection),
            connection.begin() as transaction,
        ):
            done = _import_file(connection, importer, Path(path), result, progress)
            if not done or dry_run:
                transaction.rollback()
    if dry_run:
        result.batch_ids = []
    return result


@contextmanager
def _big_cache(connection: Connection) -> Iterator[None]:
    """SQLite: a 16 MiB page cache while importing (default 2 MiB), restored afterwards.

    A big import updates three indexes at scattered places; with the default cache their
    pages are evicted and re-read all the time (about 25 % more CPU; 64 MiB measured no
    better than 16). The cache is a fixed ceiling, so memory does not grow with the file.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection  # outside SQLAlchemy's transaction
    before = driver.execute("PRAGMA cache_size").fetchone()[0]
    driver.execute(f"PRAGMA cache_size = -{_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        # After Ctrl-C the connection may already be closed: its cache went with it.
        with contextlib.suppress(sqlite3.ProgrammingError):
            driver.execute(f"PRAGMA cache_size = {int(before)}")


_IMPORT_CACHE_KIB = 16384


def _import_file(
    connection: Connection,
    importer: Importer,
    path: Path,
    result: ImportResult,
    progress: FileProgress | None,
) -> bool:
    """One file inside the caller's transaction; False (and an error) if it failed as a whole.

    The caller then rolls the file's transaction back, so a file that breaks half-way (a
    CSV syntax error on line 90,000) leaves nothing behind either.
    """
    name = str(path)
    result.files.append(name)
    try:
        with CsvFile(path, importer.columns) as source:
            _import_records(connection, importer, source, name, result, progress)
    except ImportFailed as exc:
        result.failed_files.append(name)
        result.add_error(RowIssue(name, 0, "", str(exc)))
        return False
    return True


def _import_records(
    connection: Connection,
    importer: Importer,
    source: CsvFile,
    name: str,
    result: ImportResult,
    progress: FileProgress | None,
) -> None:
    header = source.header
    importer.check_header(header, name)
    if header.ignored:
        result.ignored_columns[name] = header.ignored
    importer.file_size = source.size
    importer.prepare(connection)
    batch_id = connection.execute(
        insert(_BATCH)
        .values(kind=importer.kind, file=name, sha256=source.sha256, started_at=_now())
        .returning(_BATCH.c.id)
    ).scalar_one()
    width = len(header.names)
    counts = Counts()
    read = skipped = rejected = 0
    records: list[Any] = []
    rejects: list[dict[str, Any]] = []
    warnings = importer.pending_warnings
    parse = importer.parse
    chunk = importer.chunk_size

    def flush() -> None:
        nonlocal records, rejects
        if records:
            counts.__iadd__(importer.store(connection, records, batch_id))
            records = []
        if rejects:
            connection.execute(insert(_REJECTED), rejects)
            rejects = []
        if progress is not None:
            progress(name, source.position, source.size)

    for cells in source.rows():
        read += 1
        if not (cells and cells[0].strip()) and not "".join(cells).strip():  # blank row
            skipped += 1
            continue
        try:
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                raise RowProblem(
                    "",
                    f"has {len(cells)} fields but the header has {width} "
                    "(an unquoted comma in a number or text?)",
                )
            records.append(parse(cells))
        except RowProblem as problem:
            warnings.clear()
            if is_summary(cells):  # a totals row never parses: checked only then, for speed
                skipped += 1
                continue
            rejected += 1
            line = source.line
            result.add_error(RowIssue(name, line, problem.field, problem.message))
            rejects.append(
                {
                    "batch_id": batch_id,
                    "file": name,
                    "line": line,
                    "field": problem.field,
                    "message": problem.message,
                    "raw": source.raw,
                }
            )
            if len(rejects) >= chunk:  # a file of nothing but bad rows streams too
                flush()
            continue
        if warnings:
            line = source.line
            for field, message in warnings:
                result.add_warning(RowIssue(name, line, field, message))
            warnings.clear()
        if len(records) >= chunk:
            flush()
    flush()
    if read == 0:  # a header and nothing else: most often an export of the wrong date range
        result.add_warning(RowIssue(name, 0, "", "no data rows below the header"))
    importer.finish(connection, result)
    connection.execute(
        update(_BATCH)
        .where(_BATCH.c.id == batch_id)
        .values(
            finished_at=_now(),
            rows_read=read,
            rows_imported=counts.inserted,
            rows_updated=counts.updated,
            rows_unchanged=counts.unchanged,
            rows_skipped=skipped,
            rows_rejected=rejected,
        )
    )
    result.rows_read += read
    result.rows_imported += counts.inserted
    result.rows_updated += counts.updated
    result.rows_unchanged += counts.unchanged
    result.rows_skipped += skipped
    result.rows_rejected += rejected
    result.batch_ids.append(batch_id)
