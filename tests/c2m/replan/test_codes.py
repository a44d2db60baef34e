"""Tonight's lots take back last night's codes, so the replan recognises them."""

from __future__ import annotations

import datetime as dt

from c2m.config import load_config
from c2m.planning.inputs import PreviousLot
from c2m.planning.lots import LotSpec, reuse_codes

DAY = dt.date(2026, 12, 1)
POLICY = load_config().policies.c2m  # cover_days 3


def spec(code, colour="BLK", need=DAY, skus=("S1-BLK-M",)):
    due = dt.datetime.combine(need, dt.time())
    return LotSpec(code, "S1", colour, "tshirt", {s: 50 for s in skus}, need, due)


def old(code, colour="BLK", need=DAY, skus=("S1-BLK-M",)):
    return PreviousLot(code, "S1", colour, need, skus)


def test_a_lot_whose_need_moved_a_day_keeps_its_code():
    lots = [spec("C-S1-BLK-20261202", need=DAY + dt.timedelta(days=1))]
    reuse_codes(lots, [old("C-S1-BLK-20261201")], set(), POLICY)
    assert lots[0].code == "C-S1-BLK-20261201"


def test_nearest_need_and_same_sizes_win_and_each_code_is_used_once():
    lots = [
        spec("new-a", need=DAY + dt.timedelta(days=2)),
        spec("new-b", need=DAY, skus=("S1-BLK-L",)),
        spec("new-c", need=DAY),
    ]
    previous = [old("old-1", need=DAY), old("old-2", need=DAY + dt.timedelta(days=3))]
    reuse_codes(lots, previous, set(), POLICY)
    assert [lot.code for lot in lots] == ["old-2", "new-b", "old-1"]


def test_other_colours_fixed_lots_and_far_needs_are_not_matched():
    lots = [
        spec("C-S1-WHT-20261201", colour="WHT"),
        spec("far", need=DAY + dt.timedelta(days=10)),
        spec("fix-me"),
    ]
    previous = [old("C-S1-BLK-20261201"), old("frozen")]
    reuse_codes(lots, previous, {"frozen"}, POLICY)
    assert lots[0].code == "C-S1-WHT-20261201"
    assert lots[2].code == "C-S1-BLK-20261201"  # the nearest same-colour lot
    assert lots[1].code == "far"


def test_an_unmatched_lot_whose_code_was_reused_is_renumbered():
    lots = [spec("old-1", need=DAY + dt.timedelta(days=9)), spec("x", need=DAY)]
    reuse_codes(lots, [old("old-1")], set(), POLICY)
    assert lots[1].code == "old-1"
    assert lots[0].code == "old-1-2"
    assert len({lot.code for lot in lots}) == 2
