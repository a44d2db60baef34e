"""The one way c2m reports progress: a callback the face (CLI, web) supplies; silent by default."""

from __future__ import annotations

from collections.abc import Callable

Say = Callable[[str], None]


def silent(message: str) -> None:
    """Says nothing: the default where no face listens."""
