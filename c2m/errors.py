"""One exception family for the application, each kind mapped to a documented exit code.

``cli.py`` turns any :class:`C2MError` into one sentence on stderr and its exit code, so a
user's mistake never shows a traceback. Codes follow the BSD ``sysexits`` convention where
one exists, because cron wrappers and shell scripts already know them.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in the README."""

    OK = 0
    FAILED = 1  # nothing could be done (unreadable file, no recognisable columns, ...)
    PARTIAL = 2  # done, but some input rows were rejected
    USAGE = 64  # EX_USAGE: bad command-line arguments
    DATA = 65  # EX_DATAERR: bad input data (config, catalogue, forecast)
    INTERNAL = 70  # EX_SOFTWARE: a bug; the message says where to look
    TEMPFAIL = 75  # EX_TEMPFAIL: try again later (another replan holds the lock)


class C2MError(Exception):
    """Base of every error the application raises on purpose."""

    exit_code: ExitCode = ExitCode.FAILED


class ConfigError(C2MError):
    """The factory configuration is missing, unreadable or invalid; the message names the key."""

    exit_code = ExitCode.DATA


class DataError(C2MError):
    """Input data cannot be used (a file, a row, a catalogue entry); the message says which."""

    exit_code = ExitCode.DATA


class ImportFailed(C2MError):
    """A file could not be imported at all (unreadable, or no recognisable columns)."""

    exit_code = ExitCode.FAILED


class NotFound(C2MError):
    """A plan, run or record the user named does not exist."""

    exit_code = ExitCode.DATA


class LockBusy(C2MError):
    """Another process holds the lock (e.g. a replan is already running)."""

    exit_code = ExitCode.TEMPFAIL


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """cron and systemd stop a job with SIGTERM: handle it as Ctrl-C (transactions roll
    back, runs are recorded as interrupted, exit 130) instead of dying mid-write."""

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
