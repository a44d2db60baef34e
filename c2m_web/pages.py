"""The templates, and the few values every page needs (who is logged in, the CSRF token).

Jinja2 escapes every ``{{ value }}`` (autoescape is on for every template): a SKU, room or
file name holding ``<script>`` is shown as text. The only markup inserted unescaped is the
report's figures, which plotly serialises as JSON inside its own ``<script>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from c2m.users import Rank

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
    viewer: Any = None,
) -> Response:
    """A page; ``viewer`` (the logged-in user) fills the menu and the forms' CSRF token."""
    values = {
        "viewer": viewer,
        "csrf": viewer.csrf if viewer is not None else "",
        "can_plan": viewer is not None and viewer.rank >= Rank.planner,
        "can_admin": viewer is not None and viewer.rank >= Rank.admin,
    }
    values.update(context or {})
    response = TEMPLATES.TemplateResponse(request, name, values, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def render_message(request: Request, title: str, message: str, status: int) -> Response:
    viewer = getattr(request.state, "viewer", None)
    return render(request, "message.html", {"title": title, "message": message}, status, viewer)
