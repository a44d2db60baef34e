"""The ``c2m`` command line: parses arguments, calls :mod:`c2m`, renders with Rich.

No business logic lives here. Data goes to stdout (tables, or one JSON object with
``--json``), people-facing progress and errors to stderr. Every :class:`c2m.errors.C2MError`
becomes one sentence and its documented exit code; anything else is a bug (exit 70) whose
traceback is shown only with ``C2M_DEBUG=1``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from c2m.errors import C2MError, ExitCode, sigterm_as_interrupt
from c2m.logs import FILE_ONLY

# Piped into a file, less or a cron log, Rich would squeeze tables into 80 columns and cut
# dates and statuses short; give them room unless the user set COLUMNS.
out = Console(
    soft_wrap=True,
    width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 200,
)
err = Console(stderr=True)


def _json_failure(as_json: bool, message: str, code: ExitCode) -> None:
    """With ``--json``, a failed command still prints one object on stdout (a script reading
    it then sees why, not an empty stream); the sentence goes to stderr as always."""
    logging.getLogger("c2m.command").error(message, extra={"exit_code": int(code), **FILE_ONLY})
    if as_json:
        print_json({"error": message, "exit_code": int(code)})


class _ErrorsToExitCodes(TyperGroup):
    """Turns the application's errors into one line and an exit code, for every sub-command."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        # A bare `c2m` (help shown, nothing done) is a usage error like a bare `c2m import`:
        # 64, not Click's 2, which here means "partly done".
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as exc:
            if getattr(exc, "exit_code", None) == 2:
                exc.exit_code = int(ExitCode.USAGE)
            raise

    def invoke(self, ctx: typer.Context) -> Any:
        if ctx.parent is None:  # the whole command: its closing record in the log
            from c2m.logs import command_finished

            return command_finished(ctx, lambda: self._invoke(ctx))
        return self._invoke(ctx)

    def _invoke(self, ctx: typer.Context) -> Any:
        # The sub-command's arguments, read now: invoking consumes them.
        as_json = "--json" in [*getattr(ctx, "_protected_args", ()), *ctx.args]
        try:
            with sigterm_as_interrupt():
                return super().invoke(ctx)
        except C2MError as exc:
            err.print(
                f"[bold red]error:[/] {escape(str(exc))}",
                highlight=False,
                markup=True,
                soft_wrap=True,
            )
            _json_failure(as_json, str(exc), exc.exit_code)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            err.print("interrupted: nothing was left half-written")
            raise typer.Exit(130) from None
        except typer.TyperException as exc:
            # Click's usage errors exit 2, which here means "partly done": use EX_USAGE instead.
            if getattr(exc, "exit_code", None) == 2:
                exc.exit_code = int(ExitCode.USAGE)
            raise
        except (typer.Exit, typer.Abort):
            raise
        except OSError as exc:
            # A file or folder the user named cannot be read or written (missing, a directory,
            # no permission, disk full): their environment, not a bug.
            where = exc.filename if exc.filename is not None else "a file"
            message = f"cannot use {where}: {exc.strerror or exc}"
            err.print(
                f"[bold red]error:[/] {escape(message)}",
                highlight=False,
                markup=True,
                soft_wrap=True,
            )
            _json_failure(as_json, message, ExitCode.FAILED)
            raise typer.Exit(int(ExitCode.FAILED)) from None
        except Exception as exc:
            logging.getLogger("c2m.command").error("internal error", exc_info=True, extra=FILE_ONLY)
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
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, pwsh
)


class Mode(StrEnum):
    """Lot policies, as choices the help lists (not ``<str>``)."""

    c2m = "c2m"
    batch = "batch"


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


@dataclass
class Settings:
    """Global options, shared by every command through the Typer context."""

    db_url: str | None = None
    config_path: Path | None = None
    warned: bool = False

    def engine(self):
        from c2m.db import open_engine

        return open_engine(self.db_url)

    def config(self):
        """The factory config (--config, $C2M_CONFIG, ./c2m.toml, else the bundled sample, with
        a warning); its time zone becomes the process's clock (c2m.clock)."""
        from c2m.clock import use_zone
        from c2m.config import discover_config, load_config

        source = discover_config(self.config_path)
        if source.bundled and not self.warned:
            self.warned = True
            err.print(
                "warning: no factory config (--config, $C2M_CONFIG or ./c2m.toml): using the "
                "bundled Humen sample factory; `c2m init --config-template` writes one to edit",
                highlight=False,
                soft_wrap=True,
            )
        cfg = load_config(source.path)
        use_zone(cfg)
        return cfg


