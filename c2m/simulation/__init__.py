"""Rolling-horizon simulation of a season, batch versus C2M, scored on the true demand.

One job per module:

- ``inputs``: a sample world as the planner's static inputs (catalogue, open orders, fabric);
- ``disturbances``: the floor's seeded bad luck, shared by every mode;
- ``floor``: the factory executing a plan day by day (noise, learning in the actual
  sequence, absent operators, late fabric);
- ``ledger``: stock, shipments, backorders and lost sales;
- ``kpis``: daily series and season figures priced with the config's costs;
- ``season``: the day loop (forecast from the past, replan per mode, execute, serve).
"""

from c2m.simulation.disturbances import Disturbances
from c2m.simulation.season import SimulationOptions, SimulationResult, simulate

__all__ = ["Disturbances", "SimulationOptions", "SimulationResult", "simulate"]
