"""Users and roles, for admins: list, add, remove (the same functions as ``c2m user``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from sqlmodel import Session
from starlette.responses import RedirectResponse, Response

from c2m.users import ROLES, add_user, delete_user, list_users
from c2m_web.deps import Viewer, act, allow, db
from c2m_web.errors import WebError
from c2m_web.pages import render

router = APIRouter(prefix="/users")


@router.get("")
def users_page(
    request: Request, viewer: Viewer = Depends(allow("admin")), session: Session = Depends(db)
) -> Response:
    context = {"users": list_users(session), "roles": ROLES}
    return render(request, "users.html", context, viewer=viewer)


@router.post("/add")
def add(
    name: str = Form(""),
    role: str = Form(""),
    password: str = Form(""),
    viewer: Viewer = Depends(act("admin")),
    session: Session = Depends(db),
) -> Response:
    add_user(session, name.strip(), role, password)
    return RedirectResponse("/users", status_code=303)


@router.post("/remove")
def remove(
    name: str = Form(""), viewer: Viewer = Depends(act("admin")), session: Session = Depends(db)
) -> Response:
    if name == viewer.name:
        raise WebError("you cannot remove your own account (another admin can)")
    delete_user(session, name)
    return RedirectResponse("/users", status_code=303)
