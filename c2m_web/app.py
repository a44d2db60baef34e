"""The application: state, routers, static files, size limit, security headers, error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import c2m.users  # noqa: F401  (registers the user tables before the schema is created)
from c2m.db import open_engine
from c2m.report.html import plotly_js
from c2m_web import errors
from c2m_web.deps import AppState
from c2m_web.routers import auth, imports, nights, plan, users
from c2m_web.security import LoginLimiter
from c2m_web.settings import WebSettings

STATIC = Path(__file__).parent / "static"
FORM_OVERHEAD = 1 << 20  # multipart boundaries and the small fields beside the files

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
        b"style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        b"frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    ),
]


class LimitsAndHeaders:
    """ASGI middleware: refuses a request body past the upload limit while it streams in
    (before the multipart parser writes it anywhere), and adds the security headers."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit + FORM_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise_at_once = True
        else:
            raise_at_once = False
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            if raise_at_once:
                raise errors.BodyTooLarge(_too_large(limit))
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise errors.BodyTooLarge(_too_large(limit))
            return message

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, limited_receive, with_headers)


def _too_large(limit: int) -> str:
    return (
        f"the upload is larger than the limit of {(limit - FORM_OVERHEAD) / 2**20:.3g} MB "
        "([web] max_upload_mb in the factory config); nothing was imported"
    )


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """A server on ``settings``' database and config (the CLI's defaults when None)."""
    settings = settings or WebSettings()
    config = settings.config()
    engine = open_engine(settings.db_url)
    limit = settings.upload_limit(config)
    app = FastAPI(title="c2m-planner", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.c2m = AppState(
        settings=settings,
        config=config,
        engine=engine,
        limiter=LoginLimiter(config.web.login_attempts, config.web.login_window_minutes * 60),
        upload_limit=limit,
        secure_cookies=settings.secure(config),
    )
    for module in (auth, imports, plan, nights, users):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/plotly.min.js", include_in_schema=False)
    def _plotly() -> Response:
        """plotly.js from the installed plotly package: the report's own, no CDN."""
        return Response(
            plotly_js(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    errors.install(app)
    app.add_middleware(LimitsAndHeaders, limit=limit)
    return app
