"""The dependencies every route declares: the database session, the logged-in user with a
role at least the route's, and the CSRF check of every form that changes something.

A route gets its rights from its signature (``viewer: Viewer = Depends(allow("planner"))``
or ``Depends(act("planner"))`` for a POST), so a new route cannot forget them, and the
role × route test reads the same table the routes are built from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from c2m.config import FactoryConfig
from c2m.db import session_scope
from c2m.users import Rank, session_user
from c2m_web.errors import Forbidden, NotLoggedIn
from c2m_web.security import CSRF_FIELD, SESSION_COOKIE, LoginLimiter, same_token
from c2m_web.settings import WebSettings


@dataclass(frozen=True)
class AppState:
    """What one server holds for its whole life (``app.state.c2m``)."""

    settings: WebSettings
    config: FactoryConfig
    engine: Engine
    limiter: LoginLimiter
    upload_limit: int
    secure_cookies: bool


@dataclass(frozen=True)
class Viewer:
    """The logged-in person, as a route sees them."""

    name: str
    role: str
    csrf: str
    session_token: str

    @property
    def rank(self) -> Rank:
        return Rank[self.role]


def state(request: Request) -> AppState:
    return request.app.state.c2m


def db(app: AppState = Depends(state)) -> Iterator[Session]:
    """One transaction for the route: committed when it returns, rolled back on error.

    Only for routes that use no other connection meanwhile (see :func:`current_user`)."""
    with session_scope(app.engine) as session:
        yield session


def current_user(request: Request, app: AppState = Depends(state)) -> Viewer:
    """The user behind the session cookie, read from the database on every request: a user
    deleted or disabled since they logged in is out at once.

    It reads in a short transaction of its own, closed before the route runs: a request
    never holds one pooled connection while its route waits for another (an import opens
    its own), which under load would let requests starve each other of connections.
    """
    token = request.cookies.get(SESSION_COOKIE, "")
    found = None
    if token:
        with session_scope(app.engine) as session:
            found = session_user(session, token)
    if found is None:
        raise NotLoggedIn(
            "your session has ended (logged out, or the account was removed); log in again"
            if token
            else "please log in first"
        )
    user, row = found
    viewer = Viewer(name=user.name, role=user.role, csrf=row.csrf_token, session_token=token)
    request.state.viewer = viewer
    return viewer


def allow(role: str) -> Callable[..., Viewer]:
    """A dependency: the viewer, when their role is at least ``role``."""
    needed = Rank[role]

    def check(viewer: Viewer = Depends(current_user)) -> Viewer:
        if viewer.rank < needed:
            raise Forbidden(f"this needs the {role} role; you are logged in as a {viewer.role}")
        return viewer

    return check


def act(role: str) -> Callable[..., object]:
    """A dependency for a form that changes something: the role check, then the CSRF token."""
    allowed = allow(role)

    async def check(request: Request, viewer: Viewer = Depends(allowed)) -> Viewer:
        form = await request.form()
        if not same_token(form.get(CSRF_FIELD), viewer.csrf):
            raise Forbidden("the form's security token is missing or stale: reload the page")
        return viewer

    return check
