"""The allocation's line-eligibility bound: categories that share a line share its minutes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from c2m.config import DEFAULT_CONFIG, load_config
from c2m.network.allocation import allocate
from c2m.network.config import Network, Workshop
from c2m.network.lines import fits, line_capacity
from c2m.network.runs import make_runs
from tests.worlds import START, planning_inputs

LINES = ((frozenset({"hoodie", "polo"}), 100.0), (frozenset({"jeans"}), 100.0))


def test_two_categories_on_one_line_cannot_each_have_all_of_it() -> None:
    assert fits(LINES, {"hoodie": 100, "jeans": 100})
    assert fits(LINES, {"hoodie": 60, "polo": 40})
    assert not fits(LINES, {"hoodie": 60, "polo": 60})  # each within the line, not both
    assert not fits(LINES, {"jeans": 101})
    both = (*LINES, (frozenset({"polo"}), 50.0))
    assert fits(both, {"hoodie": 100, "polo": 50})


def _shop(name: str, line_ids: list[str], fee: float) -> Workshop:
    """A workshop of some of the sample factory's lines (the sample's lines sew several
    categories each), close to the warehouse or not."""
    raw = load_config().model_dump()
    raw["lines"] = [line for line in raw["lines"] if line["id"] in line_ids]
    raw["solver"]["workers"] = 1
    cfg = type(load_config()).model_validate(raw)
    return Workshop(
        name=name,
        cfg=cfg,
        config_path=Path(),
        categories=frozenset(c for line in cfg.lines for c in line.categories),
        transfer_days=0,
        transfer_cost_per_unit=fee,
        min_weekly_minutes=0.0,
        max_weekly_minutes=None,
    )


def test_no_workshop_is_given_more_than_its_lines_can_sew_between_them() -> None:
    """A cheap workshop where one line sews two categories (and another line sews neither),
    and a dear one: the cheap one may not take each category up to that line's capacity
    (a bound per category and on the total did, 140 % of the line)."""
    raw = load_config().model_dump()
    shared = next(ln for ln in raw["lines"] if len(ln["categories"]) >= 2)
    cats = shared["categories"][:2]
    others = [ln["id"] for ln in raw["lines"] if set(cats) & set(ln["categories"])]
    apart = next(ln["id"] for ln in raw["lines"] if not set(cats) & set(ln["categories"]))
    cheap = _shop("cheap", [shared["id"], apart], fee=0.0)  # the second line: room in total
    dear = _shop("dear", [i for i in others if i != shared["id"]] or others, fee=5.0)
    network = Network("lines", (cheap, dear), source="test")
    line = line_capacity(cheap.cfg, START.date(), 14)[0][1]
    styles = [(f"S{i}", cats[i % 2]) for i in range(8)]
    runs = make_runs(planning_inputs(styles=styles, daily=5.0), network, "c2m", START.date(), 14)
    least = min(sum(r.load for r in runs if r.category == c) for c in cats)
    daily = 5.0 * 0.7 * line / least  # each category ~70 % of the cheap line
    runs = make_runs(planning_inputs(styles=styles, daily=daily), network, "c2m", START.date(), 14)
    per_category = {c: sum(r.load for r in runs if r.category == c) for c in cats}
    assert all(v > 0.5 * line for v in per_category.values())  # together beyond the line
    allocation = allocate(runs, network, START.date(), 14, work=3)
    for shop in network.workshops:
        loads: dict[str, float] = {}
        for run in allocation.runs_of(shop.name):
            size = run.load + allocation.setup[run.key, shop.name]
            loads[run.category] = loads.get(run.category, 0) + size
        assert fits(line_capacity(shop.cfg, START.date(), 14), loads), (shop.name, loads)
    assert dataclasses.asdict(allocation.as_baseline())["status"] == "baseline"
    assert DEFAULT_CONFIG.exists()
