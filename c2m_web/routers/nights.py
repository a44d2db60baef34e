"""The nights: past replans (``c2m runs``) and, for planners, "replan now".

"Replan now" runs :func:`c2m.replan.replan` — the very function cron runs — in a thread of
the server, so it takes the same lock: when cron's replan (or another planner's) holds it,
the button answers "busy" at once and nothing starts. The page waits only until the run has
the lock (or was refused), not for the plan.
"""

from __future__ import annotations

import logging
import threading

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from c2m.errors import C2MError, LockBusy
from c2m.replan import ReplanOptions, list_runs, replan
from c2m_web.deps import AppState, Viewer, act, allow, state
from c2m_web.errors import WebError
from c2m_web.pages import render

router = APIRouter(prefix="/nights")
log = logging.getLogger("c2m_web")


@router.get("")
def nights_page(
    request: Request,
    viewer: Viewer = Depends(allow("merchandiser")),
    app: AppState = Depends(state),
) -> Response:
    return render(request, "nights.html", {"runs": list_runs(app.engine, last=30)}, viewer=viewer)


class _Start:
    """What the replan thread tells the waiting request: started as run N, or refused."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.run_id: int | None = None
        self.refusal: str | None = None


def _replan_thread(app: AppState, start: _Start, who: str) -> None:
    def progress(message: str) -> None:
        if not start.ready.is_set() and message.startswith("replan run "):
            start.run_id = int(message.split()[2].rstrip(":"))
            start.ready.set()

    try:
        outcome = replan(app.engine, app.config, ReplanOptions(), progress=progress)
        log.info("replan run %s asked by %s: %s", outcome.run_id, who, outcome.status)
    except LockBusy as exc:
        start.refusal = str(exc)
    except C2MError as exc:
        start.refusal = start.refusal or str(exc)
        log.warning("replan asked by %s failed: %s", who, exc)
    except Exception:
        log.exception("replan asked by %s hit an internal error", who)
        start.refusal = start.refusal or "the replan hit an internal error (see the server log)"
    finally:
        start.ready.set()


@router.post("/replan")
async def replan_now(
    request: Request, viewer: Viewer = Depends(act("planner")), app: AppState = Depends(state)
) -> Response:
    start = _Start()
    thread = threading.Thread(
        target=_replan_thread, args=(app, start, viewer.name), name="c2m-replan", daemon=True
    )
    thread.start()
    await run_in_threadpool(start.ready.wait)
    if start.run_id is None:
        message = start.refusal or "the replan did not start"
        status = 409 if "another replan is running" in message else 400
        raise WebError(f"busy: {message}" if status == 409 else message, status)
    message = f"replan run {start.run_id} started; this page lists it when it is done"
    return render(request, "message.html", {"title": "Replan started", "message": message},
                  status=202, viewer=viewer)  # fmt: skip
