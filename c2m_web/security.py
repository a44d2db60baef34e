"""Cookies, CSRF tokens and the failed-login limit.

* The session cookie holds a random token (see :mod:`c2m.users`); it is HttpOnly (no script
  can read it), SameSite=Lax (other sites' forms do not carry it) and Secure when the page is
  served over TLS (the config says so, or the request came in as https).
* CSRF: a logged-in form carries the session's own token, stored with the session; the login
  form, before any session exists, carries the value of a separate random cookie (the
  "double submit" pattern). A form without the right token changes nothing.
* Failed logins are counted per client address and per user name in memory (one server
  process); past ``[web] login_attempts`` within the window every login is refused, even a
  right one, until the window has passed.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "c2m_session"
LOGIN_CSRF_COOKIE = "c2m_login_csrf"
CSRF_FIELD = "csrf_token"


def is_secure(request: Request, configured: bool) -> bool:
    return configured or request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, secure: bool) -> None:
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="lax",
        secure=is_secure(request, secure),
        path="/",
    )


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same_token(given: object, expected: str | None) -> bool:
    """Constant-time comparison; a missing or non-text token never matches."""
    if not isinstance(given, str) or not expected or not given:
        return False
    return secrets.compare_digest(given.encode(), expected.encode())


class LoginLimiter:
    """Counts failed logins per key in a sliding window; thread-safe (routes run in threads)."""

    MAX_KEYS = 10_000

    def __init__(
        self, attempts: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.attempts = attempts
        self.window = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def wait_seconds(self, *keys: str) -> float:
        """0 when a login may be tried now, else how long until it may."""
        now = self._clock()
        with self._lock:
            waits = [
                self.window - (now - times[0])
                for key in keys
                if len(times := self._recent(key, now)) >= self.attempts
            ]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            for key in keys:
                self._recent(key, now).append(now)
            if len(self._failures) > self.MAX_KEYS:  # many names tried: forget the old ones
                for key in list(self._failures):
                    if not self._recent(key, now):
                        del self._failures[key]

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
