"""``c2m sample`` (a generated world of CSV exports) and ``c2m demo`` (the tour on sample data)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from c2m_cli import api
from c2m_cli.app import settings
from c2m_cli.options import JsonOption
from c2m_cli.progress import say
from c2m_cli.render import print_json, render_sample
from c2m_cli.render_plan import render_demo


def sample_command(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the CSV files to.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same world.")] = 7,
    scenario: Annotated[
        str, typer.Option("--scenario", help="Scenario from the bundled scenarios.toml.")
    ] = "default",
    history_days: Annotated[int, typer.Option("--history-days", min=14)] = 120,
    future_days: Annotated[int, typer.Option("--future-days", min=0)] = 28,
    scenarios: Annotated[
        Path | None, typer.Option("--scenarios", help="Scenario TOML (default: the shipped one).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Generate a sample world: the CSV files merchandisers import, plus truth/ and messy/."""
    world = api.generate(
        seed,
        scenario,
        history_days=history_days,
        future_days=future_days,
        config=settings(ctx).config(),
        scenarios_path=scenarios,
    )
    paths = world.write_csv(out_dir)
    summary = {**world.summary(), "out": str(out_dir), "files": [str(p) for p in paths]}
    if as_json:
        print_json(summary)
        return
    render_sample(summary, seed, paths)


def demo_command(
    ctx: typer.Context,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Sample data directory (default: the bundled sample world)."),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the export.")] = Path(
        "demo_out"
    ),
    reset: Annotated[
        bool, typer.Option("--reset", help="Empty a database that holds data first (deletes it!).")
    ] = False,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=1, help="Solver seconds per plan.")
    ] = 20.0,
    forecast_method: Annotated[
        str, typer.Option("--forecast-method", help="auto, or one model (see c2m forecast).")
    ] = "auto",
    as_json: JsonOption = False,
) -> None:
    """Import the sample data, forecast, plan batch and C2M, compare, export: the tour."""
    st = settings(ctx)
    outcome = api.run_demo(
        st.db_url,
        st.config(),
        data_dir=data,
        out_dir=out_dir,
        reset=reset,
        time_limit=time_limit,
        forecast_method=forecast_method,
        say=say,
    )
    if as_json:
        print_json(outcome)
        return
    render_demo(outcome)
