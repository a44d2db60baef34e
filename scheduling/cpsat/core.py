"""The model under construction: what every constraint family and the objective share.

:class:`ModelCore` holds the CP-SAT model, its variables and the hint recipes of auxiliary
variables, and the helpers that link a working-time axis to the wall clock (``link``,
``wall``) and build completion times (``completion``, ``ensure_makespan``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ortools.sat.python import cp_model

from scheduling.cpsat.calendars import CalendarView
from scheduling.cpsat.hints import Derived, HintView
from scheduling.cpsat.variables import create_variables
from scheduling.model import Calendar, Problem, Solution

Literal = cp_model.IntVar | None


class ModelCore(CalendarView):
    """A CP-SAT model of ``problem`` with its variables created, nothing else yet."""

    def __init__(
        self,
        problem: Problem,
        horizon: int,
        hint: Solution | None,
        skip: Iterable[str],
        max_neighbours: int | None,
    ) -> None:
        super().__init__(problem, horizon, skip)
        self.hint = hint
        self.max_neighbours = max_neighbours
        self.model = cp_model.CpModel()
        self.makespan: cp_model.IntVar | None = None
        self.setup_terms: list[tuple[cp_model.IntVar, int]] = []
        # Auxiliary variables and how to compute each from a schedule, so hints are complete
        # (CP-SAT uses a complete, feasible hint at once; an incomplete one it must repair).
        self.derived: list[Derived] = []
        self.v = create_variables(self, self.model, self.derived)

    @staticmethod
    def enforce(ct: cp_model.Constraint, lits: Sequence[Literal]) -> None:
        """Makes ``ct`` conditional on the literals that are not None (always true)."""
        present = [x for x in lits if x is not None]
        if present:
            ct.only_enforce_if(present)

    def uses_lit(self, i: int, c: Calendar) -> Literal:
        """The literal "operation i runs on calendar c", or None when it always does."""
        return None if len(self.cals(i)) == 1 else self.v.uses[i, c]

    def link(
        self,
        ax: cp_model.IntVar,
        c: Calendar,
        kind: str,
        lo: int,
        ax_value: Callable[..., int],
        lit: Literal = None,
        wall: cp_model.IntVar | None = None,
    ) -> cp_model.IntVar:
        """Wall-clock twin of axis variable ``ax`` on non-always-open calendar ``c``.

        ``kind`` ``s``: ``ax`` numbers a working minute that starts at ``wall``; ``e``:
        ``ax`` working minutes are done by ``wall`` (the minute before it is working).
        ``lo``: no earlier wall time matters. ``lit``: only linked when true.
        """
        m = self.model
        segs = self.segments(c, lo)
        ws = [a for a, _, _ in segs]
        we = [b for _, b, _ in segs]
        delta = [o - a for a, _, o in segs]
        if wall is None:
            wall = m.new_int_var(min(ws), max(we), "")
            self.derived.append((wall, lambda h: h.wall_of(c, kind, ax_value(h))))
        k = m.new_int_var(0, len(segs) - 1, "")
        lo_v = m.new_int_var(min(ws), max(ws), "")
        hi_v = m.new_int_var(min(we), max(we), "")
        dl_v = m.new_int_var(min(delta), max(delta), "")
        m.add_element(k, ws, lo_v)
        m.add_element(k, we, hi_v)
        m.add_element(k, delta, dl_v)
        first = 0 if kind == "s" else 1
        self.enforce(m.add(wall >= lo_v + first), [lit])
        self.enforce(m.add(wall <= hi_v - 1 + first), [lit])
        self.enforce(m.add(ax == wall + dl_v), [lit])

        def seg(h: HintView) -> int:
            t = h.wall_of(c, kind, ax_value(h)) - first
            return next((n for n, (a, b, _) in enumerate(segs) if a <= t < b), 0)

        self.derived += [
            (k, seg),
            (lo_v, lambda h: ws[seg(h)]),
            (hi_v, lambda h: we[seg(h)]),
            (dl_v, lambda h: delta[seg(h)]),
        ]
        return wall

    def wall(self, i: int, kind: str) -> cp_model.IntVar:
        """Wall-clock start (``s``) or end (``e``) of operation i, linked on first use."""
        store = self.v.wall_start if kind == "s" else self.v.wall_end
        if i not in store:
            (c,) = self.cals(i)  # operations on several calendars have theirs already
            ax = (self.v.ax_start if kind == "s" else self.v.ax_end)[i, c]
            if c.always_open:
                store[i] = ax
            else:
                pos = 0 if kind == "s" else 1
                store[i] = self.link(
                    ax, c, kind, self.release(i), lambda h, i=i, c=c: h.axes(i, c)[pos]
                )
        return store[i]

    def sinks(self) -> list[list[int]]:
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

    def completion(self, ops: list[int], exact: bool, lo: int) -> cp_model.IntVar:
        """Wall-clock completion of ``ops`` (>= each end; == the max when ``exact``).

        When they all run on one calendar, the max is taken on its axis and linked to the
        wall clock once (wall time is monotone in axis time, so the two maxima agree).
        """
        m, v = self.model, self.v
        cals = {c for i in ops for c in self.cals(i)}
        if len(cals) == 1 and all(len(self.cals(i)) == 1 for i in ops):
            (c,) = cals
            ends = [v.ax_end[i, c] for i in ops]
            if len(ends) == 1:
                ax = ends[0]
            else:
                ax = m.new_int_var(1, max(1, self.axis_hi(c)), "")
                if exact:
                    m.add_max_equality(ax, ends)
                else:
                    for e in ends:
                        m.add(ax >= e)
                self.derived.append((ax, lambda h, ops=ops, c=c: max(h.axes(i, c)[1] for i in ops)))
            if c.always_open:
                return ax
            return self.link(
                ax, c, "e", lo, lambda h, ops=ops, c=c: max(h.axes(i, c)[1] for i in ops)
            )
        ends = [self.wall(i, "e") for i in ops]
        if len(ends) == 1:
            return ends[0]
        out = m.new_int_var(0, self.H, "")
        if exact:
            m.add_max_equality(out, ends)
        else:
            for e in ends:
                m.add(out >= e)
        self.derived.append((out, lambda h, ops=ops: max(h.sol[i].end for i in ops)))
        return out

    def ensure_makespan(self) -> cp_model.IntVar:
        """The makespan variable, created (and tied to the sinks' ends) on first use."""
        if self.makespan is not None:
            return self.makespan
        self.makespan = makespan = self.model.new_int_var(0, self.H, "makespan")
        ends = [i for s in self.sinks() for i in s]
        if ends:
            self.model.add(makespan == self.completion(ends, True, 0))
        return makespan
