"""Log in and out. The login form is the only form without a session: its CSRF token is a
cookie's value; failed logins are limited per client address and per name."""

from __future__ import annotations

import math

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from c2m.users import Rank, close_session, open_session, verify
from c2m_web.deps import AppState, Viewer, act, current_user, db, state
from c2m_web.errors import Forbidden, WebError
from c2m_web.pages import render
from c2m_web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    new_token,
    same_token,
    set_cookie,
)

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//evil`` or ``https://evil``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/")
def home(viewer: Viewer = Depends(current_user)) -> Response:
    return RedirectResponse("/plan" if viewer.rank >= Rank.planner else "/imports", 303)


@router.get("/login")
def login_page(request: Request, next: str = "/", app: AppState = Depends(state)) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_token()
    response = render(request, "login.html", {"login_csrf": token, "next": _safe_next(next)})
    set_cookie(response, request, LOGIN_CSRF_COOKIE, token, app.secure_cookies)
    return response


@router.post("/login")
def login(
    request: Request,
    name: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
    app: AppState = Depends(state),
    session: Session = Depends(db),
) -> Response:
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise Forbidden("the login form's security token is missing or stale: reload the page")
    client = request.client.host if request.client else "unknown"
    keys = (f"ip:{client}", f"name:{name.strip().lower()[:64]}")
    wait = app.limiter.wait_seconds(*keys)
    if wait > 0:
        raise WebError(
            f"too many failed logins; try again in {math.ceil(wait / 60)} minute(s)", 429
        )
    user = verify(session, name.strip(), password)
    if user is None:
        app.limiter.failed(*keys)
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_token()
        context = {"login_csrf": token, "next": _safe_next(next), "error": True, "name": name}
        return render(request, "login.html", context, status=401)
    app.limiter.succeeded(keys[1])
    token, _row = open_session(session, user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(response, request, SESSION_COOKIE, token, app.secure_cookies)
    # A fresh login token too: one seen before logging in is not reused afterwards.
    set_cookie(response, request, LOGIN_CSRF_COOKIE, new_token(), app.secure_cookies)
    return response


@router.post("/logout")
def logout(viewer: Viewer = Depends(act("merchandiser")), session: Session = Depends(db)):
    close_session(session, viewer.session_token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
