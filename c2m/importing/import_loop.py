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
    pages are evicted and re-read all the time (why 16: ``docs/measurements.md``). The cache
    is a fixed ceiling, so memory does not grow with the file.
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
    """Stream ``source`` into the database under one import batch, counting every row."""
    _FileImport(connection, importer, source, name, result, progress).run()


class _FileImport:
    """One file's import: its batch row, its counts, and the chunks not yet written.

    Rows stream in, good ones are stored and bad ones kept (with file, line, field and raw
    text) a chunk at a time, so memory stays flat however long the file is.
    """

    def __init__(
        self,
        connection: Connection,
        importer: Importer,
        source: CsvFile,
        name: str,
        result: ImportResult,
        progress: FileProgress | None,
    ) -> None:
        self.connection = connection
        self.importer = importer
        self.source = source
        self.name = name
        self.result = result
        self.progress = progress
        self.batch_id = 0
        self.counts = Counts()
        self.read = self.skipped = self.rejected = 0
        self.records: list[Any] = []
        self.rejects: list[dict[str, Any]] = []

    def run(self) -> None:
        """Open the batch, stream the rows, close the batch with its counts."""
        self.open_batch()
        self.stream()
        self.close_batch()

    def open_batch(self) -> None:
        """Check the header, let the importer prepare, and write the batch's row."""
        importer, header = self.importer, self.source.header
        importer.check_header(header, self.name)
        if header.ignored:
            self.result.ignored_columns[self.name] = header.ignored
        importer.file_size = self.source.size
        importer.prepare(self.connection)
        self.batch_id = self.connection.execute(
            insert(_BATCH)
            .values(
                kind=importer.kind, file=self.name, sha256=self.source.sha256, started_at=_now()
            )
            .returning(_BATCH.c.id)
        ).scalar_one()

    def stream(self) -> None:
        """Every row: skipped (blank, totals), parsed and stored, or rejected and kept.

        The loop keeps its counters and the current chunk in local names (it runs a million
        times on a big export); ``flush`` and ``reject`` start a new chunk, so it is re-read
        after them.
        """
        source, result, name = self.source, self.result, self.name
        width = len(source.header.names)
        warnings = self.importer.pending_warnings
        parse = self.importer.parse
        chunk = self.importer.chunk_size
        read = blank = 0
        records = self.records
        for cells in source.rows():
            read += 1
            if not (cells and cells[0].strip()) and not "".join(cells).strip():  # blank row
                blank += 1
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
                self.reject(cells, problem)
                records = self.records
                continue
            if warnings:
                line = source.line
                for field, message in warnings:
                    result.add_warning(RowIssue(name, line, field, message))
                warnings.clear()
            if len(records) >= chunk:
                self.flush()
                records = self.records
        self.read += read
        self.skipped += blank
        self.flush()

    def reject(self, cells: Sequence[str], problem: RowProblem) -> None:
        """A row that did not parse: a totals row is skipped, any other is rejected and kept."""
        if is_summary(cells):  # a totals row never parses: checked only then, for speed
            self.skipped += 1
            return
        self.rejected += 1
        line = self.source.line
        self.result.add_error(RowIssue(self.name, line, problem.field, problem.message))
        self.rejects.append(
            {
                "batch_id": self.batch_id,
                "file": self.name,
                "line": line,
                "field": problem.field,
                "message": problem.message,
                "raw": self.source.raw,
            }
        )
        if len(self.rejects) >= self.importer.chunk_size:  # a file of only bad rows streams too
            self.flush()

    def flush(self) -> None:
        """Write the chunk of good rows and of rejected rows; report how far the file is."""
        if self.records:
            self.counts += self.importer.store(self.connection, self.records, self.batch_id)
            self.records = []
        if self.rejects:
            self.connection.execute(insert(_REJECTED), self.rejects)
            self.rejects = []
        if self.progress is not None:
            self.progress(self.name, self.source.position, self.source.size)

    def close_batch(self) -> None:
        """Let the importer finish, write the batch's counts, add them to the run's."""
        result, counts = self.result, self.counts
        if self.read == 0:  # a header and nothing else: most often the wrong date range
            result.add_warning(RowIssue(self.name, 0, "", "no data rows below the header"))
        self.importer.finish(self.connection, result)
        self.connection.execute(
            update(_BATCH)
            .where(_BATCH.c.id == self.batch_id)
            .values(
                finished_at=_now(),
                rows_read=self.read,
                rows_imported=counts.inserted,
                rows_updated=counts.updated,
                rows_unchanged=counts.unchanged,
                rows_skipped=self.skipped,
                rows_rejected=self.rejected,
            )
        )
        result.rows_read += self.read
        result.rows_imported += counts.inserted
        result.rows_updated += counts.updated
        result.rows_unchanged += counts.unchanged
        result.rows_skipped += self.skipped
        result.rows_rejected += self.rejected
        result.batch_ids.append(self.batch_id)
