"""Run the solve in a child process, so that a crash of native code cannot take the run down.

CP-SAT is C++: a failed internal check aborts the whole process (SIGABRT), and nothing of
Python's — not ``finally``, not the run record, not the log line — survives it. An unattended
replan must still publish a plan and say what happened, so the planner's pure core runs in a
forked child that sends its result back through a pipe; when the child dies instead, the
runner learns how (the signal or exit code) and can try again another way.

``fork`` is used (not ``spawn``) so the child starts at once with everything already imported
and the inputs already in memory; the parent has not started any solver threads yet.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import multiprocessing as mp
import os
import signal
import traceback
from collections.abc import Callable, Iterable
from typing import Any


class ChildDied(RuntimeError):
    """The child ended without a result (killed by a signal, or exited)."""


def _die_with_parent() -> None:
    """Linux: SIGKILL this child when the parent dies (a ``kill -9`` of the replan)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
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
    """``fn(*args, **kwargs)`` in a forked child; its exceptions are re-raised here.

    ``close_fds``: descriptors the child closes first (the parent's lock). Raises
    :class:`ChildDied` when the child ends without sending a result.
    """
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(send, fn, args, kwargs, tuple(close_fds)), daemon=True)
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
