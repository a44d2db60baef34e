"""Capacity-aware lot sizing: lots stretch when the lines are full, stay small with slack."""

from __future__ import annotations

import dataclasses
from typing import Any

from c2m.config import FactoryConfig
from c2m.planning import PlanOptions, make_plan, size_lots
from c2m.planning.capacity import regular_line_minutes
from c2m.planning.lots import FIRST_RUN, group_sizes, make_lots
from c2m.planning.netting import net_requirements
from c2m.planning.planner import _sku_demand
from tests.worlds import START, config, planning_inputs

OPTIONS = PlanOptions(mode="c2m", start=START, horizon_days=14, time_limit=1, workers=1)


def policy_config(cfg: FactoryConfig | None = None, **policy: Any) -> FactoryConfig:
    """``cfg`` (the shipped factory) with the c2m policy's fields changed."""
    raw = (cfg or config()).model_dump()
    raw["policies"]["c2m"].update(policy)
    return FactoryConfig.model_validate(raw)


def fewer_operators(share: float, **policy: Any) -> FactoryConfig:
    """The shipped factory with every line's operators cut to ``share``: the same demand is
    a higher load."""
    raw = policy_config(**policy).model_dump()
    for line in raw["lines"]:
        line["operators"] = max(1, round(line["operators"] * share))
    return FactoryConfig.model_validate(raw)


def runs(specs) -> dict[tuple[str, str | None], int]:
    """Lots per style-colour."""
    out: dict[tuple[str, str | None], int] = {}
    for spec in specs:
        out[(spec.style, spec.colour)] = out.get((spec.style, spec.colour), 0) + 1
    return out


def test_the_same_demand_at_a_higher_load_gives_fewer_longer_runs():
    """The property #16 asks for: when the lines are full a style-colour's needs merge into
    longer runs, priced by a positive capacity price; with slack they are cut to demand."""
    inputs = planning_inputs(daily=100.0)
    slack = size_lots(inputs, policy_config(sizing="capacity", max_lot=None), OPTIONS)
    full = size_lots(inputs, fewer_operators(0.15, sizing="capacity", max_lot=None), OPTIONS)
    assert slack.sizing.price == 0 and slack.sizing.load < 0.5
    assert full.sizing.price > 0 and full.sizing.load > 0.9
    assert len(full.specs) < len(slack.specs)
    assert all(full_n <= runs(slack.specs)[key] for key, full_n in runs(full.specs).items())
    mean = lambda specs: sum(s.quantity for s in specs) / len(specs)  # noqa: E731
    assert mean(full.specs) > mean(slack.specs)
    assert all(s.reason.startswith("merged: lines full") for s in full.specs)
    assert full.sizing.merged == len(full.specs) and slack.sizing.merged == 0
    # both plan the same units up to rounding: longer runs, not more stock made in the horizon
    units = lambda specs: sum(s.quantity for s in specs)  # noqa: E731
    assert abs(units(full.specs) - units(slack.specs)) <= 0.15 * units(slack.specs)


def test_with_slack_capacity_sizing_cuts_the_fixed_rules_lots():
    """λ = 0: every window is ``cover_days``, so the lots are the fixed rules' lots exactly,
    and each says it was cut to demand."""
    inputs = planning_inputs(daily=25.0)
    capacity = size_lots(inputs, policy_config(sizing="capacity"), OPTIONS).specs
    fixed = size_lots(inputs, policy_config(sizing="fixed"), OPTIONS).specs
    assert [(s.code, s.items) for s in capacity] == [(s.code, s.items) for s in fixed]
    assert {s.reason for s in capacity} == {"cut to demand: slack"}
    assert {s.reason for s in fixed} == {"fixed rules: 3 days' cover"}


