"""Engines and sessions: SQLite in a file by default, PostgreSQL when the URL says so.

Every command takes the URL from ``--db``, else ``C2M_DATABASE_URL``, else ``sqlite:///c2m.db``
in the working directory, and creates the schema when it is missing, so a new user never has to
remember ``c2m init``. Every command also checks the schema's version here (:mod:`c2m.schema`):
a database older or newer than the code is refused with one sentence and exit 1.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.exc import DatabaseError as SqlDatabaseError
from sqlmodel import Session, create_engine

from c2m import models, users  # noqa: F401  (register the tables on SQLModel.metadata)
from c2m.errors import C2MError, ExitCode
from c2m.schema import ensure_schema

T = TypeVar("T")

DEFAULT_URL = "sqlite:///c2m.db"
ENV_VAR = "C2M_DATABASE_URL"


class DatabaseError(C2MError):
    """The database server cannot be reached: cron should simply try again later."""

    exit_code = ExitCode.TEMPFAIL


class DatabaseUrlError(DatabaseError):
    """The URL itself is wrong (unparseable, unknown driver): retrying cannot help."""

    exit_code = ExitCode.USAGE


class DatabaseFileError(DatabaseError):
    """An SQLite file cannot be opened (missing folder, a directory, no permission), or the
    server answered that the database or the user does not exist: retrying cannot help."""

    exit_code = ExitCode.FAILED


# What a server that answers says when the URL names a database or user it does not have:
# cron must not retry these (exit 75) forever.
_REFUSALS = ("does not exist", "authentication failed", "password authentication")


def _shown(url: object) -> str:
    """The URL as a person should see it: no password, in case it lands in a cron log."""
    try:
        return make_url(str(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return str(url)


def _one_line(text: object) -> str:
    """Drivers' messages span lines (psycopg adds a hint line); errors are one sentence."""
    return " ".join(str(text).split())


def database_url(explicit: str | None = None) -> str:
    """The URL in force, normalised so that a plain ``postgresql://`` uses psycopg 3."""
    url = explicit or os.environ.get(ENV_VAR) or DEFAULT_URL
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


@lru_cache(maxsize=16)
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process (engines hold connection pools)."""
    url = database_url(url)
    try:
        if is_sqlite(url):
            engine = create_engine(url, connect_args={"timeout": 60})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except ImportError as exc:
        if is_sqlite(url):
            raise
        raise DatabaseUrlError(
            f"cannot use database URL {_shown(url)!r}: its driver is not installed "
            f"({_one_line(exc)}); for PostgreSQL run: pip install 'c2m-planner[postgres]'"
        ) from None
    except ArgumentError as exc:
        raise DatabaseUrlError(
            f"cannot use database URL {_shown(url)!r}: {_one_line(exc)}"
        ) from None
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets a replan read while a merchandiser imports; busy_timeout waits, not fails."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_db(engine: Engine) -> None:
    """Create a new database at the newest schema; refuse one at another schema version.

    :func:`c2m.schema.ensure_schema` says why (and stamps a database made before migrations).
    """
    guarded(engine, lambda: ensure_schema(engine, _shown(engine.url)))


def guarded(engine: Engine, work: Callable[[], T]) -> T:
    """``work()``, with the driver's failure to open the database as one sentence: retry
    later (server down, file busy) or not (no such file, database or user)."""
    try:
        return work()
    except SqlDatabaseError as exc:  # OperationalError, or "file is not a database"
        reason = _one_line(exc.orig)
        busy = "locked" in reason or "busy" in reason
        sqlite = is_sqlite(engine.url.drivername)
        refused = not sqlite and any(words in reason for words in _REFUSALS)
        kind = DatabaseFileError if (sqlite and not busy) or refused else DatabaseError
        raise kind(f"cannot open database {_shown(engine.url)}: {reason}") from None


def shown_url(url: object) -> str:
    """The URL with its password hidden, for messages."""
    return _shown(url)


def open_engine(url: str | None = None) -> Engine:
    """The engine for ``url`` with its schema in place: what every command starts with."""
    engine = get_engine(url)
    init_db(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back on any error or interrupt."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