def _show_version(value: bool) -> None:
    """``c2m --version``: the installed distribution's version."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            shown = version("c2m-planner")
        except PackageNotFoundError:  # run from a checkout that was never installed
            shown = "unknown (not installed)"
        out.print(f"c2m-planner {shown}", highlight=False)
        raise typer.Exit(0)


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
            "--config",
            "-c",
            help="Factory configuration TOML (default: $C2M_CONFIG, else ./c2m.toml, "
            "else the bundled Humen sample, with a warning).",
        ),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More on stderr (-vv: debug).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")] = False,
    log_file: Annotated[
        Path | None,
        typer.Option("--log-file", help="Append this command's log here, one JSON per line."),
    ] = None,
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    from c2m.logs import command_started, configure

    configure(-1 if quiet else verbose, log_file)
    command_started(ctx)
    ctx.obj = Settings(db_url=db, config_path=config)


def settings(ctx: typer.Context) -> Settings:
    return ctx.obj if isinstance(ctx.obj, Settings) else Settings()


def print_json(payload: Any) -> None:
    """One JSON object on stdout, machine-readable (dates as ISO strings)."""
    sys.stdout.write(json.dumps(payload, default=str, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


# --- database --------------------------------------------------------------------------------


@app.command()
def init(
    ctx: typer.Context,
    config_template: Annotated[
        bool,
        typer.Option("--config-template", help="Write a commented factory config to PATH instead."),
    ] = False,
    path: Annotated[
        Path | None, typer.Argument(help="Where --config-template writes (default: c2m.toml).")
    ] = None,
) -> None:
    """Create the database schema (every other command also does this when it is missing)."""
    from c2m.db import database_url

    if config_template or path is not None:
        from c2m.config import LOCAL_NAME, write_config_template

        written = write_config_template(path or Path(LOCAL_NAME))
        err.print(f"wrote {written}: edit it, then `c2m --config {written} check-config`")
        return
    settings(ctx).engine()
    err.print(f"database ready: {database_url(settings(ctx).db_url)}")


db_app = _sub_app("Schema versions: `c2m db current` shows, `c2m db upgrade` migrates.")
app.add_typer(db_app, name="db")


@db_app.command("current")
def db_current(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """The database's schema version and this c2m's (no change is made)."""
    from c2m.db import database_url, get_engine, guarded
    from c2m.schema import state

    url = database_url(settings(ctx).db_url)
    engine = get_engine(url)
    found = guarded(engine, lambda: state(engine))
    payload = {"current": found.current, "head": found.head, "up_to_date": found.up_to_date}
    if as_json:
        print_json(payload)
        return
    note = "up to date" if found.up_to_date else "run `c2m db upgrade` (after a backup)"
    if found.current is None and not found.tables:
        note = "a new database: any command creates it at the newest version"
    out.print(f"schema {found.current or 'none'}; this c2m needs {found.head}: {note}")


@db_app.command("upgrade")
def db_upgrade(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Migrate the database to this c2m's schema version (take a backup first)."""
    from c2m.db import database_url, get_engine, guarded, shown_url
    from c2m.schema import upgrade

    url = database_url(settings(ctx).db_url)
    engine = get_engine(url)
    before, after = guarded(engine, lambda: upgrade(engine, shown_url(url)))
    if as_json:
        print_json({"before": before.current, "after": after})
        return
    done = "already" if before.current == after else f"upgraded from {before.current or 'none'}"
    out.print(f"{shown_url(url)}: {done} at schema {after}", highlight=False)


