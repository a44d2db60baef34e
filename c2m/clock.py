"""Factory time: the one clock every "now" in c2m reads.

A workshop in Dongguan plans in Dongguan time even when its server keeps UTC (the usual
setting) or sits in another country. So "now", "today", plan starts, frozen windows and the
day a sale belongs to all come from the factory's time zone (``factory.timezone`` in the
config), never from the host's clock settings.

The convention for stored times (see :mod:`c2m.models`): every datetime in the database is
a *naive* datetime holding the factory's wall-clock time. Aware datetimes that come in (an
export's ``2026-11-03T20:15:00Z``) are converted to factory wall time at the edge, by
:func:`to_factory`.

Code that has the factory config passes it (``factory_now(cfg)``). Stamps written deep
inside the application (a row's ``created_at``) have no config at hand; they read the
process's factory zone, which the command line sets once from the loaded config with
:func:`use_zone`. Until it is set, the config's default zone (Asia/Shanghai) is used, so a
stamp never depends on the host's ``TZ``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Protocol

DEFAULT_ZONE = "Asia/Shanghai"

_zone: zoneinfo.ZoneInfo = zoneinfo.ZoneInfo(DEFAULT_ZONE)


class _HasFactory(Protocol):
    """Anything with ``factory.timezone``: a :class:`c2m.config.FactoryConfig`."""

    @property
    def factory(self) -> _HasZone: ...


class _HasZone(Protocol):
    @property
    def timezone(self) -> str: ...


Zone = str | zoneinfo.ZoneInfo | _HasFactory | None


def zone_of(where: Zone = None) -> zoneinfo.ZoneInfo:
    """The zone meant by ``where``: a config, a zone name, a zone, or ``None`` (the process's)."""
    if where is None:
        return _zone
    if isinstance(where, zoneinfo.ZoneInfo):
        return where
    if isinstance(where, str):
        return zoneinfo.ZoneInfo(where)
    return zoneinfo.ZoneInfo(where.factory.timezone)


def use_zone(where: Zone) -> zoneinfo.ZoneInfo:
    """Make ``where`` the process's factory zone (the CLI calls this once it has the config).

    Returns the zone that was in force before, so a caller (a test) can put it back.
    """
    global _zone
    previous = _zone
    _zone = zone_of(where) if where is not None else zoneinfo.ZoneInfo(DEFAULT_ZONE)
    return previous


def current_zone() -> zoneinfo.ZoneInfo:
    """The process's factory zone."""
    return _zone


def factory_now(where: Zone = None) -> dt.datetime:
    """Now, as naive factory wall time to the second (how the database stores times)."""
    return dt.datetime.now(zone_of(where)).replace(tzinfo=None, microsecond=0)


def factory_today(where: Zone = None) -> dt.date:
    """Today's date at the factory (which may already be tomorrow for the server)."""
    return factory_now(where).date()


def to_factory(value: dt.datetime, where: Zone = None) -> dt.datetime:
    """``value`` as naive factory wall time: an aware value is converted, a naive one is taken
    to be factory time already (the stored convention) and returned unchanged."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value
    return value.astimezone(zone_of(where)).replace(tzinfo=None)
