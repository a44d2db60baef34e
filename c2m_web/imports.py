"""The web's imports: the CLI's own import functions, a dry run first, then the commit.

Nothing here parses a row: :func:`dry_run` and :func:`commit` call the same
``c2m.importing.import_*`` function as ``c2m import KIND FILE``, with one file, so the web
gets the CLI's transaction per file and the CLI's counts. What the web adds: guessing the
kind from the header when the person did not choose it, the file name they uploaded in
place of the server's storage path in every message, and who uploaded (``import_upload``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from c2m.config import FactoryConfig
from c2m.db import session_scope
from c2m.errors import ImportFailed
from c2m.importing.factory_options import factory_options
from c2m.importing.kinds import KINDS
from c2m.importing.reading import CsvFile
from c2m.models import ImportBatch
from c2m.users import ImportUpload, record_upload

COUNT_FIELDS = (
    "rows_read",
    "rows_imported",
    "rows_updated",
    "rows_unchanged",
    "rows_skipped",
    "rows_rejected",
)


@dataclass
class FileOutcome:
    """One file's dry run or import, in the uploaded file's own name."""

    name: str
    sha256: str
    kind: str
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {key: int(self.result.get(key, 0)) for key in COUNT_FIELDS}


def guess_kind(path: Path) -> str | None:
    """The kind whose columns the header matches best; None when none or two fit equally."""
    scores: dict[str, int] = {}
    for kind, spec in KINDS.items():
        checker = spec.header_checker()
        try:
            with CsvFile(path, checker.columns) as source:
                checker.check_header(source.header, path.name)
                scores[kind] = len(source.header.index)
        except ImportFailed:
            continue
    if not scores:
        return None
    best = max(scores.values())
    winners = [kind for kind, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None


def run(
    engine: Engine,
    kind: str,
    path: Path,
    name: str,
    *,
    dry_run: bool,
    room: str | None = None,
    config: FactoryConfig | None = None,
) -> dict[str, Any]:
    """The CLI's import of one file, with the CLI's factory options (``config``); the result as
    ``c2m import --json`` prints it, with the uploaded name where the CLI shows the path."""
    function = KINDS[kind].run
    options: dict[str, Any] = {"dry_run": dry_run}
    if config is not None:
        options.update(factory_options(kind, config))
    if kind == "sales":
        options["room"] = room or None
    result = function([path], engine, **options).as_json()
    stored = str(path)
    for issue in (*result["errors"], *result["warnings"]):
        if issue["file"] == stored:
            issue["file"] = name
    result["files"] = [name if f == stored else f for f in result["files"]]
    result["failed_files"] = [name if f == stored else f for f in result["failed_files"]]
    result["ignored_columns"] = {
        (name if f == stored else f): cols for f, cols in result["ignored_columns"].items()
    }
    return result


def note_uploader(engine: Engine, result: dict[str, Any], user: str, name: str) -> None:
    with session_scope(engine) as session:
        record_upload(session, list(result.get("batch_ids", [])), user, name)


def history(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    """The newest imports, from the terminal or the web: who, when, file, checksum, counts."""
    batch = ImportBatch.__table__
    upload = ImportUpload.__table__
    query = (
        select(batch, upload.c.user_name, upload.c.file_name)
        .select_from(batch.outerjoin(upload, upload.c.batch_id == batch.c.id))
        .order_by(batch.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        {
            **dict(row),
            "who": row["user_name"] or "(command line)",
            "shown_file": row["file_name"] or row["file"],
        }
        for row in rows
    ]
