"""What changed between the previous plan and the new one, lot by lot.

Lots are matched by their stable ``code`` (the planner gives a lot the same code in every
plan as long as it is the same SKU/style need), so "moved" means the same lot went to
another line or another time, and "added"/"removed" mean the need itself appeared or went.
A planner reading the morning report wants exactly these counts; ``inside_frozen`` must be
zero — anything else means the floor was told to change what it is already doing.

``made_later`` counts the lots whose lateness grew by more than a threshold (the config's
``guards.later_hours``), and ``later`` lists each of them with its old and new line and sewing
start, its lateness before and after and what the added lateness costs (units x days x
``costs.lateness_per_unit_day``), so a planner sees why a due lot moved, not only that it did.

``turned_late`` counts lots that were on time in the previous plan and are late in the new
one (a new lot that is late was never on time; the plan's KPIs count all late lots).
Shifts are measured on the sewing start (what a line leader plans the day around);
``mean_shift_hours`` and ``max_shift_hours`` are over the lots that moved in time (0 when none
did), so they answer "when a lot moved, by how much".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from c2m.planning.stored import StoredLot
from c2m.replan.due_guard import DueVerdict

# Moves shorter than this are rounding of the minute grid, not a change anyone would act on.
MIN_SHIFT_MINUTES = 1


@dataclass
class PlanChanges:
    added: int = 0
    removed: int = 0
    moved_line: int = 0
    moved_time: int = 0
    qty_changed: int = 0
    inside_frozen: int = 0
    mean_shift_hours: float = 0.0
    max_shift_hours: float = 0.0
    extra_changeovers: int = 0
    turned_late: int = 0
    unchanged: int = 0
    completed: int = 0  # lots of the previous plan finished before ``now``: done, not removed
    made_later: int = 0
    held_due: int = 0  # already-due lots the due-lot guard kept at their previous slot
    lots: dict[str, list[str]] = field(default_factory=dict)
    later: list[dict[str, Any]] = field(default_factory=list)
    due_guard: dict[str, Any] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.added + self.removed + self.moved_line + self.moved_time + self.qty_changed

    def counts(self) -> dict[str, float | int]:
        """The figures without the lot lists: what the run log and ``--json`` carry."""
        data = asdict(self)
        data.pop("lots")
        data.pop("later")
        data.pop("due_guard")
        return data

    def as_json(self) -> dict:
        """The figures and the lot lists: what the run's row in ``replan_run`` keeps."""
        return asdict(self)


def _changeovers(lots: Iterable[StoredLot]) -> int:
    return sum(1 for lot in lots for op in lot.ops if op.setup_minutes > 0)


