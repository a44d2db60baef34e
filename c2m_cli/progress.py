"""How the commands keep people posted while the library works: messages and bars on stderr.

The library reports through callbacks (:data:`c2m.progress.Say` for sentences, ``(done,
total)`` for counts) and never prints; these are the CLI's answers to them. All of it goes to
stderr, so ``--json`` output on stdout stays clean to pipe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from c2m_cli.render import err


def say(message: str) -> None:
    """The library's progress messages (a :data:`c2m.progress.Say`), as plain text on stderr."""
    err.print(message, highlight=False)


def say_raw(message: str) -> None:
    """Like :func:`say`, for messages that may hold brackets Rich would read as markup."""
    err.print(message, highlight=False, markup=False, soft_wrap=True)


# --- progress bars (stderr) -------------------------------------------------------------------


@contextmanager
def file_progress() -> Iterator[Callable[[str, int, int], None]]:
    """A bar per file on stderr, fed by the importer's ``(file, done, total)`` callback; silent
    when stderr is not a terminal (a cron log wants the summary, not redraws)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(Path(name).name, total=total)
            bar.update(tasks[name], completed=done)

        yield progress


@contextmanager
def fit_progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on stderr, fed by the library's (done, total) callback."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
