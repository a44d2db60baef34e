"""The ``c2m`` command line: parses arguments, calls :mod:`c2m`, renders with Rich.

No business logic lives here. Data goes to stdout (tables, or one JSON object with
``--json``), people-facing progress and errors to stderr. Every :class:`c2m.errors.C2MError`
becomes one sentence and its documented exit code; anything else is a bug (exit 70) whose
traceback is shown only with ``C2M_DEBUG=1``.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from c2m.errors import C2MError, ExitCode

out = Console(soft_wrap=True)
err = Console(stderr=True)


class _ErrorsToExitCodes(TyperGroup):
    """Turns the application's errors into one line and an exit code, for every sub-command."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except C2MError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            err.print("interrupted: nothing was left half-written")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as exc:
            if os.environ.get("C2M_DEBUG"):
                traceback.print_exc()
            err.print(
                f"[bold red]internal error:[/] {type(exc).__name__}: {exc} "
                "(a bug; run with C2M_DEBUG=1 for the traceback)",
                highlight=False,
            )
            raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _sub_app(help_text: str) -> typer.Typer:
    return typer.Typer(
        help=help_text, cls=_ErrorsToExitCodes, no_args_is_help=True, pretty_exceptions_enable=False
    )


app = typer.Typer(
    help="c2m-planner: live-room signals in, small-lot production plans out.",
    cls=_ErrorsToExitCodes,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@dataclass
class Settings:
    """Global options, shared by every command through the Typer context."""

    db_url: str | None = None
    config_path: Path | None = None

    def engine(self):
        from c2m.db import open_engine

        return open_engine(self.db_url)

    def config(self):
        from c2m.config import load_config

        return load_config(self.config_path)


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (default: $C2M_DATABASE_URL, else sqlite:///c2m.db)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Factory configuration TOML (default: the Humen sample)."
        ),
    ] = None,
) -> None:
    ctx.obj = Settings(db_url=db, config_path=config)


def settings(ctx: typer.Context) -> Settings:
    return ctx.obj if isinstance(ctx.obj, Settings) else Settings()


