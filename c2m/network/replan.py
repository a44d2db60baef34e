"""``c2m replan --network FILE``: every workshop's night, under one lock, published per workshop.

Each workshop's night is the single factory's (:class:`c2m.replan.nightly.NightlyReplan`,
step by step: its record in ``c2m runs``, its current plan and frozen window, its fingerprint,
the due-lot guard, the diff, the guards and the publishing transaction); what the network adds
is the order of the steps across workshops:

1. the replan lock is taken ONCE for the network (a second replan, network or not, is refused
   with exit 75), and one ``replan_run`` row is opened per workshop;
2. each workshop reads its current plan and splits its floor (frozen, finished, live);
3. when every workshop's inputs are those that made its current plan, each republishes its
   plan as is (the single factory's rule; the fingerprint covers the whole network file);
4. otherwise the network forecasts once, the allocation assigns the style runs
   (:mod:`c2m.network.allocation`) with every run that has lots on a workshop's floor pinned
   to that workshop, and each workshop's solve (with its due-lot guard) is a task on the
   Dask engine (:mod:`c2m.network.engine`), as ``c2m plan --network``'s are;
5. each workshop publishes in its own transaction (its plan and lots in or out as a whole);
   a workshop whose task failed, or whose plan a guard refused, keeps its previous plan, its
   row says why, and the others publish: the night's exit code is then 2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine

from c2m.config import FactoryConfig, Guards
from c2m.db import session_scope
from c2m.errors import C2MError, ExitCode, sigterm_as_interrupt
from c2m.models import Plan
from c2m.network.allocation import Allocation, LoadBoundsUnmet, allocate
from c2m.network.config import Network, load_network
from c2m.network.engine import EngineOptions, run_tasks
from c2m.network.facts import night_token, plan_facts
from c2m.network.plan import ALLOCATION_WORK, unplaced_service
from c2m.network.runs import Run, make_runs, workshop_inputs
from c2m.planning.db_inputs import load_inputs
from c2m.planning.inputs import PlanningInputs, PlanOptions
from c2m.planning.planner import make_plan
from c2m.planning.stored import StoredLot
from c2m.planning.unknown import skipped_message
from c2m.progress import Say, silent
from c2m.replan import due_guard
from c2m.replan.budget import solver_budget
from c2m.replan.forecast import ForecastInput
from c2m.replan.frozen import FloorState, FrozenWindow, restore_frozen
from c2m.replan.lock import lock_for
from c2m.replan.nightly import NightlyReplan, TonightsInputs
from c2m.replan.outcome import ReplanOptions, ReplanOutcome
from c2m.replan.runs import last_finished


class WorkshopFailed(C2MError):
    """A workshop's solve failed on every try: its previous plan stays current."""

    exit_code = ExitCode.FAILED


@dataclass
class NetworkReplanOutcome:
    """The network's night: each workshop's outcome (as ``c2m replan`` gives one), the
    allocation, and the network's own phases."""

    network: str
    now: dt.datetime
    mode: str
    night: str
    nights: dict[str, ReplanOutcome]
    allocation: Allocation | None = None
    phases: dict[str, float] = field(default_factory=dict)
    engine: str = "serial"
    workers: int = 1

    @property
    def failures(self) -> dict[str, str]:
        return {n: o.message for n, o in self.nights.items() if o.exit_code != ExitCode.OK}

    @property
    def exit_code(self) -> int:
        """0 when every workshop published, 2 when some kept their previous plan."""
        return int(ExitCode.PARTIAL) if self.failures else int(ExitCode.OK)

    def as_json(self) -> dict[str, Any]:
        a = self.allocation
        return {
            "network": self.network,
            "now": self.now,
            "mode": self.mode,
            "night": self.night,
            "exit_code": self.exit_code,
            "workshops": [o.as_json() for o in self.nights.values()],
            "allocation": None
            if a is None
            else {
                "status": a.status,
                "objective": round(a.objective, 2),
                "bound": round(a.bound, 2),
                "gap": a.gap,
                "runs": len(a.runs),
                "unserved_runs": len(a.runs_of(None)),
            },
            "engine": self.engine,
            "workers": self.workers,
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
        }


