"""``c2m plan --network FILE``: the network's night (allocate, plan every workshop, store)
and its table; :mod:`c2m.network` does the work."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from c2m_cli import api
from c2m_cli.progress import say, say_raw
from c2m_cli.render import err, out, print_json

NetworkOption = Annotated[
    Path | None,
    typer.Option(
        "--network",
        help="Plan a network of workshops (a network TOML, see docs/network.md).",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="C2M_DASK_SCHEDULER",
        help="With --network: a Dask scheduler (tcp://HOST:8786); default a local cluster.",
    ),
]
DaskWorkersOption = Annotated[
    int | None,
    typer.Option(
        "--dask-workers", min=1, help="With --network: local Dask workers (default: cores)."
    ),
]


def plan_network(
    ctx_engine: Any,
    network: Path,
    mode: str,
    horizon: int,
    start: datetime | None,
    time_limit: float | None,
    deterministic: bool,
    scheduler: str | None,
    dask_workers: int | None,
    as_json: bool,
) -> None:
    """Run the network's plan and render it; exit 2 when a workshop's plan failed (the
    others are stored)."""
    cluster = api.EngineOptions(scheduler=scheduler, workers=dask_workers)
    with err.status("planning the network..."):
        result = api.plan_network_file(
            ctx_engine,
            network,
            mode=mode,
            horizon_days=horizon,
            start=start,
            time_limit=time_limit,
            deterministic=deterministic,
            cluster=cluster,
            say=say,
        )
    summary = result.as_json()
    if as_json:
        print_json(summary)
    else:
        render_network(summary)
    for name, message in result.failures.items():
        err.print(f"error: workshop {name}: its plan failed ({message})", highlight=False)
    if result.failures:
        raise typer.Exit(2)


def refuse_with_network(**given: Any) -> None:
    """What a network's night does not do yet (docs/network.md): refuse those options with one
    sentence (exit 64) rather than run without what was asked for."""
    named = [f"--{name.replace('_', '-')}" for name, value in given.items() if value]
    if named:
        raise typer.BadParameter(
            f"{', '.join(named)} cannot be used with --network yet: "
            "run the network without it, or one factory with it"
        )


def replan_network(
    ctx_engine: Any, network: Path, options: Any, cluster: Any, as_json: bool
) -> None:
    """Run the network's night and render it; exit 2 when a workshop kept its previous plan
    (the others published)."""
    result = api.replan_network_file(ctx_engine, network, options, cluster, say=say_raw)
    for outcome in result.nights.values():
        for warning in outcome.warnings:
            say_raw(f"warning: workshop {outcome.workshop}: {warning}")
    if as_json:
        print_json(result.as_json())
    else:
        render_network_replan(result.as_json())
    for name, message in result.failures.items():
        err.print(f"error: workshop {name}: {message}", highlight=False)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def render_network_replan(summary: dict[str, Any]) -> None:
    """One row per workshop: its run, its new plan (or the one it keeps), what changed."""
    table = Table(title=f"network replan: {summary['network']}", box=box.HEAVY_HEAD)
    for name in ("workshop", "run", "status", "plan", "previous", "lots", "fill rate", "changes"):
        table.add_column(name, justify="left" if name in ("workshop", "status") else "right")
    for row in summary["workshops"]:
        ch, kpis = row["changes"], row["kpis"]
        moved = ch.get("moved_line", 0) + ch.get("moved_time", 0)
        table.add_row(
            row["workshop"],
            str(row["run_id"] or "-"),
            row["status"],
            str(row["plan_id"] or "-"),
            str(row["previous_plan_id"] or "-"),
            str(kpis.get("lots", "-")),
            _pct(kpis.get("fill_rate")),
            f"+{ch.get('added', 0)} -{ch.get('removed', 0)} ~{moved}" if ch else "",
        )
    out.print(table)
    a = summary["allocation"]
    if a is not None:
        gap = "-" if a["gap"] is None else f"{100 * a['gap']:.2f} %"
        out.print(
            f"allocation {a['status']}: {a['runs']} style runs, {a['unserved_runs']} unserved, "
            f"cost {a['objective']:,.2f} CNY, gap {gap}; {summary['engine']} engine, "
            f"{summary['workers']} worker(s)",
            highlight=False,
        )


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def render_network(summary: dict[str, Any]) -> None:
    """Load per workshop (SAM-minutes and share of capacity), lots, fill rate; then the
    network's fill rate and how good the allocation is."""
    table = Table(title=f"network plan: {summary['network']}", box=box.HEAVY_HEAD)
    for name in ("workshop", "plan", "runs", "lots", "load (SAM-min)", "capacity", "load share"):
        table.add_column(name, justify="left" if name == "workshop" else "right")
    table.add_column("fill rate", justify="right")
    for row in summary["workshops"]:
        table.add_row(
            row["workshop"],
            "-" if row["plan_id"] is None else str(row["plan_id"]),
            str(row["runs"]),
            "-" if row["lots"] is None else str(row["lots"]),
            f"{row['load_minutes']:,}",
            f"{row['capacity_minutes']:,}",
            _pct(row["load_share"]),
            _pct(row["fill_rate"]),
        )
    out.print(table)
    a = summary["allocation"]
    gap = "-" if a["gap"] is None else f"{100 * a['gap']:.2f} %"
    base = a["baseline_objective"]
    base_text = "breaks a minimum load" if base is None else f"{base:,.2f}"
    out.print(
        f"network fill rate {_pct(summary['fill_rate'])}; {summary['unserved_runs']} style runs "
        f"unserved; allocation {a['status']}: cost {a['objective']:,.2f} CNY, bound "
        f"{a['bound']:,.2f}, gap {gap} (capacity-share baseline {base_text})",
        highlight=False,
    )
