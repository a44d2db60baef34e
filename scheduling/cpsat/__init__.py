"""The OR-Tools CP-SAT model, built in named steps: variables, constraint families, objective.

Formulation (what it assumes, and why it is exact):

* **Working-time axes.** Each calendar has an axis that numbers its working minutes
  (``Calendar.to_axis``). An operation's position on a resource is an interval on that
  resource's axis with its plain duration: no-overlap and sequence-dependent setups on the
  axis are exact *and* pause outside working time for free. Releases and fixed starts
  convert to the axis exactly (a start is always a working minute). A precedence between
  two operations on the same calendar is a plain axis inequality (its lag counts working
  minutes, see ``problem.py``).
* **Wall clock only where it is needed.** Wall-clock variables exist for operations that
  may run on resources of different calendars (and then link to each axis they may use),
  for the ends of precedences that cross calendars, and for the objective's completion
  times (one per job with a due date, one per calendar for the makespan). Each such link is
  an element constraint on the working segment the time falls in: ``axis = wall - segment
  start + segment offset``. A factory whose resources share one calendar therefore has no
  link at all inside its routings. Always-open calendars need no link (axis = wall).
* **Setups** are exact: one circuit per resource over its optional operations (arc
  ``a -> b``: ``b`` directly follows ``a`` and the setup gap is forced on the axis), with a
  depot node for the first and last operation and self loops for "not on this resource".
  No-overlap is added as well, as a redundant global constraint.
* **Overtime** is decided per resource and overtime window: the line stays ``u`` minutes
  into the window and nothing runs after that (a blocking interval from ``u`` to the end of
  the window joins the resource's no-overlap); ``u`` is what the objective pays.
* **Large resources.** A circuit has n^2 arcs. With ``max_neighbours=K`` and a hint, only
  arcs between operations within K places of each other in the hint's order are kept (plus
  the hint's own arcs, so the hint stays feasible). That restricts the search space (never
  the validity of what is found); it is off for small resources, where the model is exact.
* **Redundant load bound** for the makespan on always-open resources: makespan >= work +
  setups on every resource (the LP relaxation then bounds UPM-style instances well).

``v.start[i]``/``v.end[i]`` are each operation's *time* variables: positions on its
calendar's axis when all its resources share one calendar (wall clock when that calendar
is always open), wall clock otherwise. Ordering two operations of one resource by them is
always right; :meth:`CpSatModel.extract` converts everything to wall clock.

Each constraint family is one method of :class:`CpSatModel`; ``skip`` names families to
leave out, which the tests use to show that each family is needed.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduling.model import Assignment, Calendar, Problem, Solution
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
    """A wall-clock upper bound on every end time, generous enough to keep an optimum.

    For a pure makespan objective the hint's makespan is enough (nothing later can be
    better). Otherwise: the latest date anything refers to, plus as much working time as
    the total work, the largest setups and all lags, on each resource's calendar, capped by
    the calendar's end (nothing works after it; the end itself when overtime costs).
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
            continue
        if w.overtime and cal.overtime:
            # Overtime windows are working time that operations run through; avoiding them
            # may mean waiting for any later window: no tighter bound.
            h = max(h, cal.last_minute)
            continue
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
    wall_start: dict[int, cp_model.IntVar] = field(default_factory=dict)
    wall_end: dict[int, cp_model.IntVar] = field(default_factory=dict)
    arcs: dict[int, dict[tuple[int, int], cp_model.IntVar]] = field(default_factory=dict)
    empty: dict[int, cp_model.IntVar] = field(default_factory=dict)
    overtime: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)


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
        self.makespan: cp_model.IntVar | None = None
        self.wall_capped = False
        self.setup_terms: list[tuple[cp_model.IntVar, int]] = []
        # Auxiliary variables and how to compute each from a schedule, so hints are complete
        # (CP-SAT uses a complete, feasible hint at once; an incomplete one it must repair).
        self._derived: list[tuple[cp_model.IntVar, Callable[[_HintView], int]]] = []
        self._segment_cache: dict[tuple[Calendar, int], list[tuple[int, int, int]]] = {}
        self._cal_cache: dict[int, list[Calendar]] = {}
        self._variables()
        self._constraints()
        self._objective()
        if hint is not None:
            self.hint_into(self.model, hint)

    # --- helpers ------------------------------------------------------------------------

    def _cal(self, r: int) -> Calendar:
        """The calendar of resource r as the model sees it (always open if skipped)."""
        cal = self.problem.resources[r].calendar
        return Calendar() if "calendars" in self.skip else cal

    def _cals(self, i: int) -> list[Calendar]:
        """The distinct calendars of operation i's eligible resources."""
        if i not in self._cal_cache:
            out: list[Calendar] = []
            for m in self.problem.operations[i].modes:
                c = self._cal(m.resource)
                if c not in out:
                    out.append(c)
            self._cal_cache[i] = out
        return self._cal_cache[i]

    def _release(self, i: int) -> int:
        op = self.problem.operations[i]
        return self.problem.jobs[op.job].release if "release_dates" not in self.skip else 0

    def _axis_hi(self, c: Calendar) -> int:
        """Largest axis position reachable within the horizon."""
        return self.H if c.always_open else max(1, min(c.capacity, c.to_axis(self.H)))

    def _segments(self, c: Calendar, lo: int) -> list[tuple[int, int, int]]:
        """(wall start, wall end, axis offset) of the segments that matter after ``lo``."""
        key = (c, lo)
        if key not in self._segment_cache:
            self._segment_cache[key] = [
                (a, b, off)
                for (a, b), off in zip(c.segments, c.offsets, strict=True)
                if b > lo and a <= self.H
            ] or [(c.segments[-1][0], c.segments[-1][1], c.offsets[-1])]
        return self._segment_cache[key]

    @staticmethod
    def _enforce(ct, lits: list) -> None:
        lits = [x for x in lits if x is not None]
        if lits:
            ct.only_enforce_if(lits)

    def _uses_lit(self, i: int, c: Calendar):
        """The literal "operation i runs on calendar c", or None when it always does."""
        return None if len(self._cals(i)) == 1 else self.v.uses[i, c]

    def _link(
        self,
        ax: cp_model.IntVar,
        c: Calendar,
        kind: str,
        lo: int,
        ax_value: Callable[[_HintView], int],
        lit=None,
        wall: cp_model.IntVar | None = None,
    ) -> cp_model.IntVar:
        """Wall-clock twin of axis variable ``ax`` on non-always-open calendar ``c``.

        ``kind`` ``s``: ``ax`` numbers a working minute that starts at ``wall``; ``e``:
        ``ax`` working minutes are done by ``wall`` (the minute before it is working).
        ``lo``: no earlier wall time matters. ``lit``: only linked when true.
        """
        m = self.model
        segs = self._segments(c, lo)
        ws = [a for a, _, _ in segs]
        we = [b for _, b, _ in segs]
        delta = [o - a for a, _, o in segs]
        if wall is None:
            wall = m.new_int_var(min(ws), max(we), "")
            self._derived.append((wall, lambda h: h.wall_of(c, kind, ax_value(h))))
        k = m.new_int_var(0, len(segs) - 1, "")
        lo_v = m.new_int_var(min(ws), max(ws), "")
        hi_v = m.new_int_var(min(we), max(we), "")
        dl_v = m.new_int_var(min(delta), max(delta), "")
        m.add_element(k, ws, lo_v)
        m.add_element(k, we, hi_v)
        m.add_element(k, delta, dl_v)
        first = 0 if kind == "s" else 1
        self._enforce(m.add(wall >= lo_v + first), [lit])
        self._enforce(m.add(wall <= hi_v - 1 + first), [lit])
        self._enforce(m.add(ax == wall + dl_v), [lit])

        def seg(h: _HintView) -> int:
            t = h.wall_of(c, kind, ax_value(h)) - first
            return next((n for n, (a, b, _) in enumerate(segs) if a <= t < b), 0)

        self._derived += [
            (k, seg),
            (lo_v, lambda h: ws[seg(h)]),
            (hi_v, lambda h: we[seg(h)]),
            (dl_v, lambda h: delta[seg(h)]),
        ]
        return wall

    def _wall(self, i: int, kind: str) -> cp_model.IntVar:
        """Wall-clock start (``s``) or end (``e``) of operation i, linked on first use."""
        store = self.v.wall_start if kind == "s" else self.v.wall_end
        if i not in store:
            (c,) = self._cals(i)  # operations on several calendars have theirs already
            ax = (self.v.ax_start if kind == "s" else self.v.ax_end)[i, c]
            if c.always_open:
                store[i] = ax
            else:
                pos = 0 if kind == "s" else 1
                store[i] = self._link(
                    ax, c, kind, self._release(i), lambda h, i=i, c=c: h.axes(i, c)[pos]
                )
        return store[i]

    # --- variables ----------------------------------------------------------------------

    def _variables(self) -> None:
        """Mode presence, axis positions and intervals; wall times for multi-calendar ops."""
        p, m, v, H = self.problem, self.model, self.v, self.H
        for i, op in enumerate(p.operations):
            cals = self._cals(i)
            for mode in op.modes:
                if len(op.modes) == 1:
                    v.present[i, mode.resource] = m.new_constant(1)
                else:
                    v.present[i, mode.resource] = m.new_bool_var(f"x{i}_{mode.resource}")
            for c in cals:
                hi = self._axis_hi(c)
                v.ax_start[i, c] = m.new_int_var(0, max(0, hi - 1), f"as{i}")
                v.ax_end[i, c] = m.new_int_var(1, max(1, hi), f"ae{i}")
                if len(cals) == 1:
                    v.uses[i, c] = m.new_constant(1)
                else:
                    lit = m.new_bool_var(f"u{i}")
                    on_c = [
                        v.present[i, d.resource] for d in op.modes if self._cal(d.resource) == c
                    ]
                    m.add(lit == sum(on_c))
                    v.uses[i, c] = lit
                    self._derived.append((lit, lambda h, i=i, c=c: int(h.cal(i) == c)))
            if len(cals) == 1:
                v.start.append(v.ax_start[i, cals[0]])
                v.end.append(v.ax_end[i, cals[0]])
            else:
                v.start.append(m.new_int_var(0, H, f"s{i}"))
                v.end.append(m.new_int_var(1, max(1, H), f"e{i}"))
                v.wall_start[i], v.wall_end[i] = v.start[i], v.end[i]
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
        """No operation starts before its job's release (fabric arrival), on every axis."""
        p, m, v = self.problem, self.model, self.v
        for i, op in enumerate(p.operations):
            release = p.jobs[op.job].release
            if release <= 0:
                continue
            for c in self._cals(i):
                self._enforce(m.add(v.ax_start[i, c] >= c.to_axis(release)), [self._uses_lit(i, c)])
            if i in v.wall_start:
                m.add(v.wall_start[i] >= release)

    def _precedences(self) -> None:
        """Routing: the successor starts ``lag`` minutes after the predecessor ends; working
        minutes on a shared calendar (an axis inequality), wall minutes across calendars."""
        m, v = self.model, self.v
        for pr in self.problem.precedences:
            a, b = pr.pred, pr.succ
            for ca in self._cals(a):
                for cb in self._cals(b):
                    lits = [self._uses_lit(a, ca), self._uses_lit(b, cb)]
                    if ca == cb:
                        ct = m.add(v.ax_start[b, cb] >= v.ax_end[a, ca] + pr.lag)
                    else:
                        ct = m.add(self._wall(b, "s") >= self._wall(a, "e") + pr.lag)
                    self._enforce(ct, lits)

    def _fixed(self) -> None:
        """Fixed operations keep their resource and start."""
        m, v = self.model, self.v
        for i, op in enumerate(self.problem.operations):
            if op.fixed:
                c = self._cal(op.fixed_resource)
                m.add(v.present[i, op.fixed_resource] == 1)
                m.add(v.ax_start[i, c] == c.to_axis(op.fixed_start))
                if i in v.wall_start:
                    m.add(v.wall_start[i] == op.fixed_start)

    def _calendars(self) -> None:
        """Operations that may run on several calendars: link each axis to the wall clock."""
        m, v = self.model, self.v
        for i in range(self.problem.num_operations):
            cals = self._cals(i)
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
                    self._link(
                        ax,
                        c,
                        kind,
                        self._release(i),
                        lambda h, i=i, c=c, pos=pos: h.axes(i, c)[pos],
                        lit=lit,
                        wall=wall,
                    )

    def _no_overlap(self) -> None:
        """Operations on one resource never overlap (on its working axis); closed overtime
        blocks join in (see :meth:`_overtime_blocks`)."""
        by_r: dict[int, list] = {}
        for (_, r), iv in self.v.interval.items():
            by_r.setdefault(r, []).append(iv)
        for r, blocks in self._overtime_blocks().items():
            by_r.setdefault(r, []).extend(blocks)
        for ivs in by_r.values():
            if len(ivs) > 1:
                self.model.add_no_overlap(ivs)

    def _overtime_blocks(self) -> dict[int, list]:
        """Per resource and overtime window: minutes used ``u`` and a block on the rest."""
        p, m, v = self.problem, self.model, self.v
        out: dict[int, list] = {}
        if not p.objective.overtime:
            return out
        for r in range(len(p.resources)):
            c = self._cal(r)
            if not c.overtime or not any(op.duration_on(r) for op in p.operations):
                continue
            for a, b in c.overtime:
                if a >= self.H:
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
                self._derived += [
                    (u, lambda h, r=r, a=a, b=b: h.overtime_used(r, a, b)),
                    (start, lambda h, r=r, a=a, b=b, A=A: A + h.overtime_used(r, a, b)),
                    (closed, lambda h, r=r, a=a, b=b, n=B - A: h.overtime_used(r, a, b) < n),
                ]
        return out

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
                arcs.append((k, k, ~v.present[i, r]))
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
            # Hot loop (n^2 arcs): everything it needs, precomputed per node.
            axs = [v.ax_start[i, c] for i in nodes]
            dur = [ops[i].duration_on(r) for i in nodes]
            cls = [ops[i].setup_class for i in nodes]
            pinned = {i: ops[i].fixed_start for i in nodes if ops[i].fixed_resource == r}
            mat, new_bool = p.setups[r], m.new_bool_var
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
                        self.setup_terms.append((lit, setup))
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

    def _sinks(self) -> list[list[int]]:
        """Per job, its operations without successors in the same job (they decide its
        completion). A successor in another job does not count: the operation may still be
        its own job's last (LNS window models chain every relaxed operation to a marker of
        another job; counting that made their jobs' tardiness vanish from the objective)."""
        succ = self.problem.successors()
        ops = self.problem.operations
        sinks: list[list[int]] = [[] for _ in self.problem.jobs]
        for i, op in enumerate(ops):
            if not any(ops[q.succ].job == op.job for q in succ[i]):
                sinks[op.job].append(i)
        return sinks

    def _completion(self, ops: list[int], exact: bool, lo: int) -> cp_model.IntVar:
        """Wall-clock completion of ``ops`` (>= each end; == the max when ``exact``).

        When they all run on one calendar, the max is taken on its axis and linked to the
        wall clock once (wall time is monotone in axis time, so the two maxima agree).
        """
        m, v = self.model, self.v
        cals = {c for i in ops for c in self._cals(i)}
        if len(cals) == 1 and all(len(self._cals(i)) == 1 for i in ops):
            (c,) = cals
            ends = [v.ax_end[i, c] for i in ops]
            if len(ends) == 1:
                ax = ends[0]
            else:
                ax = m.new_int_var(1, max(1, self._axis_hi(c)), "")
                if exact:
                    m.add_max_equality(ax, ends)
                else:
                    for e in ends:
                        m.add(ax >= e)
                self._derived.append(
                    (ax, lambda h, ops=ops, c=c: max(h.axes(i, c)[1] for i in ops))
                )
            if c.always_open:
                return ax
            return self._link(
                ax, c, "e", lo, lambda h, ops=ops, c=c: max(h.axes(i, c)[1] for i in ops)
            )
        ends = [self._wall(i, "e") for i in ops]
        if len(ends) == 1:
            return ends[0]
        out = m.new_int_var(0, self.H, "")
        if exact:
            m.add_max_equality(out, ends)
        else:
            for e in ends:
                m.add(out >= e)
        self._derived.append((out, lambda h, ops=ops: max(h.sol[i].end for i in ops)))
        return out

    def _ensure_makespan(self) -> None:
        if self.makespan is not None:
            return
        self.makespan = self.model.new_int_var(0, self.H, "makespan")
        ends = [i for s in self._sinks() for i in s]
        if ends:
            self.model.add(self.makespan == self._completion(ends, True, 0))

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
        if w.overtime:
            terms += [(u, w.overtime) for u in v.overtime.values()]
        sinks = self._sinks()
        for j, job in enumerate(p.jobs):
            if job.due is None or not sinks[j] or job.weight == 0:
                continue
            if not (w.tardiness or w.earliness):
                break
            cj = self._completion(sinks[j], True, self._release_job(j))
            if w.tardiness:
                t = m.new_int_var(0, max(0, H - job.due), f"tard{j}")
                m.add_max_equality(t, [0, cj - job.due])
                terms.append((t, w.tardiness * job.weight))
                self._derived.append(
                    (t, lambda h, s=sinks[j], d=job.due: max(0, max(h.sol[i].end for i in s) - d))
                )
            if w.earliness:
                e = m.new_int_var(0, job.due, f"early{j}")
                m.add_max_equality(e, [0, job.due - cj])
                terms.append((e, w.earliness * job.weight))
                self._derived.append(
                    (e, lambda h, s=sinks[j], d=job.due: max(0, d - max(h.sol[i].end for i in s)))
                )
        if w.deviation and p.previous is not None:
            for i, prev in enumerate(p.previous):
                if prev is None:
                    continue
                dev = m.new_int_var(0, H + prev.start, f"dev{i}")
                cals = self._cals(i)
                if len(cals) == 1:
                    m.add_abs_equality(dev, v.ax_start[i, cals[0]] - cals[0].to_axis(prev.start))
                for c in cals if len(cals) > 1 else ():
                    pc = c.to_axis(prev.start)
                    lit = [self._uses_lit(i, c)]
                    self._enforce(m.add(dev >= v.ax_start[i, c] - pc), lit)
                    self._enforce(m.add(dev >= pc - v.ax_start[i, c]), lit)
                self._derived.append((dev, lambda h, i=i, ps=prev.start: h.deviation(i, ps)))
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

    def _release_job(self, j: int) -> int:
        return self.problem.jobs[j].release if "release_dates" not in self.skip else 0

    # --- hint and solve -----------------------------------------------------------------

    def hint_into(self, target: cp_model.CpModel, sol) -> None:
        """Hints every variable (modes, times, axis positions, arcs, objective terms) of
        ``sol`` on ``target``.

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
            if i in v.wall_start and len(self._cals(i)) > 1:
                put(v.start[i], a.start)
                put(v.end[i], a.end)
            if len(p.operations[i].modes) > 1:
                for md in p.operations[i].modes:
                    put(v.present[i, md.resource], md.resource == a.resource)
            for c in self._cals(i):
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

        ``deterministic``: same result for the same seed and workers, by a
        deterministic-time limit (``time_limit`` deterministic units) instead of a
        wall-clock race between workers; see :func:`configure`. ``self.wall_capped`` tells
        afterwards whether the wall-clock safety cap stopped it (then it was not).
        """
        solver = cp_model.CpSolver()
        prm = solver.parameters
        big = len(self.model.proto.constraints) > PRESOLVE_MAX_CONSTRAINTS
        configure(prm, time_limit, workers, seed, deterministic, log, big)
        t0 = time.perf_counter()
        code = solve_interruptibly(solver, self.model)
        wall = time.perf_counter() - t0
        self.wall_capped = deterministic and wall >= 0.99 * prm.max_time_in_seconds
        status = {
            cp_model.OPTIMAL: "optimal",
            cp_model.FEASIBLE: "feasible",
            cp_model.INFEASIBLE: "infeasible",
        }.get(code, "unknown")
        bound = math.ceil(solver.best_objective_bound - 1e-6) if status != "infeasible" else 0
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, None, None, max(bound, 0), wall
        sol = self.extract(solver)
        return status, sol, round(solver.objective_value), max(bound, 0), wall

    def extract(self, solver: cp_model.CpSolver) -> Solution:
        """The solver's schedule in wall-clock minutes, with setups from the sequences."""
        p, v = self.problem, self.v
        out = []
        for i, op in enumerate(p.operations):
            r = next(
                md.resource
                for md in op.modes
                if len(op.modes) == 1 or solver.boolean_value(v.present[i, md.resource])
            )
            c = self._cal(r)
            s, e = solver.value(v.ax_start[i, c]), solver.value(v.ax_end[i, c])
            if not c.always_open:
                s, e = c.start_at(s), c.end_at(e)
            out.append(Assignment(r, s, e, 0))
        return fill_setups(p, Solution(out))


