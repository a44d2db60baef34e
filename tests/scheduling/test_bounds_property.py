"""Every lower bound stays at or below the optimum of small random problems that CP-SAT
proves optimal: each part against the optimum of its own term (setup minutes alone,
weighted tardiness alone, makespan alone), and the whole bound against the whole
objective, on small garment floors and on unrelated parallel machines with setups."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling import bounds
from scheduling.bounds import (
    capacity_makespan,
    capacity_tardiness,
    exact,
    lower_bound,
    setup_lower_bound,
)
from scheduling.bounds import lp as bound_lp
from scheduling.cpsat import CpSatModel
from scheduling.model import (
    Calendar,
    Job,
    Mode,
    Objective,
    Operation,
    Precedence,
    Problem,
    Resource,
)
from scheduling.validate import objective


def nested_setups(rng: random.Random, classes: int, family: int) -> tuple:
    """A class x class matrix with families of classes (cheap inside, dear across, plus a
    per-class ramp on entering a family) and, sometimes, arbitrary entries."""
    ramp = [rng.randint(0, 30) for _ in range(classes)]
    if rng.random() < 0.2:
        return tuple(
            tuple(0 if a == b else rng.randint(0, 40) for b in range(classes))
            for a in range(classes)
        )
    return tuple(
        tuple(
            0 if a == b else (rng.randint(1, 6) if a // family == b // family else 20 + ramp[b])
            for b in range(classes)
        )
        for a in range(classes)
    )


def random_floor(seed: int) -> Problem:
    """A small random floor: routings with lags, eligibility subsets, nested setups on some
    resources, initial classes or free starts, calendars with overtime, release and due."""
    rng = random.Random(seed)
    nr = rng.randint(1, 3)
    classes = rng.randint(1, 5)
    family = rng.randint(1, 3)
    cals = [Calendar()]
    if rng.random() < 0.6:
        period, length = rng.randint(40, 120), rng.randint(15, 40)
        wins = tuple((k * period, k * period + length) for k in range(300))
        ot = tuple((a + length, a + length + 8) for a, _ in wins) if period > length + 8 else ()
        cals.append(Calendar(windows=wins, overtime=ot if rng.random() < 0.5 else ()))
    res = tuple(
        Resource(
            f"r{r}",
            rng.choice(cals),
            initial_class=rng.randrange(classes) if rng.random() < 0.6 else None,
        )
        for r in range(nr)
    )
    shared = nested_setups(rng, classes, family)
    setups = tuple(
        (shared if rng.random() < 0.5 else nested_setups(rng, classes, family))
        if rng.random() < 0.8
        else None
        for _ in range(nr)
    )
    jobs, ops, precs = [], [], []
    for j in range(rng.randint(1, 5)):
        release = rng.choice((0, 0, rng.randint(0, 60)))
        due = release + rng.randint(0, 120)
        jobs.append(Job(f"j{j}", release=release, due=due, weight=rng.randint(0, 4)))
        for k in range(rng.randint(1, 2)):
            rs = rng.sample(range(nr), rng.randint(1, nr))
            if k:
                precs.append(Precedence(len(ops) - 1, len(ops), rng.choice((0, 5, 20))))
            modes = tuple(Mode(r, rng.randint(1, 30)) for r in rs)
            ops.append(Operation(j, modes, rng.randrange(classes)))
    return Problem(
        resources=res,
        jobs=tuple(jobs),
        operations=tuple(ops),
        precedences=tuple(precs),
        setups=setups,
        objective=Objective(
            tardiness=rng.randint(0, 3),
            setup=rng.randint(0, 3),
            overtime=rng.randint(0, 1),
            earliness=rng.randint(0, 1),
            makespan=rng.randint(0, 1),
        ),
    )


def random_upm(seed: int) -> Problem:
    """Unrelated parallel machines with a setup class per job (Vallada-Ruiz in small):
    eligibility subsets, initial classes or free starts, releases and due dates."""
    rng = random.Random(seed)
    nj, nm = rng.randint(2, 7), rng.randint(1, 3)
    res = [
        Resource(f"m{r}", initial_class=rng.choice((None, rng.randrange(nj)))) for r in range(nm)
    ]
    mats = [
        tuple(tuple(0 if a == b else rng.randint(1, 30) for b in range(nj)) for a in range(nj))
        for _ in range(nm)
    ]
    ops = [
        Operation(
            j,
            tuple(
                Mode(r, rng.randint(1, 30))
                for r in sorted(rng.sample(range(nm), rng.randint(1, nm)))
            ),
            setup_class=j,
        )
        for j in range(nj)
    ]
    jobs = [
        Job(
            release=rng.choice((0, 0, rng.randint(0, 30))),
            due=rng.randint(0, 60),
            weight=rng.randint(1, 3),
        )
        for _ in range(nj)
    ]
    return Problem(res, jobs, ops, setups=mats, objective=Objective(makespan=1))


def optimum(problem: Problem, weights: Objective) -> int | None:
    """The proven optimum of ``problem`` under ``weights`` (None: not proven in time)."""
    p = Problem(
        problem.resources,
        problem.jobs,
        problem.operations,
        problem.precedences,
        problem.setups,
        weights,
    )
    status, sol, *_ = CpSatModel(p).solve(5.0, 1, 0, deterministic=True)
    return objective(p, sol).total if status == "optimal" else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9), st.booleans())
def test_each_bound_is_at_most_its_own_optimum(seed, machines):
    p = random_upm(seed) if machines else random_floor(seed)
    best_makespan = optimum(p, Objective(makespan=1))
    if best_makespan is not None:
        assert capacity_makespan(p) <= best_makespan
    best_setup = optimum(p, Objective(setup=1))
    if best_setup is not None:
        assert setup_lower_bound(p) <= best_setup
    best_tardiness = optimum(p, Objective(tardiness=1))
    if best_tardiness is not None:
        assert capacity_tardiness(p) <= best_tardiness
        assert bound_lp.lp_tardiness(p, bounds.Capacity(p, None, None)) <= best_tardiness
        assert capacity_tardiness(p, exact_seconds=0.5) <= best_tardiness
        assert (
            lower_bound(
                Problem(p.resources, p.jobs, p.operations, p.precedences, p.setups, Objective(1))
            )
            <= best_tardiness
        )
    best = optimum(p, p.objective)
    if best is not None:
        assert lower_bound(p, exact_seconds=0.5) <= best


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9))
def test_exact_queue_of_the_heaviest_items_only_is_still_a_bound(seed):
    """With room for two items only, the relaxation keeps the two heaviest of each set and
    counts the others at their unlimited-capacity tardiness."""
    p = random_upm(seed)
    best = optimum(p, Objective(tardiness=1))
    if best is None:
        return
    keep = exact.EXACT_MAX_ITEMS
    exact.EXACT_MAX_ITEMS = 2
    try:
        assert capacity_tardiness(p, exact_seconds=1.0) <= best
    finally:
        exact.EXACT_MAX_ITEMS = keep


def random_queue(seed: int) -> Problem:
    """Lots that queue for few lines (where the transportation LP is what counts): releases
    and due dates spread out, lines of unequal speed, nested setups, day calendars with
    overtime, and a cutting step before most lots."""
    rng = random.Random(seed)
    nr = rng.randint(1, 3)
    classes = rng.randint(1, 4)
    cal = Calendar()
    if rng.random() < 0.6:
        period, length = rng.randint(40, 90), rng.randint(20, 40)
        wins = tuple((k * period, k * period + length) for k in range(400))
        room = period > length + 6 and rng.random() < 0.5
        ot = tuple((a + length, a + length + 6) for a, _ in wins) if room else ()
        cal = Calendar(windows=wins, overtime=ot)
    res = [Resource(f"l{r}", cal, rng.choice((None, rng.randrange(classes)))) for r in range(nr)]
    res.append(Resource("cut", cal))
    mat = nested_setups(rng, classes, 2)
    jobs, ops, precs = [], [], []
    for j in range(rng.randint(2, 6)):
        release = rng.choice((0, rng.randint(0, 80)))
        jobs.append(
            Job(release=release, due=release + rng.randint(0, 90), weight=rng.randint(1, 5))
        )
        if rng.random() < 0.5:
            ops.append(Operation(j, (Mode(nr, rng.randint(1, 15)),)))
            precs.append(Precedence(len(ops) - 1, len(ops), rng.choice((0, 10))))
        base = rng.randint(5, 30)
        lines = sorted(rng.sample(range(nr), rng.randint(1, nr)))
        modes = tuple(Mode(r, base + rng.randint(0, 10) * r) for r in lines)
        ops.append(Operation(j, modes, rng.randrange(classes)))
    return Problem(
        resources=tuple(res),
        jobs=tuple(jobs),
        operations=tuple(ops),
        precedences=tuple(precs),
        setups=(mat,) * nr + (None,),
        objective=Objective(tardiness=1),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9))
def test_transportation_lp_is_at_most_the_optimum_of_queues(seed):
    p = random_queue(seed)
    best = optimum(p, Objective(tardiness=1))
    if best is None:
        return
    assert bound_lp.lp_tardiness(p, bounds.Capacity(p, None, None)) <= best
    assert lower_bound(p) <= best
