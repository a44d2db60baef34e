"""The sample world: a seeded live-commerce garment business with its true future demand.

``generate(seed, scenario=...)`` returns a :class:`SampleWorld`; ``world.write_csv(dir)`` writes
the files a merchandiser imports plus ``truth/`` and a messy export. Modules:
``scenario`` (parameters, ``c2m/data/configs/scenarios.toml``), ``catalog`` (styles, SKUs, fabrics),
``demand`` (rooms and the latent demand process), ``stock`` (inventory, fabric, open orders),
``messy`` (a GBK platform export), ``world`` (assembly and slicing).

A simulation steps through the future without ever handing the planner more than the past::

    world = generate(1, "viral", history_days=90, future_days=28)
    for day in pd.date_range(world.future_start, world.end).date:
        seen = world.signals_until(day - dt.timedelta(days=1))  # what the planner may use
        demand = world.demand_on(day)  # true demand per SKU arriving that day

The world is fixed by (seed, scenario, history_days, future_days, start, factory config).
"""

from c2m.sample.scenario import Festival, Scenario, get_scenario, load_scenarios
from c2m.sample.world import SALES_COLUMNS, SampleWorld, generate

__all__ = [
    "SALES_COLUMNS",
    "Festival",
    "SampleWorld",
    "Scenario",
    "generate",
    "get_scenario",
    "load_scenarios",
]
