"""The lot policies a plan can follow, as one closed set instead of loose strings."""

from __future__ import annotations

from enum import StrEnum


class Mode(StrEnum):
    """How lots are sized: ``c2m`` makes small lots close to demand, ``batch`` the classic big ones.

    A ``StrEnum`` so that a member compares, formats and serialises as its plain value: code that
    still passes ``"c2m"`` keeps working, and stored plans keep their ``mode`` text.
    """

    C2M = "c2m"
    BATCH = "batch"