@app.command("check-config")
def check_config(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Validate the factory configuration and summarise it."""
    cfg = settings(ctx).config()
    if as_json:
        print_json(
            {
                "factory": cfg.factory.name,
                "lines": [line.id for line in cfg.lines],
                "operators": sum(line.operators for line in cfg.lines),
                "categories": sorted(cfg.categories),
                "regular_hours_per_day": cfg.calendar.regular_hours_per_day,
                "workdays": list(cfg.calendar.workdays),
            }
        )
        return
    out.print(
        f"{cfg.factory.name}: {len(cfg.lines)} sewing lines "
        f"({sum(line.operators for line in cfg.lines)} operators), "
        f"{len(cfg.categories)} categories, {cfg.calendar.regular_hours_per_day:g} h a day "
        f"on {', '.join(cfg.calendar.workdays)}"
    )


# --- import (CSV exports in; c2m.importing does the work) -------------------------------------

import_app = _sub_app(
    "Import CSV exports: live-room sales, catalogue, inventory, fabric, orders, room schedule."
)
app.add_typer(import_app, name="import")

_FilesArg = Annotated[
    list[Path], typer.Argument(help="CSV (UTF-8 or GBK; , ; or tab separated) or .xlsx files.")
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

    settings(ctx).config()  # the factory's zone decides the sales day of a stamp with an offset
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
    counts = (result.rows_imported, result.rows_updated, result.rows_unchanged)
    if result.rolled_back:
        verb = "--strict: nothing imported; would have imported"
        counts = result.rolled_back_counts
    new, updated, unchanged = counts
    out.print(
        f"{result.kind}: {len(result.files)} file(s)"
        + (f" ({len(result.failed_files)} failed)" if result.failed_files else "")
        + f", {result.rows_read} rows read; {verb} "
        f"{new} new, {updated} updated, {unchanged} unchanged; {result.rows_skipped} skipped "
        f"(blank or totals), {result.rows_rejected} rejected",
        highlight=False,
    )
    if result.new_skus:
        shown = ", ".join(result.new_skus[:20])
        more = f" and {len(result.new_skus) - 20} more" if len(result.new_skus) > 20 else ""
        out.print(f"new SKUs (not in the catalogue yet): {shown}{more}", highlight=False)
    if result.new_rooms:
        out.print(f"new rooms (first seen here): {', '.join(result.new_rooms)}", highlight=False)
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


@import_app.command("catalog")
def import_catalog_command(
    ctx: typer.Context,
    files: _FilesArg,
    dry_run: _DryRunOpt = False,
    strict: _StrictOpt = False,
    as_json: _JsonOpt = False,
) -> None:
    """Import the product catalogue: one row per SKU with its style's fields."""
    from c2m.importing import import_catalog

    _run_import(ctx, import_catalog, files, as_json, dry_run=dry_run, strict=strict)


@import_app.command("inventory")
def import_inventory_command(
    ctx: typer.Context,
    files: _FilesArg,
    dry_run: _DryRunOpt = False,
    strict: _StrictOpt = False,
    as_json: _JsonOpt = False,
) -> None:
    """Import finished goods on hand per SKU."""
    from c2m.importing import import_inventory

    _run_import(ctx, import_inventory, files, as_json, dry_run=dry_run, strict=strict)


@import_app.command("fabric")
def import_fabric_command(
    ctx: typer.Context,
    files: _FilesArg,
    dry_run: _DryRunOpt = False,
    strict: _StrictOpt = False,
    as_json: _JsonOpt = False,
) -> None:
    """Import fabric on hand (rows without due_date) and deliveries on order."""
    from c2m.importing import import_fabric

    _run_import(ctx, import_fabric, files, as_json, dry_run=dry_run, strict=strict)


@import_app.command("orders")
def import_orders_command(
    ctx: typer.Context,
    files: _FilesArg,
    dry_run: _DryRunOpt = False,
    strict: _StrictOpt = False,
    as_json: _JsonOpt = False,
) -> None:
    """Import confirmed open orders (reference, SKU, due date, quantity)."""
    from c2m.importing import import_orders

    _run_import(ctx, import_orders, files, as_json, dry_run=dry_run, strict=strict)


@import_app.command("schedule")
def import_schedule_command(
    ctx: typer.Context,
    files: _FilesArg,
    dry_run: _DryRunOpt = False,
    strict: _StrictOpt = False,
    as_json: _JsonOpt = False,
) -> None:
    """Import the rooms' planned broadcasts and promotions (room, date, broadcast, promotion).

    The forecast reads the days ahead of it as known: a room off air sells little."""
    from c2m.importing import import_schedule

    _run_import(ctx, import_schedule, files, as_json, dry_run=dry_run, strict=strict)


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
            "--now",
            formats=_NOW_FORMATS,
            help="Plan as of this factory time (default: now, in factory.timezone).",
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
            "--time-limit",
            min=0.1,
            help="Solver budget (default: config). Without --deadline the replan is "
            "deterministic and this counts CP-SAT's deterministic units, so the wall time "
            "can be several times longer; use --deadline to bound the wall clock.",
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
    mode: Annotated[Mode, typer.Option("--mode", help="Lot policy.")] = Mode.c2m,
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Days to plan.")] = 14,
    forecast_method: Annotated[
        str, typer.Option("--forecast-method", help="Forecasting model alias, or auto.")
    ] = "auto",
    as_json: _JsonOpt = False,
) -> None:
    """Re-plan from the day's signals, keeping what is on the floor; for cron (exit 75: busy)."""
    from c2m.replan import ReplanOptions, replan

    cfg = settings(ctx).config()
    engine = settings(ctx).engine()
    options = ReplanOptions(
        now=now,
        mode=mode.value,
        horizon_days=horizon,
        frozen_hours=frozen_hours,
        time_limit=time_limit,
        deadline_minutes=deadline,
        log_file=log_file,
        forecast_method=forecast_method,
    )
    outcome = replan(
        engine,
        cfg,
        options,
        progress=lambda msg: err.print(msg, highlight=False, markup=False, soft_wrap=True),
    )
    for warning in outcome.warnings:
        err.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)
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
    from rich import box

    table = Table(
        title="replan runs, newest first",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for col in ("run", "started", "now", "mode", "status", "exit", "plan", "sec", "changes"):
        table.add_column(col, no_wrap=True)

    def when(value: Any) -> str:
        return f"{value:%m-%d %H:%M}" if value is not None else ""

    for run in runs:
        ch = run["changes"]
        summary = (
            f"+{ch.get('added', 0)} -{ch.get('removed', 0)} "
            f"~{ch.get('moved_line', 0) + ch.get('moved_time', 0)}"
            if ch
            else ""
        )
        table.add_row(
            str(run["run_id"]),
            when(run["started_at"]),
            when(run["now"]),
            run["mode"],
            run["status"],
            str(run["exit_code"] if run["exit_code"] is not None else ""),
            str(run["plan_id"] or ""),
            f"{run['seconds']:g}" if run["seconds"] is not None else "",
            summary,
        )
    out.print(table)
    for run in runs:  # why a run did not publish: the one thing worth reading in full
        if run["exit_code"] not in (0, None) or run["status"] in ("aborted", "running"):
            out.print(f"run {run['run_id']} ({run['status']}): {run['message']}", highlight=False)
        skipped = (run.get("kpis") or {}).get("skipped_skus")
        if skipped:
            from c2m.planning.unknown import skipped_message

            out.print(f"run {run['run_id']}: {skipped_message(skipped)}", highlight=False)


# --- sample world (c2m.sample does the work) -----------------------------------------------------


@app.command("sample")
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


# --- simulate: a season, batch vs C2M (c2m.simulation does the work) -------------------------

SIMULATION_ROWS = (
    ("fill_rate", "fill rate (same day)"),
    ("service_rate", "shipped / demand"),
    ("lost_units", "lost units"),
    ("lost_value", "lost sales value"),
    ("avg_inventory_units", "average stock, units"),
    ("days_of_cover", "days of cover"),
    ("end_inventory_units", "unsold at season end, units"),
    ("end_inventory_value", "unsold at season end, value at cost"),
    ("end_inventory_share", "unsold / season demand"),
    ("markdown_cost", "markdown to clear it"),
    ("end_wip_units", "still on the floor at the end"),
    ("mean_lead_time_days", "mean days demand -> shipment"),
    ("lots", "lots cut"),
    ("mean_lot_size", "mean lot size"),
    ("changeovers", "changeovers"),
    ("changeover_hours", "changeover hours"),
    ("learning_hours", "hours lost to learning"),
    ("utilisation", "line utilisation"),
    ("overtime_hours", "overtime hours"),
    ("total_cost", "total cost"),
)


@app.command("simulate")
def simulate_command(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", min=1, help="Days in the season.")] = 28,
    modes: Annotated[
        str, typer.Option("--modes", help="Lot policies to compare, comma-separated.")
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
        str, typer.Option("--forecast-method", help="Forecast model (auto is slow: ~2 min/day).")
    ] = "launch",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Write daily.csv, summary.json and simulation.html here."),
    ] = None,
) -> None:
    """Run a season day by day on a sample world and score each lot policy on the truth."""
    from c2m.simulation import SimulationOptions, simulate
    from c2m.simulation.output import write_outputs

    options = SimulationOptions(
        days=days,
        modes=tuple(m.strip() for m in modes.split(",") if m.strip()),
        seed=seed,
        scenario=scenario,
        time_limit=time_limit,
        history_days=history_days,
        forecast_method=forecast_method,
        world_overrides=(("styles", styles),) if styles else (),
    )
    with err.status("simulating...") as status:
        result = simulate(
            options,
            config=settings(ctx).config(),
            progress=lambda msg: status.update(msg),
        )
    written = write_outputs(result, out_dir) if out_dir is not None else []
    if as_json:
        print_json({**result.as_json(), "files": [str(p) for p in written]})
        return
    from rich.table import Table

    table = Table(
        title=f"{scenario} season, {days} days, seed {seed} "
        f"(demand {result.world['future_demand']} units)"
    )
    table.add_column("KPI")
    for mode in result.modes:
        table.add_column(mode, justify="right")
    for key, label in SIMULATION_ROWS:
        table.add_row(label, *(_sim_text(key, kpis.get(key)) for kpis in result.modes.values()))
    out.print(table)
    secs = result.seconds
    err.print(
        f"{secs['total']:.0f} s: forecast {secs['forecast']:.0f} s, plan {secs['plan']:.0f} s, "
        f"execute {secs['execute']:.0f} s",
        highlight=False,
    )
    for path in written:
        out.print(f"  {path}", highlight=False)


