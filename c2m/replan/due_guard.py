"""The due-lot guard: a replan does not push an already-due lot much later unless cheaper.

A new night's forecast can make the solver give a due lot's slot to tonight's newcomers (a
one-day-old SKU's lots took a line's Monday while an established 380-unit lot due 12-05 went
from 12-07 to 12-21). The floor and the customer were promised that lot; pushing it two weeks
is acceptable only when the plan's own objective says it is clearly cheaper.

**Already due.** A free (not frozen) lot of the previous plan is *already due* when its due
time is at or before the end the previous plan gave it (it was late already) or before the
end of tonight's frozen window (``now + frozen_hours``: it falls due before anything not
yet on the floor could be started). A lot that does not come back in the new plan under its
code (its need went, or it was merged) is not pushed: the diff lists it as removed.

**Pushed.** The new plan ends it (its last step) more than ``guards.later_hours`` after the
end the previous plan gave it. The end, not the lateness: tonight's lot that takes the code
may answer a need dated a little differently, and a due time that moved is not a push (the
diff's ``made_later`` lists lateness growth, whatever its cause).

**Holding.** Each pushed lot is *held*: the planner gets it as a fixed lot at exactly its
previous slot (lines, times, quantity), which is the tightest form of "end no later than
previous end + ``later_hours``" and needs no new capability in the scheduling library: fixed
lots are what the frozen window already passes, the previous plan had them there without
collisions, and every search phase (heuristic, greedy, sequences, LNS, CP-SAT) already
respects fixed operations. The price of that choice: a held lot may not move *earlier*
either, so the held plan's objective is an upper bound on the best capped plan's, which
leans the comparison towards pushing, never away from it. Holding can push *other* due
lots, so it repeats for the newly pushed ones, at most :data:`MAX_HOLD_ROUNDS` solves.

**Unless cheaper.** Both plans are priced by the same objective (lateness, changeovers,
overtime, holding, moves off the last plan and demand left unserved, on the same demand and
start), solved with the same solver settings and budget (deterministic in the nightly run).
The held plan is kept unless the unguarded one's objective is lower by more than
``guards.later_margin_share`` of the held one's: a margin above the search's own noise,
so a push is kept only when it pays clearly. The verdict, with both objectives and the
saving, rides into the diff, where each pushed lot shows the saving that justified it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from c2m.config import Guards
from c2m.errors import C2MError
from c2m.planning.inputs import PlanningInputs
from c2m.planning.plan_result import PlanResult
from c2m.planning.stored import StoredLot
from c2m.progress import Say, silent
from c2m.replan.frozen import restore_frozen

# Each round is one more solve of the whole plan; two cover the common case of holding a
# lot pushing its neighbour, and keep a night within twice or three times one solve's work.
MAX_HOLD_ROUNDS = 2


@dataclass(frozen=True)
class DueVerdict:
    """What the guard decided, for the diff, the run record and ``--json``.

    ``decision``: ``none`` (no due lot was pushed), ``held`` (the plan that holds them is
    published), ``pushed`` (the unguarded plan is clearly cheaper and is published) or
    ``unheld`` (holding them gave no plan, or there was no time left: the unguarded plan is
    published and ``reason`` says why). Objectives are the plans' own, in CNY.
    """

    decision: str = "none"
    pushed: tuple[str, ...] = ()  # due lots the published plan pushes beyond the threshold
    held: tuple[str, ...] = ()
    objective_pushed: float | None = None
    objective_held: float | None = None
    margin: float | None = None
    reason: str = ""
    solves: int = 0

    @property
    def saving(self) -> float | None:
        """What pushing saves against holding (CNY; negative: holding is cheaper)."""
        if self.objective_pushed is None or self.objective_held is None:
            return None
        return round(self.objective_held - self.objective_pushed, 2)

    def as_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["pushed"], data["held"] = list(self.pushed), list(self.held)
        data["saving"] = self.saving
        return data


@dataclass
class Guarded:
    """The plan to publish and why."""

    result: PlanResult
    verdict: DueVerdict = field(default_factory=DueVerdict)


def due_lots(
    live: Iterable[StoredLot], frozen_codes: set[str], until: dt.datetime
) -> dict[str, StoredLot]:
    """The previous plan's free lots that are already due (see the module docstring)."""
    out = {}
    for lot in live:
        end = lot.end
        if lot.code in frozen_codes or end is None:
            continue
        if lot.due <= end or lot.due < until:
            out[lot.code] = lot
    return out


