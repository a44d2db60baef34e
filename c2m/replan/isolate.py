"""Run the solve in a child process, so that a crash of native code cannot take the run down.

CP-SAT is C++: a failed internal check aborts the whole process (SIGABRT), and nothing of
Python's — not ``finally``, not the run record, not the log line — survives it. An unattended
replan must still publish a plan and say what happened, so the planner's pure core runs in a
forked child that sends its result back through a pipe; when the child dies instead, the
runner learns how (the signal or exit code) and can try again another way.

On Linux ``fork`` is used, so the child starts at once with everything already imported and
the inputs already in memory; the parent has not started any solver threads yet. Windows
has no ``fork`` and macOS makes it unsafe, so there the child is ``spawn``-ed: it imports c2m
afresh and receives the (picklable) function and inputs through the pipe. ``C2M_MP_START``
(``fork``, ``spawn`` or ``forkserver``) overrides the choice; CI runs the suite once with
``spawn`` so the Windows and macOS path stays tested on Linux.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import multiprocessing as mp
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterable
from typing import Any

START_ENV = "C2M_MP_START"


def start_method() -> str:
    """``fork`` on Linux, ``spawn`` elsewhere, unless ``$C2M_MP_START`` says otherwise."""
    asked = os.environ.get(START_ENV, "").strip()
    if asked:
        if asked not in mp.get_all_start_methods():
            raise ValueError(
                f"{START_ENV}={asked!r} is not a start method here "
                f"({', '.join(mp.get_all_start_methods())})"
            )
        return asked
    return "fork" if sys.platform.startswith("linux") else "spawn"


class ChildDied(RuntimeError):
    """The child ended without a result (killed by a signal, or exited)."""


def _die_with_parent() -> None:
    """Linux: SIGKILL this child when the parent dies (a ``kill -9`` of the replan)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError, TypeError):
        pass  # elsewhere the orphan finishes its solve and exits on the broken pipe


_PR_SET_PDEATHSIG = 1


def _child(conn, fn: Callable[..., Any], args: tuple, kwargs: dict, close: tuple) -> None:
    _die_with_parent()
    # Descriptors of the parent's lock (lock file, the advisory lock's socket) must not
    # live on in the child: if the parent is killed, the lock has to go with it.
    for fd in close:
        with contextlib.suppress(OSError):
            os.close(fd)
    faulthandler.disable()  # the parent reports a crash; no interpreter dump on stderr
    try:
        payload = ("ok", fn(*args, **kwargs))
    except BaseException as exc:  # sent back and re-raised in the parent, type and all
        payload = ("error", exc, traceback.format_exc())
    try:
        conn.send(payload)
    except Exception as exc:  # an unpicklable exception: send its text instead
        conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), ""))
    finally:
        conn.close()


def call(fn: Callable[..., Any], *args: Any, close_fds: Iterable[int] = (), **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a child process; its exceptions are re-raised here.

    ``close_fds``: descriptors a forked child closes first (the parent's lock); a spawned
    child inherits none, so it has none to close. Under ``spawn``, ``fn`` and its arguments
    must be picklable (module-level functions, plain data). Raises :class:`ChildDied` when
    the child ends without sending a result.
    """
    method = start_method()
    ctx = mp.get_context(method)
    close = tuple(close_fds) if method == "fork" else ()
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, fn, args, kwargs, close), daemon=True)
    child.start()
    send.close()
    try:
        try:
            payload = receive.recv()  # returns as soon as the child sent, or it died (EOF)
        except EOFError:
            payload = None
        child.join()
    finally:
        receive.close()
        if child.is_alive():  # interrupted while waiting: do not leave the solver running
            child.kill()
            child.join()
    if payload is None:
        code = child.exitcode
        if code is not None and code < 0:
            name = signal.Signals(-code).name
            raise ChildDied(f"the solver process was killed by {name}")
        raise ChildDied(f"the solver process exited with code {code} and no plan")
    if payload[0] == "error":
        raise payload[1]
    return payload[1]