def _sim_text(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key.endswith(("rate", "share")) or key == "utilisation":
        return f"{100 * value:.1f} %"
    if isinstance(value, float) and (key.endswith(("value", "cost")) or value >= 1000):
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}"


# --- forecasting: forecast, backtest (c2m.forecasts does the work) ----------------------------


@contextmanager
def _fit_progress(label: str):
    """A Rich progress bar on stderr, fed by the library's (done, total) callback."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@app.command("forecast")
def forecast_command(
    ctx: typer.Context,
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Days to forecast.")] = 14,
    method: Annotated[
        str, typer.Option("--method", help="auto, or one model: seasonal_naive, global, ...")
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Forecast every active SKU from the imported live-room signals and store the run."""
    from c2m.forecasts import run_forecast

    st = settings(ctx)
    with _fit_progress(f"forecasting ({method})") as progress:
        summary = run_forecast(
            st.engine(),
            horizon=horizon,
            method=method,
            say=lambda message: err.print(message, highlight=False),
            progress=progress,
        )
    if as_json:
        print_json(summary.to_dict())
    else:
        _render_forecast(summary.to_dict())


def _render_forecast(s: dict[str, Any]) -> None:
    from rich.table import Table

    out.print(
        f"forecast run {s['run_id']}: {s['series']} SKUs, {s['horizon']} days from "
        f"{s['origin']}, {s['total']:.0f} units in all ({s['seconds']:.1f} s; "
        f"{s['skipped_inactive']} inactive SKUs skipped)",
        highlight=False,
    )
    out.print("models: " + ", ".join(f"{k} {v}" for k, v in s["methods"].items()), highlight=False)
    failed = {k: v for k, v in s["failures"].items() if v}
    if failed:
        out.print(
            "fell back to seasonal naive: " + ", ".join(f"{k} {v}" for k, v in failed.items()),
            highlight=False,
        )
    movers = Table(title="top movers (units per day)")
    for col in ("sku", "style", "last 7 days", "forecast", "change"):
        movers.add_column(col, justify="right" if col not in ("sku", "style") else "left")
    for r in s["top_movers"]:
        movers.add_row(
            r["sku"],
            str(r["style"]),
            f"{r['last_7d_per_day']:.1f}",
            f"{r['per_day']:.1f}",
            f"{r['change']:+.1f}",
        )
    out.print(movers)
    if s["new_skus"]:
        new = Table(title="new SKUs")
        for col in ("sku", "style", "first seen", "forecast"):
            new.add_column(col)
        for r in s["new_skus"]:
            new.add_row(r["sku"], str(r["style"]), str(r["first_seen"]), f"{r['forecast']:.0f}")
        out.print(new)
    cats = Table(title="totals by category")
    cats.add_column("category")
    cats.add_column("SKUs", justify="right")
    cats.add_column("forecast", justify="right")
    for r in s["by_category"]:
        cats.add_row(r["category"], str(r["skus"]), f"{r['forecast']:.0f}")
    out.print(cats)
    styles = Table(title="totals by style (top 15)")
    styles.add_column("style")
    styles.add_column("SKUs", justify="right")
    styles.add_column("forecast", justify="right")
    for r in s["by_style"][:15]:
        styles.add_row(r["style"], str(r["skus"]), f"{r['forecast']:.0f}")
    out.print(styles)


