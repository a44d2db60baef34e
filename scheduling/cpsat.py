"""The OR-Tools CP-SAT model, built in named steps: variables, constraint families, objective.

Formulation (what it assumes, and why it is exact):

* **Wall clock and working axes.** Every operation has wall-clock ``start``/``end``
  variables (precedence lags, release and due dates, fixed starts and the previous plan
  are all wall-clock facts). Each calendar also has a *working-time axis* that numbers
  its working minutes; an operation's interval on a resource lives on that resource's
  axis with its plain duration, so no-overlap and sequence-dependent setups on the axis
  are exact *and* pause outside working time for free. Wall and axis are linked per
  (operation, calendar) by an element constraint on the working segment the start (and
  the end) falls in: ``axis = wall - segment start + segment offset``. Operations whose
  resources are always open skip the link (axis = wall).
* **Setups** are exact: one circuit per resource over its optional operations (arc
  ``a -> b`` means ``b`` directly follows ``a`` and forces the setup gap on the axis), with
  a depot node for the first and last operation; a self loop means "not on this
  resource". No-overlap is added as well, as a redundant global constraint (it
  propagates far better than the arcs alone).
* **Large resources.** A circuit has n^2 arcs. With ``max_neighbours=K`` and a hint, only
  arcs between operations within K places of each other in the hint's order are kept (plus
  the hint's own arcs, so the hint stays feasible). That restricts the search space (never
  the validity of what is found); it is off for small resources, where the model is exact.
* **Redundant load bound** for the makespan on always-open resources: makespan >= work +
  setups on every resource (the LP relaxation then bounds UPM-style instances well).

Each constraint family is one method of :class:`Constraints`; ``skip`` names families to
leave out, which the tests use to show that each family is needed.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduling.problem import Assignment, Calendar, Problem, Solution
from scheduling.result import fill_setups

FAMILIES = (
    "select_one_mode",
    "release_dates",
    "precedences",
    "fixed",
    "calendars",
    "no_overlap",
    "setups",
    "load_bounds",
)


def horizon(problem: Problem, hint: Solution | None = None) -> int:
    """A wall-clock upper bound on every end time that keeps an optimum in reach.

    For a pure makespan objective the hint's makespan is enough (nothing later can be
    better). Otherwise: the latest date anything refers to, plus as much working time as
    the total work, the largest setups and all lags, on each resource's calendar (capped by its end:
    nothing works after it).
    """
    w = problem.objective
    pure_makespan = not (w.tardiness or w.setup or w.overtime or w.earliness or w.deviation)
    if hint is not None and pure_makespan and w.makespan:
        return hint.makespan
    dates = [j.release for j in problem.jobs] + [j.due or 0 for j in problem.jobs]
    if hint is not None:
        dates.append(hint.makespan)
    for op in problem.operations:
        if op.fixed:
            dates.append(op.fixed_start)
    if problem.previous is not None:
        dates += [a.end for a in problem.previous if a is not None]
    work = sum(max(m.duration for m in op.modes) for op in problem.operations)
    setup = 0
    for r, mat in enumerate(problem.setups):
        if mat is not None:
            n = sum(1 for op in problem.operations if op.duration_on(r) is not None)
            setup += n * max(max(row) for row in mat)
    # That much working time after the latest date, in wall time on the slowest calendar.
    d, need = max(dates), work + setup + sum(pr.lag for pr in problem.precedences)
    h = 0
    for res in problem.resources:
        cal = res.calendar
        if cal.always_open:
            h = max(h, d + need)
        elif w.overtime and cal.overtime:
            # Avoiding overtime can mean waiting for a later window: no tighter bound.
            h = max(h, cal.last_minute)
        else:
            end = cal.end_at(min(cal.to_axis(d) + need, cal.capacity))
            h = max(h, end if end is not None else cal.last_minute)
    return h


@dataclass
class Variables:
    """All decision variables. Keys: ``i`` operation, ``r`` resource, ``c`` calendar."""

    start: list[cp_model.IntVar] = field(default_factory=list)
    end: list[cp_model.IntVar] = field(default_factory=list)
    present: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    uses: dict[tuple[int, Calendar], cp_model.IntVar] = field(default_factory=dict)
    ax_start: dict[tuple[int, Calendar], cp_model.IntVar] = field(default_factory=dict)
    ax_end: dict[tuple[int, Calendar], cp_model.IntVar] = field(default_factory=dict)
    interval: dict[tuple[int, int], cp_model.IntervalVar] = field(default_factory=dict)
    seg_index: dict[tuple[int, Calendar, str], cp_model.IntVar] = field(default_factory=dict)
    arcs: dict[int, dict[tuple[int, int], cp_model.IntVar]] = field(default_factory=dict)
    empty: dict[int, cp_model.IntVar] = field(default_factory=dict)


class CpSatModel:
    """Builds the model for a problem; ``solve`` runs it. One instance per solve."""

    def __init__(
        self,
        problem: Problem,
        hint: Solution | None = None,
        horizon_: int | None = None,
        skip: Iterable[str] = (),
        max_neighbours: int | None = None,
    ) -> None:
        unknown = set(skip) - set(FAMILIES)
        if unknown:
            raise ValueError(f"Unknown constraint families {sorted(unknown)}.")
        self.problem = problem
        self.hint = hint
        self.skip = frozenset(skip)
        self.max_neighbours = max_neighbours
        self.H = horizon_ if horizon_ is not None else horizon(problem, hint)
        self.model = cp_model.CpModel()
        self.v = Variables()
        self.setup_terms: list[tuple[cp_model.IntVar, int]] = []
        self._segment_cache: dict[tuple[Calendar, int], list[tuple[int, int, int]]] = {}
        # Auxiliary variables and how to compute each from a schedule, so hints are complete
        # (CP-SAT uses a complete, feasible hint at once; an incomplete one it must repair).
        self._derived: list[tuple[cp_model.IntVar, Callable[[_HintView], int]]] = []
        self._variables()
        self._constraints()
        self._objective()
        if hint is not None:
            self._add_hint(hint)

    # --- helpers ------------------------------------------------------------------------

    def _cal(self, r: int) -> Calendar:
        """The calendar of resource r as the model sees it (always open if skipped)."""
        cal = self.problem.resources[r].calendar
        return Calendar() if "calendars" in self.skip else cal

    def _cals(self, i: int) -> list[Calendar]:
        out: list[Calendar] = []
        for m in self.problem.operations[i].modes:
            c = self._cal(m.resource)
            if c not in out:
                out.append(c)
        return out

    def _segments(self, c: Calendar, lo: int) -> list[tuple[int, int, int]]:
        """(wall start, wall end, axis offset) of the segments that matter after ``lo``."""
        key = (c, lo)
        if key not in self._segment_cache:
            self._segment_cache[key] = self._segments_uncached(c, lo)
        return self._segment_cache[key]

    def _segments_uncached(self, c: Calendar, lo: int) -> list[tuple[int, int, int]]:
        return [
            (a, b, off)
            for (a, b), off in zip(c.segments, c.offsets, strict=True)
            if b > lo and a <= self.H
        ]

    # --- variables ----------------------------------------------------------------------

    def _variables(self) -> None:
        """Wall start/end, mode presence, per-calendar axis positions and intervals."""
        p, m, v, H = self.problem, self.model, self.v, self.H
        for i, op in enumerate(p.operations):
            release = p.jobs[op.job].release if "release_dates" not in self.skip else 0
            lo = min(release, H)
            cals = self._cals(i)
            if any(c.always_open for c in cals):
                s_dom = cp_model.Domain(0, H)
                e_dom = cp_model.Domain(1, H)
            else:
                starts, ends = [], []
                for c in cals:
                    for a, b, _ in self._segments(c, lo):
                        starts.append([a, min(b - 1, H)])
                        ends.append([a + 1, min(b, H)])
                s_dom = cp_model.Domain.from_intervals(starts or [[0, 0]])
                e_dom = cp_model.Domain.from_intervals(ends or [[0, 0]])
            v.start.append(m.new_int_var_from_domain(s_dom, f"s{i}"))
            v.end.append(m.new_int_var_from_domain(e_dom, f"e{i}"))
            for mode in op.modes:
                if len(op.modes) == 1:
                    v.present[i, mode.resource] = m.new_constant(1)
                else:
                    v.present[i, mode.resource] = m.new_bool_var(f"x{i}_{mode.resource}")
            for c in cals:
                if len(cals) == 1:
                    v.uses[i, c] = m.new_constant(1)
                else:
                    lit = m.new_bool_var(f"u{i}_{id(c)}")
                    on_c = [
                        v.present[i, md.resource] for md in op.modes if self._cal(md.resource) == c
                    ]
                    m.add(lit == sum(on_c))
                    v.uses[i, c] = lit
                    self._derived.append((lit, lambda h, i=i, c=c: int(h.cal(i) == c)))
                if c.always_open:
                    v.ax_start[i, c], v.ax_end[i, c] = v.start[i], v.end[i]
                else:
                    cap = c.capacity
                    v.ax_start[i, c] = m.new_int_var(0, cap - 1, f"as{i}_{id(c)}")
                    v.ax_end[i, c] = m.new_int_var(1, cap, f"ae{i}_{id(c)}")
            for mode in op.modes:
                c = self._cal(mode.resource)
                lit = v.present[i, mode.resource]
                v.interval[i, mode.resource] = m.new_optional_fixed_size_interval_var(
                    v.ax_start[i, c], mode.duration, lit, f"iv{i}_{mode.resource}"
                )
                m.add(v.ax_end[i, c] == v.ax_start[i, c] + mode.duration).only_enforce_if(lit)

    # --- constraints --------------------------------------------------------------------

    def _constraints(self) -> None:
        for family in FAMILIES:
            if family not in self.skip:
                getattr(self, f"_{family}")()

    def _select_one_mode(self) -> None:
        """Each operation runs in exactly one of its modes."""
        for i, op in enumerate(self.problem.operations):
            if len(op.modes) > 1:
                self.model.add_exactly_one(self.v.present[i, md.resource] for md in op.modes)

    def _release_dates(self) -> None:
        """No operation starts before its job's release (fabric arrival)."""
        for i, op in enumerate(self.problem.operations):
            self.model.add(self.v.start[i] >= self.problem.jobs[op.job].release)

    def _precedences(self) -> None:
        """Routing: a successor starts ``lag`` wall minutes after its predecessor ends."""
        v = self.v
        for pr in self.problem.precedences:
            self.model.add(v.start[pr.succ] >= v.end[pr.pred] + pr.lag)

    def _fixed(self) -> None:
        """Fixed operations keep their resource and start."""
        for i, op in enumerate(self.problem.operations):
            if op.fixed:
                self.model.add(self.v.present[i, op.fixed_resource] == 1)
                self.model.add(self.v.start[i] == op.fixed_start)

    def _calendars(self) -> None:
        """Link wall clock and working axis through the segment the start/end falls in."""
        p, m, v = self.problem, self.model, self.v
        for i, op in enumerate(p.operations):
            release = p.jobs[op.job].release if "release_dates" not in self.skip else 0
            for c in self._cals(i):
                if c.always_open:
                    continue
                segs = (
                    self._segments(c, min(release, self.H))
                    or [(a, b, o) for (a, b), o in zip(c.segments, c.offsets, strict=True)][-1:]
                )
                ws = [a for a, _, _ in segs]
                we = [b for _, b, _ in segs]
                delta = [o - a for a, _, o in segs]
                lit = v.uses[i, c]
                for kind, wall, ax in (
                    ("s", v.start[i], v.ax_start[i, c]),
                    ("e", v.end[i], v.ax_end[i, c]),
                ):
                    k = m.new_int_var(0, len(segs) - 1, f"k{kind}{i}_{id(c)}")
                    v.seg_index[i, c, kind] = k
                    lo = m.new_int_var(min(ws), max(ws), "")
                    hi = m.new_int_var(min(we), max(we), "")
                    dl = m.new_int_var(min(delta), max(delta), "")
                    m.add_element(k, ws, lo)
                    m.add_element(k, we, hi)
                    m.add_element(k, delta, dl)
                    self._derived += [
                        (k, lambda h, i=i, c=c, t=kind, sg=segs: h.segment(i, c, t, sg)),
                        (lo, lambda h, i=i, c=c, t=kind, sg=segs: sg[h.segment(i, c, t, sg)][0]),
                        (hi, lambda h, i=i, c=c, t=kind, sg=segs: sg[h.segment(i, c, t, sg)][1]),
                        (
                            dl,
                            lambda h, i=i, c=c, t=kind, sg=segs: (
                                sg[h.segment(i, c, t, sg)][2] - sg[h.segment(i, c, t, sg)][0]
                            ),
                        ),
                    ]
                    if kind == "s":
                        m.add(wall >= lo).only_enforce_if(lit)
                        m.add(wall <= hi - 1).only_enforce_if(lit)
                    else:
                        m.add(wall >= lo + 1).only_enforce_if(lit)
                        m.add(wall <= hi).only_enforce_if(lit)
                    m.add(ax == wall + dl).only_enforce_if(lit)

    def _no_overlap(self) -> None:
        """Operations on one resource never overlap (on its working axis)."""
        by_r: dict[int, list] = {}
        for (_, r), iv in self.v.interval.items():
            by_r.setdefault(r, []).append(iv)
        for ivs in by_r.values():
            if len(ivs) > 1:
                self.model.add_no_overlap(ivs)

    def _setups(self) -> None:
        """Exact sequence-dependent setups: one circuit per resource with setups."""
        p, m, v = self.problem, self.model, self.v
        ops = p.operations
        hint_pos = self._hint_positions()
        for r, res in enumerate(p.resources):
            if not p.has_setups(r):
                continue
            c = self._cal(r)
            nodes = [i for i, op in enumerate(ops) if op.duration_on(r) is not None]
            if not nodes:
                continue
            succ_of = self._arc_filter(r, nodes, hint_pos)
            node_of = {i: k for k, i in enumerate(nodes, start=1)}
            arcs, lits = [], {}
            empty = m.new_bool_var(f"empty{r}")
            arcs.append((0, 0, empty))
            for k, i in enumerate(nodes, start=1):
                pres = v.present[i, r]
                arcs.append((k, k, ~pres))
                first = m.new_bool_var("")
                arcs.append((0, k, first))
                lits[-1, i] = first
                s0 = p.setup_time(r, res.initial_class, ops[i].setup_class)
                if s0:
                    m.add(v.ax_start[i, c] >= s0).only_enforce_if(first)
                    self.setup_terms.append((first, s0))
                last = m.new_bool_var("")
                arcs.append((k, 0, last))
                lits[i, -1] = last
            for ka, a in enumerate(nodes, start=1):
                da = ops[a].duration_on(r)
                for b in succ_of(a):
                    kb = node_of[b]
                    if (
                        ops[a].fixed
                        and ops[b].fixed
                        and ops[a].fixed_resource == r == (ops[b].fixed_resource)
                        and ops[a].fixed_start > ops[b].fixed_start
                    ):
                        continue
                    lit = m.new_bool_var("")
                    arcs.append((ka, kb, lit))
                    lits[a, b] = lit
                    s = p.setup_time(r, ops[a].setup_class, ops[b].setup_class)
                    m.add(v.ax_start[b, c] >= v.ax_start[a, c] + da + s).only_enforce_if(lit)
                    if s:
                        self.setup_terms.append((lit, s))
            m.add_circuit(arcs)
            v.arcs[r] = lits
            v.empty[r] = empty

    def _load_bounds(self) -> None:
        """Redundant: on an always-open resource the makespan covers its work and setups."""
        if not self.problem.objective.makespan:
            return
        self._ensure_makespan()
        p, v = self.problem, self.v
        for r in range(len(p.resources)):
            if not self._cal(r).always_open:
                continue
            work = [
                (v.present[i, r], op.duration_on(r))
                for i, op in enumerate(p.operations)
                if op.duration_on(r) is not None
            ]
            if not work:
                continue
            if r in v.arcs:
                mat = p.setups[r]
                init = p.resources[r].initial_class
                for (a, b), lit in v.arcs[r].items():
                    if b < 0:
                        continue
                    before = init if a < 0 else p.operations[a].setup_class
                    if before is not None and mat[before][p.operations[b].setup_class]:
                        work.append((lit, mat[before][p.operations[b].setup_class]))
            lits, coefs = zip(*work, strict=True)
            expr = cp_model.LinearExpr.weighted_sum(list(lits), list(coefs))
            self.model.add(self.makespan >= expr)

    def _arc_filter(self, r: int, nodes: list[int], hint_pos: dict[int, int] | None):
        """For each node a, the nodes b with an arc a -> b on resource r (all, unless
        pruning is on: then those within K places in the hint's order, and the hint's
        own successor)."""
        k = self.max_neighbours
        if k is None or hint_pos is None or len(nodes) <= 2 * k + 1:
            return lambda a: [b for b in nodes if b != a]
        order = sorted(nodes, key=lambda i: (hint_pos[i], i))
        rank = {i: n for n, i in enumerate(order)}
        seq = [i for i in order if self.hint[i].resource == r]
        hinted = dict(itertools.pairwise(seq))

        def succ_of(a: int) -> list[int]:
            n = rank[a]
            out = [b for b in order[max(0, n - k) : n + k + 1] if b != a]
            h = hinted.get(a)
            if h is not None and h not in out:
                out.append(h)
            return out

        return succ_of

    def _hint_positions(self) -> dict[int, int] | None:
        if self.hint is None:
            return None
        return {i: a.start for i, a in enumerate(self.hint)}

    # --- objective ----------------------------------------------------------------------

    makespan: cp_model.IntVar | None = None

    def _ensure_makespan(self) -> None:
        if self.makespan is not None:
            return
        self.makespan = self.model.new_int_var(0, self.H, "makespan")
        succ = self.problem.successors()
        for i in range(self.problem.num_operations):
            if not succ[i]:
                self.model.add(self.makespan >= self.v.end[i])

    def _objective(self) -> None:
        """Weighted sum of tardiness, setups, overtime, earliness, deviation and makespan."""
        p, m, v, w, H = self.problem, self.model, self.v, self.problem.objective, self.H
        terms: list[tuple[cp_model.IntVar, int]] = []  # (variable, coefficient)
        constant = 0
        if w.makespan:
            self._ensure_makespan()
            terms.append((self.makespan, w.makespan))
        if w.setup:
            terms += [(lit, w.setup * s) for lit, s in self.setup_terms]
        succ = p.successors()
        sinks = [[] for _ in p.jobs]
        for i, op in enumerate(p.operations):
            if not succ[i]:
                sinks[op.job].append(i)
        for j, job in enumerate(p.jobs):
            if job.due is None or not sinks[j] or job.weight == 0:
                continue
            if w.tardiness:
                t = m.new_int_var(0, max(0, H - job.due), f"tard{j}")
                for i in sinks[j]:
                    m.add(t >= v.end[i] - job.due)
                terms.append((t, w.tardiness * job.weight))
                self._derived.append(
                    (t, lambda h, s=sinks[j], d=job.due: max(0, max(h.sol[i].end for i in s) - d))
                )
            if w.earliness:
                cj = m.new_int_var(0, H, f"c{j}")
                m.add_max_equality(cj, [v.end[i] for i in sinks[j]])
                e = m.new_int_var(0, job.due, f"early{j}")
                m.add(e >= job.due - cj)
                terms.append((e, w.earliness * job.weight))
                self._derived += [
                    (cj, lambda h, s=sinks[j]: max(h.sol[i].end for i in s)),
                    (e, lambda h, s=sinks[j], d=job.due: max(0, d - max(h.sol[i].end for i in s))),
                ]
        if w.overtime:
            terms += [(t, w.overtime) for t in self._overtime_terms()]
        if w.deviation and p.previous is not None:
            for i, prev in enumerate(p.previous):
                if prev is None:
                    continue
                dev = m.new_int_var(0, H + prev.start, f"dev{i}")
                m.add_abs_equality(dev, v.start[i] - prev.start)
                self._derived.append((dev, lambda h, i=i, ps=prev.start: abs(h.sol[i].start - ps)))
                terms.append((dev, w.deviation))
                if w.reassign_minutes:
                    # Moved to another resource: reassign_minutes, i.e. c * (1 - stays).
                    c = w.deviation * w.reassign_minutes
                    constant += c
                    lit = v.present.get((i, prev.resource))
                    if lit is not None:
                        terms.append((lit, -c))
        if terms or constant:
            pairs = [(x, c) for x, c in terms if c]
            expr = cp_model.LinearExpr.weighted_sum([x for x, _ in pairs], [c for _, c in pairs])
            m.minimize(expr + constant)

    def _overtime_terms(self) -> list:
        """Processing minutes inside overtime windows, per operation and window it can touch."""
        p, m, v = self.problem, self.model, self.v
        out = []
        for i in range(p.num_operations):
            for c in self._cals(i):
                if not c.overtime:
                    continue
                lo_ax, hi_ax = 0, c.capacity
                for a, b in c.overtime:
                    if a > self.H:
                        break
                    A, B = c.to_axis(a), c.to_axis(b)
                    if lo_ax >= B or hi_ax <= A:
                        continue
                    mn = m.new_int_var(0, B, "")
                    mx = m.new_int_var(A, hi_ax, "")
                    m.add_min_equality(mn, [v.ax_end[i, c], B])
                    m.add_max_equality(mx, [v.ax_start[i, c], A])
                    ov = m.new_int_var(0, B - A, f"ot{i}_{a}")
                    m.add(ov >= mn - mx).only_enforce_if(v.uses[i, c])
                    out.append(ov)
                    self._derived += [
                        (mn, lambda h, i=i, c=c, B=B: min(h.axes(i, c)[1], B)),
                        (mx, lambda h, i=i, c=c, A=A: max(h.axes(i, c)[0], A)),
                        (
                            ov,
                            lambda h, i=i, c=c, A=A, B=B: (
                                max(0, min(h.axes(i, c)[1], B) - max(h.axes(i, c)[0], A))
                                if h.cal(i) == c
                                else 0
                            ),
                        ),
                    ]
        return out

    # --- hint and solve -----------------------------------------------------------------

    def _add_hint(self, sol: Solution) -> None:
        self.hint_into(self.model, sol)

    def hint_into(self, target: cp_model.CpModel, sol) -> None:
        """Hints every decision (modes, times, axis positions, arcs) of ``sol`` on ``target``.

        ``target`` is this model or a clone of it (LNS sub-models): variables are looked up
        by index, and existing hints are cleared first (CP-SAT rejects duplicate hints).
        ``sol`` is any sequence of objects with ``resource``, ``start`` and ``end``.
        """
        p, v = self.problem, self.v
        target.clear_hints()
        view = _HintView(self, sol)
        hints: dict[int, int] = {}  # written in bulk below: per-variable add_hint is slow

        def put(var, value: int) -> None:
            idx = var.index
            if idx >= 0 and idx not in hints:
                hints[idx] = int(value)

        for i, a in enumerate(sol):
            put(v.start[i], a.start)
            put(v.end[i], a.end)
            if len(p.operations[i].modes) > 1:
                for md in p.operations[i].modes:
                    put(v.present[i, md.resource], md.resource == a.resource)
            for c in self._cals(i):
                if not c.always_open:
                    ax_s, ax_e = view.axes(i, c)
                    put(v.ax_start[i, c], ax_s)
                    put(v.ax_end[i, c], ax_e)
        for r, lits in v.arcs.items():
            seq = sorted(
                (i for i, a in enumerate(sol) if a.resource == r), key=lambda i: sol[i].start
            )
            on = set(zip([-1, *seq], [*seq, -1], strict=True))
            for key, lit in lits.items():
                put(lit, key in on)
            put(v.empty[r], not seq)
        if self.makespan is not None:
            put(self.makespan, max((a.end for a in sol), default=0))
        for var, fn in self._derived:
            put(var, fn(view))
        target.proto.solution_hint.vars.extend(hints.keys())
        target.proto.solution_hint.values.extend(hints.values())

    def solve(
        self,
        time_limit: float = 10.0,
        workers: int = 2,
        seed: int = 0,
        deterministic: bool = False,
        log: bool = False,
    ) -> tuple[str, Solution | None, int | None, int, float]:
        """Runs CP-SAT. Returns (status, solution, objective, bound, wall seconds).

        ``deterministic``: same result for the same seed and workers, by interleaved
        search and a deterministic-time limit (``time_limit`` deterministic units, with a
        wall-clock safety cap of 3x) instead of a wall-clock race between workers.
        """
        solver = cp_model.CpSolver()
        prm = solver.parameters
        prm.num_workers = max(1, workers)
        prm.random_seed = seed
        prm.log_search_progress = log
        # Probing the circuit literals in presolve costs seconds on 50 x 10 UPM instances
        # and finds little; the search itself (hint, LNS workers) does better with the time.
        prm.cp_model_probing_level = 0
        if deterministic:
            prm.interleave_search = True
            prm.max_deterministic_time = time_limit
            prm.max_time_in_seconds = 3 * time_limit + 1
        else:
            prm.max_time_in_seconds = time_limit
        t0 = time.perf_counter()
        code = solver.solve(self.model)
        wall = time.perf_counter() - t0
        status = {
            cp_model.OPTIMAL: "optimal",
            cp_model.FEASIBLE: "feasible",
            cp_model.INFEASIBLE: "infeasible",
        }.get(code, "unknown")
        bound = math.ceil(solver.best_objective_bound - 1e-6) if status != "infeasible" else 0
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None, None, max(bound, 0), wall
        sol = self._extract(solver)
        return status, sol, round(solver.objective_value), max(bound, 0), wall

    def _extract(self, solver: cp_model.CpSolver) -> Solution:
        p, v = self.problem, self.v
        out = []
        for i, op in enumerate(p.operations):
            r = next(
                md.resource
                for md in op.modes
                if solver.boolean_value(v.present[i, md.resource]) or len(op.modes) == 1
            )
            out.append(Assignment(r, solver.value(v.start[i]), solver.value(v.end[i]), 0))
        return fill_setups(p, Solution(out))


class _HintView:
    """A schedule seen through the model: calendars used, axis positions, segments."""

    def __init__(self, model: CpSatModel, sol) -> None:
        self.model, self.sol = model, sol

    def cal(self, i: int) -> Calendar:
        return self.model._cal(self.sol[i].resource)

    def axes(self, i: int, c: Calendar) -> tuple[int, int]:
        """Axis start and end of operation i on calendar c ((0, 1) if it does not use c)."""
        a = self.sol[i]
        if self.cal(i) != c:
            return 0, 1
        return c.to_axis(a.start), c.to_axis(a.end)

    def segment(self, i: int, c: Calendar, kind: str, segs) -> int:
        """Index in ``segs`` of the segment holding the start (``s``) or last minute (``e``)."""
        if self.cal(i) != c:
            return 0
        a = self.sol[i]
        t = a.start if kind == "s" else a.end - 1
        for k, (lo, hi, _) in enumerate(segs):
            if lo <= t < hi:
                return k
        return 0
