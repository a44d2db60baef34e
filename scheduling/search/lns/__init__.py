"""Large-neighbourhood search (LNS) on top of the CP-SAT model, for problems too big for one solve.

Why: a full CP-SAT model of a few hundred operations with exact changeovers (a circuit per
resource) is too big to *search* well in seconds on two cores: the solver spends its budget on
propagation over the whole model and finds few improving solutions. LNS keeps most of a good
schedule (the incumbent) as it is and lets CP-SAT re-optimise a small part of it at a time, where
it is strong; repeated, the small improvements add up and quality keeps improving with size.

One step ("relax and re-order", Godard, Laborie & Nuijten 2005): choose operations to *relax*.
Every other operation keeps its resource (its only mode in the sub-problem) and its order on that
resource (a zero-lag precedence between consecutive kept operations), but its times may move, so
relaxed operations can be re-assigned and re-inserted anywhere and the rest closes up around
them. The sub-problem is a :class:`~scheduling.model.Problem` with the same operation indices,
modelled by :class:`scheduling.cpsat.CpSatModel` (exact changeovers and calendars), hinted with
the incumbent (so it is never worse) and cut off at the incumbent's objective. Every candidate is
checked by the independent validator before it is accepted.

Neighbourhoods (``neighbourhoods.py``: jobs, resources, window, critical, machines, line,
group) are chosen by roulette over their recent improvements per second (on large
problems: their recent gains per second).

Large problems (above ``window_above`` operations) never model the whole plan: each step models
one time window, with the operations around it frozen (exact changeovers at the edges), so a step
costs the same at 600 or 3,000 lots. A window step is validated on its own sub-problem (which
holds everything its relaxed operations can meet); the whole plan is validated every
``FULL_CHECK_EVERY`` improvements and at the end, going back to the last plan that passed if it
ever fails. There the roulette rewards gains relative to the objective, not their count. Pure
makespan objectives get a tie-breaker in sub-solves (sum of ends, or of the resources'
completions), because the makespan alone is a plateau.

Where things live: ``params.py`` (knobs and statistics), ``incumbent.py`` (the best plan
and its indexes), ``neighbourhoods.py``, ``submodels.py`` (whole-plan and machines models,
the cut-off), ``window.py`` (window models) and ``loop.py`` (the search).

Sizes adapt: larger when sub-problems are solved to optimality, smaller when they time out.
Deterministic for a seed with ``deterministic=True``: sub-solves are limited by conflicts (not
time), rewards count steps (not seconds), every choice comes from one seeded generator, so the
same seed and ``max_iterations`` give the same schedule. Otherwise sub-solves are limited by wall
time (``sub_time``), which gets more done per second on a busy machine.
"""

from scheduling.search.lns.loop import Search, improve, phase, phase_without_model
from scheduling.search.lns.params import NEIGHBOURHOODS, LnsParams, LnsStats, windowed

__all__ = [
    "NEIGHBOURHOODS",
    "LnsParams",
    "LnsStats",
    "Search",
    "improve",
    "phase",
    "phase_without_model",
    "windowed",
]
