"""``c2m demo``: the whole tour on the sample data, from an empty database to an export.

Steps: start from an empty database (a non-empty one is refused unless ``reset``), import
the bundled sample world (``c2m/data/sample_data/``) through the real importers, forecast,
plan in batch and C2M mode, compare the two, export the C2M plan's work orders and HTML
report, and tell the user what to look at next. The solver time per plan is capped so the
whole tour stays well under three minutes on two cores.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from c2m.config import FactoryConfig
from c2m.db import database_url, get_engine, init_db, is_sqlite, open_engine, session_scope
from c2m.errors import DataError
from c2m.forecasts import run_forecast
from c2m.importing.kinds import KINDS
from c2m.models import ForecastRun, ImportBatch, Plan, SalesSignal, Style
from c2m.progress import Say, silent
from c2m.resources import sample_data
from c2m.schema import VERSION_TABLE

SAMPLE_DATA = sample_data()


def fresh_engine(url: str | None, reset: bool) -> Engine:
    """An engine on an empty schema.

    A database that holds anything is refused unless ``reset``: the demo must never wipe a
    factory's real data because someone typed ``c2m demo`` in the wrong folder. ``make demo``
    passes ``--reset`` for its own ``demo.db``, so running it twice just works, also after an
    upgrade of c2m-planner: a reset database is emptied before its schema version is read
    (an earlier release's ``demo.db`` would otherwise be refused as an older schema).
    """
    url = database_url(url)
    engine = get_engine(url)
    if reset:
        _wipe(engine, url)
        return open_engine(url)
    init_db(engine)
    if _holds_data(engine):
        raise DataError(
            f"the database {url} already holds data; the demo needs an empty one: "
            "run it with --reset to empty it, or give another --db"
        )
    return engine


def _wipe(engine: Engine, url: str) -> None:
    """Deletes a SQLite file (and its journals), or drops every table of ours and the schema
    version from another database."""
    engine.dispose()
    if is_sqlite(url) and url.split("///", 1)[-1] not in ("", ":memory:"):
        path = url.split("///", 1)[-1]
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(path + suffix).unlink(missing_ok=True)
        return
    SQLModel.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))


def _holds_data(engine: Engine) -> bool:
    with session_scope(engine) as session:
        return any(
            session.exec(select(table).limit(1)).first() is not None
            for table in (Style, SalesSignal, Plan, ImportBatch)
        )


def import_sample(engine: Engine, data_dir: Path, say: Say = silent) -> dict[str, Any]:
    """Imports every sample file (``<kind>.csv``; ``schedule.csv`` is the rooms' calendar) with
    the project's importers, in the kinds' import order, one transaction per file."""
    counts: dict[str, Any] = {}
    for kind, spec in KINDS.items():
        path = data_dir / f"{kind}.csv"
        if not path.exists():
            if kind in ("catalog", "sales"):
                raise DataError(f"{path} is missing: the demo needs the sample data")
            continue
        result = spec.run([path], engine)
        counts[kind] = int(result.rows_imported) + int(result.rows_updated)
        say(f"imported {path.name}: {counts[kind]} rows")
    return counts


def forecast_sample(engine: Engine, horizon: int, method: str, say: Say = silent) -> int:
    """A stored forecast run from the imported signals (the same code as `c2m forecast`)."""
    summary = run_forecast(engine, horizon=horizon, method=method, say=say)
    return int(summary.run_id)


def run_demo(
    db_url: str | None,
    cfg: FactoryConfig,
    data_dir: Path | None = None,
    out_dir: Path = Path("demo_out"),
    reset: bool = False,
    time_limit: float = 30.0,
    horizon: int = 14,
    forecast_method: str = "auto",
    say: Say = silent,
) -> dict[str, Any]:
    """The whole tour; returns what the CLI prints (comparison, files, next steps)."""
    from c2m.export import export_plan
    from c2m.planning.publish import plan_and_store
    from c2m.planning.show import compare_plans
    from c2m.report import write_plan_report

    t0 = time.perf_counter()
    data_dir = Path(data_dir) if data_dir else SAMPLE_DATA
    engine = fresh_engine(db_url, reset)
    imported = import_sample(engine, data_dir, say)
    run_id = forecast_sample(engine, horizon, forecast_method, say)
    with session_scope(engine) as session:
        origin = session.get(ForecastRun, run_id).origin
    # the sample's today is the day after its last signals, whatever the clock says
    today = dt.datetime.combine(origin + dt.timedelta(days=1), dt.time())
    plans = {}
    for mode in ("batch", "c2m"):
        say(f"planning {mode} (solver limit {time_limit:g} s)")
        plan_id, result = plan_and_store(
            engine,
            cfg,
            mode=mode,
            horizon_days=horizon,
            time_limit=time_limit,
            forecast_run_id=run_id,
            now=today,
        )
        plans[mode] = plan_id
        say(f"plan {plan_id} ({mode}): {result.status}, {result.kpis.lots} lots")
    with session_scope(engine) as session:
        comparison = compare_plans(session, plans["batch"], plans["c2m"])
        files = export_plan(session, plans["c2m"], "csv", out_dir, cfg)
        files += export_plan(session, plans["c2m"], "xlsx", out_dir, cfg)
    report = write_plan_report(engine, cfg, Path(out_dir) / "report.html", plans["c2m"])
    files.append(report.path)
    say(f"report: {report.path} ({report.operations} operations, {report.bytes / 1e6:.1f} MB)")
    url = database_url(db_url)
    db_flag = f"--db {url} " if db_url else ""
    return {
        "database": url,
        "imported": imported,
        "forecast_run_id": run_id,
        "plans": plans,
        "comparison": comparison,
        "export": [str(p) for p in files],
        "seconds": round(time.perf_counter() - t0, 1),
        "next": [
            f"next: open {report.path} in a browser and {files[1]} in Excel, or run "
            f"`c2m {db_flag}show {plans['c2m']} "
            f"--line L1` to see the C2M schedule, `c2m {db_flag}compare {plans['batch']} "
            f"{plans['c2m']}` for the table again",
        ],
    }
