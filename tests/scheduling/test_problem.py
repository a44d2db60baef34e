"""The problem data checks itself, and calendar arithmetic pauses outside working time."""

from __future__ import annotations

import pytest

from scheduling.model import (
    MAKESPAN,
    Calendar,
    Job,
    Mode,
    Model,
    Objective,
    Operation,
    Precedence,
    Problem,
    Resource,
    routing,
)


def test_calendar_pauses_over_the_night():
    cal = Calendar(windows=((480, 1080), (1920, 2520)))
    # 500 minutes from 16:00 on day 0: 120 today, 380 tomorrow from 08:00.
    assert cal.finish(960, 500) == 1920 + 380
    assert cal.to_axis(1200) == 600
    assert cal.next_working(1200) == 1920
    assert cal.start_at(600) == 1920
    assert cal.end_at(600) == 1080
    assert cal.capacity == 1200


def test_overtime_joins_the_day_it_follows():
    cal = Calendar(windows=((0, 60),), overtime=((60, 90),))
    assert cal.segments == ((0, 90),)
    assert cal.finish(0, 80) == 80


def test_always_open_calendar_is_identity():
    cal = Calendar()
    assert cal.always_open and cal.finish(7, 5) == 12 and cal.to_axis(9) == 9


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"windows": ((10, 5),)}, "start < end"),
        ({"windows": ((0, 10), (5, 20))}, "disjoint"),
        ({"windows": ((0, 10),), "overtime": ((5, 12),)}, "overlaps"),
        ({"overtime": ((5, 12),)}, "regular windows"),
    ],
)
def test_calendar_rejects_bad_windows(kwargs, words):
    with pytest.raises(ValueError, match=words):
        Calendar(**kwargs)


def _ok(**changes):
    base = dict(
        resources=(Resource("a"), Resource("b")),
        jobs=(Job("j0"),),
        operations=(
            Operation(0, (Mode(0, 5),), setup_class=0),
            Operation(0, (Mode(0, 5), Mode(1, 7)), setup_class=1),
        ),
        precedences=(Precedence(0, 1, 3),),
        setups=(((0, 2), (3, 0)), None),
    )
    base.update(changes)
    return Problem(**base)


def test_a_good_problem_builds():
    p = _ok()
    assert p.setup_time(0, 0, 1) == 2 and p.setup_time(0, None, 1) == 0
    assert p.has_setups(0) and not p.has_setups(1)
    assert p.job_operations() == [[0, 1]]


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"resources": ()}, "at least one resource"),
        ({"operations": (Operation(3, (Mode(0, 5),)),), "precedences": ()}, "job 3"),
        ({"operations": (Operation(0, (Mode(5, 5),)),), "precedences": ()}, "resource 5"),
        ({"precedences": (Precedence(0, 1), Precedence(1, 0))}, "cycle"),
        ({"precedences": (Precedence(0, 9),)}, "unknown"),
        ({"setups": (((0,),), None)}, "cover 2 classes"),
        ({"setups": (((0, -1), (1, 0)), None)}, "negative"),
        ({"setups": (None,)}, "one matrix"),
        ({"previous": (None,)}, "one entry"),
    ],
)
def test_problem_rejects_bad_data(changes, words):
    with pytest.raises(ValueError, match=words):
        _ok(**changes)


def test_fixed_start_must_be_working_time():
    cal = Calendar(windows=((0, 10), (20, 30)))
    with pytest.raises(ValueError, match="non-working"):
        Problem(
            resources=(Resource("a", cal),),
            jobs=(Job(),),
            operations=(Operation(0, (Mode(0, 3),), fixed_resource=0, fixed_start=12),),
        )


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Mode(0, 0), ">= 1 minute"),
        (lambda: Operation(0, ()), "at least one mode"),
        (lambda: Operation(0, (Mode(0, 1), Mode(0, 2))), "twice"),
        (lambda: Operation(0, (Mode(0, 1),), fixed_resource=0), "both"),
        (lambda: Operation(0, (Mode(0, 1),), fixed_resource=1, fixed_start=0), "not one"),
        (lambda: Job(release=-1), "release"),
        (lambda: Precedence(1, 1), "itself"),
        (lambda: Precedence(0, 1, -2), "lag"),
    ],
)
def test_parts_reject_bad_fields(make, words):
    with pytest.raises(ValueError, match=words):
        make()