def replan_network(
    engine: Engine,
    network: Network,
    options: ReplanOptions,
    cluster: EngineOptions | None = None,
    say: Say = silent,
    work: float = ALLOCATION_WORK,
    task: Callable[..., due_guard.Guarded] | None = None,
) -> NetworkReplanOutcome:
    """Run the network's night; raises :class:`C2MError` (after recording every workshop's
    run) when the night as a whole fails (busy lock, no forecast, no allocation). ``task``:
    the per-workshop solve (default :func:`plan_workshop_night`; tests pass one that fails)."""
    with sigterm_as_interrupt():
        night = NetworkNight(engine, network, options, cluster, say, work)
        return night.run(task or plan_workshop_night)


def plan_workshop_night(
    inputs: PlanningInputs,
    cfg: FactoryConfig,
    options: PlanOptions,
    due: dict[str, StoredLot],
    frozen: list[StoredLot],
    guards: Guards,
    resolve: bool,
) -> due_guard.Guarded:
    """One workshop's solve as a Dask task (plain data in and out): plan, hold the due lots
    the plan pushes unless pushing is clearly cheaper (:mod:`c2m.replan.due_guard`, each
    extra solve on the same budget; none under a ``--deadline``: ``resolve`` False), and put
    the frozen lots' stored operations back."""

    def again(held: PlanningInputs) -> Any:
        return make_plan(held, cfg, options) if resolve else None

    guarded = due_guard.guard(make_plan(inputs, cfg, options), due, inputs, guards, again)
    restore_frozen(guarded.result, frozen)
    return guarded


