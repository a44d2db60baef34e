"""Where each mode's lost demand went: capacity, forecast, or policy.

Lost demand here is the demand not served from stock on the day it came (``demand x (1 -
fill_rate)``), in units over the season. The oracle (:mod:`c2m.simulation.oracle`) plans
with the truth; C2M plans the same way with its forecast. So, per mode:

- **capacity**: what the oracle lost too (no forecast would have saved it on this floor);
- **forecast**: what C2M lost beyond the oracle (knowing the future would have saved it);
- **policy**: the rest, what this mode lost beyond C2M (its lot rules: batch's big lots).

The three parts are never negative and add up to the mode's lost demand: a mode that loses
less than the oracle has it all under capacity. The split is on season totals, not per SKU:
it says how much, not which units.
"""

from __future__ import annotations

from collections.abc import Mapping

from c2m.simulation.oracle import ORACLE

C2M = "c2m"


def loss_split(unfilled: Mapping[str, int]) -> dict[str, dict[str, int]] | None:
    """``{mode: {"lost", "capacity", "forecast", "policy"}}``; ``None`` without the oracle.

    ``unfilled`` is each mode's demand not served the day it came. Without C2M in the
    season there is no forecast part to tell apart: the rest is policy.
    """
    if ORACLE not in unfilled:
        return None
    oracle = unfilled[ORACLE]
    c2m = unfilled.get(C2M)
    split = {}
    for mode, lost in unfilled.items():
        capacity = min(lost, oracle)
        forecast = 0 if c2m is None else max(min(lost, c2m) - oracle, 0)
        split[mode] = {
            "lost": lost,
            "capacity": capacity,
            "forecast": forecast,
            "policy": lost - capacity - forecast,
        }
    return split
