"""The nightly replan that a factory can leave to cron (``c2m replan``, ``c2m runs``).

One job per module:

- ``lock``: one replan at a time (file lock for SQLite, advisory lock for PostgreSQL);
- ``runs``: the run's row in ``replan_run`` and its JSON line in the log file;
- ``fingerprint``: a hash of everything the plan depends on, up to ``now``;
- ``snapshot``: a stored plan as plain values; ``frozen``: what must not move;
- ``diff``: what changed against the previous plan;
- ``pipeline``: the hand-over to forecasting and planning; ``runner``: the whole run.
"""

from c2m.replan.diff import PlanChanges, diff_plans
from c2m.replan.runner import ReplanOptions, ReplanOutcome, replan, solver_budget
from c2m.replan.runs import list_runs

__all__ = [
    "PlanChanges",
    "ReplanOptions",
    "ReplanOutcome",
    "diff_plans",
    "list_runs",
    "replan",
    "solver_budget",
]
