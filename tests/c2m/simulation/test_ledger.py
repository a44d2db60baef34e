"""The ledger: stock in, demand out, backorders that wait a limited time, then are lost."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c2m.simulation.ledger import Ledger

D0 = dt.date(2026, 11, 2)


def day(k: int) -> dt.date:
    return D0 + dt.timedelta(days=k)


def test_serves_from_stock_then_backorders_then_loses():
    ledger = Ledger({"A": 5}, max_wait_days=2)
    flows = ledger.serve(day(0), {"A": 8})
    assert (flows.shipped, flows.shipped_same_day, ledger.backordered) == (5, 5, 3)
    ledger.serve(day(1), {})
    assert ledger.backordered == 3 and ledger.lost == 0
    flows = ledger.serve(day(2), {})  # waited two days: the customer cancels
    assert flows.lost == 3 and ledger.backordered == 0
    ledger.check()


def test_backorders_are_served_first_and_count_their_wait():
    ledger = Ledger({}, max_wait_days=3)
    ledger.serve(day(0), {"A": 4})
    ledger.receive({"A": 6})
    flows = ledger.serve(day(2), {"A": 5})
    # the 4 waiting units ship first (2 days late), then 2 of today's 5
    assert flows.shipped == 6 and flows.shipped_same_day == 2
    assert flows.wait_unit_days == 4 * 2
    assert ledger.backordered == 3
    ledger.check()


def test_zero_wait_loses_at_once():
    ledger = Ledger({"A": 1}, max_wait_days=0)
    flows = ledger.serve(day(0), {"A": 3})
    assert flows.lost == 2 and ledger.backordered == 0


def test_negative_wait_is_refused():
    with pytest.raises(ValueError, match="max_wait_days"):
        Ledger({}, max_wait_days=-1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from("ABC"), st.integers(0, 20), max_size=3),
            st.dictionaries(st.sampled_from("ABC"), st.integers(0, 20), max_size=3),
        ),
        max_size=12,
    ),
    st.integers(0, 4),
)
def test_units_never_appear_or_vanish(days, wait):
    """Any sequence of production and demand keeps both identities every day."""
    ledger = Ledger({"A": 7, "B": 0}, max_wait_days=wait)
    for k, (made, wanted) in enumerate(days):
        ledger.receive(made)
        ledger.serve(day(k), wanted)
        ledger.check()
        assert ledger.initial + ledger.produced == ledger.shipped + ledger.on_hand
        assert ledger.demand == ledger.shipped + ledger.backordered + ledger.lost


def test_the_starting_stock_sells_first_and_its_leftovers_count_apart():
    """Unsold share is about the season's own lots: old stock leaves before new."""
    ledger = Ledger({"A": 10, "B": 5}, max_wait_days=3)
    ledger.receive({"A": 20, "C": 4})
    ledger.serve(dt.date(2026, 12, 1), {"A": 25, "B": 1})
    # A: 10 old + 20 new, 25 sold -> the 5 left are new; B: 4 old left; C: 4 new unsold
    assert ledger.unsold() == (9, 4)
    assert ledger.made == {"A": 20, "C": 4}
