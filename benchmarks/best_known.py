"""Best-known objectives of benchmark instances: read, compare, and lower them with a record.

A ``best_known.json`` beside the instance files maps each instance name to its best-known
objective. The public sets keep the plain number their papers give (``"mk01": 40``); the floor
instances (``benchmarks/floor/``) keep a record::

    "c2m_1x_s1": {"objective": 1234.56, "objective_units": 2469120, "method": "c2m-engine lns",
                  "time_limit": 120, "workers": 2, "seed": 0, "date": "2026-12-05",
                  "history": [{...the records it replaced...}]}

``objective`` is in the instance's own units (CNY for floor instances, the makespan for the
public sets); ``objective_units`` is the solver's integer objective, compared exactly. A record
is only ever lowered, and only by :func:`lower` — which ``benchmarks/scheduling.py
--update-best-known`` calls after the independent checker accepted the schedule. Every record
it replaces moves into ``history``, so the file says which method lowered it, when and how.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

FILE_NAME = "best_known.json"


def table_path(instance: Path) -> Path | None:
    """The ``best_known.json`` that covers ``instance``: beside it or one level up."""
    for folder in (instance.parent, instance.parent.parent):
        table = folder / FILE_NAME
        if table.exists():
            return table
    return None


def load(table: Path) -> dict[str, Any]:
    return json.loads(table.read_text()) if table.exists() else {}


def lookup(instance: Path, name: str) -> tuple[float | None, dict[str, Any] | None]:
    """``(objective, record)`` of ``name`` (record None for a plain number; both None when
    unknown)."""
    table = table_path(instance)
    if table is None:
        return None, None
    value = load(table).get(name)
    if isinstance(value, dict):
        return value.get("objective"), value
    return (None if value is None else value), None


def _units(record: dict[str, Any] | float | int | None) -> float | None:
    if record is None:
        return None
    if isinstance(record, dict):
        units = record.get("objective_units")
        return units if units is not None else record.get("objective")
    return record


def lower(
    table: Path,
    name: str,
    objective: float,
    objective_units: int,
    method: str,
    settings: dict[str, Any],
    today: dt.date | None = None,
) -> dict[str, Any] | None:
    """Writes a new record for ``name`` when ``objective_units`` beats the current one (or
    there is none); returns the new record, or None when the table is left as it was."""
    data = load(table)
    old = data.get(name)
    known = _units(old)
    if known is not None and objective_units >= known:
        return None
    history = []
    if isinstance(old, dict):
        history = list(old.get("history", []))
        history.append({k: v for k, v in old.items() if k != "history"})
    elif old is not None:
        history.append({"objective": old, "method": "published"})
    record = {
        "objective": objective,
        "objective_units": objective_units,
        "method": method,
        **settings,
        "date": (today or dt.date.today()).isoformat(),
        "history": history,
    }
    data[name] = record
    table.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    return record
