"""Groups of resources that share operations, and the sets of a group's resources where
some operations can only queue: the units over which capacity bounds are argued."""

from __future__ import annotations

from scheduling.model import Problem


def resource_groups(problem: Problem) -> list[int]:
    """Per resource, the id of its group: resources linked by operations eligible on both."""
    parent = list(range(len(problem.resources)))

    def root(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    for op in problem.operations:
        first = root(op.modes[0].resource)
        for m in op.modes[1:]:
            parent[root(m.resource)] = first
    return [root(r) for r in range(len(parent))]


def resource_sets(problem: Problem, items: list[int]) -> list[frozenset[int]]:
    """Candidate sets: each eligibility set of the items, unions of two of them, and the
    union of all (the sets where some items can only queue)."""
    sets = sorted(
        {frozenset(m.resource for m in problem.operations[i].modes) for i in items}, key=sorted
    )
    out = set(sets)
    if len(sets) <= 16:
        out |= {a | b for a in sets for b in sets if a & b}
    if sets:
        out.add(frozenset().union(*sets))
    return sorted(out, key=lambda s: (len(s), sorted(s)))
