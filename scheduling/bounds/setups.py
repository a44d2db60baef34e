"""A lower bound on total setup minutes from nested groups of setup classes.

Why not just "each class pays its cheapest way in": on a garment floor the cheapest way into
a colour is from another colour of the same style (20 minutes), so every colour of a style
looked nearly free, while the style itself has to be brought onto a line at least once, at
a changeover plus the learning ramp (hundreds of minutes). That bound said 1,120 minutes
where plans paid 24,000. The argument below charges each *group* of classes its way in.

The argument, per group of resources that share operations. Cut every line's sequence into
*runs*: maximal stretches of operations of one class. A run is entered either from the run
before it on its line (a setup from another class, at least the cheapest such arc over the
lines eligible for both classes) or it is the line's first run (a *start*: from the line's
initial class, or free when the line has none). Then:

1. every class present has at least one run; count one run per class, so the counted
   runs are distinct and their entries add up to at most the total setup;
2. for any set G of classes, on each line that runs G the first G-run is entered from
   outside G (or is a start), so at least one run of G is entered from outside G.

For a *laminar* family of sets (any two are nested or disjoint), these facts give a tree
recursion: ``F(N, L)`` = least cost of the counted runs of N's classes when one of them is
entered from outside L (an ancestor of N, or N itself):
``F(N, L) = sum over children C of F(C, C) + min over C* of (F(C*, L) - F(C*, C*))`` and,
for a single class c, ``F(c, L)`` = its cheapest entry from a class outside L or a start.
The family used here is the components of "classes joined by a setup of at most t
minutes" for increasing thresholds t (nested by construction; colours of a style, then
styles of a category on the garment floor, but nothing here knows about garments). The
whole set needs a start, so the bound is F(root, root) when no line starts free. A free
start can enter any class of any set once per free line: it is handled by choosing one
level of the family and letting the ``free`` dearest sets of that level off entirely (a
set that no free start touches still obeys the recursion), the best level counting.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import connected_components

from scheduling.bounds.groups import resource_groups
from scheduling.model import Problem

# Thresholds beyond this many are sampled: each level costs a pass over the class pairs.
MAX_LEVELS = 48
# "No way in" (a class that can only start a free line): large but finite, so the recursion
# never subtracts infinities; sets that cost this much are dropped from the sum.
_NONE = 1e15


def setup_bound(problem: Problem, group: list[int]) -> int:
    """Setup minutes every feasible schedule pays at least; ``group[r]`` is resource r's
    group (resources linked by operations eligible on both)."""
    by_group: dict[int, list[int]] = {}
    for i, op in enumerate(problem.operations):
        by_group.setdefault(group[op.modes[0].resource], []).append(i)
    return sum(_group_bound(problem, ops) for ops in by_group.values())


def setup_lower_bound(problem: Problem) -> int:
    """Setup minutes every feasible schedule pays at least (:func:`setup_bound`).

    The argument runs per group of resources that share operations (cutting tables,
    sewing lines, finishing teams): a class cut on a table has still to start on a line.
    """
    return setup_bound(problem, resource_groups(problem))


def _group_bound(problem: Problem, ops: list[int]) -> int:
    """The bound for the operations of one resource group."""
    classes = sorted({problem.operations[i].setup_class for i in ops})
    if len(classes) == 0:
        return 0
    local = {c: k for k, c in enumerate(classes)}
    eligible: dict[int, set[int]] = {}  # resource -> local classes with an operation there
    for i in ops:
        for m in problem.operations[i].modes:
            eligible.setdefault(m.resource, set()).add(local[problem.operations[i].setup_class])
    arc = _arcs(problem, eligible, classes)
    start, free = _starts(problem, eligible, classes)
    labels = _levels(arc)
    ext = _entries(arc, start, labels)
    return _best(labels, ext, free)


def _arcs(problem: Problem, eligible: dict[int, set[int]], classes: list[int]) -> np.ndarray:
    """arc[s, c]: cheapest setup from class s to class c over the resources where both have
    an operation (inf where none has both, and on the diagonal)."""
    n = len(classes)
    arc = np.full((n, n), np.inf)
    idx = np.array(classes)
    by_matrix: dict[int, list[int]] = {}  # id(matrix) -> resources sharing it (None: -1)
    for r in eligible:
        mat = problem.setups[r]
        by_matrix.setdefault(-1 if mat is None else id(mat), []).append(r)
    for key, rs in by_matrix.items():
        both = np.zeros((n, n), dtype=bool)
        for r in rs:
            on = np.zeros(n, dtype=bool)
            on[list(eligible[r])] = True
            both |= on[:, None] & on[None, :]
        if key == -1:
            cost = np.zeros((n, n))
        else:
            full = np.asarray(problem.setups[rs[0]], dtype=float)
            cost = full[np.ix_(idx, idx)]
        arc = np.where(both, np.minimum(arc, cost), arc)
    np.fill_diagonal(arc, np.inf)
    return arc


def _starts(
    problem: Problem, eligible: dict[int, set[int]], classes: list[int]
) -> tuple[np.ndarray, int]:
    """Per class, the cheapest first run on a line with an initial class (inf: none), and
    the number of lines that start free (no initial class, or no setups at all)."""
    start = np.full(len(classes), np.inf)
    free = 0
    for r, on in eligible.items():
        init, mat = problem.resources[r].initial_class, problem.setups[r]
        if init is None:
            free += 1
            continue
        for k in on:
            cost = 0 if mat is None else mat[init][classes[k]]
            start[k] = min(start[k], cost)
    return start, free


def _levels(arc: np.ndarray) -> list[np.ndarray]:
    """Component labels per level, finest (each class alone) to coarsest (all together):
    classes joined by setups of at most t minutes either way, t increasing."""
    n = len(arc)
    sym = np.minimum(arc, arc.T)
    values = np.unique(sym[np.isfinite(sym)])
    if len(values) > MAX_LEVELS:
        values = values[np.linspace(0, len(values) - 1, MAX_LEVELS).round().astype(int)]
    levels = [np.arange(n)]
    for t in values:
        _, lab = connected_components(sym <= t, directed=False)
        if len(np.unique(lab)) < len(np.unique(levels[-1])):
            levels.append(lab)
    if len(np.unique(levels[-1])) > 1:
        levels.append(np.zeros(n, dtype=int))
    return levels


def _entries(arc: np.ndarray, start: np.ndarray, labels: list[np.ndarray]) -> np.ndarray:
    """ext[c, l]: the cheapest entry into class c from outside its level-l set, or a start
    (non-decreasing in l; at the top level only a start is from outside)."""
    out = np.empty((len(arc), len(labels)))
    for lev, lab in enumerate(labels):
        outside = lab[:, None] != lab[None, :]
        out[:, lev] = np.minimum(np.where(outside, arc, np.inf).min(axis=0), start)
    return np.minimum(out, _NONE)


def _best(labels: list[np.ndarray], ext: np.ndarray, free: int) -> int:
    """The recursion over the family, then the best level at which to let free starts off."""
    n, top = ext.shape
    # F[c]: F(set of c at the current level, L) for L = current level .. top.
    f = ext.copy()
    own_sums = [ext[:, 0]]  # per level, F(set of c, that set) per class c
    for lev in range(1, top):
        lab, child = labels[lev], labels[lev - 1]
        new = np.empty((n, top - lev))
        own_here = np.empty(n)
        for node in np.unique(lab):
            members = np.flatnonzero(lab == node)
            kids = np.unique(child[members], return_index=True)[1]
            reps = members[kids]  # one class per child set
            own = f[reps, 0]  # F(C, C)
            rest = f[reps, 1:] - own[:, None]  # F(C, L) - F(C, C), L = lev .. top
            val = own.sum() + rest.min(axis=0)
            new[members] = val
            own_here[members] = val[0]
        f = new
        own_sums.append(own_here)
    best = 0.0
    for lev, own in enumerate(own_sums):
        sets = np.unique(labels[lev], return_index=True)[1]
        costs = np.sort(own[sets])[::-1][free:]
        best = max(best, float(costs[costs < _NONE / 2].sum()))
    return int(best)
