"""The nightly replan that a factory can leave to cron (``c2m replan``, ``c2m runs``).

One job per module:

- ``lock``: one replan at a time (file lock for SQLite, advisory lock for PostgreSQL);
- ``runs``: the run's row in ``replan_run`` and its JSON line in the log file;
- ``fingerprint``: a hash of everything the plan depends on, up to ``now``;
- ``frozen``: what must not move, on the planning read model's ``StoredLot``;
- ``stored_plans``: the stored plans' facts the run reads (the lots through
  ``c2m.planning.stored.read_plan``), and the copy it republishes;
- ``forecast``: the forecast from the signals up to ``now``;
- ``isolate``: the solve in a child process; ``budget``: the deadline's clock;
- ``diff``: what changed against the previous plan;
- ``publishing``: the publish step's one transaction (write, diff, frozen guard, flip
  current) and the guards' verdict;
- ``outcome``: the run's options and outcome; ``nightly``: the whole run, a method per step.
"""

from c2m.replan.budget import solver_budget
from c2m.replan.diff import PlanChanges, diff_plans
from c2m.replan.nightly import NightlyReplan, replan
from c2m.replan.outcome import ReplanOptions, ReplanOutcome
from c2m.replan.runs import list_runs

__all__ = [
    "NightlyReplan",
    "PlanChanges",
    "ReplanOptions",
    "ReplanOutcome",
    "diff_plans",
    "list_runs",
    "replan",
    "solver_budget",
]
