"""Logging for every command: people on stderr, a JSON-lines file for maintainers and cron.

The application logs with the standard :mod:`logging` module (``logging.getLogger(__name__)``)
and never configures it; the command line calls :func:`configure` once per command:

* stderr shows warnings and errors (``-v``: also progress notes, ``-vv``: debug, ``-q``:
  errors only). Libraries' :mod:`warnings` (pandas deprecations, numpy's empty slices) are
  for developers: they are captured into logging and shown on stderr only with ``-v``;
* ``--log-file PATH`` appends every record, one JSON object per line, with the factory time,
  so an unattended night can be read back (and parsed) the next morning. The library
  warnings are there too: they are routed to the log, not silenced.

Each command also leaves one closing record in the file: its name, exit code and seconds.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Any

from c2m.clock import current_zone

_OURS = "_c2m_handler"  # marks the handlers configure() installs (replaced on the next call)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
FILE_ONLY = {"file_only": True}  # extra= for records people have already seen another way


class JsonLines(logging.Formatter):
    """One JSON object per record: time (factory zone, with its offset), level, logger,
    message, and any ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = dt.datetime.fromtimestamp(record.created, current_zone())
        payload: dict[str, Any] = {
            "time": stamp.isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key != "file_only" and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["traceback"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (test runners swap it between commands)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class _ForPeople(logging.Filter):
    """What stderr shows: no file-only records, library warnings only when verbose."""

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "file_only", False):
            return False
        return self.verbose or record.name != "py.warnings"


def stderr_level(verbosity: int) -> int:
    """-q (verbosity -1): errors; default: warnings; -v: info; -vv: debug."""
    if verbosity < 0:
        return logging.ERROR
    return {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)


def configure(verbosity: int = 0, log_file: Path | None = None) -> None:
    """Install this command's handlers on the root logger (replacing a previous command's)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
        handler.close()
    people = _Stderr()
    people.setLevel(stderr_level(verbosity))
    people.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    people.addFilter(_ForPeople(verbose=verbosity > 0))
    handlers: list[logging.Handler] = [people]
    if log_file is not None:
        log_file = Path(log_file)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        machine = logging.FileHandler(log_file, encoding="utf-8")
        machine.setLevel(logging.DEBUG if verbosity > 1 else logging.INFO)
        machine.setFormatter(JsonLines())
        handlers.append(machine)
    for handler in handlers:
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    root.setLevel(min(h.level for h in handlers))
    # Alembic narrates every schema check at INFO: noise in a log read for a night's events.
    logging.getLogger("alembic").setLevel(logging.DEBUG if verbosity > 1 else logging.WARNING)
    capture_warnings()


def capture_warnings() -> None:
    """Library warnings become log records (logger ``py.warnings``) instead of raw stderr."""
    logging.captureWarnings(True)


_log = logging.getLogger("c2m.command")


def command_started(ctx: Any) -> None:
    """The opening record: which command, with which arguments (a URL's password hidden)."""
    from c2m.db import shown_url

    args = [shown_url(a) if "://" in a else a for a in sys.argv[1:]]
    _log.info("c2m %s", ctx.invoked_subcommand or "", extra={"argv": args})


def command_finished(ctx: Any, run: Any) -> Any:
    """Run the command and leave its closing record: exit code and seconds."""
    import time

    started = time.perf_counter()
    code = 0
    try:
        return run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
        raise
    except BaseException as exc:  # the CLI's Exit carries its code; anything else is a failure
        code = getattr(exc, "exit_code", None)
        code = code if isinstance(code, int) else 1
        raise
    finally:
        seconds = round(time.perf_counter() - started, 3)
        name = ctx.invoked_subcommand or ""
        level = logging.INFO if code == 0 else logging.WARNING
        _log.log(
            level,
            "c2m %s finished with exit code %s",
            name,
            code,
            extra={"command": name, "exit_code": code, "seconds": seconds, **FILE_ONLY},
        )
