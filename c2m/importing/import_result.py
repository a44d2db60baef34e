"""What an import did, for people (the CLI summary) and programs (``--json``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from c2m.errors import ExitCode

# Called as progress(file_name, bytes_done, bytes_total) while a file streams in.
FileProgress = Callable[[str, int, int], None]

MAX_LISTED_ISSUES = 1000  # in memory and in --json; every rejected row is in the database


@dataclass(frozen=True)
class RowIssue:
    """A problem with one row (or, with line 0, with a whole file)."""

    file: str
    line: int
    field: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        if self.field:
            return f"{where}, {self.field}: {self.message}"
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    """Counts over every file of one ``c2m import`` run.

    ``rows_read`` counts data rows below the header; each of them ends up in exactly one of
    imported (new), updated, unchanged, skipped (blank or summary) or rejected.
    """

    kind: str
    files: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_imported: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_skipped: int = 0
    rows_rejected: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    errors_not_listed: int = 0
    warnings_not_listed: int = 0
    failed_files: list[str] = field(default_factory=list)
    new_skus: list[str] = field(default_factory=list)
    new_rooms: list[str] = field(default_factory=list)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    batch_ids: list[int] = field(default_factory=list)
    dry_run: bool = False
    strict: bool = False
    rolled_back: bool = False  # --strict found bad rows, so nothing was kept
    # (new, updated, unchanged) the good rows would have been, before the --strict roll-back
    rolled_back_counts: tuple[int, int, int] = (0, 0, 0)

    def add_error(self, issue: RowIssue) -> None:
        if len(self.errors) < MAX_LISTED_ISSUES:
            self.errors.append(issue)
        else:
            self.errors_not_listed += 1

    def add_warning(self, issue: RowIssue) -> None:
        if len(self.warnings) < MAX_LISTED_ISSUES:
            self.warnings.append(issue)
        else:
            self.warnings_not_listed += 1

    @property
    def rows_stored(self) -> int:
        """Rows that are in the database after the run (new, updated or already there)."""
        return self.rows_imported + self.rows_updated + self.rows_unchanged

    @property
    def exit_code(self) -> ExitCode:
        """0 all good; 2 some rows or files rejected; 1 nothing could be imported."""
        problems = self.rows_rejected or self.failed_files
        if not problems:
            return ExitCode.OK
        if self.rolled_back or self.rows_stored == 0:
            return ExitCode.FAILED
        return ExitCode.PARTIAL

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "files": self.files,
            "rows_read": self.rows_read,
            "rows_imported": self.rows_imported,
            "rows_updated": self.rows_updated,
            "rows_unchanged": self.rows_unchanged,
            "rows_skipped": self.rows_skipped,
            "rows_rejected": self.rows_rejected,
            "errors": [issue.as_json() for issue in self.errors],
            "errors_not_listed": self.errors_not_listed,
            "warnings": [issue.as_json() for issue in self.warnings],
            "warnings_not_listed": self.warnings_not_listed,
            "failed_files": self.failed_files,
            "new_skus": self.new_skus,
            "new_rooms": self.new_rooms,
            "ignored_columns": self.ignored_columns,
            "batch_ids": self.batch_ids,
            "dry_run": self.dry_run,
            "strict": self.strict,
            "rolled_back": self.rolled_back,
            "exit_code": int(self.exit_code),
        }