def print_json(payload: Any) -> None:
    """One JSON object on stdout, machine-readable (dates as ISO strings)."""
    sys.stdout.write(json.dumps(payload, default=str, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


# --- database --------------------------------------------------------------------------------


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the database schema (every other command also does this when it is missing)."""
    from c2m.db import database_url

    settings(ctx).engine()
    err.print(f"database ready: {database_url(settings(ctx).db_url)}")


@app.command("check-config")
def check_config(ctx: typer.Context) -> None:
    """Validate the factory configuration and summarise it."""
    cfg = settings(ctx).config()
    out.print(
        f"{cfg.factory.name}: {len(cfg.lines)} sewing lines "
        f"({sum(line.operators for line in cfg.lines)} operators), "
        f"{len(cfg.categories)} categories, {cfg.calendar.regular_hours_per_day:g} h a day "
        f"on {', '.join(cfg.calendar.workdays)}"
    )


# --- import (CSV exports in; c2m.importing does the work) -------------------------------------

import_app = _sub_app("Import CSV exports: live-room sales, catalogue, inventory, fabric, orders.")
app.add_typer(import_app, name="import")

_FilesArg = Annotated[
    list[Path], typer.Argument(help="CSV files (UTF-8 or GBK; , ; or tab separated).")
]
_DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Check and count everything, write nothing.")
]
_StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Import nothing at all if any row is bad.")
]
_JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def _run_import(ctx: typer.Context, run: Any, files: list[Path], as_json: bool, **options) -> None:
    """Run one import with a progress bar on stderr, then report and exit with its code."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    engine = settings(ctx).engine()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(Path(name).name, total=total)
            bar.update(tasks[name], completed=done)

        result = run(files, engine, progress=progress, **options)
    if as_json:
        print_json(result.to_dict())
    else:
        _render_import(result)
    raise typer.Exit(int(result.exit_code))


def _render_import(result: Any) -> None:
    """The people's summary: counts on stdout, problems on stderr."""
    verb = "would import" if result.dry_run else "imported"
    if result.rolled_back:
        verb = "--strict: nothing imported; would have imported"
    out.print(
        f"{result.kind}: {len(result.files)} file(s)"
        + (f" ({len(result.failed_files)} failed)" if result.failed_files else "")
        + f", {result.rows_read} rows read; {verb} "
        f"{result.rows_imported} new, {result.rows_updated} updated, "
        f"{result.rows_unchanged} unchanged; {result.rows_skipped} skipped "
        f"(blank or totals), {result.rows_rejected} rejected",
        highlight=False,
    )
    if result.new_skus:
        shown = ", ".join(result.new_skus[:20])
        more = f" and {len(result.new_skus) - 20} more" if len(result.new_skus) > 20 else ""
        out.print(f"new SKUs (not in the catalogue yet): {shown}{more}", highlight=False)
    for name, columns in result.ignored_columns.items():
        err.print(f"{name}: ignored column(s) {', '.join(columns)}", highlight=False)
    for issue in result.warnings[:10]:
        err.print(f"warning: {issue}", highlight=False, markup=False, soft_wrap=True)
    hidden = len(result.warnings) - 10 + result.warnings_not_listed
    if hidden > 0:
        err.print(f"... and {hidden} more warnings (see --json)", highlight=False)
    for issue in result.errors[:20]:
        err.print("[bold red]error:[/]", str(issue), highlight=False, soft_wrap=True)
    hidden = len(result.errors) - 20 + result.errors_not_listed
    if hidden > 0:
        err.print(f"... and {hidden} more rejected rows (all kept in table rejected_row)")


@import_app.command("sales")
def import_sales_command(
    ctx: typer.Context,
    files: _FilesArg,
    room: Annotated[
        str | None, typer.Option("--room", help="Room ID for files without a room column.")
    ] = None,
    dry_run: _DryRunOpt = False,
    strict: _StrictOpt = False,
    as_json: _JsonOpt = False,
) -> None:
    """Import live-room sales exports (clicks, carts, orders, rank, price per day and SKU)."""
    from c2m.importing import import_sales

    _run_import(ctx, import_sales, files, as_json, room=room, dry_run=dry_run, strict=strict)


# --- nightly replan (c2m.replan does the work) -------------------------------------------------

_NOW_FORMATS = [
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
]


@app.command("replan")
def replan_command(
    ctx: typer.Context,
    now: Annotated[
        datetime | None,
        typer.Option(
            "--now", formats=_NOW_FORMATS, help="Plan as of this local time (default: now)."
        ),
    ] = None,
    frozen_hours: Annotated[
        float | None,
        typer.Option(
            "--frozen-hours",
            min=0,
            help="Lots starting within this many hours keep "
            "line, times and quantity (default: config solver.frozen_hours, 24).",
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit", min=0.1, help="Solver time limit in seconds (default: config)."
        ),
    ] = None,
    deadline: Annotated[
        float | None,
        typer.Option(
            "--deadline",
            min=0.1,
            help="Finish the whole run within this many minutes; "
            "the solver gets what forecasting leaves.",
        ),
    ] = None,
    log_file: Annotated[
        Path | None,
        typer.Option("--log-file", help="Append one JSON line per run to this file."),
    ] = None,
    mode: Annotated[str, typer.Option("--mode", help="Lot policy: c2m or batch.")] = "c2m",
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Days to plan.")] = 14,
    as_json: _JsonOpt = False,
) -> None:
    """Re-plan from the day's signals, keeping what is on the floor; for cron (exit 75: busy)."""
    from c2m.replan import ReplanOptions, replan

    if mode not in ("c2m", "batch"):
        raise typer.BadParameter("must be c2m or batch", param_hint="--mode")
    cfg = settings(ctx).config()
    engine = settings(ctx).engine()
    options = ReplanOptions(
        now=now,
        mode=mode,
        horizon_days=horizon,
        frozen_hours=frozen_hours,
        time_limit=time_limit,
        deadline_minutes=deadline,
        log_file=log_file,
    )
    outcome = replan(
        engine, cfg, options, progress=lambda msg: err.print(msg, highlight=False, markup=False)
    )
    if as_json:
        print_json(outcome.as_json())
        return
    _render_replan(outcome)


def _render_replan(outcome: Any) -> None:
    from rich.table import Table

    c = outcome.changes
    out.print(
        f"run {outcome.run_id}: plan {outcome.plan_id} published ({outcome.status}), "
        f"replacing plan {outcome.previous_plan_id or '-'}",
        highlight=False,
    )
    if c is not None:
        table = Table("change", "lots", title="what changed against the previous plan")
        for name in (
            "added",
            "removed",
            "moved_line",
            "moved_time",
            "qty_changed",
            "inside_frozen",
            "turned_late",
            "extra_changeovers",
            "completed",
            "unchanged",
        ):
            table.add_row(name.replace("_", " "), str(getattr(c, name)))
        table.add_row("mean / max shift (h)", f"{c.mean_shift_hours:g} / {c.max_shift_hours:g}")
        out.print(table)
    kpis = outcome.kpis or {}
    shown = [
        k for k in ("lots", "planned_units", "changeovers", "fill_rate", "late_lots") if k in kpis
    ]
    if shown:
        out.print(", ".join(f"{k.replace('_', ' ')} {kpis[k]}" for k in shown), highlight=False)


@app.command("runs")
def runs_command(
    ctx: typer.Context,
    last: Annotated[int, typer.Option("--last", min=1, help="How many runs, newest first.")] = 10,
    as_json: _JsonOpt = False,
) -> None:
    """List past replans and their outcome (what did last night do?)."""
    from rich.table import Table

    from c2m.replan import list_runs

    runs = list_runs(settings(ctx).engine(), last=last)
    if as_json:
        print_json(runs)
        return
    if not runs:
        err.print("no replan has run yet (see `c2m replan --help`)")
        return
    table = Table(
        "run", "started", "now", "mode", "status", "exit", "plan", "s", "changes", "message"
    )
    for run in runs:
        ch = run["changes"]
        summary = (
            (
                f"+{ch.get('added', 0)} -{ch.get('removed', 0)} "
                f"~{ch.get('moved_line', 0) + ch.get('moved_time', 0)}"
            )
            if ch
            else ""
        )
        table.add_row(
            str(run["run_id"]),
            str(run["started_at"] or ""),
            str(run["now"] or ""),
            run["mode"],
            run["status"],
            str(run["exit_code"] if run["exit_code"] is not None else ""),
            str(run["plan_id"] or ""),
            str(run["seconds"] if run["seconds"] is not None else ""),
            summary,
            run["message"] or "",
        )
    out.print(table)


# --- sample world (c2m.sample does the work) -----------------------------------------------------


@app.command("sample")
def sample_command(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write the CSV files to.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same world.")] = 7,
    scenario: Annotated[
        str, typer.Option("--scenario", help="Scenario from configs/scenarios.toml.")
    ] = "default",
    history_days: Annotated[int, typer.Option("--history-days", min=14)] = 120,
    future_days: Annotated[int, typer.Option("--future-days", min=0)] = 28,
    scenarios: Annotated[
        Path | None, typer.Option("--scenarios", help="Scenario TOML (default: the shipped one).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object on stdout.")
    ] = False,
) -> None:
    """Generate a sample world: the CSV files merchandisers import, plus truth/ and messy/."""
    from c2m.sample import generate

    world = generate(
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
    out.print(
        f"{summary['scenario']} world, seed {seed}: {summary['styles']} styles, "
        f"{summary['skus']} SKUs, {summary['rooms']} rooms, {summary['signal_rows']} signal rows "
        f"from {summary['start']} to {summary['history_end']}; true demand to "
        f"{summary['future_end']} in truth/ (never import it)",
        highlight=False,
    )
    for path in paths:
        out.print(f"  {path}", highlight=False)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
