"""The audit trail of unattended replans: a ``replan_run`` row and a JSON line per run.

Cron has no one watching, so each run leaves two records, whatever happens to it:

* a ``replan_run`` row, written (and committed) as the run starts and completed as it ends,
  so ``c2m runs`` shows what last night did — including a run that died: the next replan,
  once it holds the lock, knows no one else can be running and marks such rows ``aborted``;
* one JSON line appended to ``--log-file`` (one ``write`` on an ``O_APPEND`` file, so lines
  of concurrent runs never interleave), for log shippers and ``tail``/``jq``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from c2m.clock import factory_now
from c2m.db import session_scope
from c2m.models import ReplanRun

RUNNING = "running"
ABORTED = "aborted"


def _now() -> dt.datetime:
    return factory_now()


def start_run(
    engine: Engine, mode: str, now: dt.datetime, workshop: str = "", mark_dead: bool = True
) -> int:
    """Insert the run's row (status ``running``) and mark dead runs; call only under the lock.

    A network workshop's run names its workshop in the phases' JSON (like the warnings: no
    schema change); its night opens one row per workshop, marking dead runs only with the
    first (``mark_dead``)."""
    with session_scope(engine) as session:
        if mark_dead:
            session.exec(
                update(ReplanRun)
                .where(ReplanRun.status == RUNNING)
                .values(
                    status=ABORTED,
                    message="the process ended before finishing (killed or crashed); "
                    "the previous plan stayed current",
                )
            )
        run = ReplanRun(
            mode=mode,
            now=now,
            status=RUNNING,
            started_at=_now(),
            phases={"workshop": workshop} if workshop else {},
        )
        session.add(run)
        session.flush()
        return int(run.id)


def finish_run(engine: Engine, run_id: int, **fields: Any) -> ReplanRun:
    """Complete the run's row (status, exit code, plan, phases, changes, message)."""
    with session_scope(engine) as session:
        run = session.get(ReplanRun, run_id)
        if run is None:  # the row went with a dropped database: recreate it, keep the trail
            run = ReplanRun(id=run_id)
        for name, value in fields.items():
            setattr(run, name, value)
        run.finished_at = fields.get("finished_at") or _now()
        session.add(run)
        session.flush()
        session.refresh(run)
        return run


def record_refused(
    engine: Engine, mode: str, now: dt.datetime, status: str, exit_code: int, message: str
) -> int | None:
    """A run that never got going (another replan holds the lock): one finished row."""
    stamp = _now()
    try:
        with session_scope(engine) as session:
            run = ReplanRun(
                mode=mode,
                now=now,
                status=status,
                exit_code=exit_code,
                message=message,
                started_at=stamp,
                finished_at=stamp,
            )
            session.add(run)
            session.flush()
            return int(run.id)
    except Exception:  # the log line still records it; a busy run must not turn into a crash
        return None


def running_run_id(engine: Engine) -> int | None:
    """The id of the run that holds the lock right now, if its row says so."""
    try:
        with session_scope(engine) as session:
            run = session.exec(
                select(ReplanRun).where(ReplanRun.status == RUNNING).order_by(ReplanRun.id.desc())
            ).first()
            return None if run is None else int(run.id)
    except Exception:
        return None


def last_finished(
    engine: Engine, mode: str, workshop: str, look_back: int = 200
) -> ReplanRun | None:
    """The newest finished run of ``mode`` for a network's ``workshop`` (named in the
    phases' JSON), among the last ``look_back`` runs; None when there is none."""
    with session_scope(engine) as session:
        runs = session.exec(
            select(ReplanRun)
            .where(ReplanRun.mode == mode, ReplanRun.status != RUNNING)
            .order_by(ReplanRun.id.desc())
            .limit(look_back)
        ).all()
        for run in runs:
            if (run.phases or {}).get("workshop") == workshop:
                session.expunge(run)
                return run
    return None


def append_log(path: str | os.PathLike[str] | None, record: Mapping[str, Any]) -> None:
    """Append ``record`` as one JSON line to ``path`` (created with its directory if needed)."""
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, default=str, ensure_ascii=False, sort_keys=False) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def run_as_json(run: ReplanRun) -> dict[str, Any]:
    """A run as ``c2m runs --json`` prints it."""
    changes = dict(run.changes or {})
    changes.pop("lots", None)
    phases = dict(run.phases or {})  # seconds per phase, plus the solver facts and KPIs
    solver, kpis = phases.pop("solver", {}), phases.pop("kpis", {})
    warnings = list(phases.pop("warnings", []))
    workshop = phases.pop("workshop", "")
    return {
        **({"workshop": workshop} if workshop else {}),
        "run_id": run.id,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "now": run.now,
        "mode": run.mode,
        "status": run.status,
        "exit_code": run.exit_code,
        "plan_id": run.plan_id,
        "previous_plan_id": run.previous_plan_id,
        "fingerprint": run.fingerprint,
        "seconds": (
            round((run.finished_at - run.started_at).total_seconds(), 1)
            if run.finished_at and run.started_at
            else None
        ),
        "phases": phases,
        "solver": solver,
        "kpis": kpis,
        "changes": changes,
        "warnings": warnings,
        "message": run.message,
    }


def list_runs(engine: Engine, last: int = 10) -> list[dict[str, Any]]:
    """The ``last`` runs, newest first."""
    if last < 1:
        raise ValueError("last must be at least 1")
    with session_scope(engine) as session:
        runs = session.exec(select(ReplanRun).order_by(ReplanRun.id.desc()).limit(last)).all()
        return [run_as_json(run) for run in runs]
