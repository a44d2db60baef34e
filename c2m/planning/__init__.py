"""Planning: forecast -> net requirements -> lots -> schedule -> plan.

The core (:func:`c2m.planning.planner.make_plan`) is pure and in memory: it takes
:class:`~c2m.planning.inputs.PlanningInputs` (catalogue, forecast frame, stock, work on the
floor, open orders, fabric) and returns a :class:`~c2m.planning.scheduled.PlanResult`, without a
database, so the simulation can call it day after day. :mod:`c2m.planning.store` loads inputs
from the database and writes results back in one transaction.

One job per module:

- ``inputs``: the input dataclasses and options;
- ``calendar``: factory calendar -> integer-minute working windows, minutes <-> datetimes;
- ``netting``: net requirements per SKU (or style) per day;
- ``lots``: the two lot policies (``batch`` and ``c2m``) -> lots with size breakdown;
- ``fabric``: fabric gating (release times) and shortages;
- ``timing``: operation minutes, learning-curve loss and the changeover matrix;
- ``build``: lots -> a :class:`scheduling.model.Problem`;
- ``solver``: runs the scheduling library and checks its answer independently;
- ``kpis``: what a planner reads about a plan;
- ``core``: the pipeline; ``store``: the database edge.
"""

from c2m.planning.inputs import (
    FabricInfo,
    FrozenLot,
    FrozenOp,
    OpenOrderInfo,
    PlanningInputs,
    PlanOptions,
    SkuInfo,
    StyleInfo,
)
from c2m.planning.plan_result import PlanResult
from c2m.planning.planner import make_plan
from c2m.planning.scheduled import ScheduledLot, ScheduledOp

__all__ = [
    "FabricInfo",
    "FrozenLot",
    "FrozenOp",
    "OpenOrderInfo",
    "PlanOptions",
    "PlanResult",
    "PlanningInputs",
    "ScheduledLot",
    "ScheduledOp",
    "SkuInfo",
    "StyleInfo",
    "make_plan",
]
