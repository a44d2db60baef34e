"""``c2m forecast`` and ``c2m backtest``; :mod:`c2m.forecasts` does the work."""

from __future__ import annotations

from typing import Annotated

import typer

from c2m_cli import api
from c2m_cli.app import settings
from c2m_cli.options import JsonOption
from c2m_cli.progress import fit_progress, say
from c2m_cli.render import print_json
from c2m_cli.render_forecast import render_backtest, render_explanation, render_forecast


def forecast_command(
    ctx: typer.Context,
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Days to forecast.")] = 14,
    method: Annotated[
        str, typer.Option("--method", help="auto, or one model: seasonal_naive, global, ...")
    ] = "auto",
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            metavar="SKU",
            help="Explain SKU's forecast in the newest run instead of forecasting.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Forecast every sellable SKU (launches from analogues) and store the run."""
    st = settings(ctx)
    if explain is not None:
        result = api.explain_forecast(st.engine(), explain)
        print_json(result) if as_json else render_explanation(result)
        return
    with fit_progress(f"forecasting ({method})") as progress:
        summary = api.run_forecast(
            st.engine(),
            horizon=horizon,
            method=method,
            say=say,
            progress=progress,
            guards=st.config().guards,
        )
    if as_json:
        print_json(summary.as_json())
    else:
        render_forecast(summary.as_json())


def backtest_command(
    ctx: typer.Context,
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Days per fold.")] = 7,
    folds: Annotated[int, typer.Option("--folds", min=1, help="Rolling origins.")] = 4,
    methods: Annotated[
        str,
        typer.Option("--methods", help="Comma-separated: auto,seasonal_naive,naive,global,..."),
    ] = "auto,seasonal_naive,naive",
    as_json: JsonOption = False,
) -> None:
    """Rolling-origin backtest on the imported history: WAPE, MASE, bias, pinball, coverage."""
    names = [m.strip() for m in methods.split(",") if m.strip()]
    if not names:
        raise typer.BadParameter("name at least one, e.g. auto,naive", param_hint="--methods")
    st = settings(ctx)
    with fit_progress("backtesting") as progress:
        result = api.run_backtest(
            st.engine(), horizon=horizon, folds=folds, methods=names, say=say, progress=progress
        )
    if as_json:
        print_json(result)
        return
    render_backtest(result, folds, horizon)
