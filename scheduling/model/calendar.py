"""Working calendars: when a resource works, and the working-time axis the solvers use."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Window = tuple[int, int]


def _windows(raw: Iterable[Sequence[int]], what: str) -> tuple[Window, ...]:
    """Checks windows are integer, non-empty, sorted and disjoint; returns them as tuples."""
    out: list[Window] = []
    for w in raw:
        if len(w) != 2:
            raise ValueError(f"Each {what} window must be a (start, end) pair, got {w!r}.")
        start, end = int(w[0]), int(w[1])
        if start < 0 or end <= start:
            raise ValueError(f"Each {what} window needs 0 <= start < end, got {w!r}.")
        if out and start < out[-1][1]:
            raise ValueError(f"The {what} windows must be sorted and disjoint; {w!r} overlaps.")
        out.append((start, end))
    return tuple(out)


@dataclass(frozen=True)
class Calendar:
    """When a resource works. Empty ``windows`` and ``overtime`` mean always open.

    Regular and overtime windows are merged into working *segments* (adjacent windows join,
    so an operation runs straight from the evening shift into overtime). The *working-time
    axis* of a calendar numbers its working minutes 0, 1, 2, ...: the solvers do setups and
    no-overlap on that axis, which makes pauses exact.
    """

    windows: tuple[Window, ...] = ()
    overtime: tuple[Window, ...] = ()
    name: str = ""
    segments: tuple[Window, ...] = field(init=False, repr=False, compare=False)
    offsets: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regular = _windows(self.windows, "calendar")
        overtime = _windows(self.overtime, "overtime")
        for a, b in overtime:
            for c, d in regular:
                if a < d and c < b:
                    raise ValueError(
                        f"Overtime window ({a}, {b}) overlaps the working window ({c}, {d})."
                    )
        if overtime and not regular:
            raise ValueError("A calendar with overtime windows needs regular windows too.")
        merged: list[list[int]] = []
        for a, b in sorted(regular + overtime):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        segments = tuple((a, b) for a, b in merged)
        offsets, total = [], 0
        for a, b in segments:
            offsets.append(total)
            total += b - a
        object.__setattr__(self, "windows", regular)
        object.__setattr__(self, "overtime", overtime)
        object.__setattr__(self, "segments", segments)
        object.__setattr__(self, "offsets", tuple(offsets))
        # Integers only: the same in every process, so a pickled calendar keeps a valid hash.
        object.__setattr__(self, "_hash", hash((regular, overtime)))

    def __hash__(self) -> int:
        # Solvers key dictionaries by calendar; hashing hundreds of windows each time is slow.
        return self._hash

    @property
    def always_open(self) -> bool:
        """True when the calendar has no windows at all: wall time and working time agree."""
        return not self.segments

    @property
    def capacity(self) -> int | None:
        """Total working minutes, or None when always open."""
        if self.always_open:
            return None
        a, b = self.segments[-1]
        return self.offsets[-1] + b - a

    @property
    def last_minute(self) -> int | None:
        """End of the last working segment, or None when always open."""
        return self.segments[-1][1] if self.segments else None

    def is_working(self, t: int) -> bool:
        """Whether minute ``[t, t+1)`` is working time (regular or overtime)."""
        if self.always_open:
            return t >= 0
        k = bisect.bisect_right(self.segments, (t, float("inf"))) - 1
        return k >= 0 and self.segments[k][0] <= t < self.segments[k][1]

    def next_working(self, t: int) -> int | None:
        """The first working minute at or after ``t``; None when the calendar has run out."""
        if self.always_open:
            return max(t, 0)
        k = bisect.bisect_right(self.segments, (t, float("inf"))) - 1
        if k >= 0 and t < self.segments[k][1]:
            return max(t, self.segments[k][0])
        return self.segments[k + 1][0] if k + 1 < len(self.segments) else None

    def to_axis(self, t: int) -> int:
        """Working minutes strictly before wall minute ``t`` (any ``t``)."""
        if self.always_open:
            return max(t, 0)
        k = bisect.bisect_right(self.segments, (t, float("inf"))) - 1
        if k < 0:
            return 0
        a, b = self.segments[k]
        return self.offsets[k] + min(t, b) - a

    def start_at(self, axis: int) -> int | None:
        """Wall minute at which working minute number ``axis`` begins (None past the end)."""
        if self.always_open:
            return axis
        k = bisect.bisect_right(self.offsets, axis) - 1
        a, b = self.segments[k]
        t = a + axis - self.offsets[k]
        return t if t < b else None

    def end_at(self, axis: int) -> int | None:
        """Wall minute just after working minute number ``axis - 1`` ends (``axis`` >= 1)."""
        if self.always_open:
            return axis
        k = bisect.bisect_left(self.offsets, axis) - 1
        if k < 0:
            return self.segments[0][0]
        a, b = self.segments[k]
        t = a + axis - self.offsets[k]
        return t if t <= b else None

    def finish(self, start: int, work: int) -> int | None:
        """Wall end of ``work`` working minutes begun at working minute ``start``."""
        if work <= 0:
            return start
        return self.end_at(self.to_axis(start) + work)


ALWAYS_OPEN = Calendar()
