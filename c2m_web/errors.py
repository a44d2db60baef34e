"""What the browser sees when something is refused or breaks: a plain page, never a trace.

Routes raise these; :func:`install` maps them, the application's own :class:`C2MError`
family, the framework's validation errors and anything unexpected to one sentence and a
status code. Unexpected errors are logged with their traceback on the server (for the
person running ``c2m serve``) and shown to the browser only as a reference number.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from c2m.errors import C2MError, LockBusy, NotFound

log = logging.getLogger("c2m_web")


class WebError(Exception):
    """A refusal with a sentence for the person and an HTTP status."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class NotLoggedIn(WebError):
    status = 401


class Forbidden(WebError):
    status = 403


class BodyTooLarge(WebError):
    status = 413


def _page(request: Request, status: int, title: str, message: str) -> Response:
    from c2m_web.pages import render_message

    return render_message(request, title, message, status)


def install(app: FastAPI) -> None:
    """Register every handler on ``app``."""

    @app.exception_handler(NotLoggedIn)
    async def _not_logged_in(request: Request, exc: NotLoggedIn) -> Response:
        if request.method == "GET":
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            from urllib.parse import quote

            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return _page(request, exc.status, "Please log in", exc.message)

    @app.exception_handler(WebError)
    async def _refused(request: Request, exc: WebError) -> Response:
        titles = {403: "Not allowed", 413: "Too large", 409: "Not now", 429: "Too many tries"}
        return _page(request, exc.status, titles.get(exc.status, "Cannot do that"), exc.message)

    @app.exception_handler(C2MError)
    async def _app_error(request: Request, exc: C2MError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, LockBusy) else 400
        return _page(request, status, "Cannot do that", str(exc))

    @app.exception_handler(RequestValidationError)
    async def _bad_form(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for error in exc.errors()[:3]:
            where = ".".join(str(part) for part in error.get("loc", ())[1:]) or "the request"
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        return _page(request, 400, "Cannot do that", "bad form: " + "; ".join(problems))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = "there is no such page" if exc.status_code == 404 else str(exc.detail)
        return _page(request, exc.status_code, "Cannot do that", message)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        reference = secrets.token_hex(4)
        log.error(
            "internal error %s on %s %s", reference, request.method, request.url.path, exc_info=exc
        )
        return _page(
            request,
            500,
            "Something went wrong",
            f"the server hit an internal error (reference {reference}); the details are in "
            "the server's log",
        )
