"""The factory floor executing a plan, one day at a time, with what a real floor adds.

A plan is a promise; the floor keeps it only roughly. Each day every resource (sewing line,
cutting table, finishing station) works through its operations in the plan's order, in
steps of :data:`STEP` minutes inside the shift windows (and the overtime window on days the
plan booked overtime on that resource). What differs from the plan:

- **efficiency noise**: a line's output on a day is its planned output times a seeded
  log-normal factor (absences, machine stops, a bad fabric batch);
- **absent operators**: occasionally a line works a day with one operator fewer;
- **learning curve in the ACTUAL sequence**: when a line starts a style it did not just sew,
  it pays the changeover (:func:`c2m.planning.timing.changeover_minutes`) and its efficiency
  restarts from ``learning.start_efficiency`` and climbs as ``1 - (1 - s0) exp(-k t)`` over
  the working days ``t`` spent on that style. The planner charges an estimate of this; the
  floor pays what the real order of lots costs;
- **late fabric**: a lot cannot be cut before its fabric is physically in the store; a late
  delivery (:class:`~c2m.simulation.disturbances.Disturbances`) holds the cut, and the
  cutting table moves on to the next lot of the plan whose fabric is there.

A resource works from the day's list: the operations the plan puts on it today (or earlier,
when the floor runs late), in the plan's order. It never pulls work from a later day (the plan
may delay a lot on purpose, to hold less stock), and takes the first operation of its list
that can start: the predecessor step is done (plus the transfer time) and, for cutting, the
fabric is there. Inside the day the line leader does not wait for the planned minute, and a
resource with nothing startable on its list works ahead on pieces already cut.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from c2m.config import FactoryConfig
from c2m.planning.build import sam_of
from c2m.planning.inputs import STEPS, FrozenLot, FrozenOp, StyleInfo
from c2m.planning.scheduled import ScheduledLot
from c2m.planning.timing import (
    SetupClass,
    changeover_minutes,
    day_minutes,
    learning_rate,
    sew_minutes,
    station_minutes,
)
from c2m.planning.working_time import working_calendar

STEP = 10  # minutes per simulation step: fine against lots of hours, cheap in Python
# Progressive bundle system: a step may start once this many units of the step before are done
# (bundles of 20-30 pieces travel from cutting to the line and on to finishing), and never
# runs ahead of it. Without it a 5,000-piece lot would ship nothing until all of it is sewn.
BUNDLE = 30


@dataclass
class StepState:
    """One step of a lot on the floor. ``work`` is nominal minutes at planned steady pace."""

    step: str
    resource: str
    planned_start: dt.datetime
    planned_end: dt.datetime
    work: float
    done_work: float = 0.0
    setup_left: float | None = None  # None: not started (setup decided when it starts)
    started: dt.datetime | None = None
    finished: dt.datetime | None = None
    setup_minutes: float = 0.0

    @property
    def remaining(self) -> float:
        return max(self.work - self.done_work, 0.0) + (self.setup_left or 0.0)


@dataclass
class FloorLot:
    code: str
    style: str
    colour: str | None
    items: dict[str, int]
    need_date: dt.date
    due: dt.datetime
    fabric: str | None
    fabric_quantity: float
    steps: dict[str, StepState] = field(default_factory=dict)
    released: dict[str, int] = field(default_factory=dict)  # SKU -> units finished so far

    @property
    def quantity(self) -> int:
        return sum(self.items.values())

    @property
    def unreleased(self) -> dict[str, int]:
        left = {s: q - self.released.get(s, 0) for s, q in self.items.items()}
        return {s: q for s, q in left.items() if q > 0}

    @property
    def started(self) -> bool:
        return any(s.started is not None for s in self.steps.values())

    @property
    def finished(self) -> dt.datetime | None:
        last = self.steps.get(STEPS[-1])
        return last.finished if last is not None else None


@dataclass
class LineState:
    """What a sewing line is set up for and how long it has sewn that style (minutes)."""

    cls: SetupClass | None = None
    style_minutes: float = 0.0


@dataclass
class DayResult:
    """What the floor did in one day."""

    finished: dict[str, int] = field(default_factory=dict)  # SKU -> units finished
    # need date of the lot -> units finished (what the units were made for)
    finished_for: dict[dt.date, int] = field(default_factory=dict)
    finished_lots: list[FloorLot] = field(default_factory=list)
    cut_lots: list[FloorLot] = field(default_factory=list)
    changeovers: int = 0
    changeover_minutes: float = 0.0
    learning_minutes: float = 0.0  # line time lost to the ramp-up of new styles
    busy_minutes: dict[str, float] = field(default_factory=dict)  # sewing lines
    regular_minutes: float = 0.0  # one line's regular working minutes that day
    overtime_minutes: float = 0.0  # line and station minutes worked in overtime
    fabric_waits: int = 0  # cut steps that could have started but for fabric


class Floor:
    """Lots on the floor (started or planned), the lines' set-ups and the fabric store."""

    def __init__(
        self,
        cfg: FactoryConfig,
        styles: Mapping[str, StyleInfo],
        sku_colour: Mapping[str, str],
        fabric_on_hand: Mapping[str, float],
    ) -> None:
        self.cfg = cfg
        self.styles = styles
        self.sku_colour = sku_colour
        self.fabric = dict(fabric_on_hand)
        self.lots: dict[str, FloorLot] = {}
        self.lines = {line.id: LineState() for line in cfg.lines}
        self.line_cfg = {line.id: line for line in cfg.lines}
        self._k = learning_rate(cfg.learning)
        self._day_min = day_minutes(cfg)

    # --- the plan in ------------------------------------------------------------------------

    def adopt(self, lots: list[ScheduledLot]) -> None:
        """Take tonight's plan: started lots keep their progress, the rest is replaced."""
        kept = {code: lot for code, lot in self.lots.items() if lot.started}
        fresh: dict[str, FloorLot] = {}
        for planned in lots:
            old = kept.pop(planned.code, None)
            fresh[planned.code] = self._merge(planned, old)
        for code, lot in kept.items():  # started but absent from the plan: never drop work
            fresh[code] = lot
        self.lots = fresh

    def _merge(self, planned: ScheduledLot, old: FloorLot | None) -> FloorLot:
        lot = old or FloorLot(
            code=planned.code,
            style=planned.style,
            colour=planned.colour,
            items=dict(planned.items),
            need_date=planned.need_date,
            due=planned.due,
            fabric=planned.fabric,
            fabric_quantity=float(planned.fabric_quantity),
        )
        for op in planned.ops:
            state = lot.steps.get(op.step)
            if state is not None and state.started is not None:
                continue  # the floor knows better than the plan where a started step is
            lot.steps[op.step] = StepState(
                step=op.step,
                resource=op.resource,
                planned_start=op.start,
                planned_end=op.end,
                work=self._work(lot, op.step, op.resource),
            )
        return lot

    def _work(self, lot: FloorLot, step: str, resource: str) -> float:
        qty = lot.quantity
        if step == "cut":
            c = self.cfg.cutting
            return station_minutes(c.minutes_per_lot, c.minutes_per_unit, qty)
        if step == "finish":
            f = self.cfg.finishing
            return station_minutes(f.minutes_per_lot, f.minutes_per_unit, qty)
        style = self.styles[lot.style]
        colours = len({self.sku_colour.get(s) for s in lot.items}) or 1
        return sew_minutes(sam_of(style, self.cfg), qty, self.line_cfg[resource], colours, self.cfg)

    # --- what the planner must keep ---------------------------------------------------------

    def started_lots(self, now: dt.datetime) -> list[FrozenLot]:
        """Lots on the floor as fixed lots: finished steps as they ran, running steps pinned
        on their resource until their projected end (remaining work at planned pace).

        With bundles, several steps of a lot run at once, and a resource may hold a step it
        paused for want of pieces: on each resource the running steps are queued one after
        the other (earliest started first), and a step ends no earlier than the step before
        it, so the pinned operations never overlap and the planner can always plan around.
        """
        cal = working_calendar(self.cfg.calendar, now, 90)
        running = [
            (s.started, lot.code, STEPS.index(step), lot, s)
            for lot in self.lots.values()
            if lot.started and lot.finished is None
            for step, s in lot.steps.items()
            if s.started is not None and s.finished is None
        ]
        free_at: dict[str, dt.datetime] = {}
        ends: dict[tuple[str, int], dt.datetime] = {}
        begins: dict[tuple[str, int], dt.datetime] = {}
        for _, code, k, _lot, s in sorted(running, key=lambda x: (x[0], x[1], x[2])):
            begin = max(now, free_at.get(s.resource, now))
            finish = _advance(cal, now, s.remaining, begin)
            after = ends.get((code, k - 1))
            if after is not None and after > finish:
                # waits for the step before: it holds the resource only for its own work,
                # at the end (a station is not blocked for days by a paused lot)
                finish = after
                begin = max(begin, after - dt.timedelta(minutes=math.ceil(s.remaining)))
            ends[(code, k)] = finish
            begins[(code, k)] = begin
            free_at[s.resource] = finish
        out = []
        for lot in sorted(self.lots.values(), key=lambda x: x.code):
            if not lot.started or lot.finished is not None:
                continue
            ops = []
            for k, step in enumerate(STEPS):
                s = lot.steps.get(step)
                if s is None or s.started is None:
                    continue
                if s.finished is not None:
                    ops.append(FrozenOp(step, s.resource, s.started, s.finished, setup_minutes=0))
                    continue
                begin, finish = begins[(lot.code, k)], ends[(lot.code, k)]
                ops.append(FrozenOp(step, s.resource, begin, finish, setup_minutes=0))
            out.append(
                FrozenLot(
                    code=lot.code,
                    style=lot.style,
                    colour=lot.colour,
                    items=tuple(sorted(lot.unreleased.items())),
                    need_date=lot.need_date,
                    due=lot.due,
                    ops=tuple(ops),
                )
            )
        return out

    def line_state(self) -> dict[str, tuple[str, str | None]]:
        return {
            line: (state.cls.style, state.cls.colour)
            for line, state in self.lines.items()
            if state.cls is not None and state.cls.style is not None
        }

    def wip_units(self) -> int:
        return sum(sum(lot.unreleased.values()) for lot in self.lots.values() if lot.started)

    # --- one day ----------------------------------------------------------------------------

    def run_day(
        self,
        day: dt.date,
        efficiency: Mapping[str, float],
        absent: Mapping[str, int],
        arrivals: Mapping[str, float],
    ) -> DayResult:
        """Work ``day``; ``efficiency``/``absent`` per line, ``arrivals`` fabric that morning."""
        out = DayResult()
        for fabric, qty in arrivals.items():
            self.fabric[fabric] = self.fabric.get(fabric, 0.0) + qty
        midnight = dt.datetime.combine(day, dt.time())
        cal = working_calendar(self.cfg.calendar, midnight, 0)
        regular = [(a, b) for a, b in cal.windows if a < 1440]
        overtime = [(a, b) for a, b in cal.overtime if a < 1440]
        out.regular_minutes = float(sum(b - a for a, b in regular))
        if not regular:
            return out
        queues: dict[str, list[tuple[FloorLot, StepState]]] = {}
        for lot in self.lots.values():
            for s in lot.steps.values():
                if s.finished is None:
                    queues.setdefault(s.resource, []).append((lot, s))
        for q in queues.values():
            # running step first, then the plan's order
            q.sort(key=lambda x: (x[1].started is None, x[1].planned_start, x[0].code))
        ot_on = {r: _books_overtime(q, overtime, midnight) for r, q in queues.items()}
        current: dict[str, tuple[FloorLot, StepState] | None] = {
            r: next(((lot, s) for lot, s in q if s.started is not None), None)
            for r, q in queues.items()
        }
        rate = {
            line: efficiency.get(line, 1.0)
            * max(cfg.operators - absent.get(line, 0), 0)
            / cfg.operators
            for line, cfg in self.line_cfg.items()
        }
        lag = self.cfg.transfer_minutes
        steps = sorted(
            [(t, False) for a, b in regular for t in range(a, b, STEP)]
            + [(t, True) for a, b in overtime for t in range(a, b, STEP)]
        )
        for t, is_ot in steps:
            clock = midnight + dt.timedelta(minutes=t)
            for r, queue in queues.items():
                if is_ot and not ot_on[r]:
                    continue
                job = current.get(r)
                if job is None or not self._has_work(*job, clock, lag):
                    job = self._pick(queue, clock, lag, out)
                    current[r] = job
                    if job is None:
                        continue
                    self._start(job, r, clock, out)
                lot, s = job
                self._work_step(lot, s, r, rate, out)
                if s.step == STEPS[-1]:
                    self._release(lot, s, out)
                if is_ot:
                    out.overtime_minutes += STEP
                if r in self.lines:
                    out.busy_minutes[r] = out.busy_minutes.get(r, 0.0) + STEP
                if s.remaining <= 1e-9:
                    s.finished = clock + dt.timedelta(minutes=STEP)
                    queue.remove(job)
                    current[r] = None
                    if s.step == STEPS[-1]:
                        out.finished_lots.append(lot)
        for lot in out.finished_lots:
            self.lots.pop(lot.code, None)
        return out

    def _pick(self, queue, clock: dt.datetime, lag: float, out: DayResult):
        tomorrow = dt.datetime.combine(clock.date() + dt.timedelta(days=1), dt.time())
        for lot, s in queue:
            if s.planned_start >= tomorrow:
                break  # the day's work list first
            if not self._has_work(lot, s, clock, lag):
                continue
            if s.started is None and self._short_of_fabric(lot, s):
                out.fabric_waits += 1
                continue
            return lot, s
        # nothing on today's list can start: an idle line sews (an idle station finishes)
        # pieces that are already cut, in the plan's order; cutting never runs ahead, as it
        # would pull fabric and make work in progress the plan chose to make later
        for lot, s in queue:
            if s.step != STEPS[0] and self._has_work(lot, s, clock, lag):
                return lot, s
        return None

    def _has_work(self, lot: FloorLot, s: StepState, clock: dt.datetime, lag: float) -> bool:
        """Whether pieces are there to work on: the step before is done (and has had its
        transfer time), or has passed a bundle and is ahead of this step."""
        k = STEPS.index(s.step)
        before = lot.steps.get(STEPS[k - 1]) if k > 0 else None
        if before is None:
            return True
        if before.finished is not None:
            return before.finished + dt.timedelta(minutes=lag) <= clock or s.started is not None
        if before.started is None or before.work <= 0:
            return False
        share = min(before.done_work / before.work, 1.0)
        if share * lot.quantity < min(BUNDLE, lot.quantity):
            return False
        return s.done_work < share * s.work - 1e-6

    def _cap(self, lot: FloorLot, s: StepState) -> float:
        """Most work this step may have done: as far as the step before has got."""
        k = STEPS.index(s.step)
        before = lot.steps.get(STEPS[k - 1]) if k > 0 else None
        if before is None or before.finished is not None or before.work <= 0:
            return s.work
        return min(before.done_work / before.work, 1.0) * s.work

    def _release(self, lot: FloorLot, s: StepState, out: DayResult) -> None:
        """Finished pieces go to stock as they leave finishing, split over the lot's SKUs."""
        total = lot.quantity
        done = total if s.remaining <= 1e-9 else int(total * min(s.done_work / s.work, 1.0))
        for sku, qty in lot.items.items():
            target = qty if done >= total else qty * done // total
            new = target - lot.released.get(sku, 0)
            if new > 0:
                lot.released[sku] = target
                out.finished[sku] = out.finished.get(sku, 0) + new
                out.finished_for[lot.need_date] = out.finished_for.get(lot.need_date, 0) + new

    def _short_of_fabric(self, lot: FloorLot, s: StepState) -> bool:
        if s.step != "cut" or not lot.fabric or lot.fabric not in self.fabric:
            return False
        return self.fabric[lot.fabric] + 1e-6 < lot.fabric_quantity

    def _start(self, job, resource: str, clock: dt.datetime, out: DayResult) -> None:
        lot, s = job
        if s.started is None:
            s.started = clock
            s.setup_left = 0.0
            if s.step == "cut":
                if lot.fabric and lot.fabric in self.fabric:
                    self.fabric[lot.fabric] -= lot.fabric_quantity
                out.cut_lots.append(lot)
        if resource not in self.lines:
            return
        line = self.lines[resource]
        new = SetupClass(lot.style, lot.colour, self.styles[lot.style].category)
        if line.cls is None:
            minutes = changeover_minutes(SetupClass(None, None, None), new, self.cfg)
        else:
            minutes = changeover_minutes(line.cls, new, self.cfg)
        if line.cls is None or line.cls.style != lot.style:
            line.style_minutes = 0.0  # a new style: the operators learn it again
        line.cls = new
        if minutes > 0:
            out.changeovers += 1
            out.changeover_minutes += minutes
        s.setup_left = (s.setup_left or 0.0) + float(minutes)
        s.setup_minutes += float(minutes)

    def _work_step(self, lot, s: StepState, resource: str, rate, out: DayResult) -> None:
        left = float(STEP)
        if s.setup_left:
            used = min(left, s.setup_left)
            s.setup_left -= used
            left -= used
        room = self._cap(lot, s) - s.done_work
        if left <= 0 or room <= 1e-9:
            return
        if resource in self.lines:
            line = self.lines[resource]
            ramp = self._learning(line.style_minutes)
            line.style_minutes += left
            out.learning_minutes += left * (1 - ramp)
            pace = rate[resource] * ramp
        else:
            pace = 1.0
        s.done_work += min(left * pace, room)

    def _learning(self, minutes_on_style: float) -> float:
        """Share of steady efficiency after ``minutes_on_style`` working minutes."""
        if math.isinf(self._k):
            return 1.0
        days = minutes_on_style / self._day_min
        s0 = self.cfg.learning.start_efficiency
        return 1 - (1 - s0) * math.exp(-self._k * days)


def _books_overtime(queue, overtime, midnight: dt.datetime) -> bool:
    """True when the plan put any of this resource's work into today's overtime window."""
    for _, s in queue:
        for a, b in overtime:
            lo = midnight + dt.timedelta(minutes=a)
            hi = midnight + dt.timedelta(minutes=b)
            if s.planned_start < hi and s.planned_end > lo:
                return True
    return False


def _advance(
    cal, now: dt.datetime, minutes: float, begin: dt.datetime | None = None
) -> dt.datetime:
    """The time ``minutes`` regular working minutes after ``begin`` (default ``now``) on
    ``cal``, a calendar whose minute 0 is ``now``."""
    left = max(math.ceil(minutes), 1)
    offset = int((begin - now).total_seconds() // 60) if begin is not None else 0
    for a, b in cal.windows:
        a = max(a, offset)
        if b <= a:
            continue
        span = b - a
        if left <= span:
            return now + dt.timedelta(minutes=a + left)
        left -= span
    return now + dt.timedelta(minutes=(cal.windows[-1][1] if cal.windows else 0) + left)
