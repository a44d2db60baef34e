"""The report's network section: the night of a network's plan, workshop by workshop.

Shown only when the plan belongs to a network night (:mod:`c2m.network.view`); a single
factory's report is unchanged.
"""

from __future__ import annotations

from typing import Any

from c2m.report.html import esc, table

COLUMNS = [
    "workshop",
    "plan",
    "runs",
    "lots",
    "planned SAM-min",
    "regular capacity",
    "load",
    "runs moved in",
    "lots moved in",
    "fill rate",
]


def _share(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f} %"


def network_section(view: dict[str, Any]) -> str:
    """The section's HTML: a note with the network's totals, then one row per workshop."""
    since = view["previous_night"] or "none before"
    rows = [
        [
            r["workshop"],
            r["plan_id"],
            r["runs"],
            r["lots"],
            f"{r['planned_minutes']:,}",
            f"{r['capacity_minutes']:,}",
            _share(r["load_share"]),
            r["runs_moved_in"],
            r["lots_moved_in"],
            _share(r["fill_rate"]),
        ]
        for r in view["workshops"]
    ]
    note = (
        f"Night {view['night']} of the network {view['network']} (previous night: {since}). "
        f"Network fill rate {_share(view['fill_rate'])}; {view['runs_moved']} style runs and "
        f"{view['lots_moved']} lots moved between workshops since the previous night. Load = "
        "SAM-minutes of the workshop's lots over its regular SAM-minutes of the horizon."
    )
    body = table(COLUMNS, rows, numeric=COLUMNS[1:], table_id="network-table")
    return f'<section id="network"><h2>Network</h2><p class="note">{esc(note)}</p>{body}</section>'