def test_fixed_sizing_cuts_the_lots_the_rules_always_cut():
    """``sizing = "fixed"`` is the old pipeline: SKU lots of ``cover_days`` by the rules,
    grouped by style-colour, whatever the load."""
    cfg = fewer_operators(0.15, sizing="fixed", first_run=None)
    inputs = planning_inputs(daily=100.0)
    sized = size_lots(inputs, cfg, OPTIONS)
    policy = cfg.policies.c2m
    net = net_requirements(inputs.forecast, inputs.skus, START.date(), 14, policy.service_quantile)
    demand = _sku_demand(inputs, START.date(), 14)
    mix: dict[str, dict[str, float]] = {}
    for sku, d in demand.items():
        mix.setdefault(inputs.skus[sku].style, {})[sku] = float(d.sum())
    old = group_sizes(make_lots(net, policy, "c2m", inputs.skus, inputs.styles, mix), policy, "c2m")
    assert [(s.code, s.items, s.need_date) for s in sized.specs] == [
        (s.code, s.items, s.need_date) for s in old
    ]
    assert sized.sizing.price is None


def test_a_launch_gets_one_first_run_of_first_run_pieces():
    """A new SKU's style-colour is cut one test lot of ``first_run`` pieces over its sizes;
    its later needs are left for the replan (reorders); other SKUs are sized as usual."""
    inputs = planning_inputs(daily=25.0)
    new = frozenset(s for s in inputs.skus if s.startswith("TS1-BLK"))
    inputs = dataclasses.replace(inputs, new_skus=new)
    sized = size_lots(inputs, policy_config(sizing="capacity", first_run=150), OPTIONS)
    tests = [s for s in sized.specs if s.style == "TS1" and s.colour == "BLK"]
    assert len(tests) == 1
    assert tests[0].quantity == 150 and set(tests[0].items) == new
    assert tests[0].reason == FIRST_RUN and sized.sizing.first_run == 1
    assert len([s for s in sized.specs if s.style == "TS1" and s.colour == "WHT"]) > 1


def test_a_forecast_from_analogues_marks_a_launch():
    inputs = planning_inputs(daily=25.0)
    forecast = inputs.forecast.copy()
    forecast["method"] = [
        "analogue" if u.startswith("PO1-WHT") else "ets" for u in forecast["unique_id"]
    ]
    inputs = dataclasses.replace(inputs, forecast=forecast)
    cfg = policy_config(sizing="capacity", first_run=105)  # rounded up to lot_multiple 10
    sized = size_lots(inputs, cfg, OPTIONS)
    tests = [s for s in sized.specs if s.reason == FIRST_RUN]
    assert [(s.style, s.colour, s.quantity) for s in tests] == [("PO1", "WHT", 110)]


def test_the_load_is_demand_sam_minutes_over_regular_sam_capacity():
    inputs = planning_inputs(daily=25.0)
    cfg = policy_config(sizing="capacity")
    sized = size_lots(inputs, cfg, OPTIONS)
    sam = {"TS1": cfg.categories["tshirt"].sam_minutes, "PO1": cfg.categories["polo"].sam_minutes}
    needed = sum(25.0 * 14 * sam[info.style] for info in inputs.skus.values())
    minutes = regular_line_minutes(cfg, START.date(), 14)
    capacity = sum(line.operators * line.efficiency for line in cfg.lines) * minutes
    assert abs(sized.sizing.load - needed / capacity) < 1e-3


def test_the_plan_carries_its_capacity_figures():
    """``c2m plan --json`` prints them from these KPIs: load, setups as shares of regular
    capacity, the capacity price and the lot counts by reason."""
    cfg = fewer_operators(0.15, sizing="capacity")
    options = dataclasses.replace(OPTIONS, horizon_days=7, deterministic=True)
    plan = make_plan(planning_inputs(daily=100.0, days=7), cfg, options)
    kpis = plan.kpis.as_json()
    assert kpis["capacity_price"] > 0 and kpis["load"] > 0.5
    assert kpis["lots_merged"] + kpis["lots_capped"] + kpis["lots_held_small"] == kpis["lots"]
    regular = len(cfg.lines) * regular_line_minutes(cfg, START.date(), 7) / 60
    assert abs(kpis["changeover_share"] - kpis["changeover_hours"] / regular) < 1e-3
    assert abs(kpis["learning_share"] - kpis["learning_hours"] / regular) < 1e-3
    assert all(lot.reason for lot in plan.lots)
