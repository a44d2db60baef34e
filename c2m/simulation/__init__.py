"""Rolling-horizon simulation of a season, batch versus C2M, scored on the true demand.

One job per module:

- ``inputs``: a sample world as the planner's static inputs (catalogue, open orders, fabric);
- ``disturbances``: the floor's seeded bad luck, shared by every mode;
- ``floor``: the factory executing a plan day by day (noise, learning in the actual
  sequence, absent operators, late fabric);
- ``ledger``: stock, shipments, backorders and lost sales;
- ``kpis``: daily series and season figures priced with the config's costs;
- ``options``: what a season is asked and what it gives back;
- ``mode_replan``: one mode's midnight replan, as the nightly replan does it;
- ``oracle``: the C2M planner fed the true demand, what capacity allows;
- ``preseason``: batch done well, its season's stock built before day 1 from a season forecast;
- ``tracking``: per SKU, the lead time from first signal to goods, and the reorders;
- ``losses``: each mode's lost demand split into capacity, forecast and policy;
- ``season``: the day loop (forecast from the past, replan per mode, execute, serve);
- ``output``: the files ``c2m simulate --out`` writes.
"""

from c2m.simulation.disturbances import Disturbances
from c2m.simulation.options import SimulationOptions, SimulationResult
from c2m.simulation.season import simulate

__all__ = ["Disturbances", "SimulationOptions", "SimulationResult", "simulate"]
