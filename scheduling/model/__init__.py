"""The scheduling problem as plain, immutable data that checks itself on construction.

Everything the solvers need is here and nothing else: no garments, no database. Time is
integer minutes from the plan start. The semantics, which the model (``scheduling.cpsat``), the
searches (``scheduling.search``) and the independent checker (``validate.py``) all follow:

* A **resource** (cutting table, sewing line, finishing team) works to a **calendar**: a
  finite list of working windows ``[start, end)``, plus optional overtime windows that may
  also be used, at a cost per minute used. An empty calendar is always open (benchmarks).
  After the last window a resource does not work, so the caller must give calendars that
  reach far enough (a few weeks beyond the due dates is plenty).
* An **operation** needs ``duration`` *working* minutes on one of its eligible resources
  (its **modes**). It starts at a working minute and PAUSES outside working time (nights,
  weekends) and resumes in the next window; its ``end`` is the minute after its last worked
  minute. Operations on one resource never overlap.
* **Setups** are exact and sequence dependent: each operation carries a ``setup_class``
  and each resource may have a class x class matrix of setup minutes; the setup between two
  consecutive operations on a resource needs that many working minutes of the resource
  between them (a setup pauses over nights too). There is no setup before a resource's
  first operation unless the resource has an ``initial_class`` (what is on the line now).
  A full job x job matrix (Vallada-Ruiz benchmarks) is the special case "one class per
  operation".
* **Precedence** ``pred -> succ`` with ``lag``: ``succ`` starts no earlier than ``pred``
  ends, and ``lag`` minutes later: *working* minutes when both run on resources with the
  same calendar (bundles are carried while the floor works, so a transfer started at the
  end of the day completes the next morning), wall-clock minutes when their calendars
  differ.
* A **job** has a release (no operation of it starts earlier), an optional due date and a
  weight; its completion is the latest end of its operations.
* A **fixed** operation has its resource and start pinned (already running or frozen).
* The **objective** is a weighted sum (integer weights) of: weighted tardiness
  ``sum w_j max(0, C_j - d_j)``, total setup minutes, overtime minutes (per resource and
  overtime window, from the window's start to the end of the last operation worked inside
  it: the line stays open until then; setups are not charged and may use overtime windows), weighted
  earliness ``sum w_j max(0, d_j - C_j)``, deviation from a previous solution (per
  operation, the working minutes between its start and its previous start on its
  resource's calendar, plus ``reassign_minutes`` when it moved to another resource), and
  makespan.
"""

from scheduling.model.builder import Model
from scheduling.model.calendar import ALWAYS_OPEN, Calendar, Window
from scheduling.model.parts import (
    MAKESPAN,
    Job,
    Mode,
    Objective,
    Operation,
    Precedence,
    Resource,
)
from scheduling.model.problem import Matrix, Problem, routing
from scheduling.model.solution import Assignment, Solution

__all__ = [
    "ALWAYS_OPEN",
    "MAKESPAN",
    "Assignment",
    "Calendar",
    "Job",
    "Matrix",
    "Mode",
    "Model",
    "Objective",
    "Operation",
    "Precedence",
    "Problem",
    "Resource",
    "Solution",
    "Window",
    "routing",
]