# Models with more constraints than this are solved without CP-SAT's presolve.
PRESOLVE_MAX_CONSTRAINTS = 20_000
# Deterministic solves stop on deterministic time; the wall clock only guards against a
# hang, so it must be far away: under load (2 cores, 6 users) 2.7 deterministic units took
# 11 s on the 234-lot floor, and a cap of 3x + 1 s cut such runs short at a wall-clock-
# dependent point (same input, different plans).
DETERMINISTIC_WALL_FACTOR = 20
DETERMINISTIC_WALL_EXTRA = 60.0


def solve_interruptibly(solver: cp_model.CpSolver, model: cp_model.CpModel) -> int:
    """``solver.solve(model)``, but Ctrl-C stops it at once and reaches the caller.

    CP-SAT's own SIGINT handler stops the search quietly and returns the best schedule as if
    the time limit had run out, so a planner who pressed Ctrl-C got a plan stored and exit 0.
    Without that handler Python would see the interrupt only when the solve returns (up to
    the whole time limit). So the solve runs in a thread (it releases the GIL) while this one
    waits and can be interrupted; then it stops the search, waits for it, and re-raises.
    """
    solver.parameters.catch_sigint_signal = False
    box: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["code"] = solver.solve(model)
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=run, name="cp-sat", daemon=True)
    worker.start()
    try:
        # An Event, not Thread.join: a join interrupted by Ctrl-C can return at once the next
        # time (CPython 3.11), and the process then exits under a running solver (SIGABRT).
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt:
        solver.stop_search()
        done.wait()
        worker.join()
        raise
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["code"]


