"""The allocation: real CP-SAT on a work budget, against the capacity-proportional baseline."""

from __future__ import annotations

from c2m.config import DEFAULT_CONFIG
from c2m.network.allocation import allocate
from c2m.network.capacity import daily_capacity
from c2m.network.config import load_network
from c2m.network.runs import make_runs
from tests.worlds import START, planning_inputs

NETWORK = load_network(DEFAULT_CONFIG.parent / "network.toml")
CATEGORIES = ["tshirt", "polo", "hoodie", "jeans", "shirt", "dress"]


def _runs(daily: float, copies: int = 3):
    styles = [(f"S{i:02d}", c) for i, c in enumerate(CATEGORIES * copies)]
    inputs = planning_inputs(styles=styles, daily=daily)
    return make_runs(inputs, NETWORK, "c2m", START.date(), 14)


def test_no_workshop_gets_more_than_its_capacity_or_a_category_it_may_not_make() -> None:
    runs = _runs(daily=60)  # more than the network can sew in 14 days: some must be unserved
    allocation = allocate(runs, NETWORK, START.date(), 14, work=3)
    assert None in allocation.assignment.values()
    for shop in NETWORK.workshops:
        mine = allocation.runs_of(shop.name)
        assert all(r.category in shop.categories for r in mine)
        regular = sum(daily_capacity(shop.cfg, START.date(), 14))
        overtime = sum(daily_capacity(shop.cfg, START.date(), 14, overtime=True))
        assert sum(r.load for r in mine) <= regular + overtime
        for category in shop.categories:
            room = sum(daily_capacity(shop.cfg, START.date(), 14, category))
            room += sum(daily_capacity(shop.cfg, START.date(), 14, category, overtime=True))
            assert sum(r.load for r in mine if r.category == category) <= room
        low = shop.min_weekly_minutes * 2
        assert allocation.load[shop.name] >= low


def test_the_allocation_is_no_worse_than_the_proportional_baseline_and_has_a_bound() -> None:
    allocation = allocate(_runs(daily=30), NETWORK, START.date(), 14, work=3)
    if allocation.baseline_objective is not None:
        assert allocation.objective <= allocation.baseline_objective + 1e-6
    assert allocation.bound <= allocation.objective + 1e-6
    assert allocation.gap is not None and 0 <= allocation.gap <= 1


def test_the_same_inputs_give_the_same_allocation() -> None:
    first = allocate(_runs(daily=30), NETWORK, START.date(), 14, work=2)
    again = allocate(_runs(daily=30), NETWORK, START.date(), 14, work=2)
    assert first.assignment == again.assignment


def test_a_style_no_workshop_can_hold_whole_is_split_by_colour() -> None:
    runs = _runs(daily=400, copies=1)
    assert any(r.colour is not None for r in runs)
    skus = [s for r in runs for s in r.skus]
    assert len(skus) == len(set(skus))


def test_runs_on_a_floor_stay_at_their_workshop_even_beyond_its_capacity() -> None:
    """Pinned runs are made whatever the model says: they may fill a workshop past its
    bounds, where an unpinned allocation would spread or drop them, never make it infeasible."""
    runs = _runs(daily=90)
    jeans = [r for r in runs if r.category == "jeans"]
    wovens = NETWORK.workshop("wovens")
    room = sum(daily_capacity(wovens.cfg, START.date(), 14, "jeans"))
    room += sum(daily_capacity(wovens.cfg, START.date(), 14, "jeans", overtime=True))
    assert sum(r.load for r in jeans) > room  # more jeans than its jeans lines can sew
    free = allocate(runs, NETWORK, START.date(), 14, work=2)
    assert any(free.assignment[r.key] != "wovens" for r in jeans)
    pinned = allocate(
        runs, NETWORK, START.date(), 14, work=2, pinned={r.key: "wovens" for r in jeans}
    )
    assert all(pinned.assignment[r.key] == "wovens" for r in jeans)