def test_routing_chains_steps():
    ops, precs = routing(2, [[Mode(0, 1)], [Mode(1, 2)], [Mode(2, 3)]], first_index=4, lag=30)
    assert [o.job for o in ops] == [2, 2, 2]
    assert precs == [Precedence(4, 5, 30), Precedence(5, 6, 30)]


def test_shared_setup_matrix_is_checked_once_and_shared():
    """Many lines share one big matrix (60 x 650 at 10x): it is converted once and the
    problem holds one object for all lines, so building stays cheap; a rebuilt problem
    keeps the already-converted matrix as it is."""
    n = 50
    mat = [[abs(a - b) for b in range(n)] for a in range(n)]
    ops = [Operation(job=0, modes=(Mode(r, 5) for r in range(8)), setup_class=c) for c in range(n)]
    p = Problem([Resource(f"L{r}") for r in range(8)], [Job()], ops, setups=[mat] * 8)
    assert all(m is p.setups[0] for m in p.setups)
    assert p.setups[0][3] == (3, 2, 1, 0, *range(1, n - 3))
    again = Problem(p.resources, p.jobs, p.operations, setups=p.setups)
    assert again.setups[0] is p.setups[0]


def test_bad_shared_matrix_names_the_first_resource():
    ops = [Operation(job=0, modes=(Mode(0, 5), Mode(1, 5)), setup_class=1)]
    neg = [[0, -1], [1, 0]]
    with pytest.raises(ValueError, match="resource 0 has a negative"):
        Problem([Resource(), Resource()], [Job()], ops, setups=[neg, neg])
    ragged = [[0, 1], [1]]
    with pytest.raises(ValueError, match="resource 0 must be square"):
        Problem([Resource(), Resource()], [Job()], ops, setups=[ragged, ragged])


# --- the Model builder ----------------------------------------------------------------------


def test_builder_gives_the_problem_built_by_hand():
    cal = Calendar(windows=((0, 480),))
    m = Model("two steps")
    cut = m.add_resource("cut", cal)
    sew = m.add_resource("sew", cal, initial_class=0)
    job = m.add_job("PO1", release=10, due=300, weight=2)
    a = m.add_operation(job, {cut: 30}, name="cut")
    b = m.add_operation(job, {sew: 60}, setup_class=1, name="sew")
    m.add_precedence(a, b, lag=5)
    m.add_setup_matrix(sew, [[0, 15], [15, 0]])
    m.set_objective(tardiness=1, setup=2)
    by_hand = Problem(
        resources=(Resource("cut", cal), Resource("sew", cal, 0)),
        jobs=(Job("PO1", 10, 300, 2),),
        operations=(
            Operation(0, (Mode(0, 30),), name="cut"),
            Operation(0, (Mode(1, 60),), setup_class=1, name="sew"),
        ),
        precedences=(Precedence(0, 1, 5),),
        setups=(None, ((0, 15), (15, 0))),
        objective=Objective(tardiness=1, setup=2),
        name="two steps",
    )
    assert (a, b) == (0, 1)
    assert m.data() == by_hand


def test_builder_shares_one_matrix_and_keeps_makespan_by_default():
    m = Model()
    lines = [m.add_resource(f"L{k}") for k in range(3)]
    job = m.add_job()
    m.add_operation(job, dict.fromkeys(lines, 10), setup_class=1)
    m.set_setups([[0, 5], [5, 0]])
    problem = m.data()
    assert problem.objective == MAKESPAN
    assert problem.setups[0] is problem.setups[2]
    assert problem.setup_time(1, 0, 1) == 5


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda m: m.add_operation(0, {0: 5}), "Job 0 has not been added"),
        (lambda m: m.add_operation(m.add_job(), {3: 5}), "Resource 3 has not been added"),
        (lambda m: m.add_precedence(0, 1), "Operation 0 has not been added"),
        (lambda m: m.add_setup_matrix(2, [[0]]), "Resource 2 has not been added"),
        (lambda m: m.set_objective(Objective(), setup=1), "not both"),
        (lambda m: m.add_job(weight=-1), "weight must be >= 0"),
    ],
)
def test_builder_reports_a_mistake_where_it_is_made(build, message):
    m = Model()
    m.add_resource()
    with pytest.raises(ValueError, match=message):
        build(m)


def test_builder_checks_across_parts_in_data():
    m = Model()
    r = m.add_resource()
    job = m.add_job()
    a, b = m.add_operation(job, {r: 5}), m.add_operation(job, {r: 5})
    m.add_precedence(a, b)
    m.add_precedence(b, a)
    with pytest.raises(ValueError, match="cycle"):
        m.data()