def configure(
    prm,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic: bool = False,
    log: bool = False,
    big: bool = False,
) -> None:
    """Sets ``prm`` (a ``CpSolver().parameters``) for a full-model solve (``big``: more
    than PRESOLVE_MAX_CONSTRAINTS constraints).

    Deterministic solves: several workers interleave their subsolvers in deterministic
    batches; one worker is deterministic by itself and does NOT interleave. Interleaved
    search with one worker runs a ``fixed`` subsolver that needs a decision strategy the
    model does not have: OR-Tools 9.15 then aborts the whole process (``Check failed:
    heuristics.fixed_search != nullptr``, seen in the one-worker simulation), which no
    caller can catch. (Giving the model a decision strategy instead was measured on the
    234-lot floor: 20-40x more wall time per deterministic unit, nothing better found.)
    """
    prm.num_workers = max(1, workers)
    prm.random_seed = seed
    prm.log_search_progress = log
    # Probing the circuit literals in presolve costs seconds on 50 x 10 UPM instances
    # and finds little; the search itself (hint, LNS workers) does better with the time.
    prm.cp_model_probing_level = 0
    if big:
        # Measured on the 100-lot floor: presolve took the whole budget; without it the
        # hint is loaded at once and CP-SAT's own LNS workers improve on it.
        prm.cp_model_presolve = False
    if deterministic:
        prm.interleave_search = prm.num_workers > 1
        prm.max_deterministic_time = time_limit
        prm.max_time_in_seconds = DETERMINISTIC_WALL_FACTOR * time_limit + DETERMINISTIC_WALL_EXTRA
    else:
        prm.max_time_in_seconds = time_limit


class _HintView:
    """A schedule seen through the model: calendars used, axis positions, wall times."""

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

    @staticmethod
    def wall_of(c: Calendar, kind: str, ax: int) -> int:
        t = c.start_at(ax) if kind == "s" else c.end_at(ax)
        return t if t is not None else (c.last_minute or 0)

    def deviation(self, i: int, previous_start: int) -> int:
        c = self.cal(i)
        return abs(c.to_axis(self.sol[i].start) - c.to_axis(previous_start))

    def overtime_used(self, r: int, a: int, b: int) -> int:
        """Minutes resource r stays into overtime window [a, b): to its last work there."""
        c = self.model._cal(r)
        A = c.to_axis(a)
        used = 0
        for x in self.sol:
            if x.resource == r and x.start < b and x.end > a:
                used = max(used, c.to_axis(min(x.end, b)) - A)
        return used
