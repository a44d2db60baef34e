"""The benchmark readers: each format parses to the right numbers, bad files fail with a clear
sentence naming the place, and every instance maps onto a valid scheduling problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling import formats
from scheduling.formats import BenchmarkInstance, FormatError

SHARED = Path("/work/shared/benchmarks")

# Inline copies, so these tests do not depend on the shared benchmark folder.
FJS = """3 3 1.5
2 2 1 5 3 4 1 2 7
1 1 3 2
3 1 1 1 2 2 3 3 2 1 1 9
"""
FT06 = """6 6
2 1 0 3 1 6 3 7 5 3 4 6
1 8 2 5 4 10 5 10 0 10 3 4
2 5 3 4 5 8 0 9 1 1 4 7
1 5 0 5 2 5 3 3 4 8 5 9
2 9 1 3 4 5 5 4 0 3 3 1
1 3 3 3 5 9 0 10 4 4 2 1
"""
UPM = """3  2  1
2
\t0\t5\t1\t7
\t0\t3\t1\t2
\t0\t4\t1\t4
SSD
M0
0\t1\t2
3\t0\t4
5\t6\t0
M1
0\t7\t8
9\t0\t1
2\t3\t0
"""


def test_fjs_machines_are_renumbered_from_zero_and_remembered() -> None:
    inst = formats.parse_fjs(FJS, name="tiny")
    assert (inst.kind, inst.num_jobs, inst.num_machines, inst.machine_base) == ("fjs", 3, 3, 1)
    assert inst.jobs[0] == (((0, 5), (2, 4)), ((1, 7),))
    assert inst.jobs[1] == (((2, 2),),)
    assert inst.jobs[2][2] == ((0, 9),)
    assert inst.num_operations == 6


def test_jsp_reads_routing_order() -> None:
    inst = formats.parse_jsp(FT06, name="ft06")
    assert (inst.num_jobs, inst.num_machines, inst.machine_base) == (6, 6, 0)
    assert inst.jobs[0][:3] == (((2, 1),), ((0, 3),), ((1, 6),))
    assert sum(d for ops in inst.jobs for ((_, d),) in ops) == 197


def test_upm_reads_times_and_setup_matrices() -> None:
    inst = formats.parse_upm(UPM, name="upm")
    assert inst.jobs[1] == (((0, 3), (1, 2)),)
    assert inst.setups is not None
    assert inst.setups[0][1][2] == 4  # machine 0: job 2 after job 1
    assert inst.setups[1][2][0] == 2


def test_to_problem_chains_routings_and_keeps_setups() -> None:
    problem = formats.to_problem(formats.parse_fjs(FJS, name="tiny"))
    assert len(problem.operations) == 6
    assert [(p.pred, p.succ) for p in problem.precedences] == [(0, 1), (3, 4), (4, 5)]
    assert [r.name for r in problem.resources] == ["M1", "M2", "M3"]
    assert problem.operations[0].duration_on(2) == 4
    assert problem.objective.makespan == 1

    upm = formats.to_problem(formats.parse_upm(UPM, name="upm"))
    assert [op.setup_class for op in upm.operations] == [0, 1, 2]
    assert upm.precedences == ()
    assert upm.setup_time(0, 1, 2) == 4
    assert upm.setup_time(1, None, 2) == 0  # nothing before a machine's first job


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2 3\n1 1 1 5\n", "end of file"),  # job 2 is missing
        ("1 3\n1 1 x 5\n", "line 2"),  # a non-integer
        ("1 3\n1 1 4 5\n", "line 2: machine 4 of job 1 exceeds the 3 machines"),
        ("1 3\n1 1 1 5 9\n", "unexpected data"),
        ("oops\n", "line 1"),
        ("", "line 1"),
    ],
)
def test_bad_fjs_files_name_the_place(text: str, fragment: str) -> None:
    with pytest.raises(FormatError, match=fragment):
        formats.parse_fjs(text, path="bad.fjs")


def test_bad_upm_files_name_the_place() -> None:
    with pytest.raises(FormatError, match="SSD"):
        formats.parse_upm(UPM.replace("SSD", ""), path="x.txt")
    with pytest.raises(FormatError, match="'M1'"):
        formats.parse_upm(UPM.replace("M1", "M7"), path="x.txt")
    with pytest.raises(FormatError, match="setup"):
        formats.parse_upm(UPM.replace("9\t0\t1", "9\t0"), path="x.txt")


def test_read_guesses_the_format_and_reports_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "a.fjs").write_text(FJS)
    (tmp_path / "b.txt").write_text(FT06)
    (tmp_path / "c.txt").write_text(UPM)
    assert formats.read(tmp_path / "a.fjs").kind == "fjs"
    assert formats.read(tmp_path / "b.txt").kind == "jsp"
    assert formats.read(tmp_path / "c.txt").kind == "upm"
    assert formats.read(tmp_path / "c.txt").name == "c"
    with pytest.raises(FormatError, match="cannot read"):
        formats.read(tmp_path / "missing.fjs")
    with pytest.raises(FormatError, match="Unknown format"):
        formats.read(tmp_path / "a.fjs", fmt="xml")


@st.composite
def instances(draw: st.DrawFn) -> BenchmarkInstance:
    kind = draw(st.sampled_from(formats.FORMATS))
    n_machines = draw(st.integers(1, 4))
    n_jobs = draw(st.integers(1, 5))
    time = st.integers(1, 99)
    jobs = []
    for _ in range(n_jobs):
        if kind == "upm":
            jobs.append((tuple((m, draw(time)) for m in range(n_machines)),))
        elif kind == "jsp":
            order = draw(st.permutations(range(n_machines)))
            jobs.append(tuple(((m, draw(time)),) for m in order))
        else:
            ops = []
            for _ in range(draw(st.integers(1, 4))):
                ms = draw(st.lists(st.integers(0, n_machines - 1), min_size=1, unique=True))
                ops.append(tuple((m, draw(time)) for m in ms))
            jobs.append(tuple(ops))
    setups = None
    if kind == "upm":
        entry = st.integers(0, 50)
        setups = tuple(
            tuple(tuple(draw(entry) for _ in range(n_jobs)) for _ in range(n_jobs))
            for _ in range(n_machines)
        )
    base = 1 if kind == "fjs" else 0
    return BenchmarkInstance("h", kind, n_machines, base, tuple(jobs), setups)


@settings(max_examples=60, deadline=None)
@given(instances())
def test_dumps_then_parse_is_the_identity(inst: BenchmarkInstance) -> None:
    again = formats._PARSERS[inst.kind](formats.dumps(inst), name="h")
    assert again == inst
    problem = formats.to_problem(again)
    assert len(problem.operations) == inst.num_operations


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(formats.FORMATS), st.text(alphabet="0123456789 \tMSD-x\n", max_size=60))
def test_any_text_gives_an_instance_or_a_format_error(kind: str, text: str) -> None:
    try:
        inst = formats._PARSERS[kind](text, name="junk")
    except FormatError as exc:
        assert str(exc).endswith(".")
    else:
        assert inst.num_jobs >= 1


@pytest.mark.skipif(not SHARED.exists(), reason="shared benchmark folder not present")
def test_every_shared_instance_reads_and_maps() -> None:
    files = sorted(SHARED.glob("*/*.txt")) + sorted(SHARED.glob("fjsp/*/*.fjs"))
    assert len(files) >= 23
    sizes = {}
    for path in files:
        inst = formats.read(path)
        problem = formats.to_problem(inst)
        assert len(problem.operations) == inst.num_operations
        sizes[inst.name] = (inst.num_jobs, inst.num_machines, inst.num_operations)
    assert sizes["mk01"] == (10, 6, 55)
    assert sizes["mk10"] == (20, 15, 240)
    assert sizes["ft10"] == (10, 10, 100)
    assert sizes["I_50_10_S_1-9_1"] == (50, 10, 50)
