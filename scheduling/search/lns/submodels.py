"""The sub-models of LNS that keep the whole plan or a few whole resources: every kept
operation stays on its resource and in its order, relaxed ones may move anywhere.

A sub-model is a :class:`~scheduling.model.Problem` modelled by
:class:`scheduling.cpsat.CpSatModel` (exact changeovers and calendars), hinted with the
incumbent (so it is never worse) and cut off at the incumbent's objective. Window models
of large problems are in :mod:`scheduling.search.lns.window`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from scheduling.cpsat import CpSatModel
from scheduling.model import Precedence, Problem, Solution
from scheduling.search.lns.incumbent import Incumbent
from scheduling.search.lns.neighbourhoods import Relaxation
from scheduling.validate import objective as recompute

# Sub-model circuits with more nodes than this get their arcs pruned around the incumbent.
# (Kept equal to the full model's threshold in ``solve``; a sub-model's circuits are
# mostly kept operations, so the same size is the same cost.)
SUB_MODEL_PRUNE_ABOVE = 120


@dataclass
class SubModel:
    """A step's model. ``index``: per sub-operation, its operation in the problem (-1: a
    window marker; None: the same indices as the problem). ``value``: the incumbent's
    objective on the sub-problem, for window models (what a sub-solve must beat)."""

    model: CpSatModel
    index: list[int] | None = None
    value: int | None = None


def sub_problem(inc: Incumbent, relaxed: set[int]) -> tuple[Problem, int]:
    """The problem with kept operations pinned to their resource and their order.

    A kept operation keeps only the mode of its resource, and consecutive kept operations
    on a resource get a zero-lag precedence; operation indices do not change, so a
    solution of the sub-problem is a solution of the problem (and is checked as one).
    Also returns the largest changeover circuit of the sub-problem (nodes).
    """
    p, best = inc.problem, inc.best
    operations = list(p.operations)
    kept: dict[int, list[int]] = {}
    for i, op in enumerate(p.operations):
        if i in relaxed:
            continue
        r = best[i].resource
        if len(op.modes) > 1:
            mode = next(md for md in op.modes if md.resource == r)
            operations[i] = replace(op, modes=(mode,))
        kept.setdefault(r, []).append(i)
    precedences = list(p.precedences)
    for seq in kept.values():
        seq.sort(key=lambda i: (best[i].start, best[i].end, i))
        precedences.extend(Precedence(a, b, 0) for a, b in itertools.pairwise(seq))
    nodes = {r: len(seq) for r, seq in kept.items() if r in inc.circuits}
    for i in relaxed:
        for md in p.operations[i].modes:
            if md.resource in inc.circuits:
                nodes[md.resource] = nodes.get(md.resource, 0) + 1
    sub = replace(p, operations=tuple(operations), precedences=tuple(precedences))
    return sub, max(nodes.values(), default=0)


def whole_sub_model(
    inc: Incumbent, relaxed: set[int], horizon: int | None, max_neighbours: int
) -> SubModel:
    """CP-SAT model of :func:`sub_problem`, hinted with the incumbent, cut off at it.

    Circuits still larger than ``SUB_MODEL_PRUNE_ABOVE`` nodes get the full model's arc
    pruning around the incumbent's order. For a pure makespan objective the sub-model
    minimises ``makespan x M + sum of ends``: the makespan alone is a plateau (moving work
    between two machines rarely lowers the maximum), and without the tie-breaker a
    sub-solve stops at the hint; compacting the rest is what lets later steps lower it.
    """
    sub, nodes = sub_problem(inc, relaxed)
    neighbours = max_neighbours if nodes > SUB_MODEL_PRUNE_ABOVE else None
    cpm = CpSatModel(sub, hint=inc.best, horizon_=horizon, max_neighbours=neighbours)
    cut_off(cpm, inc.best_objective, inc.pure_makespan)
    return SubModel(cpm)


def machine_sub_model(inc: Incumbent, relaxation: Relaxation, horizon: int | None) -> SubModel:
    """Model of only the chosen resources' operations (the ``machines`` neighbourhood).

    Relaxed operations keep only the modes on the chosen resources; fixed operations there
    stay in as they are. The cut-off is the incumbent's value *on the sub-problem*: for
    sums (tardiness, setups) a better part is a better whole, for a makespan it is never
    worse.
    """
    p, best, allowed = inc.problem, inc.best, relaxation.allowed
    index = sorted(
        relaxation.ops
        | {i for i, op in enumerate(p.operations) if op.fixed and best[i].resource in allowed}
    )
    operations = []
    for i in index:
        op = p.operations[i]
        if not op.fixed:
            op = replace(op, modes=tuple(m for m in op.modes if m.resource in allowed))
        operations.append(op)
    previous = None if p.previous is None else tuple(p.previous[i] for i in index)
    sub = replace(p, operations=tuple(operations), precedences=(), previous=previous)
    hint = Solution([best[i] for i in index])
    cpm = CpSatModel(sub, hint=hint, horizon_=horizon)
    cut_off(cpm, recompute(sub, hint).total, inc.pure_makespan, loads=allowed)
    return SubModel(cpm, index)


def cut_off(
    cpm: CpSatModel, value: int, pure_makespan: bool, loads: set[int] | None = None
) -> None:
    """Objective <= ``value`` (the incumbent's), plus the makespan tie-breaker when the
    objective is the makespan alone: the sum of ends, or with ``loads`` the sum of those
    resources' completion times (on parallel machines, shortening the non-critical
    machines is what makes room for later moves)."""
    objective = cpm.model.proto.objective
    if not objective.vars:
        return
    model = cpm.model
    expr = sum(
        c * model.get_int_var_from_proto_index(x)
        for x, c in zip(objective.vars, objective.coeffs, strict=True)
    )
    model.add(expr + int(objective.offset) <= value)
    if not pure_makespan:
        return
    if loads:
        completions = []
        for r in sorted(loads):
            c = model.new_int_var(0, cpm.H, f"load{r}")
            for (i, res), lit in cpm.v.present.items():
                if res == r:
                    model.add(c >= cpm.v.end[i]).only_enforce_if(lit)
            completions.append(c)
        weight = cpm.H * len(completions) + 1
        model.minimize(weight * expr + sum(completions))
    else:
        weight = cpm.H * len(cpm.problem.operations) + 1
        model.minimize(weight * expr + sum(cpm.v.end))