@app.command("backtest")
def backtest_command(
    ctx: typer.Context,
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Days per fold.")] = 7,
    folds: Annotated[int, typer.Option("--folds", min=1, help="Rolling origins.")] = 4,
    methods: Annotated[
        str,
        typer.Option("--methods", help="Comma-separated: auto,seasonal_naive,naive,global,..."),
    ] = "auto,seasonal_naive,naive",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Rolling-origin backtest on the imported history: WAPE, MASE, bias, pinball, coverage."""
    from c2m.forecasts import run_backtest

    names = [m.strip() for m in methods.split(",") if m.strip()]
    if not names:
        raise typer.BadParameter("name at least one, e.g. auto,naive", param_hint="--methods")
    st = settings(ctx)
    with _fit_progress("backtesting") as progress:
        result = run_backtest(
            st.engine(),
            horizon=horizon,
            folds=folds,
            methods=names,
            say=lambda message: err.print(message, highlight=False),
            progress=progress,
        )
    if as_json:
        print_json(result)
        return
    from rich.table import Table

    table = Table(
        title=f"backtest: {result['series']} SKUs, {folds} folds x {horizon} days "
        f"up to {result['origin']}"
    )
    cols = [
        ("method", "method"),
        ("WAPE", "wape"),
        ("MASE", "mase"),
        ("bias", "bias"),
        ("pinball", "pinball"),
        ("80% cover", "coverage_80"),
        ("WAPE new", "wape_new"),
        ("cover new", "coverage_80_new"),
        ("seconds", "seconds"),
    ]
    for title, _ in cols:
        table.add_column(title, justify="left" if title == "method" else "right")
    for row in result["methods"]:
        cells = []
        for _, key in cols:
            v = row.get(key)
            cells.append(v if isinstance(v, str) else "-" if v is None else f"{v:.3f}")
        table.add_row(*cells)
    out.print(table)


# --- planning: plan, plans, show, compare, export, demo (c2m.planning does the work) ----------

_PLAN_KPI_ROWS = [
    ("lots", "lots"),
    ("planned_units", "planned units"),
    ("mean_lot_size", "mean lot size"),
    ("median_lot_size", "median lot size"),
    ("changeovers", "changeovers"),
    ("changeover_hours", "changeover hours"),
    ("learning_hours", "learning-curve hours"),
    ("mean_utilisation", "mean line utilisation"),
    ("cutting_utilisation", "cutting utilisation"),
    ("finishing_utilisation", "finishing utilisation"),
    ("overtime_hours", "overtime hours"),
    ("units_due", "units due (forecast + orders)"),
    ("units_on_time", "units served on time"),
    ("fill_rate", "projected fill rate"),
    ("late_lots", "late lots"),
    ("end_inventory_units", "end inventory (units)"),
    ("end_inventory_days", "end inventory (days of cover)"),
    ("held_lots", "lots held by fabric"),
    ("solver_status", "solver status"),
    ("cost_lateness", "cost: lateness (CNY)"),
    ("cost_changeover", "cost: changeovers (CNY)"),
    ("cost_overtime", "cost: overtime (CNY)"),
    ("cost_holding", "cost: holding (CNY)"),
    ("cost_stability", "cost: moves off the last plan (CNY)"),
    ("objective", "objective (CNY)"),
    ("bound", "best bound (CNY)"),
    ("gap", "gap"),
    ("wall_seconds", "wall seconds"),
]


_PERCENT_KPIS = (
    "fill_rate",
    "gap",
    "mean_utilisation",
    "cutting_utilisation",
    "finishing_utilisation",
)


def _kpi_text(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key in _PERCENT_KPIS and isinstance(value, int | float):
        return f"{100 * value:.1f} %"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _render_plan_summary(summary: dict[str, Any]) -> None:
    from rich.table import Table

    kpis = summary["kpis"]
    table = Table(title=f"plan {summary['plan_id']} ({summary['mode']}): {summary['status']}")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for key, label in _PLAN_KPI_ROWS:
        table.add_row(label, _kpi_text(key, kpis.get(key)))
    out.print(table)
    util = kpis.get("utilisation") or {}
    if util:
        out.print(
            "utilisation per line: "
            + ", ".join(f"{line} {100 * u:.0f} %" for line, u in util.items()),
            highlight=False,
        )
    for short in kpis.get("fabric_shortages") or []:
        out.print(
            f"[yellow]fabric {short['fabric']}[/]: short {short['short']:g} {short['unit']}, "
            f"holds up {len(short['lots'])} lots ({', '.join(short['lots'][:5])}"
            f"{', ...' if len(short['lots']) > 5 else ''})",
            highlight=False,
        )


@app.command("plan")
def plan_command(
    ctx: typer.Context,
    mode: Annotated[Mode, typer.Option("--mode", help="Lot policy.")] = Mode.c2m,
    horizon: Annotated[int, typer.Option("--horizon", min=1, help="Days to plan.")] = 14,
    start: Annotated[
        datetime | None,
        typer.Option(
            "--start", formats=_NOW_FORMATS, help="Plan start (default: first forecast day)."
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", min=0.1, help="Solver seconds (default: config)."),
    ] = None,
    deterministic: Annotated[
        bool,
        typer.Option("--deterministic", help="Same plan for the same inputs (may overrun)."),
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Stop (exit 65) on a SKU missing from the catalogue; default: skip it."
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Plan production from the latest forecast: lots, schedule, KPIs; stored as current."""
    from c2m.planning.service import plan_and_store

    st = settings(ctx)
    with err.status(f"planning ({mode})..."):
        plan_id, result = plan_and_store(
            st.engine(),
            st.config(),
            mode=mode.value,
            horizon_days=horizon,
            start=start,
            time_limit=time_limit,
            deterministic=deterministic,
            say=lambda message: err.print(message, highlight=False),
            strict=strict,
        )
    if result.skipped_skus:
        from c2m.planning.unknown import skipped_message

        err.print(f"warning: {skipped_message(result.skipped_skus)}", highlight=False)
    summary = {"plan_id": plan_id, **result.summary()}
    if as_json:
        print_json(summary)
    else:
        _render_plan_summary(summary)


@app.command("plans")
def plans_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """List stored plans; the current one per mode is what the floor works to."""
    from rich.table import Table

    from c2m.db import session_scope
    from c2m.planning.store import list_plans

    with session_scope(settings(ctx).engine()) as session:
        rows = [
            {
                "plan_id": p.id,
                "mode": p.mode,
                "status": p.status,
                "created_at": p.created_at,
                "start": p.start,
                "horizon_days": p.horizon_days,
                "lots": (p.kpis or {}).get("lots"),
                "fill_rate": (p.kpis or {}).get("fill_rate"),
                "current": bool(p.is_current),
            }
            for p in list_plans(session)
        ]
    if as_json:
        print_json({"plans": rows})
        return
    table = Table(title="plans")
    for col in ("plan", "mode", "status", "created", "start", "days", "lots", "fill", "current"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["plan_id"]),
            r["mode"],
            r["status"],
            f"{r['created_at']:%Y-%m-%d %H:%M}",
            f"{r['start']:%Y-%m-%d %H:%M}",
            str(r["horizon_days"]),
            _kpi_text("lots", r["lots"]),
            _kpi_text("fill_rate", r["fill_rate"]),
            "*" if r["current"] else "",
        )
    out.print(table)


