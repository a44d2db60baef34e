"""``c2m simulate``: a season day by day, batch versus C2M; :mod:`c2m.simulation` does the work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from c2m_cli import api
from c2m_cli.app import settings
from c2m_cli.options import JsonOption
from c2m_cli.render import err, print_json, print_paths
from c2m_cli.render_simulation import render_simulation


def simulate_command(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", min=1, help="Days in the season.")] = 28,
    modes: Annotated[
        str,
        typer.Option(
            "--modes",
            help="Lot policies to compare, comma-separated: batch, c2m, oracle (C2M fed the "
            "true demand).",
        ),
    ] = "batch,c2m",
    seed: Annotated[int, typer.Option("--seed", help="World and disturbance seed.")] = 7,
    scenario: Annotated[
        str, typer.Option("--scenario", help="Scenario from the bundled scenarios.toml.")
    ] = "default",
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Solver budget per daily plan (deterministic seconds; wall time is longer).",
        ),
    ] = 1.5,
    history_days: Annotated[int, typer.Option("--history-days", min=14)] = 120,
    styles: Annotated[
        int | None,
        typer.Option("--styles", min=1, help="Styles in the world (default: the scenario's)."),
    ] = None,
    forecast_method: Annotated[
        str,
        typer.Option("--forecast-method", help="Forecast model, as for c2m forecast."),
    ] = "auto",
    load: Annotated[
        float | None,
        typer.Option(
            "--load",
            help="Season demand as a share of regular sewing capacity (default: the scenario's).",
        ),
    ] = None,
    preseason_days: Annotated[
        float | None,
        typer.Option(
            "--preseason-days",
            min=0,
            help="Days of the lines' capacity batch may build its season stock in before day 1 "
            "(default: the season's length; 0: no pre-season build).",
        ),
    ] = None,
    as_json: JsonOption = False,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Write daily.csv, summary.json and simulation.html here."),
    ] = None,
) -> None:
    """Run a season day by day on a sample world and score each lot policy on the truth."""
    options = api.SimulationOptions(
        days=days,
        modes=tuple(m.strip() for m in modes.split(",") if m.strip()),
        seed=seed,
        scenario=scenario,
        time_limit=time_limit,
        history_days=history_days,
        forecast_method=forecast_method,
        world_overrides=(("styles", styles),) if styles else (),
        load=load,
        preseason_days=preseason_days,
    )
    with err.status("simulating...") as status:
        result = api.simulate(
            options,
            config=settings(ctx).config(),
            progress=lambda msg: status.update(msg),
        )
    written = api.write_outputs(result, out_dir) if out_dir is not None else []
    if as_json:
        print_json({**result.as_json(), "files": [str(p) for p in written]})
        return
    render_simulation(result, scenario, days, seed)
    print_paths(written)
