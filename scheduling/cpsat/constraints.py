"""The constraint families, one function each; ``FAMILIES`` names them in build order.

A test can leave one family out (``CpSatModel(skip=...)``) and watch a check fail, which is
how each family shows it is needed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduling.cpsat.core import ModelCore


def select_one_mode(core: ModelCore) -> None:
    """Each operation runs in exactly one of its modes."""
    for i, op in enumerate(core.problem.operations):
        if len(op.modes) > 1:
            core.model.add_exactly_one(core.v.present[i, md.resource] for md in op.modes)


def release_dates(core: ModelCore) -> None:
    """No operation starts before its job's release (fabric arrival), on every axis."""
    p, m, v = core.problem, core.model, core.v
    for i, op in enumerate(p.operations):
        release = p.jobs[op.job].release
        if release <= 0:
            continue
        for c in core.cals(i):
            core.enforce(m.add(v.ax_start[i, c] >= c.to_axis(release)), [core.uses_lit(i, c)])
        if i in v.wall_start:
            m.add(v.wall_start[i] >= release)


def precedences(core: ModelCore) -> None:
    """Routing: the successor starts ``lag`` minutes after the predecessor ends; working
    minutes on a shared calendar (an axis inequality), wall minutes across calendars."""
    m, v = core.model, core.v
    for pr in core.problem.precedences:
        a, b = pr.pred, pr.succ
        for ca in core.cals(a):
            for cb in core.cals(b):
                lits = [core.uses_lit(a, ca), core.uses_lit(b, cb)]
                if ca == cb:
                    ct = m.add(v.ax_start[b, cb] >= v.ax_end[a, ca] + pr.lag)
                else:
                    ct = m.add(core.wall(b, "s") >= core.wall(a, "e") + pr.lag)
                core.enforce(ct, lits)


def fixed(core: ModelCore) -> None:
    """Fixed operations keep their resource and start."""
    m, v = core.model, core.v
    for i, op in enumerate(core.problem.operations):
        if op.fixed_resource is not None and op.fixed_start is not None:
            c = core.cal(op.fixed_resource)
            m.add(v.present[i, op.fixed_resource] == 1)
            m.add(v.ax_start[i, c] == c.to_axis(op.fixed_start))
            if i in v.wall_start:
                m.add(v.wall_start[i] == op.fixed_start)


def calendars(core: ModelCore) -> None:
    """Operations that may run on several calendars: link each axis to the wall clock."""
    m, v = core.model, core.v
    for i in range(core.problem.num_operations):
        cals = core.cals(i)
        if len(cals) == 1:
            continue
        for c in cals:
            lit = v.uses[i, c]
            if c.always_open:
                m.add(v.ax_start[i, c] == v.start[i]).only_enforce_if(lit)
                m.add(v.ax_end[i, c] == v.end[i]).only_enforce_if(lit)
                continue
            for kind, ax, wall in (
                ("s", v.ax_start[i, c], v.start[i]),
                ("e", v.ax_end[i, c], v.end[i]),
            ):
                pos = 0 if kind == "s" else 1
                core.link(
                    ax,
                    c,
                    kind,
                    core.release(i),
                    lambda h, i=i, c=c, pos=pos: h.axes(i, c)[pos],
                    lit=lit,
                    wall=wall,
                )


def no_overlap(core: ModelCore) -> None:
    """Operations on one resource never overlap (on its working axis); closed overtime
    blocks join in (see :func:`_overtime_blocks`)."""
    by_r: dict[int, list[cp_model.IntervalVar]] = {}
    for (_, r), iv in core.v.interval.items():
        by_r.setdefault(r, []).append(iv)
    for r, blocks in _overtime_blocks(core).items():
        by_r.setdefault(r, []).extend(blocks)
    for ivs in by_r.values():
        if len(ivs) > 1:
            core.model.add_no_overlap(ivs)


def _overtime_blocks(core: ModelCore) -> dict[int, list[cp_model.IntervalVar]]:
    """Per resource and overtime window: minutes used ``u`` and a block on the rest."""
    p, m, v = core.problem, core.model, core.v
    out: dict[int, list[cp_model.IntervalVar]] = {}
    if not p.objective.overtime:
        return out
    for r in range(len(p.resources)):
        c = core.cal(r)
        if not c.overtime or not any(op.duration_on(r) for op in p.operations):
            continue
        for a, b in c.overtime:
            if a >= core.H:
                break
            A, B = c.to_axis(a), c.to_axis(b)
            u = m.new_int_var(0, B - A, f"ot{r}_{a}")
            start = m.new_int_var(A, B, "")
            m.add(start == A + u)
            # A zero-size interval may not sit inside another one in a no-overlap, so
            # the block exists only while part of the window stays closed.
            closed = m.new_bool_var("")
            m.add(u <= B - A - 1).only_enforce_if(closed)
            m.add(u == B - A).only_enforce_if(~closed)
            out.setdefault(r, []).append(
                m.new_optional_interval_var(start, B - start, B, closed, "")
            )
            v.overtime[r, a] = u
            core.derived += [
                (u, lambda h, r=r, a=a, b=b: h.overtime_used(r, a, b)),
                (start, lambda h, r=r, a=a, b=b, A=A: A + h.overtime_used(r, a, b)),
                (closed, lambda h, r=r, a=a, b=b, n=B - A: h.overtime_used(r, a, b) < n),
            ]
    return out


