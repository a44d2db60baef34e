"""Window sub-models: for large problems, a model of one time window of the plan, with
everything around it frozen in time.

Building the full model (thousands of operations, calendars, circuits) for every step
would take seconds; a window model holds only what the relaxed operations can touch:

* the window ``[T0, T1]`` spans the relaxed operations' current times; they must stay
  inside it (a frozen marker ending at ``T0`` precedes them, one starting at ``T1``
  follows them, each on a private always-open resource);
* on every resource a relaxed operation may use, the operations in the window, the last
  one before it and the first one after it are kept as *fixed* operations, so the
  changeovers into, inside and out of the window are the exact ones;
* precedence neighbours of relaxed operations elsewhere are kept, frozen, each on a
  private resource with its own resource's calendar (so lags count as they do there).

So a step costs the same at 600 or 3,000 lots, and a window step can be validated on its
own sub-problem (which holds everything its relaxed operations can meet).
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field, replace

from scheduling.cpsat import CpSatModel
from scheduling.model import (
    ALWAYS_OPEN,
    Assignment,
    Calendar,
    Job,
    Mode,
    Operation,
    Precedence,
    Problem,
    Resource,
    Solution,
)
from scheduling.result import fill_setups
from scheduling.search.lns.incumbent import Incumbent
from scheduling.search.lns.neighbourhoods import Relaxation
from scheduling.search.lns.submodels import SUB_MODEL_PRUNE_ABOVE, SubModel, cut_off
from scheduling.validate import objective as recompute

# One resource's setup matrix (None: no changeovers there).
SetupMatrix = tuple[tuple[int, ...], ...] | None


@dataclass
class _Window:
    """The window sub-problem under construction: the problem's resources plus private
    ones, the sub-operations and, per sub-operation, its index in the problem (-1: a
    marker)."""

    resources: list[Resource]
    setups: list[SetupMatrix]
    operations: list[Operation] = field(default_factory=list)
    index: list[int] = field(default_factory=list)
    precedences: list[Precedence] = field(default_factory=list)

    def private(self, calendar: Calendar = ALWAYS_OPEN) -> int:
        """A new resource of its own for one frozen operation or marker."""
        self.resources.append(Resource(name="lns-frozen", calendar=calendar))
        self.setups.append(None)
        return len(self.resources) - 1


def window_sub_model(inc: Incumbent, relaxation: Relaxation, max_neighbours: int) -> SubModel:
    """The window model of ``relaxation`` (module docstring), hinted with the incumbent and
    cut off at the incumbent's value on it, which the returned :class:`SubModel` carries."""
    p, best, relaxed = inc.problem, inc.best, relaxation.ops
    t0 = min(best[i].start for i in relaxed)
    t1 = max(best[i].end for i in relaxed)
    modes = {i: _modes(p, relaxation, i) for i in relaxed}
    touched = {md.resource for i in relaxed for md in modes[i]}
    context = _context(inc, relaxed, touched, t0, t1)
    far = {
        j
        for i in relaxed
        for table in (inc.preds_of, inc.succs_of)
        for j in table.get(i, ())
        if j not in relaxed and j not in context
    }
    w = _Window(list(p.resources), list(p.setups))
    _add_kept(inc, w, relaxed, context, modes)
    _add_far(inc, w, far)
    position = {i: k for k, i in enumerate(w.index)}
    _link(p, w, relaxed, relaxation.chains, position)
    jobs = _jobs(p, w, relaxed, t0)
    _add_markers(w, jobs, relaxed, position, t0, t1)
    previous = None
    if p.previous is not None:
        previous = tuple(p.previous[i] if i >= 0 and i not in far else None for i in w.index)
    sub = replace(
        p,
        resources=tuple(w.resources),
        jobs=jobs,
        operations=tuple(w.operations),
        precedences=tuple(w.precedences),
        setups=tuple(w.setups),
        previous=previous,
    )
    hint = _hint(sub, best, w)
    nodes = max(
        (
            sum(1 for op in w.operations if op.duration_on(r) is not None)
            for r in touched
            if p.has_setups(r)
        ),
        default=0,
    )
    neighbours = max_neighbours if nodes > SUB_MODEL_PRUNE_ABOVE else None
    # Nothing in the sub-problem ends later than its latest frozen end (relaxed operations
    # end by T1), so that is its horizon: again fewer calendar segments per operation.
    horizon = max(a.end for a in hint) + 1
    cpm = CpSatModel(sub, hint=hint, horizon_=horizon, max_neighbours=neighbours)
    value = recompute(sub, hint).total
    cut_off(cpm, value, inc.pure_makespan)
    return SubModel(cpm, w.index, value)


def _modes(problem: Problem, relaxation: Relaxation, i: int) -> tuple[Mode, ...]:
    """The modes relaxed operation ``i`` keeps in a window model (``resources_of``)."""
    modes = problem.operations[i].modes
    allowed = relaxation.resources_of.get(i)
    if allowed is None:
        return modes
    return tuple(md for md in modes if md.resource in allowed)


