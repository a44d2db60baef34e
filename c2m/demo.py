"""``c2m demo``: the whole tour on the sample data, from an empty database to an export.

Steps: start from an empty database (a non-empty one is refused unless ``reset``), import
``sample_data/`` through the real importers, forecast, plan in batch and C2M mode, compare
the two, export the C2M plan's work orders, and tell the user what to look at next. The
solver time per plan is capped so the whole tour stays well under three minutes on two cores.
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from c2m.config import FactoryConfig
from c2m.db import database_url, get_engine, init_db, is_sqlite, open_engine, session_scope
from c2m.errors import DataError
from c2m.models import ImportBatch, Plan, SalesSignal, Style

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"
IMPORT_ORDER = ("catalog", "inventory", "fabric", "orders", "sales")

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def fresh_engine(url: str | None, reset: bool, data_dir: Path = SAMPLE_DATA) -> Engine:
    """An engine on an empty schema.

    A database with data is refused unless ``reset``, except a SQLite file that holds
    nothing but an earlier demo (every import came from ``data_dir``): that one is the
    demo's own file, and ``make demo`` twice in a row must just work.
    """
    url = database_url(url)
    engine = get_engine(url)
    init_db(engine)
    state = _contents(engine, data_dir)
    if state == "demo" and is_sqlite(url):
        reset = True
    if state != "empty" and not reset:
        raise DataError(
            f"the database {url} already holds data; the demo needs an empty one: "
            "run it with --reset, or give another --db"
        )
    if reset and state != "empty":
        if is_sqlite(url) and url.split("///", 1)[-1] not in ("", ":memory:"):
            engine.dispose()
            path = url.split("///", 1)[-1]
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(path + suffix).unlink(missing_ok=True)
        else:
            SQLModel.metadata.drop_all(engine)
        engine = get_engine(url)
        init_db(engine)
    return open_engine(url)


def _contents(engine: Engine, data_dir: Path) -> str:
    """``empty``, ``demo`` (only imports of ``data_dir``'s files) or ``data``."""
    with session_scope(engine) as session:
        used = session.exec(select(Style).limit(1)).first() is not None
        used = used or session.exec(select(SalesSignal).limit(1)).first() is not None
        used = used or session.exec(select(Plan).limit(1)).first() is not None
        files = [b.file for b in session.exec(select(ImportBatch)).all()]
    if not used and not files:
        return "empty"
    root = Path(data_dir).resolve()
    ours = files and all(Path(f).resolve().parent == root for f in files)
    return "demo" if ours else "data"


def import_sample(engine: Engine, data_dir: Path, say: Progress = _quiet) -> dict[str, Any]:
    """Imports every sample file with the project's importers (one transaction per file)."""
    counts: dict[str, Any] = {}
    for kind in IMPORT_ORDER:
        path = data_dir / f"{kind}.csv"
        if not path.exists():
            if kind in ("catalog", "sales"):
                raise DataError(f"{path} is missing: the demo needs the sample data")
            continue
        importer = _importer(kind)
        if importer is not None:
            result = importer([path], engine)
            counts[kind] = int(getattr(result, "rows_imported", 0) or 0) + int(
                getattr(result, "rows_updated", 0) or 0
            )
        else:  # until the importer for this kind lands
            counts[kind] = _direct_load(engine, kind, path)
        say(f"imported {path.name}: {counts[kind]} rows")
    return counts


def _importer(kind: str) -> Callable | None:
    """``c2m.importing.<kind>.import_<kind>``, or None while that importer does not exist."""
    try:
        module = importlib.import_module(f"c2m.importing.{kind}")
    except ImportError:
        return None
    return getattr(module, f"import_{kind}", None)


def _direct_load(engine: Engine, kind: str, path: Path) -> int:
    """Plain loader for the canonical files of FORMATS.md (stand-in for a missing importer)."""
    from c2m.models import Fabric, FabricDelivery, Inventory, OpenOrder, Sku

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows: list = []
    if kind == "catalog":
        styles = frame.drop_duplicates("style")
        for r in styles.itertuples():
            rows.append(
                Style(
                    style=r.style,
                    name=r.name,
                    category=r.category,
                    sam_minutes=float(r.sam_minutes) if r.sam_minutes else None,
                    fabric=r.fabric or None,
                    fabric_per_unit=float(r.fabric_per_unit or 0),
                    unit_cost=float(r.unit_cost or 0),
                    price=float(r.price or 0),
                    launch_date=dt.date.fromisoformat(r.launch_date) if r.launch_date else None,
                )
            )
        rows += [
            Sku(sku=r.sku, style=r.style, colour=r.colour, size=r.size) for r in frame.itertuples()
        ]
    elif kind == "inventory":
        rows = [
            Inventory(
                sku=r.sku,
                on_hand=int(float(r.on_hand or 0)),
                as_of=dt.date.fromisoformat(r.as_of) if r.as_of else None,
            )
            for r in frame.itertuples()
        ]
    elif kind == "fabric":
        for r in frame.itertuples():
            if r.due_date:
                rows.append(
                    FabricDelivery(
                        fabric=r.fabric,
                        due_date=dt.date.fromisoformat(r.due_date),
                        quantity=float(r.quantity),
                        reference=r.reference,
                    )
                )
        for r in frame.drop_duplicates("fabric").itertuples():
            stock = frame[(frame["fabric"] == r.fabric) & (frame["due_date"] == "")]
            rows.append(
                Fabric(
                    fabric=r.fabric,
                    name=r.name,
                    unit=r.unit or "m",
                    on_hand=float(stock["quantity"].astype(float).sum()),
                    roll_size=float(r.roll_size) if r.roll_size else None,
                )
            )
    elif kind == "orders":
        rows = [
            OpenOrder(
                reference=r.reference,
                sku=r.sku,
                due_date=dt.date.fromisoformat(r.due_date),
                quantity=int(float(r.quantity)),
            )
            for r in frame.itertuples()
        ]
    with session_scope(engine) as session:
        session.add_all(rows)
    return len(frame)


def forecast_sample(engine: Engine, horizon: int, method: str, say: Progress = _quiet) -> int:
    """A stored forecast run from the imported signals (the same code as `c2m forecast`)."""
    from c2m.forecasts import run_forecast

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
    say: Progress = _quiet,
) -> dict[str, Any]:
    """The whole tour; returns what the CLI prints (comparison, files, next steps)."""
    from c2m.export import export_plan
    from c2m.planning.service import plan_and_store
    from c2m.planning.views import compare_plans

    t0 = time.perf_counter()
    data_dir = Path(data_dir) if data_dir else SAMPLE_DATA
    engine = fresh_engine(db_url, reset, data_dir)
    imported = import_sample(engine, data_dir, say)
    run_id = forecast_sample(engine, horizon, forecast_method, say)
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
        )
        plans[mode] = plan_id
        say(f"plan {plan_id} ({mode}): {result.status}, {result.kpis['lots']} lots")
    with session_scope(engine) as session:
        comparison = compare_plans(session, plans["batch"], plans["c2m"])
        files = export_plan(session, plans["c2m"], "csv", out_dir, cfg)
        files += export_plan(session, plans["c2m"], "xlsx", out_dir, cfg)
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
            f"next: open {files[-1]} in Excel, or run `c2m {db_flag}show {plans['c2m']} "
            f"--line L1` to see the C2M schedule, `c2m {db_flag}compare {plans['batch']} "
            f"{plans['c2m']}` for the table again",
        ],
    }