def setups(core: ModelCore) -> None:
    """Exact sequence-dependent setups: one circuit per resource with setups."""
    p, m, v = core.problem, core.model, core.v
    ops = p.operations
    hint_pos = _hint_positions(core)
    for r, res in enumerate(p.resources):
        mat = p.setups[r]
        if mat is None or not p.has_setups(r):
            continue
        c = core.cal(r)
        nodes = [i for i, op in enumerate(ops) if op.duration_on(r) is not None]
        if not nodes:
            continue
        succ_of = _arc_filter(core, r, nodes, hint_pos)
        node_of = {i: k for k, i in enumerate(nodes, start=1)}
        arcs: list[tuple[int, int, cp_model.LiteralT]] = []
        lits: dict[tuple[int, int], cp_model.IntVar] = {}
        empty = m.new_bool_var(f"empty{r}")
        arcs.append((0, 0, empty))
        for k, i in enumerate(nodes, start=1):
            arcs.append((k, k, ~v.present[i, r]))
            first = m.new_bool_var("")
            arcs.append((0, k, first))
            lits[-1, i] = first
            s0 = p.setup_time(r, res.initial_class, ops[i].setup_class)
            if s0:
                m.add(v.ax_start[i, c] >= s0).only_enforce_if(first)
                core.setup_terms.append((first, s0))
            last = m.new_bool_var("")
            arcs.append((k, 0, last))
            lits[i, -1] = last
        # Hot loop (n^2 arcs): everything it needs, precomputed per node.
        axs = [v.ax_start[i, c] for i in nodes]
        dur = [ops[i].duration_on(r) or 0 for i in nodes]  # all eligible: never 0
        cls = [ops[i].setup_class for i in nodes]
        pinned = {i: ops[i].fixed_start for i in nodes if ops[i].fixed_resource == r}
        new_bool = m.new_bool_var
        for ka, a in enumerate(nodes, start=1):
            xa, da, row = axs[ka - 1], dur[ka - 1], mat[cls[ka - 1]]
            fa = pinned.get(a)
            for b in succ_of(a):
                kb = node_of[b]
                fb = pinned.get(b)
                if fa is not None and fb is not None and fa > fb:
                    continue  # two pinned operations keep their order
                lit = new_bool("")
                arcs.append((ka, kb, lit))
                lits[a, b] = lit
                setup = row[cls[kb - 1]]
                m.add(axs[kb - 1] >= xa + (da + setup)).only_enforce_if(lit)
                if setup:
                    core.setup_terms.append((lit, setup))
        m.add_circuit(arcs)
        v.arcs[r] = lits
        v.empty[r] = empty


def load_bounds(core: ModelCore) -> None:
    """Redundant: on an always-open resource the makespan covers its work and setups."""
    if not core.problem.objective.makespan:
        return
    makespan = core.ensure_makespan()
    p, v = core.problem, core.v
    for r in range(len(p.resources)):
        if not core.cal(r).always_open:
            continue
        work = [
            (v.present[i, r], op.duration_on(r))
            for i, op in enumerate(p.operations)
            if op.duration_on(r) is not None
        ]
        if not work:
            continue
        mat = p.setups[r]
        if r in v.arcs and mat is not None:  # arcs exist only where there are setups
            init = p.resources[r].initial_class
            for (a, b), lit in v.arcs[r].items():
                if b < 0:
                    continue
                before = init if a < 0 else p.operations[a].setup_class
                if before is not None and mat[before][p.operations[b].setup_class]:
                    work.append((lit, mat[before][p.operations[b].setup_class]))
        lits, coefs = zip(*work, strict=True)
        expr = cp_model.LinearExpr.weighted_sum(list(lits), list(coefs))
        core.model.add(makespan >= expr)


def _arc_filter(
    core: ModelCore, r: int, nodes: list[int], hint_pos: dict[int, int] | None
) -> Callable[[int], list[int]]:
    """For each node a, the nodes b with an arc a -> b on resource r (all, unless
    pruning is on: then those within K places in the hint's order, and the hint's
    own successor)."""
    k, hint = core.max_neighbours, core.hint
    if k is None or hint is None or hint_pos is None or len(nodes) <= 2 * k + 1:
        return lambda a: [b for b in nodes if b != a]
    order = sorted(nodes, key=lambda i: (hint_pos[i], i))
    rank = {i: n for n, i in enumerate(order)}
    seq = [i for i in order if hint[i].resource == r]
    hinted = dict(itertools.pairwise(seq))

    def succ_of(a: int) -> list[int]:
        n = rank[a]
        out = [b for b in order[max(0, n - k) : n + k + 1] if b != a]
        h = hinted.get(a)
        if h is not None and h not in out:
            out.append(h)
        return out

    return succ_of


def _hint_positions(core: ModelCore) -> dict[int, int] | None:
    if core.hint is None:
        return None
    return {i: a.start for i, a in enumerate(core.hint)}


# Build order matters: it fixes the variables' indices, hence CP-SAT's search.
BUILDERS: dict[str, Callable[[ModelCore], None]] = {
    "select_one_mode": select_one_mode,
    "release_dates": release_dates,
    "precedences": precedences,
    "fixed": fixed,
    "calendars": calendars,
    "no_overlap": no_overlap,
    "setups": setups,
    "load_bounds": load_bounds,
}
FAMILIES = tuple(BUILDERS)
