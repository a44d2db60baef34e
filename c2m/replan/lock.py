"""The replan lock: two replans must never run at once, on SQLite or on PostgreSQL.

Why two mechanisms: the lock has to live where every replan that shares the data can see it.

* SQLite — an exclusive OS file lock (the ``filelock`` package: ``flock`` on Linux and
  macOS, ``msvcrt.locking`` on Windows) on a lock file beside the database file
  (``c2m.db`` -> ``c2m.db.replan.lock``). The operating system drops the lock when the
  process dies, even on ``kill -9``, so a crash never leaves a stale lock behind. The holder
  writes who it is (pid, host, start time, run id) into a note beside it
  (``c2m.db.replan.holder``; Windows does not let the loser read a locked file), so the
  loser can name it.
* PostgreSQL — a session advisory lock (``pg_try_advisory_lock``) taken on a dedicated
  connection held for the whole run; the server drops it when that session ends. The key is
  derived from the database and schema, so separate schemas (tests, several factories on one
  server) do not block each other. The holder names itself in ``application_name``, which the
  loser reads back through ``pg_locks`` and ``pg_stat_activity``.

Taking the lock never waits: a second replan fails at once with :class:`LockBusy` (exit 75,
"try again later"), because cron will simply try again the next night.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
from pathlib import Path
from typing import Protocol

import filelock
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from c2m.clock import factory_now, to_factory
from c2m.errors import LockBusy

LOCK_NAME = "c2m-replan"


class ReplanLock(Protocol):
    """What the runner needs from a lock, whatever the backend."""

    def acquire(self) -> None: ...

    def note_run(self, run_id: int) -> None: ...

    def release(self) -> None: ...

    def fds(self) -> list[int]: ...


def holder_identity() -> dict[str, object]:
    """Who this process is, as the other replan will read it in its error message."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": factory_now().isoformat(sep=" "),
    }


def busy(holder: dict[str, object] | None) -> LockBusy:
    """The error a second replan fails with; ``holder`` stays on it for the caller to enrich."""
    error = LockBusy(busy_message(holder))
    error.holder = dict(holder or {})
    return error


def busy_message(holder: dict[str, object] | None) -> str:
    if not holder:
        return "another replan is running (it is still starting up); try again later"
    parts = []
    if holder.get("run_id") is not None:
        parts.append(f"run {holder['run_id']}")
    if holder.get("pid") is not None:
        parts.append(f"pid {holder['pid']}")
    if holder.get("host"):
        parts.append(f"on host {holder['host']}")
    if holder.get("started_at"):
        parts.append(f"started {holder['started_at']}")
    return f"another replan is running ({', '.join(parts)}); try again later"


class FileLock:
    """An exclusive, non-blocking OS lock on ``path``; a note beside it says who holds it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.note = self.path.with_suffix(".holder")
        self._lock: filelock.BaseFileLock | None = None
        self._holder: dict[str, object] = {}

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(self.path, timeout=0, thread_local=False)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise busy(self._read()) from None
        self._lock = lock
        self._holder = holder_identity()
        self._write()

    def note_run(self, run_id: int) -> None:
        self._holder["run_id"] = run_id
        self._write()

    def fds(self) -> list[int]:
        """Descriptors that hold the lock (a forked child must close them)."""
        context = getattr(self._lock, "_context", None)
        fd = getattr(context, "lock_file_fd", None)
        return [] if fd is None else [fd]

    def release(self) -> None:
        if self._lock is None:
            return
        # The lock goes away with the process anyway; a stale note would be harmless.
        with contextlib.suppress(OSError):
            self.note.unlink(missing_ok=True)
        self._lock.release(force=True)
        self._lock = None

    def _write(self) -> None:
        """Replace the note whole (write a temporary file, then rename over it)."""
        tmp = self.note.with_name(f"{self.note.name}.{os.getpid()}")
        tmp.write_text(json.dumps(self._holder), encoding="utf-8")
        os.replace(tmp, self.note)

    def _read(self) -> dict[str, object] | None:
        try:
            raw = self.note.read_text(encoding="utf-8")
            return json.loads(raw) if raw.strip() else None
        except (OSError, ValueError):
            return None


def _advisory_key(database: str, schema: str) -> int:
    """A positive 63-bit key for this database and schema (positive: easy to find in pg_locks)."""
    digest = hashlib.blake2b(f"{LOCK_NAME}:{database}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


class AdvisoryLock:
    """A PostgreSQL session advisory lock on a connection of its own, held for the run."""

    def __init__(self, url: str) -> None:
        # NullPool: the connection is really closed on release, never parked in a pool.
        self._engine = create_engine(url, poolclass=NullPool)
        self._conn: Connection | None = None
        self.key: int | None = None

    def acquire(self) -> None:
        conn = self._engine.connect()
        try:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            where = text("select current_database(), current_schema()")
            database, schema = conn.execute(where).one()
            self.key = _advisory_key(database, schema or "public")
            got = conn.execute(text("select pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
            if not got:
                holder = self._holder(conn, self.key)
                conn.close()
                raise busy(holder)
            me = holder_identity()
            name = f"{LOCK_NAME} pid={me['pid']} host={me['host']}"[:63]
            conn.execute(text("select set_config('application_name', :n, false)"), {"n": name})
        except BaseException:
            if not conn.closed:
                conn.close()
            raise
        self._conn = conn

    def note_run(self, run_id: int) -> None:
        """Nothing to do: the loser finds the run id in the ``replan_run`` table."""

    def fds(self) -> list[int]:
        """The socket of the lock's session (a forked child must close it)."""
        if self._conn is None:
            return []
        try:
            return [self._conn.connection.dbapi_connection.fileno()]
        except (AttributeError, OSError):
            return []

    def release(self) -> None:
        if self._conn is None:
            return
        try:
            self._conn.execute(text("select pg_advisory_unlock(:k)"), {"k": self.key})
        finally:
            self._conn.close()
            self._conn = None
            self._engine.dispose()

    @staticmethod
    def _holder(conn: Connection, key: int) -> dict[str, object] | None:
        row = conn.execute(
            text(
                "select a.application_name, a.backend_start, a.client_hostname, a.client_addr "
                "from pg_locks l join pg_stat_activity a on a.pid = l.pid "
                "where l.locktype = 'advisory' and l.granted and l.objsubid = 1 "
                "and ((l.classid::bigint << 32) | l.objid::bigint) = :k"
            ),
            {"k": key},
        ).first()
        if row is None:
            return None
        holder: dict[str, object] = {}
        for word in (row.application_name or "").split():
            name, _, value = word.partition("=")
            if name in ("pid", "host") and value:
                holder[name] = value
        if "host" not in holder:
            holder["host"] = row.client_hostname or (
                str(row.client_addr) if row.client_addr else "localhost"
            )
        if row.backend_start is not None:
            start = row.backend_start.replace(microsecond=0)
            holder["started_at"] = to_factory(start).isoformat(sep=" ")
        return holder


def lock_for(engine: Engine) -> ReplanLock:
    """The right lock for ``engine``'s database."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:":
            # An in-memory database cannot be shared between processes; lock per directory.
            return FileLock(Path.cwd() / f".{LOCK_NAME}.lock")
        path = Path(database)
        return FileLock(path.with_name(path.name + ".replan.lock"))
    return AdvisoryLock(url.render_as_string(hide_password=False))
