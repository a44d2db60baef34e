"""``c2m replan`` (the nightly run, for cron) and ``c2m runs``; :mod:`c2m.replan` does the work."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from c2m.modes import Mode
from c2m_cli import api
from c2m_cli.app import settings
from c2m_cli.network import (
    DaskWorkersOption,
    NetworkOption,
    SchedulerOption,
    refuse_with_network,
    replan_network,
)
from c2m_cli.options import (
    NOW_FORMATS,
    ForceOption,
    JsonOption,
    ModeOption,
    PlanDaysOption,
    ProblemOutOption,
)
from c2m_cli.progress import say_raw
from c2m_cli.render import err, print_json, render_replan, render_runs

# The replan's options, named apart so the command reads as what it does (typer reads the
# ``Annotated`` metadata the same from an alias as from the signature).
NowOption = Annotated[
    datetime | None,
    typer.Option(
        "--now",
        formats=NOW_FORMATS,
        help="Plan as of this factory time (default: now, in factory.timezone).",
    ),
]
FrozenHoursOption = Annotated[
    float | None,
    typer.Option(
        "--frozen-hours",
        min=0,
        help="Lots starting within this many hours keep "
        "line, times and quantity (default: config solver.frozen_hours, 24).",
    ),
]
TimeLimitOption = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        min=0.1,
        help="Solver budget (default: config). Without --deadline the replan is "
        "deterministic and this counts CP-SAT's deterministic units, so the wall time "
        "can be several times longer; use --deadline to bound the wall clock.",
    ),
]
DeadlineOption = Annotated[
    float | None,
    typer.Option(
        "--deadline",
        min=0.1,
        help="Finish the whole run within this many minutes; "
        "the solver gets what forecasting leaves.",
    ),
]
LogFileOption = Annotated[
    Path | None,
    typer.Option("--log-file", help="Append one JSON line per run to this file."),
]
ForecastMethodOption = Annotated[
    str, typer.Option("--forecast-method", help="Forecasting model alias, or auto.")
]


def _show_outcome(outcome: Any, as_json: bool) -> None:
    """Warnings to stderr (cron mails them), then the outcome as JSON or a table."""
    for warning in outcome.warnings:
        say_raw(f"warning: {warning}")
    if as_json:
        print_json(outcome.as_json())
        return
    render_replan(outcome)


def replan_command(
    ctx: typer.Context,
    now: NowOption = None,
    frozen_hours: FrozenHoursOption = None,
    time_limit: TimeLimitOption = None,
    deadline: DeadlineOption = None,
    log_file: LogFileOption = None,
    mode: ModeOption = Mode.C2M,
    horizon: PlanDaysOption = 14,
    forecast_method: ForecastMethodOption = "auto",
    force: ForceOption = False,
    problem_out: ProblemOutOption = None,
    as_json: JsonOption = False,
    network: NetworkOption = None,
    scheduler: SchedulerOption = None,
    dask_workers: DaskWorkersOption = None,
) -> None:
    """Re-plan from the day's signals, keeping what is on the floor; for cron (exit 75: busy;
    exit 65: the data look wrong, the plan is stored but not made current; see --force).
    With --network, every workshop of the network (exit 2: some kept their previous plan)."""
    if network is not None:
        refuse_with_network(force=force, problem_out=problem_out)
    elif scheduler is not None or dask_workers is not None:
        refuse_without_network(scheduler=scheduler, dask_workers=dask_workers)
    if problem_out is not None:
        api.check_problem_path(problem_out)
    engine = settings(ctx).engine()
    options = api.ReplanOptions(
        now=now,
        mode=mode.value,
        horizon_days=horizon,
        frozen_hours=frozen_hours,
        time_limit=time_limit,
        deadline_minutes=deadline,
        log_file=log_file,
        forecast_method=forecast_method,
        force=force,
        problem_out=problem_out,
    )
    if network is not None:
        cluster = api.EngineOptions(scheduler=scheduler, workers=dask_workers)
        replan_network(engine, network, options, cluster, as_json)
        return
    outcome = api.replan(engine, settings(ctx).config(), options, progress=say_raw)
    _show_outcome(outcome, as_json)


def refuse_without_network(**given: object) -> None:
    """--scheduler and --dask-workers only mean something for a network's night."""
    named = [f"--{name.replace('_', '-')}" for name, value in given.items() if value is not None]
    raise typer.BadParameter(f"{', '.join(named)} only apply with --network")


def runs_command(
    ctx: typer.Context,
    last: Annotated[int, typer.Option("--last", min=1, help="How many runs, newest first.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """List past replans and their outcome (what did last night do?)."""
    runs = api.list_runs(settings(ctx).engine(), last=last)
    if as_json:
        print_json(runs)
        return
    if not runs:
        err.print("no replan has run yet (see `c2m replan --help`)")
        return
    render_runs(runs)
