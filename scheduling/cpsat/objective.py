"""The objective: a weighted sum of tardiness, setups, overtime, earliness, deviation from
a previous schedule, and makespan (see ``scheduling.model`` for each term)."""

from __future__ import annotations

from ortools.sat.python import cp_model

from scheduling.cpsat.core import ModelCore


def add_objective(core: ModelCore) -> None:
    """Weighted sum of tardiness, setups, overtime, earliness, deviation and makespan."""
    p, m, v, w, H = core.problem, core.model, core.v, core.problem.objective, core.H
    terms: list[tuple[cp_model.IntVar, int]] = []  # (variable, coefficient)
    constant = 0
    if w.makespan:
        terms.append((core.ensure_makespan(), w.makespan))
    if w.setup:
        terms += [(lit, w.setup * s) for lit, s in core.setup_terms]
    if w.overtime:
        terms += [(u, w.overtime) for u in v.overtime.values()]
    sinks = core.sinks()
    for j, job in enumerate(p.jobs):
        if job.due is None or not sinks[j] or job.weight == 0:
            continue
        if not (w.tardiness or w.earliness):
            break
        cj = core.completion(sinks[j], True, core.release_job(j))
        if w.tardiness:
            t = m.new_int_var(0, max(0, H - job.due), f"tard{j}")
            m.add_max_equality(t, [0, cj - job.due])
            terms.append((t, w.tardiness * job.weight))
            core.derived.append(
                (t, lambda h, s=sinks[j], d=job.due: max(0, max(h.sol[i].end for i in s) - d))
            )
        if w.earliness:
            e = m.new_int_var(0, job.due, f"early{j}")
            m.add_max_equality(e, [0, job.due - cj])
            terms.append((e, w.earliness * job.weight))
            core.derived.append(
                (e, lambda h, s=sinks[j], d=job.due: max(0, d - max(h.sol[i].end for i in s)))
            )
    if w.deviation and p.previous is not None:
        for i, prev in enumerate(p.previous):
            if prev is None:
                continue
            dev = m.new_int_var(0, H + prev.start, f"dev{i}")
            cals = core.cals(i)
            if len(cals) == 1:
                m.add_abs_equality(dev, v.ax_start[i, cals[0]] - cals[0].to_axis(prev.start))
            for c in cals if len(cals) > 1 else ():
                pc = c.to_axis(prev.start)
                on_c = [core.uses_lit(i, c)]
                core.enforce(m.add(dev >= v.ax_start[i, c] - pc), on_c)
                core.enforce(m.add(dev >= pc - v.ax_start[i, c]), on_c)
            core.derived.append((dev, lambda h, i=i, ps=prev.start: h.deviation(i, ps)))
            terms.append((dev, w.deviation))
            if w.reassign_minutes:
                # Moved to another resource: reassign_minutes, i.e. c * (1 - stays).
                cost = w.deviation * w.reassign_minutes
                constant += cost
                lit = v.present.get((i, prev.resource))
                if lit is not None:
                    terms.append((lit, -cost))
    if terms or constant:
        pairs = [(x, c) for x, c in terms if c]
        expr = cp_model.LinearExpr.weighted_sum([x for x, _ in pairs], [c for _, c in pairs])
        m.minimize(expr + constant)