def _context(inc: Incumbent, relaxed: set[int], touched: set[int], t0: int, t1: int) -> set[int]:
    """On each touched resource, the kept operations in the window and the one just before
    and just after it: frozen in the model, so changeovers at the edges are exact."""
    best = inc.best
    context: set[int] = set()
    for r in touched:
        seq = inc.sequences.get(r, [])
        starts = [best[i].start for i in seq]
        lo = max(0, bisect.bisect_left(starts, t0) - 1)
        hi = bisect.bisect_right(starts, t1) + 1
        context.update(i for i in seq[lo:hi] if i not in relaxed)
    return context


def _add_kept(
    inc: Incumbent,
    w: _Window,
    relaxed: set[int],
    context: set[int],
    modes: dict[int, tuple[Mode, ...]],
) -> None:
    """The relaxed operations (with their allowed modes) and the context, pinned with its
    one mode (so it is no node in other resources' circuits)."""
    p, best = inc.problem, inc.best
    for i in sorted(relaxed | context):
        op = p.operations[i]
        if i in context:
            r = best[i].resource
            one = tuple(md for md in op.modes if md.resource == r)
            op = replace(op, modes=one, fixed_resource=r, fixed_start=best[i].start)
        elif len(modes[i]) < len(op.modes):
            op = replace(op, modes=modes[i])
        w.operations.append(op)
        w.index.append(i)


def _add_far(inc: Incumbent, w: _Window, far: set[int]) -> None:
    """Precedence neighbours outside the window, frozen on private resources with their
    own resource's calendar: a lag between operations of one calendar counts working
    minutes, and an always-open stand-in made it wall minutes."""
    p, best = inc.problem, inc.best
    for i in sorted(far):
        a, op = best[i], p.operations[i]
        r = w.private(p.resources[a.resource].calendar)
        d = op.duration_on(a.resource)
        assert d is not None, "an operation runs on a resource it has a mode on"
        mode = Mode(r, d)
        w.operations.append(
            Operation(op.job, (mode,), name="frozen", fixed_resource=r, fixed_start=a.start)
        )
        w.index.append(i)


def _link(
    p: Problem,
    w: _Window,
    relaxed: set[int],
    chains: list[list[int]],
    position: dict[int, int],
) -> None:
    """The precedences that touch a relaxed operation, and the kept order of ``chains``."""
    w.precedences = [
        Precedence(position[q.pred], position[q.succ], q.lag)
        for q in p.precedences
        if q.pred in position and q.succ in position and (q.pred in relaxed or q.succ in relaxed)
    ]
    for chain in chains:  # relaxed runs that keep their order (see the group neighbourhood)
        w.precedences += [
            Precedence(position[a], position[b], 0)
            for a, b in itertools.pairwise(chain)
            if a in relaxed and b in relaxed
        ]


def _jobs(p: Problem, w: _Window, relaxed: set[int], t0: int) -> tuple[Job, ...]:
    """The jobs present, renumbered (per-job work in the model and the checker then scales
    with the window, not the plan), plus one for the markers; sub-operations renumbered.

    Every sub-operation of a job starts at or after the earliest of T0 (relaxed ones) and
    the frozen starts: as the job's release that is no restriction, but it keeps each
    operation's calendar segments (and the model) to the window. A job with nothing
    relaxed has a constant cost here, so it gets no due date (no tardiness variables)."""
    earliest: dict[int, int] = {}
    for k, i in enumerate(w.index):
        op = w.operations[k]
        t = t0 if i in relaxed else op.fixed_start
        assert t is not None, "kept and frozen operations are pinned"
        earliest[op.job] = min(earliest.get(op.job, t), t)
    renumber = {j: n for n, j in enumerate(sorted(earliest))}
    moving = {p.operations[i].job for i in relaxed}
    jobs = tuple(
        replace(
            p.jobs[j],
            release=max(p.jobs[j].release, earliest[j]),
            due=p.jobs[j].due if j in moving else None,
        )
        for j in renumber
    )
    w.operations = [replace(op, job=renumber[op.job]) for op in w.operations]
    return (*jobs, Job(name="lns-window"))


def _add_markers(
    w: _Window,
    jobs: tuple[Job, ...],
    relaxed: set[int],
    position: dict[int, int],
    t0: int,
    t1: int,
) -> None:
    """The two frozen markers that keep relaxed operations inside ``[T0, T1]``."""
    job = len(jobs) - 1
    for start, end in ((max(0, t0 - 1), t0), (t1, t1 + 1)):
        if start == end:
            continue
        r = w.private()
        w.operations.append(
            Operation(
                job, (Mode(r, end - start),), name="window", fixed_resource=r, fixed_start=start
            )
        )
        w.index.append(-1)
        k = len(w.operations) - 1
        for i in relaxed:
            if end == t0:
                w.precedences.append(Precedence(k, position[i], 0))
            else:
                w.precedences.append(Precedence(position[i], k, 0))


def _hint(sub: Problem, best: Solution, w: _Window) -> Solution:
    """The incumbent on the window sub-problem: relaxed and context operations where they
    are, frozen ones and markers on their private resources."""
    hint = []
    for k, i in enumerate(w.index):
        op = w.operations[k]
        if i >= 0 and op.name != "frozen":
            hint.append(best[i])
            continue
        assert op.fixed_resource is not None and op.fixed_start is not None
        if i >= 0:
            hint.append(Assignment(op.fixed_resource, best[i].start, best[i].end))
        else:
            start = op.fixed_start
            hint.append(Assignment(op.fixed_resource, start, start + op.modes[0].duration))
    return fill_setups(sub, Solution(hint))
