"""The dispatching heuristic always returns a valid schedule, fast enough to warm-start."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scheduling_instances import FT06, garment_floor, jobshop, random_problem

from scheduling.model import (
    Assignment,
    Calendar,
    Job,
    Mode,
    Objective,
    Operation,
    Problem,
    Resource,
)
from scheduling.search import greedy, heuristic
from scheduling.validate import objective, validate


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9))
def test_every_dispatch_variant_is_valid_on_random_problems(seed):
    problem = random_problem(random.Random(seed))
    for rule, window in heuristic.VARIANTS[:4]:
        sol = heuristic.dispatch(problem, rule, window)
        # Fixed operations placed at random may clash with a free predecessor: then None
        # is allowed, never an invalid schedule.
        if sol is None:
            assert any(op.fixed for op in problem.operations)
        else:
            assert validate(problem, sol) == [], (rule, window)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**9))
def test_without_fixed_operations_the_heuristic_never_fails(seed):
    problem = random_problem(random.Random(seed), fixed=False)
    sol = heuristic.solve(problem, max_runs=4)
    assert sol is not None and validate(problem, sol) == []


def test_noise_restarts_are_valid_and_seeded():
    problem = jobshop(FT06)
    a = heuristic.dispatch(problem, "due", 4, seed=7)
    b = heuristic.dispatch(problem, "due", 4, seed=7)
    assert a == b and validate(problem, a) == []


def test_garment_floor_600_lots_is_valid():
    """The sample-factory scale (600 lots x 3 operations, 10 resources): one pass."""
    problem = garment_floor(600, seed=1)
    sol = heuristic.dispatch(problem, "due", 4)
    assert sol is not None and validate(problem, sol) == []


def test_operations_go_before_a_fixed_one_only_when_they_fit():
    problem = Problem(
        resources=(Resource("m", initial_class=0),),
        jobs=(Job(), Job(), Job()),
        operations=(
            Operation(0, (Mode(0, 10),), setup_class=1, fixed_resource=0, fixed_start=24),
            Operation(1, (Mode(0, 10),), setup_class=0),
            Operation(2, (Mode(0, 10),), setup_class=0),
        ),
        setups=(((0, 5), (5, 0)),),
    )
    sol = heuristic.solve(problem, time_budget=0.05)
    assert validate(problem, sol) == []
    assert sol[0] == Assignment(0, 24, 34, 5)
    # One fits before it (10 + setup 5 <= 24); two would not (20 + 5 > 24).
    assert sorted(a.start for a in sol.assignments[1:]) == [0, 39]


def test_pinned_operations_without_room_for_their_setups_give_none():
    """A pinned operation's setup from the line's starting class, or from the pinned one
    before it, must fit in the working time before it; otherwise no schedule exists."""
    shift = Calendar(windows=((0, 20), (180, 200), (360, 380)))

    def pinned(starts: tuple[int, ...], classes: tuple[int, ...]) -> Problem:
        return Problem(
            resources=(Resource("line", shift, initial_class=0),),
            jobs=tuple(Job() for _ in starts),
            operations=tuple(
                Operation(j, (Mode(0, 5),), setup_class=c, fixed_resource=0, fixed_start=t)
                for j, (t, c) in enumerate(zip(starts, classes, strict=True))
            ),
            setups=(((0, 21), (21, 0)),),
        )

    assert heuristic.dispatch(pinned((180,), (1,)), "due", 4) is None  # 20 working minutes
    assert heuristic.dispatch(pinned((185, 365), (1, 0)), "due", 4) is None  # 10 + 5 between
    ok = pinned((185, 375), (1, 0))  # 20 + 5 before the first, 10 + 15 between: room for both
    assert validate(ok, heuristic.dispatch(ok, "due", 4)) == []


def test_calendar_that_runs_out_gives_none():
    problem = Problem(
        resources=(Resource("m", Calendar(windows=((0, 10),))),),
        jobs=(Job(),),
        operations=(Operation(0, (Mode(0, 20),)),),
    )
    assert heuristic.solve(problem, time_budget=0.05) is None


def _parallel_lines(rng: random.Random) -> Problem:
    """A random pure sequencing problem: single-operation jobs on unrelated lines."""
    nr, n, classes = rng.randint(1, 4), rng.randint(1, 12), rng.randint(1, 4)
    mats = tuple(
        tuple(
            tuple(0 if a == b else rng.randint(1, 30) for b in range(classes))
            for a in range(classes)
        )
        for _ in range(nr)
    )
    releases = rng.random() < 0.5
    return Problem(
        resources=tuple(
            Resource(f"r{r}", initial_class=rng.randrange(classes) if rng.random() < 0.5 else None)
            for r in range(nr)
        ),
        jobs=tuple(
            Job(
                f"j{j}",
                release=rng.randint(0, 50) if releases else 0,
                due=rng.randint(10, 200),
                weight=rng.randint(1, 3),
            )
            for j in range(n)
        ),
        operations=tuple(
            Operation(
                j,
                tuple(
                    Mode(r, rng.randint(1, 40)) for r in rng.sample(range(nr), rng.randint(1, nr))
                ),
                rng.randrange(classes),
            )
            for j in range(n)
        ),
        setups=mats,
        objective=Objective(
            makespan=rng.randint(0, 2), setup=rng.randint(0, 2), tardiness=rng.randint(0, 2)
        ),
    )


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**9))
def test_iterated_greedy_keeps_schedules_valid_and_never_worse(seed):
    problem = _parallel_lines(random.Random(seed))
    assert greedy.sequencing_only(problem)
    start = heuristic.solve(problem, max_runs=2)
    better = greedy.iterated_greedy(problem, start, 10.0, seed=1, max_iterations=30)
    assert validate(problem, better) == []
    assert objective(problem, better).total <= objective(problem, start).total
    again = greedy.iterated_greedy(problem, start, 10.0, seed=1, max_iterations=30)
    assert again == better


def test_iterated_greedy_applies_only_to_pure_sequencing():
    assert not greedy.sequencing_only(jobshop(FT06))
    assert not greedy.sequencing_only(garment_floor(5))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**9))
def test_the_descent_stops_only_where_no_move_off_the_last_line_helps(seed):
    """After the descent (problems without releases or due dates), moving any operation of
    the line that finishes last to any place on any line leaves (objective, total of the
    lines' completions) no lower; and the kept line costs are the re-priced ones."""
    rng = random.Random(seed)
    base = _parallel_lines(rng)
    problem = Problem(
        resources=base.resources,
        jobs=tuple(Job(j.name) for j in base.jobs),
        operations=base.operations,
        setups=base.setups,
        objective=Objective(makespan=rng.randint(1, 2), setup=rng.randint(0, 2)),
    )
    seq = greedy.SequenceCosts(problem)
    lines: list[list[int]] = [[] for _ in problem.resources]
    for i, op in enumerate(problem.operations):
        lines[rng.choice(op.modes).resource].append(i)
    parts = [seq.machine(r, s) for r, s in enumerate(lines)]
    greedy.descend(seq, lines, parts)
    assert parts == [seq.machine(r, s) for r, s in enumerate(lines)]
    assert sorted(i for s in lines for i in s) == list(range(problem.num_operations))

    def measure(ls: list[list[int]]) -> tuple[int, int]:
        costs = [seq.machine(r, s) for r, s in enumerate(ls)]
        return seq.total(ls), sum(c for c, _ in costs)

    now = measure(lines)
    crit = max(range(len(lines)), key=lambda r: parts[r][0])
    for i in lines[crit]:
        for mode in problem.operations[i].modes:
            rest = [[j for j in s if j != i] for s in lines]
            for pos in range(len(rest[mode.resource]) + 1):
                trial = [list(s) for s in rest]
                trial[mode.resource].insert(pos, i)
                assert measure(trial) >= now
