"""Cell values as seller back-ends write them: ``1,234``, `` 56 ``, ``1.2万``, ``2026/11/3``.

Every parser takes the raw cell text and returns a value or raises :class:`ValueError` whose
message is one plain sentence a merchandiser can act on; the importer adds file, line and
field. Empty cells are the caller's business (``None`` here), because whether a blank is a
zero, "unknown" or an error depends on the column.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from c2m.clock import Zone, to_factory

# Multipliers that Chinese dashboards put after a number: 1.2万 = 12,000. "w" is the
# romanised 万 that Douyin and Kuaishou dashboards also use.
_MULTIPLIERS = {"万": Decimal(10_000), "w": Decimal(10_000), "亿": Decimal(100_000_000)}
# Thousands separators (ASCII and full-width comma), spaces of every width, currency marks.
_NOISE = str.maketrans("", "", ",，  \u3000\u00a0_'¥￥$元")
_DASHES = "-—–"
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d{1,2}")
# "1.049,50": dots between thousands and a decimal comma, as European spreadsheets write.
_DOTTED_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d{1,2}")
_LARGEST = Decimal(10) ** 15  # no shop sells a quadrillion of anything: a typo or a garbled cell
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Counts are stored as the databases' INTEGER (PostgreSQL's is 32-bit): a bigger count is a
# typo or a garbled cell, and is rejected here rather than by the database.
MAX_COUNT = 2**31 - 1


def _decimal(text: str) -> Decimal | None:
    """The number in ``text`` as a Decimal, ``None`` for a blank; ValueError if not a number."""
    stripped = text.strip()
    if _DECIMAL_COMMA.fullmatch(stripped):  # "59,9": one comma, 1-2 digits after it, is a
        stripped = stripped.replace(",", ".")  # decimal comma (a thousands comma has 3)
    elif _DOTTED_THOUSANDS.fullmatch(stripped):
        stripped = stripped.replace(".", "").replace(",", ".")
    cleaned = stripped.translate(_NOISE)
    if not cleaned.strip(_DASHES):  # blank, or "-" / "--" / "—": dashboards' "nothing here"
        return None
    multiplier = Decimal(1)
    suffix = cleaned[-1].lower()
    if suffix in _MULTIPLIERS:
        multiplier = _MULTIPLIERS[suffix]
        cleaned = cleaned[:-1]
    # Full-width digits (０-９) and similar: normalise to ASCII before matching.
    cleaned = "".join(_ascii_digit(ch) for ch in cleaned)
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"{text.strip()!r} is not a number")
    try:
        value = Decimal(cleaned) * multiplier
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"{text.strip()!r} is not a number")
    if abs(value) > _LARGEST:
        raise ValueError(f"{text.strip()!r} is too large")
    return value


def _ascii_digit(ch: str) -> str:
    """Full-width and other Unicode decimal digits (０-９) as their ASCII digit."""
    if ch.isascii():
        return ch
    digit = unicodedata.decimal(ch, None)
    return ch if digit is None else str(digit)


def parse_count(text: str) -> int | None:
    """A non-negative whole count (clicks, orders, units): ``None`` for a blank cell."""
    try:  # the fast path: plain digits, which is what almost every cell holds
        value = int(text)
    except ValueError:
        number = _decimal(text)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValueError(f"{text.strip()!r} is not a whole number") from None
        value = int(number)
    if value < 0:
        raise ValueError(f"{text.strip()!r} is negative")
    if value > MAX_COUNT:
        raise ValueError(f"{text.strip()!r} is too large (at most {MAX_COUNT:,})")
    return value


def parse_number(text: str, *, allow_negative: bool = False) -> float | None:
    """A decimal amount (price, metres, minutes): ``None`` for a blank cell."""
    try:
        value = float(text)
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{text.strip()!r} is not a number")
    except ValueError:
        number = _decimal(text)
        if number is None:
            return None
        value = float(number)
    if value < 0 and not allow_negative:
        raise ValueError(f"{text.strip()!r} is negative")
    if abs(value) > _LARGEST:
        raise ValueError(f"{text.strip()!r} is too large")
    return value


_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T|\s*日\s*)(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?)?"
    # An ISO offset (BI tools write 2026-11-03T20:15:00Z): converted to factory time.
    r"(?:\s*(Z|[+-]\d{2}:?\d{2}))?"
)
# 20261103 and 20261103 20:15:00, as data warehouses write dates.
_COMPACT_DATE = re.compile(
    r"(\d{4})(\d{2})(\d{2})(?:\s+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2})(?:\.\d+)?)?)?"
)
DATE_FORMS = "2026-11-03, 2026/11/3, 20261103 or 2026-11-03 20:15:00"


def parse_timestamp(text: str, zone: Zone = None) -> dt.datetime | None:
    """A date or a date with a time of day, as naive factory wall time; ``None`` when blank.

    A stamp with an offset (``2026-11-03T20:15:00Z``) is converted to the factory's zone
    (``zone``: a config or a zone name; default the process's factory zone, see
    :mod:`c2m.clock`), so a UTC export lands on the factory's sales day. Without an offset the
    wall time as written is the factory's.
    """
    cleaned = text.strip()
    if not cleaned:
        return None
    match = _DATE.fullmatch(cleaned) or _COMPACT_DATE.fullmatch(cleaned)
    if match is None:
        raise ValueError(f"{cleaned!r} is not a date (expected {DATE_FORMS})")
    year, month, day, hour, minute, second, *offset = match.groups()
    try:
        stamp = dt.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        )
    except ValueError as exc:
        raise ValueError(f"{cleaned!r} is not a valid date ({exc})") from None
    if offset and offset[0]:
        stamp = to_factory(stamp.replace(tzinfo=_offset(offset[0])), zone)
    return stamp


def _offset(text: str) -> dt.timezone:
    """``Z``, ``+08:00`` or ``-0500`` as a fixed-offset zone."""
    if text == "Z":
        return dt.UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    if minutes >= 24 * 60:
        raise ValueError(f"{text!r} is not a time zone offset")
    return dt.timezone(sign * dt.timedelta(minutes=minutes))


# Yes/no as schedules write them: 1/0, 是/否, 有/无, Y/N, ✓/✗, and the words themselves.
_TRUE = {"1", "y", "yes", "true", "t", "x", "on", "✓", "√", "是", "有", "开播", "直播", "促销",
         "活动"}  # fmt: skip
_FALSE = {"0", "n", "no", "false", "f", "-", "off", "✗", "×", "否", "无", "不开播", "休息", "停播"}


def parse_flag(text: str) -> bool | None:
    """A yes/no cell (``1``/``0``, ``是``/``否``, ``yes``/``no``); ``None`` for a blank."""
    cleaned = unicodedata.normalize("NFKC", text).strip().lower()
    if not cleaned:
        return None
    if cleaned in _TRUE:
        return True
    if cleaned in _FALSE:
        return False
    raise ValueError(f"{text.strip()!r} is not yes or no (1/0, 是/否, yes/no)")


def parse_date(text: str, zone: Zone = None) -> dt.date | None:
    """A calendar date (the factory's, for a stamp with an offset); a time of day is dropped."""
    stamp = parse_timestamp(text, zone)
    return None if stamp is None else stamp.date()


_TIME = re.compile(
    r"(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*(?:[:：分]\s*(?:(\d{1,2})(?:\.\d+)?\s*秒?)?)?"
)
TIME_FORMS = "20:15, 20:15:00 or 20时15分"


def parse_time(text: str) -> dt.time | None:
    """A time of day from a column of its own (时间 next to 日期); ``None`` when blank.

    Also takes a whole timestamp (Excel writes a time-only cell as ``1899-12-30 20:15:00``)
    and keeps its time of day.
    """
    cleaned = text.strip()
    if not cleaned:
        return None
    match = _TIME.fullmatch(cleaned)
    if match is None:
        try:
            stamp = parse_timestamp(cleaned)
        except ValueError:
            raise ValueError(f"{cleaned!r} is not a time of day (expected {TIME_FORMS})") from None
        return None if stamp is None else stamp.time()
    hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        return dt.time(hour, minute, second)
    except ValueError as exc:
        raise ValueError(f"{cleaned!r} is not a valid time of day ({exc})") from None