def pushed_codes(due: dict[str, StoredLot], result: PlanResult, later_hours: float) -> list[str]:
    """Codes of the due lots that ``result`` ends more than ``later_hours`` later."""
    limit = dt.timedelta(hours=later_hours)
    out = []
    for lot in result.lots:
        before = due.get(lot.code)
        if before is None or lot.end is None or before.end is None:
            continue
        if lot.end - before.end > limit:
            out.append(lot.code)
    return sorted(out)


def holding(inputs: PlanningInputs, lots: Iterable[StoredLot]) -> PlanningInputs:
    """The planner's inputs with ``lots`` fixed at their previous slots (as frozen lots)."""
    lots = list(lots)
    codes = {lot.code for lot in lots}
    return dataclasses.replace(
        inputs,
        frozen_lots=[*inputs.frozen_lots, *(lot.as_frozen() for lot in lots)],
        previous={k: v for k, v in inputs.previous.items() if k[0] not in codes},
        previous_lots=[p for p in inputs.previous_lots if p.code not in codes],
    )


def guard(
    result: PlanResult,
    due: dict[str, StoredLot],
    inputs: PlanningInputs,
    guards: Guards,
    solve: Callable[[PlanningInputs], PlanResult | None],
    say: Say = silent,
) -> Guarded:
    """Hold the due lots ``result`` pushes, and publish the held plan unless pushing is
    clearly cheaper. ``solve`` plans the given inputs with the night's solver settings, or
    returns None when no time is left for another solve."""
    pushed = pushed_codes(due, result, guards.later_hours)
    if not pushed:
        return Guarded(result)
    best: PlanResult | None = None
    best_held: list[str] = []  # the lots ``best`` holds
    still: list[str] = []  # due lots ``best`` pushes in turn
    held, current, solves, reason = [], pushed, 0, ""
    for _ in range(MAX_HOLD_ROUNDS):
        held = sorted({*held, *current})
        say(f"holding {len(held)} due lot(s) the plan pushed: {', '.join(held[:5])}")
        try:
            attempt = solve(holding(inputs, (due[c] for c in held)))
        except C2MError as exc:
            reason = f"holding them gave no plan ({exc})"
            break
        if attempt is None:
            reason = "no time was left to plan holding them"
            break
        solves += 1
        restore_frozen(attempt, (due[c] for c in held))
        best, best_held = attempt, held
        current = [c for c in pushed_codes(due, attempt, guards.later_hours) if c not in held]
        still = current
        if not current:
            break
    base = DueVerdict(pushed=tuple(pushed), objective_pushed=result.objective, solves=solves)
    if best is None:
        return Guarded(result, dataclasses.replace(base, decision="unheld", reason=reason))
    return choose(result, best, base, best_held, still, guards.later_margin_share)


def choose(
    pushed: PlanResult,
    held: PlanResult,
    base: DueVerdict,
    codes: list[str],
    still: list[str],
    share: float,
) -> Guarded:
    """The held plan, unless the pushing one's objective is lower by more than the margin.

    ``codes``: the lots held; ``still``: due lots the held plan pushes in turn (the rounds
    ran out), which the published held plan then pushes."""
    held_obj, pushed_obj = held.objective, pushed.objective
    keep = dataclasses.replace(base, decision="held", held=tuple(codes), pushed=tuple(still))
    if held_obj is None or pushed_obj is None:  # no objective to compare: keep the promise
        return Guarded(held, keep)
    margin = round(share * abs(held_obj), 2)
    if pushed_obj < held_obj - margin:
        reason = (
            f"pushing saves {held_obj - pushed_obj:,.2f} CNY of objective against holding "
            f"the due lots, more than the margin of {margin:,.2f}"
        )
        verdict = dataclasses.replace(
            base,
            decision="pushed",
            held=tuple(codes),
            objective_held=held_obj,
            margin=margin,
            reason=reason,
        )
        return Guarded(pushed, verdict)
    reason = (
        f"holding costs {held_obj - pushed_obj:,.2f} CNY of objective, within the margin "
        f"of {margin:,.2f}"
        if held_obj > pushed_obj
        else f"holding is {pushed_obj - held_obj:,.2f} CNY cheaper than pushing"
    )
    verdict = dataclasses.replace(keep, objective_held=held_obj, margin=margin, reason=reason)
    return Guarded(held, verdict)
