"""Large-neighbourhood search (LNS) on top of the CP-SAT model, for problems too big for one solve.

Why: a full CP-SAT model of a few hundred operations with exact changeovers (a circuit per
resource) is too big to *search* well in seconds on two cores: the solver spends its budget on
propagation over the whole model and finds few improving solutions. LNS keeps most of a good
schedule (the incumbent) as it is and lets CP-SAT re-optimise a small part of it at a time, where
it is strong; repeated, the small improvements add up and quality keeps improving with size.

One step ("relax and re-order", Godard, Laborie & Nuijten 2005): choose operations to *relax*.
Every other operation keeps its resource (its only mode in the sub-problem) and its order on that
resource (a zero-lag precedence between consecutive kept operations), but its times may move, so
relaxed operations can be re-assigned and re-inserted anywhere and the rest closes up around
them. The sub-problem is a :class:`~scheduling.model.Problem` with the same operation indices,
modelled by :class:`scheduling.cpsat.CpSatModel` (exact changeovers and calendars), hinted with
the incumbent (so it is never worse) and cut off at the incumbent's objective. Every candidate is
checked by the independent validator before it is accepted.

Neighbourhoods, chosen by roulette over their recent improvements per second (on large
problems: their recent gains per second):

- ``jobs``: all operations of a few random jobs (re-routes whole jobs);
- ``resources``: a stretch of one or two resources' sequences (re-sequences a line);
- ``window``: operations consecutive in start order, at a random place or ending at an
  operation of a late job;
- ``critical``: a chain without idle time that ends at the latest operation, plus the sequences
  of resources it could move to (what the makespan and the latest jobs depend on);
- ``machines`` (independent operations only: no routings, e.g. parallel lines with
  changeovers): two or three resources, the one ending last mostly among them, modelled alone;
- ``line`` (large problems): a stretch of days of one changeover line, often with the same
  period of another line its lots may use, and the lots' cut and finish nearby (those on their
  own resources, free in time);
- ``group`` (large problems): a run of one setup class on a line, which may move earlier past
  the operations before it (they keep their order) or to another eligible line.

Large problems (above ``window_above`` operations) never model the whole plan: each step models
one time window, with the operations around it frozen (exact changeovers at the edges), so a step
costs the same at 600 or 3,000 lots. A window step is validated on its own sub-problem (which
holds everything its relaxed operations can meet); the whole plan is validated every
``FULL_CHECK_EVERY`` improvements and at the end, going back to the last plan that passed if it
ever fails. There the roulette rewards gains relative to the objective, not their count. Pure
makespan objectives get a tie-breaker in sub-solves (sum of ends, or of the resources'
completions), because the makespan alone is a plateau.

Sizes adapt: larger when sub-problems are solved to optimality, smaller when they time out.
Deterministic for a seed with ``deterministic=True``: sub-solves are limited by conflicts (not
time), rewards count steps (not seconds), every choice comes from one seeded generator, so the
same seed and ``max_iterations`` give the same schedule. Otherwise sub-solves are limited by wall
time (``sub_time``), which gets more done per second on a busy machine.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
from dataclasses import dataclass, field, replace

from ortools.sat.python import cp_model

from scheduling.cpsat import (
    DETERMINISTIC_WALL_EXTRA,
    DETERMINISTIC_WALL_FACTOR,
    CpSatModel,
    solve_interruptibly,
)
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
from scheduling.validate import objective as recompute
from scheduling.validate import validate

NEIGHBOURHOODS = ("jobs", "resources", "window", "critical", "machines", "line", "group")
# Window steps are validated on their sub-problem; the whole plan every this many
# improvements (measured on 3,000 lots: 0.3 s per whole-plan validation, 0.5 s per step).
FULL_CHECK_EVERY = 20
# Deterministic-time cap of one sub-solve in deterministic runs (see configure).
SUB_DETERMINISTIC_TIME = 0.25
# Initial size of the line neighbourhood (its jobs' other operations come on top).
LINE_INITIAL = 16
# Sub-model circuits with more nodes than this get their arcs pruned (as the full model's).
PRUNE_ABOVE = 120


@dataclass(frozen=True)
class LnsParams:
    """Tuning knobs; the defaults were measured on the FJSP and UPM benchmarks.

    ``sub_time`` is the wall-clock limit of one sub-solve; ``initial_size`` the fraction of
    operations relaxed at first; sizes stay within ``[min_relaxed, max_fraction * operations]``.
    ``deterministic``: limit sub-solves by ``sub_conflicts`` conflicts instead of wall time (the
    clock only guards against a hang, far away), so a run with the same seed and
    ``max_iterations`` always gives the same schedule. (CP-SAT's own "deterministic time"
    was measured here to drift from wall time by 20-40x on these sub-models, so it is not
    used as a budget.)
    """

    seed: int = 0
    sub_time: float = 0.5
    initial_size: float = 0.15
    min_relaxed: int = 4
    max_fraction: float = 0.7
    max_iterations: int | None = None
    deterministic: bool = False
    sub_conflicts: int = 500
    max_neighbours: int = 30
    window_above: int = 400
    initial_cap: int = 40
    neighbourhoods: tuple[str, ...] = NEIGHBOURHOODS

    def __post_init__(self) -> None:
        unknown = set(self.neighbourhoods) - set(NEIGHBOURHOODS)
        if unknown or not self.neighbourhoods:
            raise ValueError(f"Must have neighbourhoods from {NEIGHBOURHOODS}, at least one.")
        if self.sub_time <= 0:
            raise ValueError("Must have sub_time > 0.")
        if not 0 < self.initial_size <= 1 or not 0 < self.max_fraction <= 1:
            raise ValueError("Must have 0 < initial_size <= 1 and 0 < max_fraction <= 1.")


@dataclass
class LnsStats:
    """What happened in a run: ``history`` is (seconds, objective) at each improvement."""

    iterations: int = 0
    improvements: int = 0
    seconds: float = 0.0
    history: list[tuple[float, int]] = field(default_factory=list)
    tried: dict[str, int] = field(default_factory=dict)
    improved: dict[str, int] = field(default_factory=dict)
    reverted: int = 0  # whole-plan checks that failed (each change passed on its sub-problem)

    def summary(self) -> str:
        per = ", ".join(f"{k} {self.improved.get(k, 0)}/{n}" for k, n in self.tried.items())
        return (
            f"LNS: {self.iterations} iterations, {self.improvements} improvements "
            f"in {self.seconds:.1f} s ({per})"
        )

    def as_dict(self) -> dict:
        return {
            "lns_iterations": self.iterations,
            "lns_improvements": self.improvements,
            "lns_seconds": round(self.seconds, 2),
            "lns_tried": dict(self.tried),
            "lns_improved": dict(self.improved),
            "lns_reverted": self.reverted,
        }


class _Neighbourhood:
    """Adaptive state of one neighbourhood: its relaxed-set size and its recent value."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self.score = 1.0


