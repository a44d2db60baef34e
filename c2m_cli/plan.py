"""``c2m plan``, ``plans``, ``show``, ``compare`` and ``export``: make, list, view, compare and
export production plans; :mod:`c2m.planning` and :mod:`c2m.export` do the work."""

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
    plan_network,
    refuse_with_network,
)
from c2m_cli.options import (
    NOW_FORMATS,
    ExportFormat,
    ForceOption,
    JsonOption,
    ModeOption,
    PlanDaysOption,
    ProblemOutOption,
)
from c2m_cli.progress import say
from c2m_cli.render import err, out, print_json
from c2m_cli.render_plan import (
    render_comparison,
    render_network_view,
    render_plan_summary,
    render_plans,
    render_schedule,
)

PlanStartOption = Annotated[
    datetime | None,
    typer.Option("--start", formats=NOW_FORMATS, help="Plan start (default: first forecast day)."),
]
PlanTimeLimitOption = Annotated[
    float | None,
    typer.Option("--time-limit", min=0.1, help="Solver seconds (default: config)."),
]
DeterministicOption = Annotated[
    bool,
    typer.Option("--deterministic", help="Same plan for the same inputs (may overrun)."),
]
GuardsNowOption = Annotated[
    datetime | None,
    typer.Option(
        "--now",
        formats=NOW_FORMATS,
        help="The factory's today, for the guards (default: its clock).",
    ),
]
MissingSkuStrictOption = Annotated[
    bool,
    typer.Option(
        "--strict", help="Stop (exit 65) on a SKU missing from the catalogue; default: skip it."
    ),
]


def plan_command(
    ctx: typer.Context,
    mode: ModeOption = Mode.C2M,
    horizon: PlanDaysOption = 14,
    start: PlanStartOption = None,
    time_limit: PlanTimeLimitOption = None,
    deterministic: DeterministicOption = False,
    now: GuardsNowOption = None,
    force: ForceOption = False,
    problem_out: ProblemOutOption = None,
    strict: MissingSkuStrictOption = False,
    as_json: JsonOption = False,
    network: NetworkOption = None,
    scheduler: SchedulerOption = None,
    dask_workers: DaskWorkersOption = None,
) -> None:
    """Plan production from the latest forecast: lots, schedule, KPIs; stored as current.

    A plan that looks like bad input (a start far from today, no lots for real demand, far
    fewer SKUs or units than usual) is stored but not made current: exit 65, unless --force.
    With --network, every workshop of the network is planned (docs/network.md)."""
    st = settings(ctx)
    if network is not None:
        refuse_with_network(now=now, force=force, problem_out=problem_out, strict=strict)
        plan_network(
            st.engine(),
            network,
            mode.value,
            horizon,
            start,
            time_limit,
            deterministic,
            scheduler,
            dask_workers,
            as_json,
        )
        return
    if problem_out is not None:
        api.check_problem_path(problem_out)
    with err.status(f"planning ({mode.value})..."):
        plan_id, result = api.plan_and_store(
            st.engine(),
            st.config(),
            mode=mode.value,
            horizon_days=horizon,
            start=start,
            time_limit=time_limit,
            deterministic=deterministic,
            say=say,
            now=now,
            force=force,
            strict=strict,
        )
    if result.skipped_skus:
        err.print(f"warning: {api.skipped_message(result.skipped_skus)}", highlight=False)
    summary = {"plan_id": plan_id, **result.as_json()}
    if problem_out is not None:
        written = api.write_problem(result, problem_out, {"plan_id": plan_id})
        say(f"problem written to {written}")
    if as_json:
        print_json(summary)
    else:
        render_plan_summary(summary)


def plans_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """List stored plans; the current one per mode (and per workshop of a network) is what the
    floor works to."""
    with api.session_scope(settings(ctx).engine()) as session:
        rows = [_plan_row(p) for p in api.list_plans(session)]
    if as_json:
        print_json({"plans": rows})
        return
    render_plans(rows)


def _plan_row(plan: Any) -> dict[str, Any]:
    """A stored plan as one row of ``c2m plans`` (and of its JSON)."""
    kpis = plan.kpis or {}
    return {
        "plan_id": plan.id,
        "mode": plan.mode,
        "status": plan.status,
        "created_at": plan.created_at,
        "start": plan.start,
        "horizon_days": plan.horizon_days,
        "lots": kpis.get("lots"),
        "fill_rate": kpis.get("fill_rate"),
        "current": bool(plan.is_current),
        "workshop": plan.workshop or "",
    }


def show_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="Plan id (see c2m plans).")],
    line: Annotated[str | None, typer.Option("--line", help="Only this resource.")] = None,
    date: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="Only operations on this day."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Print a plan's schedule per line (Rich tables)."""
    with api.session_scope(settings(ctx).engine()) as session:
        day = date.date() if date else None
        lines = [ln.id for ln in settings(ctx).config().lines] if line is not None else ()
        summary, rows = api.schedule_rows(session, plan_id, line=line, day=day, lines=lines)
    if as_json:
        print_json({**summary, "operations": rows})
        return
    render_schedule(summary, rows)


def compare_command(
    ctx: typer.Context,
    plan_a: Annotated[int, typer.Argument(help="First plan id.")],
    plan_b: Annotated[int, typer.Argument(help="Second plan id.")],
    network: Annotated[
        bool,
        typer.Option(
            "--network",
            help="The network view of both plans' nights (load, moves, fill rate); "
            "shown anyway when both are a network's plans.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Two plans' KPIs side by side (batch versus C2M); for two plans of a network's nights,
    also the network view: load per workshop, lots moved since the earlier night, fill rate."""
    with api.session_scope(settings(ctx).engine()) as session:
        comparison = api.compare_plans(session, plan_a, plan_b)
        view = api.compare_networks(session, plan_a, plan_b, required=network)
    if view is not None:
        comparison["network"] = view
    if as_json:
        print_json(comparison)
        return
    render_comparison(comparison)
    if view is not None:
        render_network_view(view)


def export_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="Plan id (see c2m plans).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="csv or xlsx.")] = ExportFormat.CSV,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write into.")] = Path(
        "export"
    ),
    as_json: JsonOption = False,
) -> None:
    """Shop-floor work orders per line, day and shift: CSV or one XLSX sheet per line."""
    with api.session_scope(settings(ctx).engine()) as session:
        written = api.export_plan(session, plan_id, fmt.value, out_dir, settings(ctx).config())
    if as_json:
        print_json({"plan_id": plan_id, "format": fmt.value, "files": [str(p) for p in written]})
        return
    for path in written:
        out.print(str(path), highlight=False)
