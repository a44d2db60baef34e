"""Schema versions: every database carries the Alembic revision it is at, and c2m checks it.

The first release that adds a column would otherwise break every existing database, or
leave it silently half-migrated. So :func:`ensure_schema`, which every command goes through
(:func:`c2m.db.open_engine`), compares the database's revision with the code's:

* a brand-new, empty database is created at the newest revision (``c2m init`` and the first
  use of a new file keep working as they always did);
* a database made by ``create_all`` before c2m had migrations holds the baseline schema:
  it is stamped with the baseline revision, then treated like any other database;
* a database at the code's revision is used;
* an older one is refused until ``c2m db upgrade`` has run (a person should take a backup
  first, and a nightly cron job must not change a schema behind everyone's back);
* a newer one (written by a later c2m) is refused: this code would misread it.

The migrations are package data in :mod:`c2m.migrations`; there is no ``alembic.ini``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import SQLModel

from c2m import models, users  # noqa: F401  (register the tables on SQLModel.metadata)
from c2m.errors import C2MError, ExitCode

SCRIPT_LOCATION = "c2m:migrations"
BASELINE = "0001"  # today's schema when migrations began: what create_all made before them
VERSION_TABLE = "alembic_version"


class SchemaVersionError(C2MError):
    """The database's schema is older or newer than this code: one sentence says what to do."""

    exit_code = ExitCode.FAILED


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision (``None``: no version table) and the code's."""

    current: str | None
    head: str
    tables: int  # c2m tables present (0: a brand-new database)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code; ``connection`` is what env.py migrates."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def scripts() -> ScriptDirectory:
    """The shipped revisions (read once per process)."""
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision this code knows: the schema its models describe."""
    revision = scripts().get_current_head()
    assert revision is not None, "c2m.migrations holds no revision"
    return revision


def _known(revision: str) -> bool:
    return any(script.revision == revision for script in scripts().walk_revisions())


def _state(connection: Connection) -> SchemaState:
    current = MigrationContext.configure(connection).get_current_revision()
    names = set(inspect(connection).get_table_names())
    ours = len(names & set(SQLModel.metadata.tables))
    return SchemaState(current=current, head=head(), tables=ours)


def state(engine: Engine) -> SchemaState:
    """The database's revision next to the code's (``c2m db current``)."""
    with engine.connect() as connection:
        return _state(connection)


def _stamp(connection: Connection, revision: str) -> None:
    MigrationContext.configure(connection).stamp(scripts(), revision)


def ensure_schema(engine: Engine, shown_url: str) -> SchemaState:
    """Create a new database at head, stamp a pre-migration one, refuse a wrong version.

    Two processes may open a brand-new database at the same moment: the loser of the race
    sees the winner's tables or version row, and simply checks again.
    """
    for attempt in range(3):
        try:
            with engine.begin() as connection:
                found = _state(connection)
                if found.up_to_date:
                    return found
                if found.tables == 0:  # brand-new (or emptied by the demo's reset)
                    SQLModel.metadata.create_all(connection)
                    _stamp(connection, found.head)
                    return SchemaState(found.head, found.head, len(SQLModel.metadata.tables))
                if found.current is None and found.head == BASELINE:
                    # Made by create_all before migrations: the baseline, perhaps missing a
                    # table that was added before then (create_all adds it, as it always did).
                    SQLModel.metadata.create_all(connection)
                    _stamp(connection, BASELINE)
                    return SchemaState(BASELINE, found.head, len(SQLModel.metadata.tables))
                break
        except (OperationalError, ProgrammingError, SqlIntegrityError):
            if attempt == 2 or not _raced(engine):
                raise
    raise SchemaVersionError(_refusal(found, shown_url))


def _raced(engine: Engine) -> bool:
    """After a failed create: has another process versioned the database meanwhile?"""
    try:
        return state(engine).current is not None
    except (OperationalError, ProgrammingError):
        return False


def _refusal(found: SchemaState, shown_url: str) -> str:
    if found.current is None:
        return (
            f"database {shown_url} predates schema versions (c2m needs {found.head}); back it up, "
            "then run `c2m db upgrade`"
        )
    if not _known(found.current):
        return (
            f"database {shown_url} is at schema version {found.current}, newer than this "
            f"c2m-planner knows (up to {found.head}); upgrade c2m-planner to use it"
        )
    return (
        f"database {shown_url} is at schema version {found.current}, older than this "
        f"c2m-planner ({found.head}); back it up, then run `c2m db upgrade`"
    )


def upgrade(engine: Engine, shown_url: str, revision: str = "head") -> tuple[SchemaState, str]:
    """Migrate the database to ``revision`` (default: the newest); returns (before, after).

    A database without a version table but with c2m's tables predates migrations: it holds
    the baseline schema, so it is stamped with the baseline first and migrated from there.
    """
    with engine.begin() as connection:
        before = _state(connection)
        if before.current is not None and not _known(before.current):
            raise SchemaVersionError(_refusal(before, shown_url))
        if before.current is None and before.tables:
            _stamp(connection, BASELINE)
        command.upgrade(alembic_config(connection), revision)
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after or ""


def new_revision(message: str) -> str:
    """For maintainers after a model change: autogenerate the next revision file.

    Migrates a scratch SQLite database to the newest revision, compares it with the models
    and writes the difference into ``c2m/migrations/versions/``; read and correct it before
    committing. ``python -c "from c2m.schema import new_revision; new_revision('add X')"``
    """
    import tempfile

    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/scratch.db")
        try:
            with engine.begin() as connection:
                command.upgrade(alembic_config(connection), "head")
                script = command.revision(
                    alembic_config(connection), message=message, autogenerate=True
                )
        finally:
            engine.dispose()
    scripts.cache_clear()
    path = getattr(script, "path", "")
    return str(path)