def network_digest(network: Network) -> str:
    """What the allocation depends on in the network file (workshops, their configs and
    terms): in every workshop's fingerprint, so a change anywhere re-plans every workshop."""
    shops = [
        {
            "name": w.name,
            "categories": sorted(w.categories),
            "transfer": [w.transfer_days, w.transfer_cost_per_unit],
            "load": [w.min_weekly_minutes, w.max_weekly_minutes],
            "config": w.cfg.model_dump_json(),
        }
        for w in network.workshops
    ]
    text = json.dumps({"name": network.name, "workshops": shops}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def pinned_runs(runs: list[Run], frozen: Mapping[str, list[StoredLot]]) -> dict[str, str]:
    """Run key -> the workshop with its lots on the floor (the most frozen units, first in the
    network's order on a tie), so the allocation keeps started work where it is."""
    run_of = {sku: run.key for run in runs for sku in run.skus}
    units: dict[str, dict[str, int]] = {}
    for name, lots in frozen.items():
        for lot in lots:
            for sku, qty in lot.items.items():
                if sku in run_of:
                    shops = units.setdefault(run_of[sku], {})
                    shops[name] = shops.get(name, 0) + qty
    order = list(frozen)
    return {
        key: max(shops, key=lambda n: (shops[n], -order.index(n))) for key, shops in units.items()
    }


class NetworkNight:
    """One network night: a :class:`NightlyReplan` per workshop, driven step by step."""

    def __init__(
        self,
        engine: Engine,
        network: Network,
        options: ReplanOptions,
        cluster: EngineOptions | None,
        say: Say,
        work: float,
    ) -> None:
        self.engine, self.network, self.options = engine, network, options
        self.cluster, self.say, self.work = cluster, say, work
        settings = {"network": network_digest(network)}
        # one lock for every workshop: the network's night releases it, once, at its end
        self.lock = lock_for(engine)
        self.nights = {
            shop.name: NightlyReplan(
                engine, shop.cfg, options, say, shop.name, lock=self.lock, settings=settings
            )
            for shop in network.workshops
        }
        first = self.lead = self.nights[network.lead.name]
        self.result = NetworkReplanOutcome(
            network.name,
            first.now,
            options.mode,
            night_token(first.now),
            {n: night.outcome for n, night in self.nights.items()},
        )

    def run(self, task: Callable[..., due_guard.Guarded]) -> NetworkReplanOutcome:
        """Lock, records, the night; every workshop's record is completed however it ends."""
        self.lead.take_lock()  # busy: recorded as refused, LockBusy (exit 75)
        try:
            for i, night in enumerate(self.nights.values()):
                night.open_record(mark_dead=i == 0)
            self.night(task)
        except BaseException as exc:
            for night in self.running():
                night.note_failure(exc)
            raise
        finally:
            for night in self.nights.values():
                night.close_record()
            self.lock.release()
        return self.result

    def running(self) -> list[NightlyReplan]:
        return [n for n in self.nights.values() if n.outcome.status == "running"]

    def step(self, night: NightlyReplan, fn: Callable[[], Any]) -> None:
        """One workshop's publishing step; its error ends that workshop's night (recorded),
        not the others'. Done: the workshop's night succeeded."""
        try:
            fn()
        except C2MError as exc:
            night.note_failure(exc)
            self.say(f"workshop {night.workshop}: {exc}")
            return
        night.outcome.exit_code = int(ExitCode.OK)

    def night(self, task: Callable[..., due_guard.Guarded]) -> None:
        """Read every floor; republish all, or forecast, allocate, solve and publish."""
        t0 = time.perf_counter()
        inputs = {
            n: night.phases.run("inputs", night.read_inputs) for n, night in self.nights.items()
        }
        floors = {n: self.nights[n].split_floor(inputs[n]) for n in self.nights}
        self.result.phases["inputs"] = time.perf_counter() - t0
        if all(self.unchanged(night, inputs[n]) for n, night in self.nights.items()):
            for n, night in self.nights.items():
                if inputs[n].plan_id is None:  # idle last night, on these same inputs
                    self.retire(night, None)
                    continue
                night.network_kpis = {"night": self.result.night}
                self.step(night, lambda: night.republish(inputs[n], floors[n]))  # noqa: B023
            return
        lead, t0 = self.lead, time.perf_counter()
        forecast = lead.phases.run("forecast", lambda: lead.forecast(inputs[lead.workshop]))
        t1 = time.perf_counter()
        base, allocation = self.allocate(forecast, floors)
        t2 = time.perf_counter()
        tasks = self.tasks(base, allocation, inputs, floors)
        outcome = run_tasks(task, tasks, self.cluster or EngineOptions(), self.say)
        t3 = time.perf_counter()
        self.result.engine, self.result.workers = outcome.engine, outcome.workers
        unplaced = self.unplaced(base, allocation)
        for name, night in self.nights.items():
            if name in outcome.failures:
                failed = WorkshopFailed(
                    f"its plan failed ({outcome.failures[name]}); its previous plan stays current"
                )
                night.note_failure(failed)
                self.say(f"workshop {name}: {failed}")
            elif name in outcome.results:
                self.publish(night, outcome.results[name], forecast, floors[name], base, unplaced)
        self.result.phases |= {
            "forecast": t1 - t0,
            "allocate": t2 - t1,
            "schedule": t3 - t2,
            "publish": time.perf_counter() - t3,
        }

    def unchanged(self, night: NightlyReplan, inputs: TonightsInputs) -> bool:
        """Whether the workshop's current plan was made from tonight's inputs, or, with no
        current plan, its last night was idle on these same inputs (its work went elsewhere):
        a workshop left idle must not make every later night re-plan the whole network."""
        if night.reuse_check(inputs):
            return True
        if inputs.plan_id is not None or not self.options.reuse_unchanged:
            return False
        last = last_finished(self.engine, self.options.mode, night.workshop)
        return last is not None and last.status == "idle" and last.fingerprint == inputs.digest

    def allocate(
        self, forecast: ForecastInput, floors: dict[str, FloorState]
    ) -> tuple[PlanningInputs, Allocation]:
        """The network's inputs and tonight's allocation, runs on a floor pinned there."""
        opts, now = self.options, self.lead.now
        with session_scope(self.engine) as session:
            base = load_inputs(session, forecast.frame)
        runs = make_runs(base, self.network, opts.mode, now.date(), opts.horizon_days)
        pins = pinned_runs(runs, {n: floor.frozen for n, floor in floors.items()})
        allocation = self.assign(runs, pins)
        self.result.allocation = allocation
        self.say(
            f"allocated {len(runs)} style runs to {len(self.network.workshops)} workshops "
            f"({allocation.status}, gap {allocation.gap}), {len(pins)} kept where they are "
            "on the floor"
        )
        return base, allocation

    def assign(self, runs: list[Run], pins: dict[str, str]) -> Allocation:
        """The allocation with the runs on a floor pinned; when the minimum loads cannot be
        met with them (nobody watches the night: the minimums are the group's wish, the
        floors are facts), allocated without the minimums, and every workshop's run says so."""
        day, horizon = self.lead.now.date(), self.options.horizon_days
        try:
            return allocate(runs, self.network, day, horizon, self.work, pins)
        except LoadBoundsUnmet:
            warning = (
                "no allocation met every workshop's min_weekly_minutes with tonight's demand "
                "and the work kept on the floors: allocated without the minimums"
            )
            self.say(f"warning: {warning}")
            for night in self.running():
                night.outcome.warnings.append(warning)
        shops = tuple(
            dataclasses.replace(w, min_weekly_minutes=0.0) for w in self.network.workshops
        )
        relaxed = dataclasses.replace(self.network, workshops=shops)
        return allocate(runs, relaxed, day, horizon, self.work, pins)

    def tasks(
        self,
        base: PlanningInputs,
        allocation: Allocation,
        inputs: dict[str, TonightsInputs],
        floors: dict[str, FloorState],
    ) -> dict[str, tuple]:
        """One solve per workshop that still runs and has work (allocated, or on its floor)."""
        tasks: dict[str, tuple] = {}
        for night in self.running():
            name, floor = night.workshop, floors[night.workshop]
            skus = allocation.skus_of(name)
            on_floor = {sku for lot in floor.frozen for sku in lot.items}
            if not skus and not on_floor:
                self.retire(night, inputs[name].plan_id)
                continue
            cut = workshop_inputs(base, skus, catalogue=on_floor)
            shop_inputs = night.on_the_floor(cut, inputs[name], floor)
            budget = solver_budget(
                night.time_limit, self.options.deadline_minutes, night.phases.elapsed
            )
            until = FrozenWindow.of(night.now, night.frozen_hours).until
            due = due_guard.due_lots(floor.live, floor.frozen_codes, until)
            resolve = self.options.deadline_minutes is None
            options = night.plan_options(budget)
            cfg = self.network.workshop(name).cfg
            tasks[name] = (shop_inputs, cfg, options, due, floor.frozen, cfg.guards, resolve)
        return tasks

    def retire(self, night: NightlyReplan, plan_id: int | None) -> None:
        """A workshop given no work tonight, with nothing on its floor: its current plan's
        lots went to other workshops, so that plan stops being current (the floor must not
        sew them twice); nothing new is published for it."""
        outcome = night.outcome
        outcome.status, outcome.exit_code = "idle", int(ExitCode.OK)
        outcome.message = "no work allocated tonight"
        if plan_id is None:
            return
        with session_scope(self.engine) as session:
            session.execute(update(Plan).where(Plan.id == plan_id).values(is_current=False))
        outcome.message += f"; its plan {plan_id} is no longer current"

    def unplaced(self, base: PlanningInputs, allocation: Allocation) -> tuple[float, float]:
        """Units due tonight of the SKUs no workshop plans, and how many stock serves."""
        placed = set().union(*(allocation.skus_of(w.name) for w in self.network.workshops))
        now, horizon = self.lead.now, self.options.horizon_days
        return unplaced_service(base, set(base.skus) - placed, now, horizon)

    def publish(
        self,
        night: NightlyReplan,
        guarded: due_guard.Guarded,
        forecast: ForecastInput,
        floor: FloorState,
        base: PlanningInputs,
        unplaced: tuple[float, float],
    ) -> None:
        """The workshop's plan in its own transaction (the single factory's publish step)."""
        name, result = night.workshop, guarded.result
        night.outcome.due_guard = guarded.verdict
        if result.skipped_skus:
            night.outcome.warnings.append(skipped_message(result.skipped_skus))
        cfg = self.network.workshop(name).cfg
        allocation = self.result.allocation
        night.network_kpis = plan_facts(
            self.network.name, self.result.night, name, allocation, result, base, cfg, unplaced
        )
        self.step(night, lambda: night.publish_new(result, forecast, floor))


def replan_network_file(
    engine: Engine,
    path: str | Path,
    options: ReplanOptions,
    cluster: EngineOptions | None = None,
    say: Say = silent,
) -> NetworkReplanOutcome:
    """``c2m replan --network FILE``: read the network file (exit 65 naming its keys when it
    is wrong, before the lock is taken), then run the night."""
    return replan_network(engine, load_network(path), options, cluster, say)
