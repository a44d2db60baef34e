"""Sound lower bounds on the objective, for when CP-SAT cannot give one.

CP-SAT's bound is only valid for the full model; on big floors the circuits are pruned
around the incumbent (``solve.neighbours``) and the solver's bound then says nothing about
the problem, so plans reported a bound of 0 and a gap of 100 %. These bounds hold for every
feasible schedule, whatever the solver did, and cost milliseconds (plus, when a caller
grants them, a few deterministic seconds of CP-SAT on small relaxations):

* **Earliest starts and ends** with unlimited capacity: release, routing with lags, the
  fastest eligible mode, paused over non-working time on that mode's calendar (overtime
  counted as open); on a resource with an initial class, not before the shortest path of
  setups (and operations passed through) from it. A fixed operation ends where pinned. A
  job cannot complete before its latest earliest end.
* **Tardiness with capacity**: per group of resources that share operations (the sewing
  lines, the cutting tables...) and per set of them where some operations can only queue
  (an eligibility set, unions of two, the whole group), the k-th operation of the set to
  finish cannot finish before its capacity (each resource at its best speed, from when it
  is ready, from release cuts; and with the cheapest setup into each operation) could hold
  the k smallest; matching jobs to these completion slots at least cost (an assignment
  problem) bounds their weighted tardiness, plus the tail after the operation (on a single
  calendar: the shortest wall stretch holding its working minutes). Small sets also get an
  exact relaxation solved by CP-SAT (its proven bound counts). Disjoint sets of a group add
  their excesses over the unlimited-capacity tardiness; the best group counts.
* **Tardiness from a transportation LP** (``bounds/lp.py``): per group, each operation's
  work (with its cheapest setup in) spread over time buckets of the resources' calendars,
  from its earliest start, within their capacity, at the job's tardiness when it would end
  there and at its mean busy time (HiGHS); it sees release and due dates together, which
  the slots do not (on the garment floor it is the stronger of the two).
  The better of the two counts.
* **Makespan with capacity**: the same slots for the last operation of each set, its load
  with setups, and a fractional assignment LP (HiGHS) of the set's loads.
* **Setups**: every setup class present must be entered at least once, and every set of
  classes (the colours of a style, the styles of a category) from outside the set, at its
  cheapest way in; a recursion over nested sets adds these up (``bounds/setups.py``).

Earliness, overtime and deviation are bounded by 0. The bound never depends on a solution.
"""

from scheduling.bounds.capacity import Capacity
from scheduling.bounds.combined import (
    EXACT_BOUND_SHARE,
    EXACT_TOTAL_SECONDS,
    EXACT_WALL_FACTOR,
    exact_budget,
    lower_bound,
)
from scheduling.bounds.earliest import earliest_ends, earliest_starts_ends
from scheduling.bounds.makespan import capacity_makespan
from scheduling.bounds.setups import setup_lower_bound
from scheduling.bounds.tardiness import LP_WALL_SECONDS, capacity_tardiness

__all__ = [
    "EXACT_BOUND_SHARE",
    "EXACT_TOTAL_SECONDS",
    "EXACT_WALL_FACTOR",
    "LP_WALL_SECONDS",
    "Capacity",
    "capacity_makespan",
    "capacity_tardiness",
    "earliest_ends",
    "earliest_starts_ends",
    "exact_budget",
    "lower_bound",
    "setup_lower_bound",
]
