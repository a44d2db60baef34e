"""How big a problem is for the full CP-SAT model: its circuits, arc pruning's K, large or not."""

from __future__ import annotations

from scheduling.model import Problem
from scheduling.params import SolveParams

DEFAULT = SolveParams()


def circuit_sizes(problem: Problem) -> list[int]:
    """Nodes of each setup circuit: the operations eligible on each resource with setups."""
    sizes = []
    for r in range(len(problem.resources)):
        if problem.has_setups(r):
            sizes.append(sum(1 for op in problem.operations if op.duration_on(r) is not None))
    return sizes


def neighbours(problem: Problem, params: SolveParams = DEFAULT) -> int | None:
    """The K of arc pruning for this problem, or None when every circuit stays complete.

    Each operation keeps the operations within K places of it, in the incumbent's order, as
    possible neighbours; the circuit then has about 2 K n arcs, a few thousand at any size.
    """
    n = max(circuit_sizes(problem), default=0)
    if n <= params.prune_above:
        return None
    return max(params.prune_min, min(params.prune_neighbours, params.prune_arcs_per_circuit // n))


def is_large(problem: Problem, params: SolveParams = DEFAULT) -> bool:
    """Whether the full model is too big to do well in seconds (LNS then gets time)."""
    k = neighbours(problem, params)
    arcs = sum(min(n, 2 * (k or n) + 1) * n for n in circuit_sizes(problem))
    return arcs > params.large_arcs or problem.num_operations > params.large_operations
