"""The incumbent of an LNS run: the best schedule so far, its objective, and the indexes
that neighbourhoods and sub-models read (per-resource sequences, start order, jobs)."""

from __future__ import annotations

from scheduling.model import Problem, Solution
from scheduling.validate import objective as recompute


class Incumbent:
    """The best schedule of ``problem`` so far and what is derived from it.

    ``free``: operations that may move (not fixed); ``jobs``: each job's free operations;
    ``sequences``: per resource, the incumbent's operations in start order;
    ``circuits``: resources with changeovers. ``pure_makespan``: the objective is the
    makespan alone, so sub-solves get a tie-breaker (``flow``).
    """

    def __init__(self, problem: Problem, solution: Solution) -> None:
        self.problem = problem
        self.best = solution
        self.best_objective = recompute(problem, solution).total
        ops = problem.operations
        self.free = [i for i, op in enumerate(ops) if not op.fixed]
        self.free_set = set(self.free)
        self.jobs: dict[int, list[int]] = {}
        for i in self.free:
            self.jobs.setdefault(ops[i].job, []).append(i)
        self.job_pred: dict[int, list[int]] = {}
        for p in problem.precedences:
            self.job_pred.setdefault(p.succ, []).append(p.pred)
        self.preds_of: dict[int, list[int]] = {}
        self.succs_of: dict[int, list[int]] = {}
        for q in problem.precedences:
            self.preds_of.setdefault(q.succ, []).append(q.pred)
            self.succs_of.setdefault(q.pred, []).append(q.succ)
        self.sequences: dict[int, list[int]] = {}
        self.order: list[int] | None = None  # free operations by start (window mode)
        self.index_best()
        self.circuits = {r for r in range(len(problem.resources)) if problem.has_setups(r)}
        w = problem.objective
        self.pure_makespan = bool(w.makespan) and not (
            w.tardiness or w.setup or w.overtime or w.earliness or w.deviation
        )
        self.best_flow = self.flow(self.best)

    def replace(self, solution: Solution, value: int, flow: int) -> None:
        """Make ``solution`` (of objective ``value`` and tie-breaker ``flow``) the incumbent;
        the caller re-indexes (:meth:`reindex` or :meth:`index_best`)."""
        self.best, self.best_objective, self.best_flow = solution, value, flow

    def index_best(self) -> None:
        """Per resource, the incumbent's operations in start order (for window sub-models)."""
        self.sequences = {}
        for i, a in enumerate(self.best):
            self.sequences.setdefault(a.resource, []).append(i)
        for seq in self.sequences.values():
            seq.sort(key=lambda i: (self.best[i].start, i))
        self.order = None

    def reindex(self, old: Solution, changed: set[int]) -> None:
        """Update the per-resource sequences after ``changed`` operations moved: only the
        resources they left or joined are re-sorted, so a step's cost does not grow with
        the number of resources."""
        resources = {old[i].resource for i in changed} | {self.best[i].resource for i in changed}
        for r in resources:
            seq = [i for i in self.sequences.get(r, []) if i not in changed]
            seq += [i for i in changed if self.best[i].resource == r]
            seq.sort(key=lambda i: (self.best[i].start, i))
            self.sequences[r] = seq
        self.order = None

    def start_order(self) -> list[int]:
        """Free operations in the incumbent's start order (cached until it changes)."""
        if self.order is None:
            self.order = sorted(self.free, key=lambda i: (self.best[i].start, i))
        return self.order

    def flow(self, solution: Solution) -> int:
        """Sum of end times: the makespan tie-breaker (see ``submodels.cut_off``)."""
        return sum(a.end for a in solution) if self.pure_makespan else 0