@app.command("show")
def show_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="Plan id (see c2m plans).")],
    line: Annotated[str | None, typer.Option("--line", help="Only this resource.")] = None,
    date: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="Only operations on this day."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Print a plan's schedule per line (Rich tables)."""
    from rich.table import Table

    from c2m.db import session_scope
    from c2m.planning.views import schedule_rows

    with session_scope(settings(ctx).engine()) as session:
        day = date.date() if date else None
        lines = [ln.id for ln in settings(ctx).config().lines] if line is not None else ()
        summary, rows = schedule_rows(session, plan_id, line=line, day=day, lines=lines)
    if as_json:
        print_json({**summary, "operations": rows})
        return
    _render_plan_summary(summary)
    by_resource: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_resource.setdefault(r["resource"], []).append(r)
    for resource, ops in by_resource.items():
        table = Table(title=f"{resource}")
        for col in ("start", "end", "step", "lot", "style", "colour", "qty", "setup min", "late"):
            table.add_column(col)
        for r in ops:
            table.add_row(
                f"{r['start']:%m-%d %H:%M}",
                f"{r['end']:%m-%d %H:%M}",
                r["step"],
                r["lot"],
                r["style"],
                r["colour"] or "mixed",
                str(r["quantity"]),
                str(r["setup_minutes"]) if r["setup_minutes"] else "",
                "late" if r["late_minutes"] else "",
            )
        out.print(table)
    if not rows:
        err.print("no operations match")


