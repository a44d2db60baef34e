"""Real ``c2m replan`` processes: a concurrent second replan, kill -9 mid-solve, an import
running alongside. Slow (each process pays the start-up of pandas and OR-Tools)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlmodel import select

from c2m.db import open_engine, session_scope
from c2m.errors import LockBusy
from c2m.models import Lot, Plan, PlanOperation, ReplanRun, SalesSignal
from c2m.replan import list_runs
from c2m.replan.lock import lock_for
from tests import worlds

pytestmark = pytest.mark.slow

C2M = str(Path(sys.executable).with_name("c2m"))
NOW = "2026-11-30 06:00"


def command(url: str, *args: str, now: str = NOW) -> list[str]:
    return [
        C2M, "--db", url, "replan", "--now", now, "--horizon", "7", "--time-limit", "1",
        "--forecast-method", "moving_average", *args,
    ]  # fmt: skip


def start(cmd: list[str]) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_running(engine, proc: subprocess.Popen, timeout: float = 90) -> int:
    """Poll until the process's run row says ``running`` (it then holds the lock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope(engine) as session:
            run = session.exec(select(ReplanRun).where(ReplanRun.status == "running")).first()
            if run is not None:
                return int(run.id)
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    pytest.fail("the replan never started")


def wait_line(proc: subprocess.Popen, needle: str, timeout: float = 120) -> None:
    """Read the process's stderr (progress lines) until ``needle`` shows up."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            pytest.fail(f"the replan ended before {needle!r}")
        if needle in line:
            return
    pytest.fail(f"no {needle!r} from the replan")


def plans(engine):
    with session_scope(engine) as session:
        return session.exec(select(Plan).order_by(Plan.id)).all()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_second_replan_exits_75_while_the_first_runs(backend, request, tmp_path):
    url = request.getfixturevalue(f"{backend}_url")
    worlds.seed_replan_world(url)
    engine = open_engine(url)
    log = tmp_path / "replan.jsonl"
    first = start(command(url, "--log-file", str(log), "--json"))
    try:
        run_id = wait_running(engine, first)
        first.send_signal(signal.SIGSTOP)  # hold it mid-run, lock taken, however fast it is
        second = subprocess.run(
            command(url, "--log-file", str(log)), capture_output=True, text=True, timeout=120
        )
    finally:
        first.send_signal(signal.SIGCONT)
    out, err = first.communicate(timeout=180)
    assert second.returncode == 75, second.stderr
    assert "another replan is running" in second.stderr
    assert f"run {run_id}" in second.stderr and f"pid {first.pid}" in second.stderr
    assert first.returncode == 0, err
    assert json.loads(out)["run_id"] == run_id
    statuses = [json.loads(x)["status"] for x in log.read_text().splitlines()]
    assert statuses[0] == "busy" and statuses[1] in ("optimal", "feasible", "fallback")
    runs = list_runs(engine, last=2)
    assert {r["exit_code"] for r in runs} == {0, 75}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_kill_9_mid_solve_leaves_the_previous_plan_current(backend, request):
    url = request.getfixturevalue(f"{backend}_url")
    worlds.seed_replan_world(url)
    engine = open_engine(url)
    done = subprocess.run(command(url), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    [previous] = plans(engine)
    with session_scope(engine) as session:
        lots_before = session.exec(select(func.count()).select_from(Lot)).one()
        ops_before = session.exec(select(func.count()).select_from(PlanOperation)).one()

    # a spike the lots cannot absorb in their rounding (since lot minimums bound the grouped
    # marker, 40 a day left the lots as they were and the night's solve ended before the kill)
    worlds.add_signals(url, dt.date(2026, 11, 30), 1, daily=120)
    victim = start([*command(url, now="2026-12-01 06:00"), "--time-limit", "60"])
    wait_line(victim, "planning from")
    time.sleep(0.3)  # inside the solver (a child process of the replan)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    victim.stdout.close()
    victim.stderr.close()

    # the lock went with the process: the solver child neither keeps it nor outlives it
    lock = lock_for(engine)
    for _ in range(50):
        try:
            lock.acquire()
            break
        except LockBusy:
            time.sleep(0.1)
    else:
        pytest.fail("the killed replan's lock was not released")
    lock.release()

    after = plans(engine)
    assert [p.id for p in after] == [previous.id]
    assert after[0].is_current
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(Lot)).one() == lots_before
        assert session.exec(select(func.count()).select_from(PlanOperation)).one() == ops_before
        [dead] = session.exec(select(ReplanRun).where(ReplanRun.status == "running")).all()
        if backend == "sqlite":
            check = session.exec(text("pragma integrity_check")).one()
            assert check[0] == "ok"

    # the next night's replan takes the lock, marks the dead run and publishes normally
    nxt = subprocess.run(command(url, now="2026-12-01 06:00"), capture_output=True, text=True)
    assert nxt.returncode == 0, nxt.stderr
    with session_scope(engine) as session:
        assert session.get(ReplanRun, dead.id).status == "aborted"
        current = session.exec(select(Plan).where(Plan.is_current)).all()
        assert len(current) == 1 and current[0].id != previous.id


def test_an_import_during_a_replan_loses_no_rows(postgres_url, tmp_path):
    url = postgres_url
    worlds.seed_replan_world(url)
    engine = open_engine(url)
    day = dt.date(2026, 11, 30)
    path = tmp_path / "sales.csv"
    skus = worlds.sku_codes()
    rows = [
        {"date": (day + dt.timedelta(days=k)).isoformat(), "room_id": f"R{r}", "sku": sku,
         "clicks": 100 + k, "carts": 9, "orders": 3 + r, "rank": "", "price": 99}
        for k in range(30) for r in range(2, 12) for sku in skus
    ]  # fmt: skip
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    replan = start(command(url, now="2026-12-01 06:00"))
    wait_running(engine, replan)
    importer = subprocess.run(
        [C2M, "--db", url, "import", "sales", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    _out, err = replan.communicate(timeout=300)
    assert replan.returncode == 0, err
    assert importer.returncode == 0, importer.stderr
    assert json.loads(importer.stdout)["rows_imported"] == len(rows)
    with session_scope(engine) as session:
        imported = session.exec(
            select(func.count()).select_from(SalesSignal).where(SalesSignal.room_id != "R1")
        ).one()
    assert imported == len(rows)


def test_sigterm_finishes_the_records_and_publishes_nothing(sqlite_url, tmp_path):
    """cron or systemd stopping the job: the run says ``interrupted``, the log has its line."""
    worlds.seed_replan_world(sqlite_url)
    engine = open_engine(sqlite_url)
    log = tmp_path / "replan.jsonl"
    proc = start([*command(sqlite_url, "--log-file", str(log)), "--time-limit", "60"])
    wait_line(proc, "planning from")
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert plans(engine) == []
    line = json.loads(log.read_text().splitlines()[-1])
    assert line["status"] == "interrupted"
    assert list_runs(engine, last=1)[0]["status"] == "interrupted"


def test_sigterm_stops_a_plan_with_exit_130_and_stores_nothing(sqlite_url):
    """Every command, not only replan, treats SIGTERM from cron as Ctrl-C (the README's exit
    130): `c2m plan` used to die from the signal with no message."""
    worlds.seed_replan_world(sqlite_url)
    engine = open_engine(sqlite_url)
    proc = start([C2M, "--db", sqlite_url, "plan", "--horizon", "7", "--time-limit", "60"])
    wait_line(proc, "planning c2m from")
    time.sleep(1.0)  # into the solve
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert plans(engine) == []
