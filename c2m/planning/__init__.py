"""Planning: forecast -> net requirements -> lots -> schedule -> plan.

The planner (:func:`c2m.planning.planner.make_plan`) is pure and in memory: it takes
:class:`~c2m.planning.inputs.PlanningInputs` (catalogue, forecast frame, stock, frozen lots,
open orders, fabric) and returns a :class:`~c2m.planning.plan_result.PlanResult`, without a
database, so the simulation can call it day after day. A lot has one type per stage: a
``LotSpec`` (what lot sizing decides), a ``ScheduledLot`` (what the solver placed), a
``StoredLot`` (what was written); ``FrozenLot`` and ``PreviousLot`` are what a replan passes in.

One job per module:

- ``inputs``: the input dataclasses and options;
- ``working_time``: factory calendar -> integer-minute working windows, minutes <-> datetimes;
- ``netting``: net requirements per SKU (or style) per day;
- ``lots``: the two lot policies (``batch`` and ``c2m``) -> lot specs with size breakdown;
- ``fabric``: fabric gating (release times) and shortages;
- ``timing``: operation minutes, learning-curve loss and the changeover matrix;
- ``build``: lot specs -> a :class:`scheduling.model.Problem`;
- ``solver``: runs the scheduling library and checks its answer independently;
- ``scheduled``: the solver's answer as lots with datetimes;
- ``plan_kpis``: the typed KPIs, computed once; ``kpi_registry``: their labels and format;
- ``planner``: the steps in order; ``plan_result``: what it returns;
- ``db_inputs``, ``save``, ``stored``: the database edge (read inputs, write a plan, read
  a plan back); ``publish``: ``c2m plan`` as a function; ``show``: show and compare.
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
from c2m.planning.planner import make_plan, size_lots
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
    "size_lots",
]