@app.command("compare")
def compare_command(
    ctx: typer.Context,
    plan_a: Annotated[int, typer.Argument(help="First plan id.")],
    plan_b: Annotated[int, typer.Argument(help="Second plan id.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Two plans' KPIs side by side (batch versus C2M)."""
    from c2m.db import session_scope
    from c2m.planning.views import compare_plans

    with session_scope(settings(ctx).engine()) as session:
        comparison = compare_plans(session, plan_a, plan_b)
    if as_json:
        print_json(comparison)
    else:
        _render_comparison(comparison)


def _render_comparison(comparison: dict[str, Any]) -> None:
    from rich.table import Table

    a, b = comparison["plans"]
    table = Table(title="plan comparison")
    table.add_column("KPI")
    table.add_column(f"plan {a['plan_id']} ({a['mode']})", justify="right")
    table.add_column(f"plan {b['plan_id']} ({b['mode']})", justify="right")
    table.add_row("start", f"{a['start']:%Y-%m-%d %H:%M}", f"{b['start']:%Y-%m-%d %H:%M}")
    table.add_row("horizon (days)", str(a["horizon_days"]), str(b["horizon_days"]))
    for key, label in _PLAN_KPI_ROWS:
        table.add_row(label, _kpi_text(key, a["kpis"].get(key)), _kpi_text(key, b["kpis"].get(key)))
    out.print(table)
    for warning in comparison["warnings"]:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False, markup=True, soft_wrap=True)


@app.command("export")
def export_command(
    ctx: typer.Context,
    plan_id: Annotated[int, typer.Argument(help="Plan id (see c2m plans).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File type.")] = ExportFormat.csv,
    out_dir: Annotated[Path, typer.Option("--out", help="Directory to write into.")] = Path(
        "export"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Shop-floor work orders per line, day and shift: CSV or one XLSX sheet per line."""
    from c2m.db import session_scope
    from c2m.export import export_plan

    with session_scope(settings(ctx).engine()) as session:
        written = export_plan(session, plan_id, fmt.value, out_dir, settings(ctx).config())
    if as_json:
        print_json({"plan_id": plan_id, "format": fmt.value, "files": [str(p) for p in written]})
        return
    for path in written:
        out.print(str(path), highlight=False)


@app.command("demo")
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
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Import the sample data, forecast, plan batch and C2M, compare, export: the tour."""
    from c2m.demo import run_demo

    st = settings(ctx)
    outcome = run_demo(
        st.db_url,
        st.config(),
        data_dir=data,
        out_dir=out_dir,
        reset=reset,
        time_limit=time_limit,
        forecast_method=forecast_method,
        say=lambda message: err.print(message, highlight=False),
    )
    if as_json:
        print_json(outcome)
        return
    _render_comparison(outcome["comparison"])
    out.print(f"export: {', '.join(outcome['export'])}", highlight=False)
    for step in outcome.get("next", []):
        out.print(step, highlight=False)


# --- report: one offline HTML page per plan (c2m.report does the work) ------------------------


@app.command("report")
def report_command(
    ctx: typer.Context,
    plan_id: Annotated[
        int | None,
        typer.Argument(help="Plan to show (default: the current C2M plan, else the newest)."),
    ] = None,
    out_path: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path(
        "report.html"
    ),
    open_it: Annotated[
        bool, typer.Option("--open", help="Open the page in the default browser.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Write a plan's report: KPIs (beside the other mode), Gantt, load, forecast, exceptions."""
    from c2m.report import write_plan_report

    st = settings(ctx)
    written = write_plan_report(st.engine(), st.config(), out_path, plan_id)
    if as_json:
        print_json(
            {
                "path": str(written.path.resolve()),
                "plan_id": written.plan_id,
                "mode": written.mode,
                "companion_plan_id": written.companion_plan_id,
                "lots": written.lots,
                "operations": written.operations,
                "bytes": written.bytes,
            }
        )
    else:
        twin = f", beside plan {written.companion_plan_id}" if written.companion_plan_id else ""
        out.print(
            f"{written.path}: plan {written.plan_id} ({written.mode}{twin}), "
            f"{written.lots} lots, {written.operations} operations, "
            f"{written.bytes / 1e6:.1f} MB",
            highlight=False,
        )
    if open_it:
        import webbrowser

        if not webbrowser.open(written.path.resolve().as_uri()):
            err.print("no browser found to open the page; open the file by hand")


def main() -> None:
    """Console-script entry point.

    Library warnings (pandas deprecations, numpy's empty-slice notes) are for developers: they
    go to the log (``--log-file``), and to stderr only with ``-v`` (see :mod:`c2m.logs`).
    """
    from c2m.logs import capture_warnings

    capture_warnings()
    app()


if __name__ == "__main__":
    main()
