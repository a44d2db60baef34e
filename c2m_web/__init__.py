"""``c2m serve``: the web page merchandisers and planners use, a second face beside ``cli.py``.

Why FastAPI, Jinja2 and uvicorn: FastAPI's ``Depends`` makes authentication, the role check,
the CSRF check and the database session parameters of each route, so no route can forget
them and a test can read every route's rights off its signature; Jinja2 renders the pages on
the server and escapes every value by default, so a SKU called ``<script>`` is shown, never
run; uvicorn is the standard ASGI server, one process, nothing to build. There is no
JavaScript build step and nothing comes from a CDN: the only script is plotly.js, served
from the plotly package that the reports already embed, so the page works offline on the
workshop's network.

Like the CLI, the web layer only calls :mod:`c2m` (imports, the report's data and figures,
the export, the replan and its lock, :mod:`c2m.users`); ``c2m`` never imports it.

Modules: ``settings`` (what a server is started with), ``app`` (the application and its
error pages), ``security`` (cookies, CSRF, login rate limit), ``deps`` (the ``Depends``
every route takes), ``uploads`` (checking and keeping uploaded files), ``pages`` (the
templates), ``routers/`` (one module per page group) and ``commands`` (``c2m serve``,
``c2m user``).
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from c2m_web.app import create_app
    from c2m_web.settings import WebSettings

__all__ = ["WebSettings", "create_app"]


def __getattr__(name: str) -> Any:
    """FastAPI loads only when an application is made: ``cli.py`` imports :mod:`c2m_web.commands`
    for every command, and ``c2m plan`` must not pay for the web stack."""
    if name == "create_app":
        from c2m_web.app import create_app

        return create_app
    if name == "WebSettings":
        from c2m_web.settings import WebSettings

        return WebSettings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
