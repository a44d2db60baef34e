"""The OR-Tools CP-SAT model, built in named steps: variables, constraint families, objective.

Formulation (what it assumes, and why it is exact):

* **Working-time axes.** Each calendar has an axis that numbers its working minutes
  (``Calendar.to_axis``). An operation's position on a resource is an interval on that
  resource's axis with its plain duration: no-overlap and sequence-dependent setups on the
  axis are exact *and* pause outside working time for free. Releases and fixed starts
  convert to the axis exactly (a start is always a working minute). A precedence between
  two operations on the same calendar is a plain axis inequality (its lag counts working
  minutes, see ``scheduling.model``).
* **Wall clock only where it is needed.** Wall-clock variables exist for operations that
  may run on resources of different calendars (and then link to each axis they may use),
  for the ends of precedences that cross calendars, and for the objective's completion
  times (one per job with a due date, one per calendar for the makespan). Each such link is
  an element constraint on the working segment the time falls in: ``axis = wall - segment
  start + segment offset``. A factory whose resources share one calendar therefore has no
  link at all inside its routings. Always-open calendars need no link (axis = wall).
* **Setups** are exact: one circuit per resource over its optional operations (arc
  ``a -> b``: ``b`` directly follows ``a`` and the setup gap is forced on the axis), with a
  depot node for the first and last operation and self loops for "not on this resource".
  No-overlap is added as well, as a redundant global constraint.
* **Overtime** is decided per resource and overtime window: the line stays ``u`` minutes
  into the window and nothing runs after that (a blocking interval from ``u`` to the end of
  the window joins the resource's no-overlap); ``u`` is what the objective pays.
* **Large resources.** A circuit has n^2 arcs. With ``max_neighbours=K`` and a hint, only
  arcs between operations within K places of each other in the hint's order are kept (plus
  the hint's own arcs, so the hint stays feasible). That restricts the search space (never
  the validity of what is found); it is off for small resources, where the model is exact.
* **Redundant load bound** for the makespan on always-open resources: makespan >= work +
  setups on every resource (the LP relaxation then bounds UPM-style instances well).

``v.start[i]``/``v.end[i]`` are each operation's *time* variables: positions on its
calendar's axis when all its resources share one calendar (wall clock when that calendar
is always open), wall clock otherwise. Ordering two operations of one resource by them is
always right; :meth:`CpSatModel.extract` converts everything to wall clock.

Where things live: ``horizon.py`` (the horizon), ``calendars.py`` (calendars as the model
sees them), ``variables.py``, ``core.py`` (the model under construction: wall-clock links,
completion times), ``constraints.py`` (one function per constraint family; ``skip`` names
families to leave out, which the tests use to show that each family is needed),
``objective.py``, ``hints.py`` (complete hints), ``params.py`` (CP-SAT's parameters and an
interruptible solve) and ``model.py`` (:class:`CpSatModel`, which runs the steps in order).
"""

from scheduling.cpsat.constraints import FAMILIES
from scheduling.cpsat.hints import HintView
from scheduling.cpsat.horizon import horizon
from scheduling.cpsat.model import CpSatModel
from scheduling.cpsat.params import (
    DETERMINISTIC_WALL_EXTRA,
    DETERMINISTIC_WALL_FACTOR,
    PRESOLVE_MAX_CONSTRAINTS,
    configure,
    solve_interruptibly,
)
from scheduling.cpsat.variables import Variables

__all__ = [
    "DETERMINISTIC_WALL_EXTRA",
    "DETERMINISTIC_WALL_FACTOR",
    "FAMILIES",
    "PRESOLVE_MAX_CONSTRAINTS",
    "CpSatModel",
    "HintView",
    "Variables",
    "configure",
    "horizon",
    "solve_interruptibly",
]
