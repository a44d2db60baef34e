"""What the commands show: the consoles, number formats and the small commands' tables.

The plan, forecast and simulation tables live beside this module (``render_plan``,
``render_forecast``, ``render_simulation``), one per noun, so no file grows past a screenful
of concerns; they all print through ``out`` and ``err`` here.

Data goes to stdout (``out``: tables, or one JSON object with ``--json``), people-facing
progress, warnings and errors to stderr (``err``), so a script can pipe the data and a cron log
still reads the rest. The renderers take the plain dicts and results :mod:`c2m` returns.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Table

from c2m_cli import api

if TYPE_CHECKING:
    from c2m.config import FactoryConfig

# Piped into a file, less or a cron log, Rich would squeeze tables into 80 columns and cut
# dates and statuses short; give them room unless the user set COLUMNS.
out = Console(
    soft_wrap=True,
    width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 200,
)
err = Console(stderr=True)


def print_json(payload: Any) -> None:
    """One JSON object on stdout, machine-readable (dates as ISO strings)."""
    sys.stdout.write(json.dumps(payload, default=str, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def print_paths(paths: list[Path]) -> None:
    """The files a command wrote, one per line, indented under its summary."""
    for path in paths:
        out.print(f"  {path}", highlight=False)


# --- number formats ---------------------------------------------------------------------------


def sim_text(key: str, value: Any) -> str:
    """A season KPI as the simulation table shows it: money without decimals."""
    if value is None:
        return "-"
    if key.endswith(("rate", "share")) or key == "utilisation":
        return f"{100 * value:.1f} %"
    if isinstance(value, float) and (key.endswith(("value", "cost")) or value >= 1000):
        return f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}"


def _when(value: Any) -> str:
    return f"{value:%m-%d %H:%M}" if value is not None else ""


# --- config, import, sample -------------------------------------------------------------------


def render_config(cfg: FactoryConfig) -> None:
    """The factory in one line."""
    out.print(
        f"{cfg.factory.name}: {len(cfg.lines)} sewing lines "
        f"({sum(line.operators for line in cfg.lines)} operators), "
        f"{len(cfg.categories)} categories, {cfg.calendar.regular_hours_per_day:g} h a day "
        f"on {', '.join(cfg.calendar.workdays)}"
    )


def render_import(result: Any) -> None:
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


def render_sample(summary: dict[str, Any], seed: int, paths: list[Path]) -> None:
    """What the sample world holds, and where its files went."""
    out.print(
        f"{summary['scenario']} world, seed {seed}: {summary['styles']} styles, "
        f"{summary['skus']} SKUs, {summary['rooms']} rooms, {summary['signal_rows']} signal rows "
        f"from {summary['start']} to {summary['history_end']}; true demand to "
        f"{summary['future_end']} in truth/ (never import it)",
        highlight=False,
    )
    out.print(load_text(summary), highlight=False)
    print_paths(paths)


def load_text(world: dict[str, Any]) -> str:
    """The realised load of history and season, against the scenario's target."""

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    return (
        f"load (demand SAM-minutes over regular sewing capacity): history "
        f"{pct(world.get('history_load'))}, season {pct(world.get('load'))} "
        f"(target {pct(world.get('target_load'))})"
    )


# --- replan, runs -----------------------------------------------------------------------------

_CHANGE_ROWS = (
    "added",
    "removed",
    "moved_line",
    "moved_time",
    "qty_changed",
    "inside_frozen",
    "turned_late",
    "made_later",
    "held_due",
    "extra_changeovers",
    "completed",
    "unchanged",
)


def render_replan(outcome: Any) -> None:
    """The published plan, what changed against the previous one, and its headline KPIs."""
    c = outcome.changes
    out.print(
        f"run {outcome.run_id}: plan {outcome.plan_id} published ({outcome.status}), "
        f"replacing plan {outcome.previous_plan_id or '-'}",
        highlight=False,
    )
    if c is not None:
        table = Table("change", "lots", title="what changed against the previous plan")
        for name in _CHANGE_ROWS:
            table.add_row(name.replace("_", " "), str(getattr(c, name)))
        table.add_row("mean / max shift (h)", f"{c.mean_shift_hours:g} / {c.max_shift_hours:g}")
        out.print(table)
        guard = c.due_guard or {}
        pushed = set(guard.get("pushed", ()))
        for lot in c.later:
            was, now = lot["before"], lot["after"]
            out.print(
                f"[yellow]made later[/]: {lot['lot']} ({lot['quantity']} units) from "
                f"{was['line']} {was['sewing_start']} to {now['line']} {now['sewing_start']}, "
                f"late {lot['late_hours_before']:g} h -> {lot['late_hours_after']:g} h, "
                f"+{lot['lateness_cost_added']:,.2f} CNY lateness"
                + (f"; due, pushed: {lot['why']}" if lot["lot"] in pushed else ""),
                highlight=False,
            )
        if guard.get("decision") == "held":
            held = guard["held"]
            more = f" and {len(held) - 5} more" if len(held) > 5 else ""
            out.print(
                f"[green]held due[/]: {len(held)} already-due lot(s) kept at their slots "
                f"({', '.join(held[:5])}{more}): {guard['reason']}",
                highlight=False,
            )
    kpis = outcome.kpis or {}
    shown = [
        k for k in ("lots", "planned_units", "changeovers", "fill_rate", "late_lots") if k in kpis
    ]
    if shown:
        out.print(", ".join(f"{k.replace('_', ' ')} {kpis[k]}" for k in shown), highlight=False)


def render_runs(runs: list[dict[str, Any]]) -> None:
    """Past replans, newest first, and in full the message of each that did not publish."""
    table = Table(
        title="replan runs, newest first",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    networked = any(run.get("workshop") for run in runs)  # a network's nights name theirs
    columns = ("run", "started", "now", "mode", "status", "exit", "plan", "sec", "changes")
    for col in columns[:4] + (("workshop",) if networked else ()) + columns[4:]:
        table.add_column(col, no_wrap=True)
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
            _when(run["started_at"]),
            _when(run["now"]),
            run["mode"],
            *((run.get("workshop") or "-",) if networked else ()),
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
        warnings = list(run.get("warnings") or [])
        skipped = (run.get("kpis") or {}).get("skipped_skus")
        if skipped and api.skipped_message(skipped) not in warnings:  # a run stored before
            warnings.append(api.skipped_message(skipped))  # its warnings were kept
        for warning in warnings:
            out.print(f"run {run['run_id']}: warning: {warning}", highlight=False)
