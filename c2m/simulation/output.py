"""``--out DIR``: the daily series as CSV, the season figures as JSON and the HTML chart page."""

from __future__ import annotations

import json
from pathlib import Path

from c2m.simulation.season import SimulationResult


def write_outputs(result: SimulationResult, directory: str | Path) -> list[Path]:
    """Write ``daily.csv``, ``summary.json`` and ``simulation.html`` into ``directory``."""
    from c2m.report.simulation_page import write_simulation_report

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    daily = out / "daily.csv"
    result.daily.to_csv(daily, index=False, lineterminator="\n", date_format="%Y-%m-%d")
    summary = out / "summary.json"
    summary.write_text(json.dumps(result.as_json(), indent=2, default=str) + "\n")
    settings = result.as_json()["settings"]
    page = write_simulation_report(
        result.daily,
        out / "simulation.html",
        summary=result.modes,
        title=f"Season simulation ({settings['scenario']}, seed {settings['seed']}): "
        + " vs ".join(settings["modes"]),
        notes={
            "days": settings["days"],
            "forecast": settings["forecast_method"],
            "solver limit": f"{settings['time_limit']} s/plan",
            "backorders wait": f"{settings['max_wait_days']} days",
        },
    )
    return [daily, summary, page]