class _Search:
    """One LNS run over a built model; keeps the incumbent and builds the sub-models."""

    def __init__(
        self, problem: Problem, solution: Solution, params: LnsParams, horizon: int | None
    ) -> None:
        self.problem = problem
        self.horizon = horizon
        self.params = params
        self.rng = random.Random(params.seed)
        self.best = solution
        self.best_objective = recompute(self.problem, solution).total
        ops = self.problem.operations
        self.free = [i for i, op in enumerate(ops) if not op.fixed]
        self.free_set = set(self.free)
        self.jobs: dict[int, list[int]] = {}
        for i in self.free:
            self.jobs.setdefault(ops[i].job, []).append(i)
        self.job_pred: dict[int, list[int]] = {}
        for p in self.problem.precedences:
            self.job_pred.setdefault(p.succ, []).append(p.pred)
        n = len(self.free)
        self.max_size = max(1, min(n, int(params.max_fraction * n)))
        self.min_size = min(self.max_size, params.min_relaxed)
        first = self._clamp(min(round(params.initial_size * n), params.initial_cap))
        independent = _independent(problem)
        # Large problems get window sub-models, so only time-local neighbourhoods make sense.
        self.windowed = windowed(problem, params.window_above)
        # A line stretch keeps its jobs' other operations on their own resources (see
        # :meth:`_line`), so its window model holds a few resources, not every cutter.
        local = ("window", "line", "group")
        names = [
            h
            for h in params.neighbourhoods
            if (h != "machines" or independent)
            and (h in local or not self.windowed)
            and (h not in ("line", "group") or self.windowed)
        ]
        self.preds_of: dict[int, list[int]] = {}
        self.succs_of: dict[int, list[int]] = {}
        for q in problem.precedences:
            self.preds_of.setdefault(q.succ, []).append(q.pred)
            self.succs_of.setdefault(q.pred, []).append(q.succ)
        self.sequences: dict[int, list[int]] = {}
        self._index_best()
        self.hoods = [_Neighbourhood(name, first) for name in names or ["jobs"]]
        for hood in self.hoods:
            if hood.name == "machines":  # cheap and exact: start with most of the roulette
                hood.score = 4.0
            if hood.name in ("line", "group"):  # each brings its jobs' other operations
                hood.size = self._clamp(min(first, LINE_INITIAL))
        self.allowed: set[int] = set()
        # Per relaxed operation, the resources it may use in a window model (absent: all its
        # modes); set by the neighbourhood that chose it.
        self.resources_of: dict[int, frozenset[int]] = {}
        # Runs of relaxed operations that keep their order in a window model (see _group).
        self.chains: list[list[int]] = []
        self.order: list[int] | None = None  # free operations by start (window mode)
        self.max_neighbours = params.max_neighbours
        self.circuits = {r for r in range(len(problem.resources)) if problem.has_setups(r)}
        w = problem.objective
        self.pure_makespan = bool(w.makespan) and not (
            w.tardiness or w.setup or w.overtime or w.earliness or w.deviation
        )
        self.best_flow = self.flow(self.best)
        sizes: dict[int, int] = {}
        for op in problem.operations:  # one pass: O(modes), not O(resources x operations)
            for md in op.modes:
                if md.resource in self.circuits:
                    sizes[md.resource] = sizes.get(md.resource, 0) + 1
        self.big_circuits = max(sizes.values(), default=0) > 2 * params.max_neighbours + 1
        # Window steps are checked on their sub-problem; the whole plan is validated every
        # FULL_CHECK_EVERY improvements and at the end, falling back to the last plan that
        # passed (see :meth:`_accept`).
        self.checked, self.checked_objective, self.unchecked = self.best, self.best_objective, 0
        self.reverts = 0

    def _index_best(self) -> None:
        """Per resource, the incumbent's operations in start order (for window sub-models)."""
        self.sequences = {}
        for i, a in enumerate(self.best):
            self.sequences.setdefault(a.resource, []).append(i)
        for seq in self.sequences.values():
            seq.sort(key=lambda i: (self.best[i].start, i))
        self.order = None

    def _reindex(self, old: Solution, changed: set[int]) -> None:
        """Update the per-resource sequences after ``changed`` operations moved: only the
        resources they left or joined are re-sorted, so a step's cost does not grow with
        the number of resources."""
        resources = {old[i].resource for i in changed} | {self.best[i].resource for i in changed}
        for r in resources:
            seq = [i for i in self.sequences.get(r, []) if i not in changed]
            seq += [i for i in changed if self.best[i].resource == r]
            seq.sort(key=lambda i: (self.best[i].start, i))
            self.sequences[r] = seq
        self.order = None

    def _start_order(self) -> list[int]:
        """Free operations in the incumbent's start order (cached until it changes)."""
        if self.order is None:
            self.order = sorted(self.free, key=lambda i: (self.best[i].start, i))
        return self.order

    def _clamp(self, size: float) -> int:
        return int(max(self.min_size, min(self.max_size, size)))

    # ---- neighbourhoods: each returns the set of relaxed operation indices -------------------

    def _fill(self, chosen: set[int], size: int) -> set[int]:
        """Top a neighbourhood up with random operations so every move has its planned size."""
        if len(chosen) >= size:
            return chosen
        pool = [i for i in self.free if i not in chosen]
        chosen.update(self.rng.sample(pool, min(len(pool), size - len(chosen))))
        return chosen

    def _jobs(self, size: int) -> set[int]:
        jobs = list(self.jobs)
        self.rng.shuffle(jobs)
        chosen: set[int] = set()
        for job in jobs:
            if len(chosen) >= size:
                break
            chosen.update(self.jobs[job])
        return chosen

    def _resources(self, size: int) -> set[int]:
        """A stretch of one or two resources' sequences (re-sequences a line).

        In window mode (large problems) everything outside the relaxed set is frozen in
        time, so a stretch of a line alone could hardly move; there the stretch's jobs are
        relaxed whole (cut, sew and finish together) and can re-order and shift as units.
        """
        if self.windowed:
            return self._line_stretch(size)
        by_resource: dict[int, list[int]] = {}
        for i in self.free:
            by_resource.setdefault(self.best[i].resource, []).append(i)
        resources = sorted(by_resource)
        self.rng.shuffle(resources)
        chosen: set[int] = set()
        for r in resources:
            if len(chosen) >= size:
                break
            ops = sorted(by_resource[r], key=lambda i: (self.best[i].start, i))
            room = size - len(chosen)
            if len(ops) > room:  # a random stretch of the line, not always its beginning
                first = self.rng.randrange(len(ops) - room + 1)
                ops = ops[first : first + room]
            chosen.update(ops)
        return chosen

    def _line_stretch(self, size: int) -> set[int]:
        """Whole jobs whose operations on one resource run consecutively there."""
        by_resource: dict[int, list[int]] = {}
        for i in self.free:
            by_resource.setdefault(self.best[i].resource, []).append(i)
        weights = [r for r in sorted(by_resource) if r in self.circuits] or sorted(by_resource)
        r = weights[self.rng.randrange(len(weights))]
        ops = sorted(by_resource[r], key=lambda i: (self.best[i].start, i))
        first = self.rng.randrange(len(ops))
        chosen: set[int] = set()
        for i in ops[first:]:
            if len(chosen) >= size:
                break
            chosen.update(self.jobs[self.problem.operations[i].job])
        return chosen

    def _window(self, size: int) -> set[int]:
        """``size`` operations consecutive in start order: at a random place, or (half the
        time, when jobs are late) ending at an operation of a late job, so that the late job
        and what runs just before it can be re-ordered and pulled earlier."""
        order = self._start_order()
        first = self.rng.randrange(max(1, len(order) - size + 1))
        late = self._late_operation() if self.rng.random() < 0.5 else None
        if late is not None:
            first = max(0, order.index(late) - size + 1)
        return set(order[first : first + size])

    def _late_operation(self) -> int | None:
        """A free operation of a late job, jobs drawn by weighted lateness (None: none late)."""
        j = self._late_job()
        if j is None:
            return None
        ops = self.jobs[j]
        return ops[self.rng.randrange(len(ops))]

    def _late_job(self) -> int | None:
        """A late job with free operations, drawn by weighted lateness (None: none late)."""
        if not self.problem.objective.tardiness:
            return None
        p, best = self.problem, self.best
        ends: dict[int, int] = {}
        for i, a in enumerate(best):
            j = p.operations[i].job
            ends[j] = max(ends.get(j, 0), a.end)
        late = [
            (p.jobs[j].weight * (end - p.jobs[j].due), j)
            for j, end in sorted(ends.items())
            if p.jobs[j].due is not None and end > p.jobs[j].due and j in self.jobs
        ]
        if not late:
            return None
        x = self.rng.random() * sum(w for w, _ in late)
        for w, j in late:  # noqa: B007 - j is the drawn job after the loop
            x -= w
            if x <= 0:
                break
        return j

    def _critical(self, size: int) -> set[int]:
        """A chain without idle time that ends at (one of) the latest ends, plus the
        sequences of other resources its operations could move to.

        The chain is what the makespan (and the latest jobs' lateness) is made of; relaxing it
        together with whole stretches of alternative resources lets CP-SAT move work off the
        bottleneck (on parallel machines: the critical machine and one or two others).
        """
        best, ops = self.best, self.problem.operations
        by_resource: dict[int, list[int]] = {}
        for i, a in enumerate(best):
            by_resource.setdefault(a.resource, []).append(i)
        ends = sorted(self.free, key=lambda i: (-best[i].end, i))
        current: int | None = ends[self.rng.randrange(min(3, len(ends)))]
        chain: set[int] = set()
        while current is not None and current not in chain and len(chain) < size // 2 + 1:
            chain.add(current)
            a = best[current]
            candidates = list(self.job_pred.get(current, []))
            same = [j for j in by_resource[a.resource] if best[j].end <= a.start and j != current]
            if same:
                candidates.append(max(same, key=lambda j: (best[j].end, j)))
            candidates = [c for c in candidates if c in self.free_set]
            if not candidates:
                break
            latest = max(best[c].end for c in candidates)
            tied = sorted(c for c in candidates if best[c].end == latest)
            current = tied[self.rng.randrange(len(tied))]
        alternatives = sorted(
            {md.resource for i in chain for md in ops[i].modes} - {best[i].resource for i in chain}
        )
        self.rng.shuffle(alternatives)
        for r in alternatives:
            room = size - len(chain)
            if room <= 0:
                break
            seq = sorted(
                (i for i in by_resource.get(r, []) if i in self.free_set),
                key=lambda i: (best[i].start, i),
            )
            if len(seq) > room:  # the stretch of that resource nearest the chain's end
                seq = seq[-room:]
            chain.update(seq)
        return self._fill(chain, size)

    def _machines(self, size: int) -> set[int]:
        """All operations of a few resources, which may only move among those resources.

        Only for problems whose operations are independent (no precedences, one operation
        per job: parallel machines, a single sewing stage). The sub-problem then holds just
        those resources' operations, so it stays tiny however large the problem is, and
        CP-SAT re-sequences and re-balances them exactly (the classic move for parallel
        machines with changeovers). Mostly the resource that ends last is among them. The
        size is fixed (two or three resources), not adaptive.
        """
        best = self.best
        by_resource: dict[int, list[int]] = {}
        for i in self.free:
            by_resource.setdefault(best[i].resource, []).append(i)
        resources = sorted(by_resource)
        self.rng.shuffle(resources)
        if self.rng.random() < 0.8:
            latest = max(resources, key=lambda r: (max(best[i].end for i in by_resource[r]), r))
            resources.remove(latest)
            resources.insert(0, latest)
        # Two resources most of the time, sometimes three: such sub-problems solve to
        # optimality in a fraction of a second, so many of them fit in the budget.
        count = 2 if self.rng.random() < 0.7 else 3
        allowed = set(resources[:count])
        chosen = {i for r in allowed for i in by_resource[r]}
        self.allowed = allowed
        return chosen

    def _line(self, size: int) -> set[int]:
        """A stretch of one changeover resource's sequence (a sewing line), often with the
        same period of another resource its operations may use, plus their jobs' nearby
        operations on other resources (window mode only).

        Why: where sewing lines with changeovers are the bottleneck, what costs is the order
        of lots on each line (grouped by setup class to save changeovers) and which line a
        group runs on. A time window across all resources covers hours of a line; this covers
        days of one or two, so CP-SAT can re-sequence whole setup-class groups, pull a late
        group ahead of one due later, or move a group to the other line. The jobs' other
        operations (cut, finish) are relaxed in time but stay on their own resources, so the
        model holds two lines and a few other resources whatever the floor's size. Half the
        time (when jobs are late) the stretch ends around a late job's operation.
        """
        r, seq, pos = self._line_position()
        if r is None:
            return self._fill(set(), size)
        partner = self.rng.random() < 0.6
        length = max(2, (2 * size) // 3 if partner else size)
        last = min(len(seq), pos + 1 + self.rng.randrange(length // 4 + 1))
        stretch = seq[max(0, last - length) : last]
        moves = {r}
        chosen = set(stretch)
        if partner:
            r2 = self._partner(stretch, r)
            if r2 is not None:
                moves.add(r2)
                chosen |= self._overlapping(r2, stretch, size - len(stretch))
        for i in chosen:
            own = {md.resource for md in self.problem.operations[i].modes}
            self.resources_of[i] = frozenset((own & moves) | {self.best[i].resource})
        self._add_job_neighbours(chosen)
        return chosen

    def _line_position(self) -> tuple[int | None, list[int], int]:
        """Where a line neighbourhood starts: half the time (when jobs are late) around a late
        job's operation, else at a random free operation of a random changeover line.
        ``r`` is None when the chosen line has nothing free."""
        lines = [r for r in sorted(self.sequences) if r in self.circuits] or sorted(self.sequences)
        r, seq, pos = self._late_position(lines) if self.rng.random() < 0.5 else (None, [], 0)
        if r is None:
            r = lines[self.rng.randrange(len(lines))]
            seq = [i for i in self.sequences[r] if i in self.free_set]
            if not seq:
                return None, [], 0
            pos = self.rng.randrange(len(seq))
        return r, seq, pos

    def _late_position(self, lines: list[int]) -> tuple[int | None, list[int], int]:
        """(resource, its free sequence, position) of a late job's operation on one of
        ``lines``; (None, [], 0) when no late job has one."""
        j = self._late_job()
        if j is None:
            return None, [], 0
        on = [i for i in self.jobs[j] if self.best[i].resource in lines]
        if not on:
            return None, [], 0
        i = on[self.rng.randrange(len(on))]
        r = self.best[i].resource
        seq = [k for k in self.sequences[r] if k in self.free_set]
        return r, seq, seq.index(i)

    def _partner(self, stretch: list[int], r: int) -> int | None:
        """Another resource some stretch operation may use (random), or None."""
        ops = self.problem.operations
        others = sorted({md.resource for i in stretch for md in ops[i].modes} - {r})
        return others[self.rng.randrange(len(others))] if others else None

    def _overlapping(self, r: int, stretch: list[int], room: int) -> set[int]:
        """Free operations of resource ``r`` that overlap the stretch's time span (at most
        ``room``, consecutive, those nearest the span's middle)."""
        best = self.best
        t0 = min(best[i].start for i in stretch)
        t1 = max(best[i].end for i in stretch)
        seq = [i for i in self.sequences.get(r, []) if i in self.free_set]
        inside = [i for i in seq if best[i].start < t1 and best[i].end > t0]
        if len(inside) > room > 0:
            first = (len(inside) - room) // 2
            inside = inside[first : first + room]
        return set(inside) if room > 0 else set()

    def _add_job_neighbours(self, chosen: set[int]) -> None:
        """Relax the chosen operations' jobs' other operations that run near the chosen
        span, each kept on its own resource: a lot's cut and finish must be able to follow
        its sewing when that moves. Operations far away stay frozen (only their lags bind),
        so the window does not stretch over days of every cutter and finisher."""
        best, ops = self.best, self.problem.operations
        t0 = min(best[i].start for i in chosen)
        t1 = max(best[i].end for i in chosen)
        margin = max(t1 - t0, 1)
        extra = set()
        for i in chosen:
            for k in self.jobs[ops[i].job]:
                if k in chosen or k in extra:
                    continue
                if best[k].end > t0 - margin and best[k].start < t1 + margin:
                    extra.add(k)
        for k in extra:
            self.resources_of[k] = frozenset((best[k].resource,))
        chosen |= extra

    def _group(self, size: int) -> set[int]:
        """A run of one setup class on a line, moved earlier past the operations before it
        (which keep their order and may shift later), or to another line it may use.

        Why: a dispatching start groups lots by class to save changeovers and may run a group
        due early after one due later (seen on the sample factory: a style due on day 6 sewn
        on days 15-18, after one due on days 12-13). Re-sequencing that freely needs days of
        the line in one model; here only the group may move and what it passes keeps its
        order, so the model stays small and CP-SAT decides where the group goes (whole, split
        or on the other line), with exact changeovers. The group is a late job's (half the
        time, when jobs are late) or a random one; the jobs' other operations follow in time.
        """
        r, seq, pos = self._line_position()
        if r is None:
            return self._fill(set(), size)
        ops = self.problem.operations
        cls = ops[seq[pos]].setup_class
        first, last = pos, pos
        while first > 0 and ops[seq[first - 1]].setup_class == cls:
            first -= 1
        while last + 1 < len(seq) and ops[seq[last + 1]].setup_class == cls:
            last += 1
        group = seq[first : last + 1][: max(1, size // 2)]
        passed = seq[max(0, first - max(1, size - len(group))) : first]
        moves = {r}
        chosen = set(group) | set(passed)
        self.chains = [passed] if len(passed) > 1 else []
        if self.rng.random() < 0.4:
            r2 = self._partner(group, r)
            if r2 is not None:
                moves.add(r2)
                near = self._overlapping(r2, group + passed, size)
                ordered = [i for i in self.sequences.get(r2, []) if i in near]
                chosen |= near
                if len(ordered) > 1:
                    self.chains.append(ordered)
        for i in chosen:
            own = {md.resource for md in ops[i].modes}
            # The operations passed keep their line; the group may go to the other one.
            allowed = own & moves if i in group else set()
            self.resources_of[i] = frozenset(allowed | {self.best[i].resource})
        self._add_job_neighbours(chosen)
        return chosen

    def relaxed(self, hood: _Neighbourhood) -> set[int]:
        self.resources_of = {}
        self.chains = []
        chooser = {
            "jobs": self._jobs,
            "resources": self._resources,
            "window": self._window,
            "critical": self._critical,
            "machines": self._machines,
            "line": self._line,
            "group": self._group,
        }[hood.name]
        return chooser(hood.size)

    # ---- the sub-model ------------------------------------------------------------------

    def sub_problem(self, relaxed: set[int]) -> tuple[Problem, int]:
        """The problem with kept operations pinned to their resource and their order.

        A kept operation keeps only the mode of its resource, and consecutive kept operations
        on a resource get a zero-lag precedence; operation indices do not change, so a
        solution of the sub-problem is a solution of the problem (and is checked as one).
        Also returns the largest changeover circuit of the sub-problem (nodes).
        """
        p, best = self.problem, self.best
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
        nodes = {r: len(seq) for r, seq in kept.items() if r in self.circuits}
        for i in relaxed:
            for md in p.operations[i].modes:
                if md.resource in self.circuits:
                    nodes[md.resource] = nodes.get(md.resource, 0) + 1
        sub = replace(p, operations=tuple(operations), precedences=tuple(precedences))
        return sub, max(nodes.values(), default=0)

    def sub_model(self, relaxed: set[int]) -> CpSatModel:
        """CP-SAT model of :meth:`sub_problem`, hinted with the incumbent, cut off at it.

        Circuits still larger than ``PRUNE_ABOVE`` nodes get the full model's arc pruning
        around the incumbent's order. For a pure makespan objective the sub-model minimises
        ``makespan x M + sum of ends``: the makespan alone is a plateau (moving work between
        two machines rarely lowers the maximum), and without the tie-breaker a sub-solve stops
        at the hint; compacting the rest is what lets later steps lower the maximum.
        """
        sub, nodes = self.sub_problem(relaxed)
        neighbours = self.max_neighbours if nodes > PRUNE_ABOVE else None
        cpm = CpSatModel(sub, hint=self.best, horizon_=self.horizon, max_neighbours=neighbours)
        self._cut_off(cpm, self.best_objective)
        return cpm

    def window_sub_model(self, relaxed: set[int]) -> tuple[CpSatModel, list[int]]:
        """For large problems: a model of one time window, everything else frozen in time.

        Building the full model (thousands of operations, calendars, circuits) for every step
        would take seconds; this model holds only what the relaxed operations can touch:

        * the window ``[T0, T1]`` spans the relaxed operations' current times; they must stay
          inside it (a frozen marker ending at ``T0`` precedes them, one starting at ``T1``
          follows them, each on a private always-open resource);
        * on every resource a relaxed operation may use, the operations in the window, the
          last one before it and the first one after it are kept as *fixed* operations, so
          the changeovers into, inside and out of the window are the exact ones;
        * precedence neighbours of relaxed operations elsewhere are kept, frozen, each on a
          private resource with its own resource's calendar (so lags count as they do there).

        Returns the model and, per sub-operation, its index in the problem (-1: a marker).
        """
        p, best = self.problem, self.best
        t0 = min(best[i].start for i in relaxed)
        t1 = max(best[i].end for i in relaxed)
        modes = {i: self._modes(i) for i in relaxed}
        touched = {md.resource for i in relaxed for md in modes[i]}
        context: set[int] = set()
        for r in touched:
            seq = self.sequences.get(r, [])
            starts = [best[i].start for i in seq]
            lo = max(0, bisect.bisect_left(starts, t0) - 1)
            hi = bisect.bisect_right(starts, t1) + 1
            context.update(i for i in seq[lo:hi] if i not in relaxed)
        links = self.preds_of, self.succs_of
        far = {
            j
            for i in relaxed
            for table in links
            for j in table.get(i, ())
            if j not in relaxed and j not in context
        }
        resources = list(p.resources)
        setups = list(p.setups)
        operations, index = [], []

        def private(calendar: Calendar = ALWAYS_OPEN) -> int:
            resources.append(Resource(name="lns-frozen", calendar=calendar))
            setups.append(None)
            return len(resources) - 1

        for i in sorted(relaxed | context):
            op = p.operations[i]
            if i in context:  # pinned, with its one mode: no node in other resources' circuits
                r = best[i].resource
                one = tuple(md for md in op.modes if md.resource == r)
                op = replace(op, modes=one, fixed_resource=r, fixed_start=best[i].start)
            elif len(modes[i]) < len(op.modes):
                op = replace(op, modes=modes[i])
            operations.append(op)
            index.append(i)
        for i in sorted(far):
            # Its own calendar on the private resource: a lag between operations of one
            # calendar counts working minutes, and an always-open stand-in made it wall
            # minutes (moves that broke a lag over a night passed the sub-problem).
            a, op = best[i], p.operations[i]
            r = private(p.resources[a.resource].calendar)
            mode = Mode(r, op.duration_on(a.resource))
            operations.append(
                Operation(op.job, (mode,), name="frozen", fixed_resource=r, fixed_start=a.start)
            )
            index.append(i)
        position = {i: k for k, i in enumerate(index)}
        precedences = [
            Precedence(position[q.pred], position[q.succ], q.lag)
            for q in p.precedences
            if q.pred in position
            and q.succ in position
            and (q.pred in relaxed or q.succ in relaxed)
        ]
        for chain in self.chains:  # relaxed runs that keep their order (see _group)
            precedences += [
                Precedence(position[a], position[b], 0)
                for a, b in itertools.pairwise(chain)
                if a in relaxed and b in relaxed
            ]
        # Every sub-operation of a job starts at or after the earliest of: T0 for relaxed
        # ones, the frozen start for the others; as the job's release that is no restriction,
        # but it keeps each operation's calendar segments (and the model) to the window.
        earliest: dict[int, int] = {}
        for k, i in enumerate(index):
            op = operations[k]
            t = t0 if i in relaxed else op.fixed_start
            earliest[op.job] = min(earliest.get(op.job, t), t)
        # Only the jobs present, renumbered: per-job work in the model and the checker then
        # scales with the window, not with the whole plan.
        renumber = {j: n for n, j in enumerate(sorted(earliest))}
        # A job with nothing relaxed has a constant cost here: no due date, so it gets no
        # completion and tardiness variables (a window over days of a cutter holds hundreds).
        moving = {p.operations[i].job for i in relaxed}
        jobs = tuple(
            replace(
                p.jobs[j],
                release=max(p.jobs[j].release, earliest[j]),
                due=p.jobs[j].due if j in moving else None,
            )
            for j in renumber
        )
        operations = [replace(op, job=renumber[op.job]) for op in operations]
        jobs = (*jobs, Job(name="lns-window"))
        job = len(jobs) - 1
        for start, end in ((max(0, t0 - 1), t0), (t1, t1 + 1)):
            if start == end:
                continue
            r = private()
            operations.append(
                Operation(
                    job, (Mode(r, end - start),), name="window", fixed_resource=r, fixed_start=start
                )
            )
            index.append(-1)
            k = len(operations) - 1
            for i in relaxed:
                if end == t0:
                    precedences.append(Precedence(k, position[i], 0))
                else:
                    precedences.append(Precedence(position[i], k, 0))
        previous = None
        if p.previous is not None:
            previous = tuple(p.previous[i] if i >= 0 and i not in far else None for i in index)
        sub = replace(
            p,
            resources=tuple(resources),
            jobs=jobs,
            operations=tuple(operations),
            precedences=tuple(precedences),
            setups=tuple(setups),
            previous=previous,
        )
        hint = []
        for k, i in enumerate(index):
            op = operations[k]
            if i >= 0 and op.name != "frozen":
                hint.append(best[i])
            elif i >= 0:
                hint.append(Assignment(op.fixed_resource, best[i].start, best[i].end))
            else:
                start = op.fixed_start
                hint.append(Assignment(op.fixed_resource, start, start + op.modes[0].duration))
        hint = fill_setups(sub, Solution(hint))
        nodes = max(
            (
                sum(1 for op in operations if op.duration_on(r) is not None)
                for r in touched
                if p.has_setups(r)
            ),
            default=0,
        )
        neighbours = self.max_neighbours if nodes > PRUNE_ABOVE else None
        # Nothing in the sub-problem ends later than its latest frozen end (relaxed operations
        # end by T1), so that is its horizon: again fewer calendar segments per operation.
        horizon = max(a.end for a in hint) + 1
        cpm = CpSatModel(sub, hint=hint, horizon_=horizon, max_neighbours=neighbours)
        self.window_value = recompute(sub, hint).total
        self._cut_off(cpm, self.window_value)
        return cpm, index

    def _modes(self, i: int) -> tuple[Mode, ...]:
        """The modes relaxed operation ``i`` keeps in a window model (see ``resources_of``)."""
        modes = self.problem.operations[i].modes
        allowed = self.resources_of.get(i)
        if allowed is None:
            return modes
        return tuple(md for md in modes if md.resource in allowed)

    def machine_sub_model(self, relaxed: set[int]) -> tuple[CpSatModel, list[int]]:
        """Model of only the chosen resources' operations (see :meth:`_machines`).

        Relaxed operations keep only the modes on the chosen resources; fixed operations there
        stay in as they are. Returns the model and the original index of each sub-operation.
        The cut-off is the incumbent's value *on the sub-problem*: for sums (tardiness,
        setups) a better part is a better whole, for a makespan it is never worse.
        """
        p, best = self.problem, self.best
        index = sorted(
            relaxed
            | {
                i
                for i, op in enumerate(p.operations)
                if op.fixed and best[i].resource in self.allowed
            }
        )
        operations = []
        for i in index:
            op = p.operations[i]
            if not op.fixed:
                op = replace(op, modes=tuple(m for m in op.modes if m.resource in self.allowed))
            operations.append(op)
        previous = None if p.previous is None else tuple(p.previous[i] for i in index)
        sub = replace(p, operations=tuple(operations), precedences=(), previous=previous)
        hint = Solution([best[i] for i in index])
        cpm = CpSatModel(sub, hint=hint, horizon_=self.horizon)
        self._cut_off(cpm, recompute(sub, hint).total, loads=self.allowed)
        return cpm, index

    def _cut_off(self, cpm: CpSatModel, value: int, loads: set[int] | None = None) -> None:
        """Objective <= ``value`` (the incumbent's), plus the makespan tie-breaker: the sum of
        ends, or with ``loads`` the sum of those resources' completion times (on parallel
        machines, shortening the non-critical machines is what makes room for later moves)."""
        objective = cpm.model.proto.objective
        if not objective.vars:
            return
        model = cpm.model
        expr = sum(
            c * model.get_int_var_from_proto_index(x)
            for x, c in zip(objective.vars, objective.coeffs, strict=True)
        )
        model.add(expr + int(objective.offset) <= value)
        if not self.pure_makespan:
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

    def flow(self, solution: Solution) -> int:
        """Sum of end times: the makespan tie-breaker (see :meth:`sub_model`)."""
        return sum(a.end for a in solution) if self.pure_makespan else 0

    # ---- the loop -----------------------------------------------------------------------

    def pick(self) -> _Neighbourhood:
        total = sum(h.score for h in self.hoods)
        x = self.rng.random() * total
        for hood in self.hoods:
            x -= hood.score
            if x <= 0:
                return hood
        return self.hoods[-1]

    def configure(self, prm, deadline: float, circuits: bool) -> None:
        """Sub-solve parameters: one worker, no LP, no symmetry search, no probing.

        Measured on mk10 and the 50-job UPM instances: sub-models are small once most of
        the schedule is pinned, and these global techniques cost more than they prune.
        Presolve is skipped on changeover models, whose sub-models are mostly pinned arcs.
        """
        prm.num_workers = 1
        prm.random_seed = self.rng.randrange(1 << 30)
        prm.linearization_level = 0
        prm.symmetry_level = 0
        prm.cp_model_probing_level = 0
        prm.cp_model_presolve = not circuits
        left = max(0.01, deadline - time.perf_counter())
        if self.params.deterministic:
            prm.max_number_of_conflicts = self.params.sub_conflicts
            # Models with calendars can spend seconds on a few hundred conflicts (measured on
            # the 217-lot C2M plan's windows: 0.1-3.7 s, tracking deterministic time at about
            # 1.5-2 s per unit; on the simulation's 1 s daily plans, whole-model sub-solves
            # took 10 s and more); deterministic time caps them, reproducibly.
            prm.max_deterministic_time = SUB_DETERMINISTIC_TIME
            # Only a guard against a hang: stopping a sub-solve on the clock would make
            # the run depend on the machine's load (same input, different plans).
            prm.max_time_in_seconds = left
        else:
            scale = 2 if self.windowed else 1  # window models carry calendars: slower
            prm.max_time_in_seconds = min(left, scale * self.params.sub_time)

    def _worth_checking(self, hood: _Neighbourhood, solver: cp_model.CpSolver) -> bool:
        """Whether a sub-solve's schedule may beat the incumbent, before the whole plan is
        rebuilt, re-costed and validated (O(operations) each, the bulk of a step on large
        plans). A window model's own objective is cut off at the incumbent's value on it,
        so only a strictly lower value there can be an improvement. Other models (whose
        equal-valued moves are accepted, a walk on the plateau) are always checked."""
        if not self.windowed or hood.name == "machines" or self.pure_makespan:
            return True
        return solver.objective_value < self.window_value - 0.5

    def _accept(
        self,
        hood: _Neighbourhood,
        sub: CpSatModel,
        solver: cp_model.CpSolver,
        index: list[int] | None,
        relaxed: set[int],
    ) -> int:
        """Put the sub-solve's schedule into the whole plan; keep it when it is no worse
        (window models: strictly better) and the validator accepts it. Returns the gain."""
        part = sub.extract(solver)
        candidate = part
        if index is not None:  # a part: put it back into the whole schedule
            merged = list(self.best)
            for k, i in enumerate(index):
                if i in relaxed:
                    merged[i] = part[k]
            candidate = fill_setups(self.problem, Solution(merged))
        value = recompute(self.problem, candidate).total
        flow = self.flow(candidate)
        windowed = self.windowed and hood.name != "machines"
        if windowed and value >= self.best_objective:
            return 0  # equal moves are not worth a validation here
        if (value, flow) > (self.best_objective, self.best_flow):
            return 0
        # A window model holds everything its relaxed operations can meet (the resources
        # they may use around the window, their precedence neighbours, exact changeovers
        # at the edges), so checking it checks the change; the whole plan is still
        # validated every FULL_CHECK_EVERY improvements and at the end.
        if validate(sub.problem if windowed else self.problem, part if windowed else candidate):
            return 0
        gain = self.best_objective - value
        old = self.best
        self.best, self.best_objective, self.best_flow = candidate, value, flow
        if windowed:
            self._reindex(old, {i for i in relaxed if old[i] != candidate[i]})
            self.unchecked += 1
            if self.unchecked >= FULL_CHECK_EVERY:
                self.check()
        else:
            self.checked, self.checked_objective = candidate, value
        return gain

    def check(self) -> bool:
        """Validate the whole incumbent; if it fails (it should not: each change passed on
        its sub-problem), go back to the last incumbent that passed. True when it passed."""
        self.unchecked = 0
        if self.best is self.checked:
            return True
        if not validate(self.problem, self.best):
            self.checked, self.checked_objective = self.best, self.best_objective
            return True
        self.best, self.best_objective = self.checked, self.checked_objective
        self.best_flow = self.flow(self.best)
        self._index_best()
        self.reverts += 1
        return False

    def _reward(self, gain: int) -> float:
        """Value of a step's gain for the roulette. Small problems: 1 for any improvement.
        Window mode: the gain relative to the objective (1 per 0.1 %), so a neighbourhood
        whose steps gain ten times more gets (about) ten times the choices; counting
        improvements alone kept many tiny window steps ahead of fewer, larger line steps
        (measured on the 600-lot floor: 2 % vs 5 % in 20 s)."""
        if gain <= 0:
            return 0.0
        if not self.windowed:
            return 1.0
        return 1000.0 * gain / max(1, self.best_objective + gain)

    def run(self, time_limit: float, stats: LnsStats) -> None:
        began = time.perf_counter()
        # Deterministic runs are bounded by max_iterations; wall time only guards them.
        if self.params.deterministic:  # as far away as the full model's (see cpsat)
            time_limit = DETERMINISTIC_WALL_FACTOR * time_limit + DETERMINISTIC_WALL_EXTRA
        deadline = began + time_limit
        stats.history.append((0.0, self.best_objective))
        step = 0.0  # wall seconds of the last step: building a sub-model cannot be interrupted
        while self.free:
            left = deadline - time.perf_counter()
            if left <= 0.05 or (not self.params.deterministic and step > left):
                break
            began_step = time.perf_counter()
            cap = self.params.max_iterations
            if cap is not None and stats.iterations >= cap:
                break
            hood = self.pick()
            relaxed = self.relaxed(hood)
            if hood.name == "machines":
                sub, index = self.machine_sub_model(relaxed)
            elif self.windowed:
                sub, index = self.window_sub_model(relaxed)
            else:
                sub, index = self.sub_model(relaxed), None
            solver = cp_model.CpSolver()
            self.configure(solver.parameters, deadline, bool(sub.v.arcs))
            tick = time.perf_counter()
            status = solve_interruptibly(solver, sub.model)
            spent = max(1e-3, time.perf_counter() - tick)
            stats.iterations += 1
            stats.tried[hood.name] = stats.tried.get(hood.name, 0) + 1
            gain = 0
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and self._worth_checking(
                hood, solver
            ):
                gain = self._accept(hood, sub, solver, index, relaxed)
            if gain > 0:
                stats.improvements += 1
                stats.improved[hood.name] = stats.improved.get(hood.name, 0) + 1
                stats.history.append((round(time.perf_counter() - began, 3), self.best_objective))
            # Adapt: solved to optimality means the neighbourhood may grow; a time-out, shrink.
            if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
                hood.size = self._clamp(math.ceil(hood.size * 1.1))
            elif status == cp_model.FEASIBLE:
                hood.size = self._clamp(math.floor(hood.size * 0.9))
            else:  # not even the hint was loaded in time: much too big
                hood.size = self._clamp(math.floor(hood.size * 0.6))
            step = time.perf_counter() - began_step
            # Reward per second of search; per step in deterministic runs (wall time varies).
            effort = 1.0 if self.params.deterministic else spent
            reward = self._reward(gain) / effort
            hood.score = max(0.05, 0.7 * hood.score + 0.3 * reward)
        if not self.check():
            stats.history.append((round(time.perf_counter() - began, 3), self.best_objective))
        stats.reverted = self.reverts
        stats.seconds = time.perf_counter() - began


def _independent(problem: Problem) -> bool:
    """No routings: one operation per job and no precedences (parallel machines)."""
    return not problem.precedences and all(len(ops) <= 1 for ops in problem.job_operations())


def windowed(problem: Problem, window_above: int = LnsParams.window_above) -> bool:
    """Whether LNS works on window sub-models of ``problem`` (large, with routings)."""
    return len(problem.operations) > window_above and not _independent(problem)


def improve(
    problem: Problem,
    solution: Solution,
    time_limit: float,
    params: LnsParams | None = None,
    horizon: int | None = None,
) -> tuple[Solution, int, LnsStats]:
    """Improve a valid ``solution`` of ``problem`` by LNS for ``time_limit`` wall seconds.

    ``horizon`` (optional) is the full model's horizon, reused by every sub-model. Returns the
    best valid solution found (never worse than ``solution``: every candidate is checked by the
    independent validator), its objective as the validator computes it, and statistics.
    """
    params = params or LnsParams()
    stats = LnsStats()
    search = _Search(problem, fill_setups(problem, solution), params, horizon)
    search.run(time_limit, stats)
    return search.best, search.best_objective, stats


# Sub-solve wall seconds assumed when a deterministic run turns its time into iterations.
SECONDS_PER_ITERATION = 0.4


def phase(
    model: CpSatModel,
    incumbent: Solution,
    time_limit: float,
    seed: int = 0,
    deterministic: bool = False,
) -> tuple[Solution, dict]:
    """The LNS phase of :func:`scheduling.solve.solve`: improve ``incumbent`` of ``model``.

    ``model`` is the full model already built (its horizon and arc pruning are reused).
    Deterministic runs get ``time_limit / SECONDS_PER_ITERATION`` iterations and
    conflict-limited sub-solves, so their result depends on the seed only.
    """
    params = LnsParams(
        seed=seed,
        deterministic=deterministic,
        max_neighbours=model.max_neighbours or LnsParams.max_neighbours,
        max_iterations=max(1, round(time_limit / SECONDS_PER_ITERATION)) if deterministic else None,
    )
    solution, _, stats = improve(model.problem, incumbent, time_limit, params, model.H)
    return solution, stats.as_dict()


def phase_without_model(
    problem: Problem,
    incumbent: Solution,
    time_limit: float,
    seed: int = 0,
    deterministic: bool = False,
) -> tuple[Solution, dict]:
    """The LNS phase when the full model was never built (too big to build in the budget).

    Such problems are above ``window_above`` operations, so every step builds only a window
    sub-model; the horizon is each window's own.
    """
    params = LnsParams(
        seed=seed,
        deterministic=deterministic,
        max_iterations=max(1, round(time_limit / SECONDS_PER_ITERATION)) if deterministic else None,
    )
    solution, _, stats = improve(problem, incumbent, time_limit, params)
    return solution, stats.as_dict()


__all__ = [
    "NEIGHBOURHOODS",
    "LnsParams",
    "LnsStats",
    "improve",
    "phase",
    "phase_without_model",
    "windowed",
]
