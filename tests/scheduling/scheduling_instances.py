"""Small hand-built instances and a random garment-floor generator for the scheduling tests."""

from __future__ import annotations

import random

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

FT06 = """6 6
2 1 0 3 1 6 3 7 5 3 4 6
1 8 2 5 4 10 5 10 0 10 3 4
2 5 3 4 5 8 0 9 1 1 4 7
1 5 0 5 2 5 3 3 4 8 5 9
2 9 1 3 4 5 5 4 0 3 3 1
1 3 3 3 5 9 0 10 4 4 2 1
"""


def jobshop(text: str) -> Problem:
    """A classic job shop (``n m`` then ``machine time`` pairs), built directly."""
    rows = [list(map(int, line.split())) for line in text.strip().splitlines()]
    n, m = rows[0][:2]
    ops, precs = [], []
    for j, row in enumerate(rows[1 : n + 1]):
        for k in range(0, len(row), 2):
            if k:
                precs.append(Precedence(len(ops) - 1, len(ops)))
            ops.append(Operation(job=j, modes=(Mode(row[k], row[k + 1]),)))
    return Problem(
        resources=tuple(Resource(f"M{r}") for r in range(m)),
        jobs=tuple(Job(f"J{j}") for j in range(n)),
        operations=tuple(ops),
        precedences=tuple(precs),
    )


def day_calendar(days: int, start: int = 8 * 60, end: int = 18 * 60, overtime: int = 0) -> Calendar:
    """A working day ``[start, end)`` every day, with ``overtime`` minutes after it."""
    wins = [(d * 1440 + start, d * 1440 + end) for d in range(days)]
    ot = [(d * 1440 + end, d * 1440 + end + overtime) for d in range(days)] if overtime else []
    return Calendar(windows=tuple(wins), overtime=tuple(ot))


def garment_floor(
    lots: int,
    seed: int = 0,
    days: int = 14,
    lines: int = 6,
    objective: Objective | None = None,
    overtime: int = 0,
) -> Problem:
    """A random cut -> sew -> finish floor: 2 cutters, ``lines`` sewing lines, 2 finishers.

    Setup classes encode category/style/colour (category changes cost most); sewing lines
    are eligible for a subset of categories. Used for heuristic speed and validity tests.
    """
    rng = random.Random(seed)
    cats, styles, colours = 5, 4, 3
    ncls = cats * styles * colours
    cal = day_calendar(days * 2, overtime=overtime)
    res = [Resource(f"cut{k}", cal) for k in range(2)]
    res += [Resource(f"line{k}", cal, initial_class=rng.randrange(ncls)) for k in range(lines)]
    res += [Resource(f"fin{k}", cal) for k in range(2)]
    eligible = {c: sorted(rng.sample(range(lines), k=min(lines, 3))) for c in range(cats)}

    def setup(a: int, b: int) -> int:
        if a // (styles * colours) != b // (styles * colours):
            return 240
        if a // colours != b // colours:
            return 90
        return 20 if a != b else 0

    mat = tuple(tuple(setup(a, b) for b in range(ncls)) for a in range(ncls))
    setups = (None, None) + (mat,) * lines + (None, None)
    jobs, ops, precs = [], [], []
    for j in range(lots):
        qty = rng.randint(30, 200)
        release = rng.randrange(0, days * 1440 // 2)
        due = release + rng.randrange(2, days) * 1440
        jobs.append(Job(f"lot{j}", release=release, due=due, weight=rng.randint(1, 5)))
        cls = rng.randrange(ncls)
        cat = cls // (styles * colours)
        cut = Operation(j, tuple(Mode(k, 20 + qty // 8) for k in range(2)), name=f"cut{j}")
        sew = Operation(
            j,
            tuple(Mode(2 + line, 20 + qty * rng.randint(3, 6) // 10) for line in eligible[cat]),
            setup_class=cls,
            name=f"sew{j}",
        )
        fin_modes = tuple(Mode(2 + lines + k, 10 + qty // 6) for k in range(2))
        fin = Operation(j, fin_modes, name=f"fin{j}")
        base = len(ops)
        ops += [cut, sew, fin]
        precs += [Precedence(base, base + 1, 30), Precedence(base + 1, base + 2, 30)]
    return Problem(
        resources=tuple(res),
        jobs=tuple(jobs),
        operations=tuple(ops),
        precedences=tuple(precs),
        setups=setups,
        objective=objective or Objective(tardiness=10, setup=1, makespan=0),
    )


def random_problem(rng: random.Random, calendars: bool = True, fixed: bool = True) -> Problem:
    """A small random problem using every feature: modes, routings with lags, releases, due
    dates, calendars with overtime, class setups with initial classes, fixed operations."""
    nr = rng.randint(1, 3)
    classes = rng.randint(1, 3)
    cals = [Calendar()]
    if calendars:
        period, length = rng.randint(60, 200), rng.randint(20, 50)
        wins = tuple((k * period, k * period + length) for k in range(200))
        ot = tuple((a + length, a + length + 10) for a, _ in wins) if period > length + 10 else ()
        cals.append(Calendar(windows=wins, overtime=ot if rng.random() < 0.5 else ()))
    res = tuple(
        Resource(
            f"r{r}",
            rng.choice(cals),
            initial_class=rng.randrange(classes) if rng.random() < 0.5 else None,
        )
        for r in range(nr)
    )
    setups = tuple(
        tuple(
            tuple(0 if a == b else rng.randint(0, 25) for b in range(classes))
            for a in range(classes)
        )
        if rng.random() < 0.7
        else None
        for _ in range(nr)
    )
    jobs, ops, precs = [], [], []
    for j in range(rng.randint(1, 5)):
        release = rng.randint(0, 100)
        jobs.append(
            Job(
                f"j{j}",
                release=release,
                due=release + rng.randint(0, 200),
                weight=rng.randint(0, 3),
            )
        )
        for k in range(rng.randint(1, 3)):
            rs = rng.sample(range(nr), rng.randint(1, nr))
            if k:
                precs.append(Precedence(len(ops) - 1, len(ops), rng.choice((0, 0, 5, 30))))
            ops.append(
                Operation(j, tuple(Mode(r, rng.randint(1, 40)) for r in rs), rng.randrange(classes))
            )
    if fixed and ops and rng.random() < 0.5:
        # Pin one operation without predecessors where its resource is working.
        free = [i for i in range(len(ops)) if all(p.succ != i for p in precs)]
        i = rng.choice(free)
        m = ops[i].modes[0]
        cal = res[m.resource].calendar
        start = cal.next_working(jobs[ops[i].job].release + rng.randint(0, 300))
        ops[i] = Operation(
            ops[i].job,
            ops[i].modes,
            ops[i].setup_class,
            fixed_resource=m.resource,
            fixed_start=start,
        )
    return Problem(
        resources=res,
        jobs=tuple(jobs),
        operations=tuple(ops),
        precedences=tuple(precs),
        setups=setups,
        objective=Objective(
            tardiness=rng.randint(0, 3),
            setup=rng.randint(0, 2),
            overtime=rng.randint(0, 2),
            earliness=rng.randint(0, 1),
            makespan=rng.randint(0, 2),
        ),
    )
