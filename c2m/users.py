"""People who use the web page: users, their roles, their sessions, and who uploaded what.

The tables live in this module, apart from :mod:`c2m.models`, because only the web face
(``c2m serve``) and ``c2m user`` need them; ``c2m import`` from a terminal records no user
(the shell account is the audit trail there). Importing this module registers the tables on
``SQLModel.metadata``, so :func:`c2m.db.open_engine` creates them.

Passwords are hashed with argon2id (the OWASP recommendation; ``argon2-cffi``, part of the
``web`` extra), never stored or logged in plain. Sessions are random tokens of which the
database keeps only the SHA-256: a copy of the database does not let anyone log in, and
deleting a user deletes their sessions in the same transaction, so a deleted user's cookie
stops working on the very next request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import secrets
from enum import IntEnum

from sqlalchemy import delete
from sqlmodel import Field, Session, SQLModel, select

from c2m.errors import C2MError, DataError, ExitCode, NotFound
from c2m.models import LocalTime, _now

ROLES = ("merchandiser", "planner", "admin")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 would hash a megabyte happily; a login form need not accept it
_NAME = re.compile(r"^[\w.@-]{1,64}$")


class Rank(IntEnum):
    """Each role may do what the roles below it may: planners also replan and export, admins
    also manage users."""

    merchandiser = 1
    planner = 2
    admin = 3


class User(SQLModel, table=True):
    """A person who logs in to ``c2m serve``."""

    __tablename__ = "app_user"  # "user" is a reserved word in PostgreSQL

    name: str = Field(primary_key=True, max_length=64)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=256)
    created_at: dt.datetime = LocalTime(default_factory=_now)
    disabled: bool = False


class WebSession(SQLModel, table=True):
    """A logged-in browser; only the token's SHA-256 is stored."""

    __tablename__ = "web_session"

    token_sha256: str = Field(primary_key=True, max_length=64)
    user_name: str = Field(index=True, max_length=64)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = LocalTime(default_factory=_now)


class ImportUpload(SQLModel, table=True):
    """Who uploaded the file behind an import batch, and the name their browser gave it."""

    __tablename__ = "import_upload"

    batch_id: int = Field(primary_key=True)
    user_name: str = Field(index=True, max_length=64)
    file_name: str = Field(max_length=255)


class WebExtraMissing(C2MError):
    """The optional ``web`` dependencies are not installed."""

    exit_code = ExitCode.FAILED


def _hasher():
    try:
        from argon2 import PasswordHasher
    except ImportError:
        raise WebExtraMissing(
            "passwords need the web extra: pip install 'c2m-planner[web]'"
        ) from None
    return PasswordHasher()


def check_name(name: str) -> str:
    """A user name: 1-64 letters, digits, ``.``, ``_``, ``-`` or ``@`` (no spaces, no markup)."""
    if not _NAME.match(name or ""):
        raise DataError("a user name is 1 to 64 letters, digits, '.', '_', '-' or '@' (no spaces)")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise DataError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise DataError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise DataError(f"the password must have at most {MAX_PASSWORD} characters")
    return password


def add_user(session: Session, name: str, role: str, password: str) -> User:
    """Create a user; refuses a name that is taken, an unknown role or a short password."""
    check_name(name)
    check_role(role)
    check_password(password)
    if session.get(User, name) is not None:
        raise DataError(f"user {name!r} already exists (remove it first to start again)")
    user = User(name=name, role=role, password_hash=_hasher().hash(password))
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.name)).all())


def delete_user(session: Session, name: str) -> None:
    """Remove a user and every session they have; their import history keeps their name."""
    user = session.get(User, name)
    if user is None:
        raise NotFound(f"there is no user {name!r} (`c2m user list` lists them)")
    session.exec(delete(WebSession).where(WebSession.user_name == name))
    session.delete(user)
    session.flush()


def verify(session: Session, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs and they are not disabled, else None.

    An unknown name costs one hash as well, so response time does not tell which names exist.
    """
    hasher = _hasher()
    user = session.get(User, name) if _NAME.match(name or "") else None
    if user is None or user.disabled or len(password) > MAX_PASSWORD:
        _dummy_verify(hasher)
        return None
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def _dummy_verify(hasher) -> None:
    from argon2.exceptions import VerificationError

    with contextlib.suppress(VerificationError):
        hasher.verify(_dummy_hash(hasher), "not the password")


_DUMMY: list[str] = []


def _dummy_hash(hasher) -> str:
    if not _DUMMY:
        _DUMMY.append(hasher.hash(secrets.token_hex(16)))
    return _DUMMY[0]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User) -> tuple[str, WebSession]:
    """A new login: the token for the cookie (shown once) and the stored row."""
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_sha256=_digest(token), user_name=user.name, csrf_token=secrets.token_urlsafe(32)
    )
    session.add(row)
    session.flush()
    return token, row


def session_user(session: Session, token: str) -> tuple[User, WebSession] | None:
    """The live user behind a cookie's token, or None (unknown, logged out, deleted, disabled)."""
    if not token or len(token) > 256:
        return None
    row = session.get(WebSession, _digest(token))
    if row is None:
        return None
    user = session.get(User, row.user_name)
    if user is None or user.disabled:
        return None
    return user, row


def close_session(session: Session, token: str) -> None:
    session.exec(delete(WebSession).where(WebSession.token_sha256 == _digest(token)))


def record_upload(session: Session, batch_ids: list[int], user_name: str, file_name: str) -> None:
    """Note who uploaded the file behind each import batch."""
    for batch_id in batch_ids:
        session.add(ImportUpload(batch_id=batch_id, user_name=user_name, file_name=file_name))
    session.flush()