def diff_plans(
    old: Iterable[StoredLot],
    new: Iterable[StoredLot],
    line_ids: Iterable[str],
    frozen_codes: Iterable[str] = (),
    sample: int = 20,
    later_hours: float | None = None,
    lateness_per_unit_day: float = 0.0,
) -> PlanChanges:
    """Compare two plans' lots; ``frozen_codes``: lots the new plan was told to keep.

    ``line_ids`` are the configured sewing lines: a lot's line and sewing start are read on
    them (:meth:`StoredLot.sewing_line`). ``sample`` caps each list of lot codes kept for
    the report (the counts are always full). With ``later_hours``, every lot whose lateness
    grew by more than that is listed in ``later`` (all of them: each is a promise broken), its
    added lateness priced at ``lateness_per_unit_day``.
    """
    old_by = {lot.code: lot for lot in old}
    new_by = {lot.code: lot for lot in new}
    frozen = set(frozen_codes)
    lines = set(line_ids)
    lists: dict[str, list[str]] = {
        k: []
        for k in (
            "added",
            "removed",
            "moved_line",
            "moved_time",
            "qty_changed",
            "inside_frozen",
            "turned_late",
        )
    }
    changes = PlanChanges()
    shifts: list[float] = []
    for code in sorted(new_by.keys() - old_by.keys()):
        lists["added"].append(code)
    for code in sorted(old_by.keys() - new_by.keys()):
        lists["removed"].append(code)
        if code in frozen:
            lists["inside_frozen"].append(code)
    for code in sorted(old_by.keys() & new_by.keys()):
        before, after = old_by[code], new_by[code]
        changed = False
        if before.sewing_line(lines) != after.sewing_line(lines):
            lists["moved_line"].append(code)
            changed = True
        shift = _shift_minutes(before, after, lines)
        if shift is not None and abs(shift) >= MIN_SHIFT_MINUTES:
            lists["moved_time"].append(code)
            shifts.append(abs(shift) / 60)
            changed = True
        if before.quantity != after.quantity or (
            before.items and after.items and before.items != after.items
        ):
            lists["qty_changed"].append(code)
            changed = True
        if changed and code in frozen:
            lists["inside_frozen"].append(code)
        if not changed:
            changes.unchanged += 1
        if after.late_minutes > 0 and before.late_minutes <= 0:
            lists["turned_late"].append(code)
        grew = after.late_minutes - before.late_minutes
        if later_hours is not None and grew > later_hours * 60:
            changes.later.append(_made_later(before, after, lines, grew, lateness_per_unit_day))
    for name, codes in lists.items():
        setattr(changes, name, len(codes))
    changes.mean_shift_hours = round(sum(shifts) / len(shifts), 3) if shifts else 0.0
    changes.max_shift_hours = round(max(shifts), 3) if shifts else 0.0
    changes.extra_changeovers = _changeovers(new_by.values()) - _changeovers(old_by.values())
    changes.lots = {name: codes[:sample] for name, codes in lists.items() if codes}
    changes.made_later = len(changes.later)
    return changes


def _made_later(
    before: StoredLot, after: StoredLot, lines: set[str], grew: int, per_unit_day: float
) -> dict[str, Any]:
    """One lot made later: where it was and is, and what its added lateness costs."""

    def slot(lot: StoredLot) -> dict[str, Any]:
        start = lot.sewing_start(lines)
        return {
            "line": lot.sewing_line(lines),
            "sewing_start": start.isoformat(sep=" ") if start else None,
        }

    return {
        "lot": after.code,
        "quantity": after.quantity,
        "before": slot(before),
        "after": slot(after),
        "late_hours_before": round(before.late_minutes / 60, 1),
        "late_hours_after": round(after.late_minutes / 60, 1),
        "lateness_cost_added": round(after.quantity * grew / 1440 * per_unit_day, 2),
    }


def _shift_minutes(before: StoredLot, after: StoredLot, lines: set[str]) -> float | None:
    a, b = before.sewing_start(lines), after.sewing_start(lines)
    if a is None or b is None:
        return None
    return (b - a).total_seconds() / 60


def explain(changes: PlanChanges, verdict: DueVerdict | None) -> None:
    """Say, on each lot made later, why the published plan may do so (the due-lot guard's
    verdict, :mod:`c2m.replan.due_guard`): ``objective_saving`` is what the plan saved, in
    its own objective, against the plan that held the pushed due lots (None when no such
    plan was made), and ``why`` says it in words."""
    if verdict is None:
        return
    changes.due_guard = verdict.as_json()
    changes.held_due = len(verdict.held) if verdict.decision == "held" else 0
    pushed = set(verdict.pushed)
    for lot in changes.later:
        lot["objective_saving"] = None
        if lot["lot"] not in pushed:
            lot["why"] = (
                "not a due lot pushed: the guard holds only already-due lots that end more "
                "than later_hours later (this one was not due, or its due time moved)"
            )
        elif verdict.decision == "pushed":
            lot["objective_saving"] = verdict.saving
            lot["why"] = verdict.reason
        elif verdict.decision == "held":
            lot["why"] = "pushed by the due lots held at their slots (the guard's rounds ran out)"
        else:
            lot["why"] = verdict.reason
