"""Cell parsers: every form exports write, and any text gives a value or a clean ValueError."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from c2m.importing.values import (
    MAX_COUNT,
    parse_count,
    parse_date,
    parse_number,
    parse_time,
    parse_timestamp,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("56", 56),
        (" 56 ", 56),
        ("1,234", 1234),
        ("1,234,567", 1234567),
        ("1.2万", 12000),
        ("3万", 30000),
        ("1.5w", 15000),
        ("１２", 12),  # full-width digits
        ("0", 0),
        ("", None),
        ("   ", None),
        ("-", None),  # dashboards show a dash for "none"
        ("--", None),
    ],
)
def test_counts_as_exports_write_them(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("-3", "negative"),
        ("abc", "not a number"),
        ("1.5", "whole"),
        ("1,5", "whole"),
        ("nan", "not a number"),
        ("12a", "not a number"),
        ("3000000000", "too large"),  # beyond the databases' INTEGER
        ("30万万", "not a number"),
    ],
)
def test_bad_counts_say_why(text, says):
    with pytest.raises(ValueError, match=says):
        parse_count(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("59.9", 59.9),
        ("¥59.90", 59.9),
        ("1,299.00", 1299.0),
        ("0.8万", 8000.0),
        ("", None),
        ("59,9", 59.9),  # a decimal comma (';'-separated files from European Excel)
        ("1.049,50", 1049.5),  # ... with dots between the thousands
        ("12.345.678,5", 12345678.5),
        ("1.049", 1.049),  # no comma: a decimal point
        ("59,90", 59.9),
        ("1,299", 1299.0),  # three digits after the comma: thousands
    ],
)
def test_numbers(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2026-11-03", dt.datetime(2026, 11, 3)),
        ("2026/11/3", dt.datetime(2026, 11, 3)),
        ("2026-11-03 20:15:00", dt.datetime(2026, 11, 3, 20, 15)),
        ("2026/11/03 20:15", dt.datetime(2026, 11, 3, 20, 15)),
        ("2026-11-03T20:15:30", dt.datetime(2026, 11, 3, 20, 15, 30)),
        ("2026年11月3日", dt.datetime(2026, 11, 3)),
        (" 2026-11-03 ", dt.datetime(2026, 11, 3)),
        ("2026-11-03T20:15:00+08:00", dt.datetime(2026, 11, 3, 20, 15)),  # BI tools' ISO form
        ("2026-11-03 20:15:00Z", dt.datetime(2026, 11, 4, 4, 15)),  # UTC: factory time (#19)
        ("20261103", dt.datetime(2026, 11, 3)),  # data warehouses' compact date
        ("20261103 20:15:00", dt.datetime(2026, 11, 3, 20, 15)),
        ("", None),
    ],
)
def test_dates_and_timestamps(text, value):
    assert parse_timestamp(text) == value


@pytest.mark.parametrize(
    "text", ["03/11/2026", "2026-13-01", "2026-02-30", "tomorrow", "2026-11", "20261340", "2026113"]
)
def test_bad_dates_say_what_is_expected(text):
    with pytest.raises(ValueError, match="date"):
        parse_timestamp(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("20:15", dt.time(20, 15)),
        ("8:05:07", dt.time(8, 5, 7)),
        ("20:15:00.250", dt.time(20, 15)),
        ("20时15分", dt.time(20, 15)),
        ("20点", dt.time(20)),
        ("20：15", dt.time(20, 15)),
        ("1899-12-30 20:15:00", dt.time(20, 15)),  # Excel's time-only cell
        (" ", None),
    ],
)
def test_times_of_day(text, value):
    assert parse_time(text) == value


@pytest.mark.parametrize("text", ["25:00", "20:61", "soon", "20"])
def test_bad_times_say_what_is_expected(text):
    with pytest.raises(ValueError, match="time of day"):
        parse_time(text)


@given(st.text(max_size=20))
def test_any_text_gives_a_time_or_a_clean_error(text):
    try:
        value = parse_time(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert value is None or isinstance(value, dt.time)


def test_parse_date_drops_the_time():
    assert parse_date("2026-11-03 20:15:00") == dt.date(2026, 11, 3)


# --- properties ----------------------------------------------------------------------------


@given(st.text(max_size=30))
def test_any_text_gives_a_count_or_a_clean_error(text):
    try:
        value = parse_count(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert value is None or (isinstance(value, int) and value >= 0)


@given(st.text(max_size=30))
def test_any_text_gives_a_number_or_a_clean_error(text):
    try:
        value = parse_number(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert value is None or (isinstance(value, float) and value >= 0 and value == value)


@given(st.text(max_size=40))
def test_any_text_gives_a_timestamp_or_a_clean_error(text):
    try:
        value = parse_timestamp(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert value is None or isinstance(value, dt.datetime)


@given(st.integers(min_value=0, max_value=MAX_COUNT))
def test_counts_round_trip_through_export_formatting(n):
    assert parse_count(str(n)) == n
    assert parse_count(f"{n:,}") == n
    assert parse_count(f"  {n}  ") == n
    if n % 1000 == 0:
        # :g keeps 6 significant digits: exact below 10**9 when n is a multiple of 1000
        assert parse_count(f"{n / 10_000:g}万".replace("e+", "e")) == n or n >= 10**9


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_timestamps_round_trip_in_every_listed_form(moment):
    moment = moment.replace(microsecond=0)
    day = moment.replace(hour=0, minute=0, second=0)
    assert parse_timestamp(moment.strftime("%Y-%m-%d %H:%M:%S")) == moment
    assert parse_timestamp(moment.strftime("%Y-%m-%d")) == day
    assert parse_timestamp(f"{moment.year}/{moment.month}/{moment.day}") == day
