"""The neighbourhoods of LNS: each chooses which operations of the incumbent to relax.

- ``jobs``: all operations of a few random jobs (re-routes whole jobs);
- ``resources``: a stretch of one or two resources' sequences (re-sequences a line);
- ``window``: operations consecutive in start order, at a random place or ending at an
  operation of a late job;
- ``critical``: a chain without idle time that ends at the latest operation, plus the
  sequences of resources it could move to;
- ``machines`` (independent operations only): two or three resources, modelled alone;
- ``line`` (large problems): a stretch of days of one changeover line, often with the same
  period of another line its lots may use, and the lots' cut and finish nearby;
- ``group`` (large problems): a run of one setup class on a line, which may move earlier
  past the operations before it (they keep their order) or to another eligible line.

Every random choice comes from the search's one seeded generator, in a fixed order, so a
seed gives the same relaxations.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from scheduling.search.lns.incumbent import Incumbent


@dataclass
class Relaxation:
    """What one step relaxes: the operations, and what a sub-model allows them.

    ``resources_of``: per relaxed operation, the resources it may use in a window model
    (absent: all its modes). ``chains``: runs of relaxed operations that keep their order
    in a window model (see ``group``). ``allowed``: the resources a machines model holds.
    """

    ops: set[int]
    resources_of: dict[int, frozenset[int]] = field(default_factory=dict)
    chains: list[list[int]] = field(default_factory=list)
    allowed: set[int] = field(default_factory=set)


class Neighbourhoods:
    """The choosers, over the incumbent ``inc`` and the search's generator ``rng``.
    ``windowed``: the search works on window models (large problems)."""

    def __init__(self, inc: Incumbent, rng: random.Random, windowed: bool) -> None:
        self.inc, self.rng, self.windowed = inc, rng, windowed
        self.resources_of: dict[int, frozenset[int]] = {}
        self.chains: list[list[int]] = []
        self.allowed: set[int] = set()

    def relax(self, name: str, size: int) -> Relaxation:
        """The operations neighbourhood ``name`` relaxes at ``size``, with the resources
        and orders it allows them (see :class:`Relaxation`)."""
        self.resources_of = {}
        self.chains = []
        self.allowed = set()
        chooser = {
            "jobs": self._jobs,
            "resources": self._resources,
            "window": self._window,
            "critical": self._critical,
            "machines": self._machines,
            "line": self._line,
            "group": self._group,
        }[name]
        ops = chooser(size)
        return Relaxation(ops, self.resources_of, self.chains, self.allowed)

    def _fill(self, chosen: set[int], size: int) -> set[int]:
        """Top a neighbourhood up with random operations so every move has its planned size."""
        if len(chosen) >= size:
            return chosen
        pool = [i for i in self.inc.free if i not in chosen]
        chosen.update(self.rng.sample(pool, min(len(pool), size - len(chosen))))
        return chosen

    def _jobs(self, size: int) -> set[int]:
        jobs = list(self.inc.jobs)
        self.rng.shuffle(jobs)
        chosen: set[int] = set()
        for job in jobs:
            if len(chosen) >= size:
                break
            chosen.update(self.inc.jobs[job])
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
        for i in self.inc.free:
            by_resource.setdefault(self.inc.best[i].resource, []).append(i)
        resources = sorted(by_resource)
        self.rng.shuffle(resources)
        chosen: set[int] = set()
        for r in resources:
            if len(chosen) >= size:
                break
            ops = sorted(by_resource[r], key=lambda i: (self.inc.best[i].start, i))
            room = size - len(chosen)
            if len(ops) > room:  # a random stretch of the line, not always its beginning
                first = self.rng.randrange(len(ops) - room + 1)
                ops = ops[first : first + room]
            chosen.update(ops)
        return chosen

    def _line_stretch(self, size: int) -> set[int]:
        """Whole jobs whose operations on one resource run consecutively there."""
        by_resource: dict[int, list[int]] = {}
        for i in self.inc.free:
            by_resource.setdefault(self.inc.best[i].resource, []).append(i)
        weights = [r for r in sorted(by_resource) if r in self.inc.circuits] or sorted(by_resource)
        r = weights[self.rng.randrange(len(weights))]
        ops = sorted(by_resource[r], key=lambda i: (self.inc.best[i].start, i))
        first = self.rng.randrange(len(ops))
        chosen: set[int] = set()
        for i in ops[first:]:
            if len(chosen) >= size:
                break
            chosen.update(self.inc.jobs[self.inc.problem.operations[i].job])
        return chosen

    def _window(self, size: int) -> set[int]:
        """``size`` operations consecutive in start order: at a random place, or (half the
        time, when jobs are late) ending at an operation of a late job, so that the late job
        and what runs just before it can be re-ordered and pulled earlier."""
        order = self.inc.start_order()
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
        ops = self.inc.jobs[j]
        return ops[self.rng.randrange(len(ops))]

    def _late_job(self) -> int | None:
        """A late job with free operations, drawn by weighted lateness (None: none late)."""
        if not self.inc.problem.objective.tardiness:
            return None
        p, best = self.inc.problem, self.inc.best
        ends: dict[int, int] = {}
        for i, a in enumerate(best):
            j = p.operations[i].job
            ends[j] = max(ends.get(j, 0), a.end)
        late = [
            (p.jobs[j].weight * (end - due), j)
            for j, end in sorted(ends.items())
            if (due := p.jobs[j].due) is not None and end > due and j in self.inc.jobs
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
        best, ops = self.inc.best, self.inc.problem.operations
        by_resource: dict[int, list[int]] = {}
        for i, a in enumerate(best):
            by_resource.setdefault(a.resource, []).append(i)
        ends = sorted(self.inc.free, key=lambda i: (-best[i].end, i))
        current: int | None = ends[self.rng.randrange(min(3, len(ends)))]
        chain: set[int] = set()
        while current is not None and current not in chain and len(chain) < size // 2 + 1:
            chain.add(current)
            a = best[current]
            candidates = list(self.inc.job_pred.get(current, []))
            same = [j for j in by_resource[a.resource] if best[j].end <= a.start and j != current]
            if same:
                candidates.append(max(same, key=lambda j: (best[j].end, j)))
            candidates = [c for c in candidates if c in self.inc.free_set]
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
                (i for i in by_resource.get(r, []) if i in self.inc.free_set),
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
        best = self.inc.best
        by_resource: dict[int, list[int]] = {}
        for i in self.inc.free:
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
            own = {md.resource for md in self.inc.problem.operations[i].modes}
            self.resources_of[i] = frozenset((own & moves) | {self.inc.best[i].resource})
        self._add_job_neighbours(chosen)
        return chosen

    def _line_position(self) -> tuple[int | None, list[int], int]:
        """Where a line neighbourhood starts: half the time (when jobs are late) around a late
        job's operation, else at a random free operation of a random changeover line.
        ``r`` is None when the chosen line has nothing free."""
        lines = [r for r in sorted(self.inc.sequences) if r in self.inc.circuits] or sorted(
            self.inc.sequences
        )
        r, seq, pos = self._late_position(lines) if self.rng.random() < 0.5 else (None, [], 0)
        if r is None:
            r = lines[self.rng.randrange(len(lines))]
            seq = [i for i in self.inc.sequences[r] if i in self.inc.free_set]
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
        on = [i for i in self.inc.jobs[j] if self.inc.best[i].resource in lines]
        if not on:
            return None, [], 0
        i = on[self.rng.randrange(len(on))]
        r = self.inc.best[i].resource
        seq = [k for k in self.inc.sequences[r] if k in self.inc.free_set]
        return r, seq, seq.index(i)

    def _partner(self, stretch: list[int], r: int) -> int | None:
        """Another resource some stretch operation may use (random), or None."""
        ops = self.inc.problem.operations
        others = sorted({md.resource for i in stretch for md in ops[i].modes} - {r})
        return others[self.rng.randrange(len(others))] if others else None

    def _overlapping(self, r: int, stretch: list[int], room: int) -> set[int]:
        """Free operations of resource ``r`` that overlap the stretch's time span (at most
        ``room``, consecutive, those nearest the span's middle)."""
        best = self.inc.best
        t0 = min(best[i].start for i in stretch)
        t1 = max(best[i].end for i in stretch)
        seq = [i for i in self.inc.sequences.get(r, []) if i in self.inc.free_set]
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
        best, ops = self.inc.best, self.inc.problem.operations
        t0 = min(best[i].start for i in chosen)
        t1 = max(best[i].end for i in chosen)
        margin = max(t1 - t0, 1)
        extra = set()
        for i in chosen:
            for k in self.inc.jobs[ops[i].job]:
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
        ops = self.inc.problem.operations
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
                ordered = [i for i in self.inc.sequences.get(r2, []) if i in near]
                chosen |= near
                if len(ordered) > 1:
                    self.chains.append(ordered)
        for i in chosen:
            own = {md.resource for md in ops[i].modes}
            # The operations passed keep their line; the group may go to the other one.
            allowed = own & moves if i in group else set()
            self.resources_of[i] = frozenset(allowed | {self.inc.best[i].resource})
        self._add_job_neighbours(chosen)
        return chosen
