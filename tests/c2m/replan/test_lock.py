"""One replan at a time: the lock, with real processes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from c2m.db import open_engine
from c2m.errors import LockBusy
from c2m.replan import list_runs
from c2m.replan.lock import lock_for

C2M = str(Path(sys.executable).with_name("c2m"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def process_db_url(request: pytest.FixtureRequest) -> str:
    """Tests that start processes: SQLite by default, PostgreSQL with the slow ones."""
    return request.getfixturevalue(f"{request.param}_url")


def _replan(url: str, *args: str, log: Path | None = None) -> subprocess.CompletedProcess:
    cmd = [C2M, "--db", url, "replan", "--now", "2026-11-27 22:00", *args]
    if log is not None:
        cmd += ["--log-file", str(log)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_second_lock_in_the_same_database_is_refused(db_url):
    engine = open_engine(db_url)
    first, second = lock_for(engine), lock_for(engine)
    first.acquire()
    try:
        with pytest.raises(LockBusy, match=f"pid {os.getpid()}"):
            second.acquire()
    finally:
        first.release()
    second.acquire()  # free again once released
    second.release()


def test_a_replan_while_another_holds_the_lock_exits_75_naming_it(process_db_url, tmp_path):
    """The holder is this test process; the loser a real ``c2m replan`` process."""
    db_url = process_db_url
    engine = open_engine(db_url)
    holder = lock_for(engine)
    holder.acquire()
    try:
        log = tmp_path / "logs" / "replan.jsonl"
        result = _replan(db_url, log=log)
    finally:
        holder.release()
    assert result.returncode == 75, result.stderr
    assert "another replan is running" in result.stderr
    assert f"pid {os.getpid()}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    line = json.loads(log.read_text().splitlines()[-1])
    assert line["status"] == "busy" and line["exit_code"] == 75
    runs = list_runs(engine, last=1)
    assert runs[0]["status"] == "busy" and runs[0]["exit_code"] == 75


def test_kill_9_of_the_holder_frees_the_lock(process_db_url):
    """The kernel (flock) or the server (session lock) drops a dead process's lock."""
    db_url = process_db_url
    script = textwrap.dedent(
        f"""
        import sys, time
        from c2m.db import open_engine
        from c2m.replan.lock import lock_for
        lock = lock_for(open_engine({db_url!r}))
        lock.acquire()
        print("locked", flush=True)
        time.sleep(120)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        engine = open_engine(db_url)
        with pytest.raises(LockBusy, match=f"pid {proc.pid}"):
            lock_for(engine).acquire()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    lock = lock_for(engine)
    for _ in range(50):  # PostgreSQL notices the dead session within moments
        try:
            lock.acquire()
            break
        except LockBusy:
            time.sleep(0.1)
    else:
        pytest.fail("the lock of a killed process was never released")
    lock.release()
