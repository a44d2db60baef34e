"""Everything the commands show: Rich tables, progress bars and number formats, in one place.

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
        for lot in c.later:
            was, now = lot["before"], lot["after"]
            out.print(
                f"[yellow]made later[/]: {lot['lot']} ({lot['quantity']} units) from "
                f"{was['line']} {was['sewing_start']} to {now['line']} {now['sewing_start']}, "
                f"late {lot['late_hours_before']:g} h -> {lot['late_hours_after']:g} h, "
                f"+{lot['lateness_cost_added']:,.2f} CNY lateness",
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
    for col in ("run", "started", "now", "mode", "status", "exit", "plan", "sec", "changes"):
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


# --- simulate ---------------------------------------------------------------------------------

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
    ("made_units", "units made in the season"),
    ("unsold_share", "of those, unsold at the end"),
    ("unsold_initial_units", "starting stock left, units"),
    ("markdown_cost", "markdown to clear it"),
    ("end_wip_units", "still on the floor at the end"),
    ("mean_lead_time_days", "mean days demand -> shipment"),
    ("lead_time_days", "mean days cut -> finished, per lot"),
    ("lots", "lots cut"),
    ("mean_lot_size", "mean lot size"),
    ("changeovers", "changeovers"),
    ("changeover_hours", "changeover hours"),
    ("learning_hours", "hours lost to learning"),
    ("utilisation", "line utilisation"),
    ("overtime_hours", "overtime hours"),
    ("total_cost", "total cost"),
)


# the lost-demand split (c2m.simulation.losses), shown when the oracle ran
LOSS_ROWS = (
    ("lost", "not served the day asked, units"),
    ("capacity", "  of which capacity (oracle lost it too)"),
    ("forecast", "  of which forecast (c2m vs oracle)"),
    ("policy", "  of which policy (the rest)"),
)


def render_simulation(result: Any, scenario: str, days: int, seed: int) -> None:
    """Each lot policy's season KPIs side by side, then where the time went (stderr)."""
    table = Table(
        title=f"{scenario} season, {days} days, seed {seed} "
        f"(demand {result.world['future_demand']} units)"
    )
    table.add_column("KPI")
    for mode in result.modes:
        table.add_column(mode, justify="right")
    for key, label in SIMULATION_ROWS:
        table.add_row(label, *(sim_text(key, kpis.get(key)) for kpis in result.modes.values()))
    if any("lost_demand" in kpis for kpis in result.modes.values()):
        for part, label in LOSS_ROWS:
            table.add_row(
                label,
                *(
                    f"{kpis['lost_demand'][part]:,}" if "lost_demand" in kpis else "-"
                    for kpis in result.modes.values()
                ),
            )
    out.print(table)
    out.print(load_text(result.world), highlight=False)
    secs = result.seconds
    err.print(
        f"{secs['total']:.0f} s: forecast {secs['forecast']:.0f} s, plan {secs['plan']:.0f} s, "
        f"execute {secs['execute']:.0f} s",
        highlight=False,
    )


# --- forecast, backtest -----------------------------------------------------------------------


def render_forecast(s: dict[str, Any]) -> None:
    """A forecast run: its headline, the models used, top movers, new SKUs and totals."""
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
    _render_coverage(s)
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
    for title, key, rows in (
        ("totals by category", "category", s["by_category"]),
        ("totals by style (top 15)", "style", s["by_style"][:15]),
    ):
        totals = Table(title=title)
        totals.add_column(key)
        totals.add_column("SKUs", justify="right")
        totals.add_column("forecast", justify="right")
        for r in rows:
            totals.add_row(r[key], str(r["skus"]), f"{r['forecast']:.0f}")
        out.print(totals)


def _render_coverage(s: dict[str, Any]) -> None:
    """Launches forecast from analogues, and every sellable SKU left out with its reason."""
    if s.get("launches"):
        launch = Table(title="launches forecast from analogues")
        for col in ("sku", "launch", "analogues", "signal ratio"):
            launch.add_column(col)
        for r in s["launches"]:
            launch.add_row(r["sku"], r["launch"], str(r["analogues"]), f"{r['signal_ratio']:.2f}")
        out.print(launch)
    skipped = s.get("skipped", [])
    if not skipped:
        out.print("every sellable SKU in the catalogue is forecast", highlight=False)
        return
    out.print(f"{len(skipped)} sellable SKUs not forecast:", highlight=False)
    for r in skipped[:SKIPPED_SHOWN]:
        out.print(f"  {r['sku']}: {r['reason']}", highlight=False)
    if len(skipped) > SKIPPED_SHOWN:
        out.print(f"  ... and {len(skipped) - SKIPPED_SHOWN} more (--json lists all)")


def render_explanation(e: dict[str, Any]) -> None:
    """One SKU's forecast: its model, what each input was worth, recent weeks, the interval."""
    out.print(
        f"{e['sku']} in forecast run {e['run_id']} ({e['horizon']} days from {e['origin']}): "
        f"model {e['method']}, {e['total']:.0f} units, 80 % interval "
        f"{e['interval_80'][0]:.0f}-{e['interval_80'][1]:.0f}",
        highlight=False,
    )
    worth = Table(title="what each input was worth (units over the horizon; + raised it)")
    worth.add_column("input")
    worth.add_column("units", justify="right")
    for name, units in e["contributions"].items():
        worth.add_row(name, f"{units:+.1f}")
    out.print(worth)
    if e["analogues"]:
        out.print("analogues: " + ", ".join(e["analogues"]), highlight=False)
    weeks = Table(title="the last 4 weeks against the forecast")
    for col in ("week", "", "units", "10 %", "90 %"):
        weeks.add_column(col, justify="left" if col in ("week", "") else "right")
    for w in e["weeks"]:
        lo, hi = (f"{w['q10']:.0f}", f"{w['q90']:.0f}") if "q10" in w else ("", "")
        weeks.add_row(w["week"], w["kind"], f"{w['units']:.0f}", lo, hi)
    out.print(weeks)


#: skipped SKUs named in the text output (``--json`` lists them all)
SKIPPED_SHOWN = 20


_BACKTEST_COLUMNS = (
    ("method", "method"),
    ("WAPE", "wape"),
    ("MASE", "mase"),
    ("bias", "bias"),
    ("pinball", "pinball"),
    ("80% cover", "coverage_80"),
    ("WAPE new", "wape_new"),
    ("cover new", "coverage_80_new"),
    ("seconds", "seconds"),
)


def render_backtest(result: dict[str, Any], folds: int, horizon: int) -> None:
    """One row per method: its errors over the rolling origins, to three decimals."""
    table = Table(
        title=f"backtest: {result['series']} SKUs, {folds} folds x {horizon} days "
        f"up to {result['origin']}"
    )
    for title, _ in _BACKTEST_COLUMNS:
        table.add_column(title, justify="left" if title == "method" else "right")
    for row in result["methods"]:
        cells = []
        for _, key in _BACKTEST_COLUMNS:
            v = row.get(key)
            cells.append(v if isinstance(v, str) else "-" if v is None else f"{v:.3f}")
        table.add_row(*cells)
    out.print(table)


# --- plans: plan, plans, show, compare, demo, report ------------------------------------------


def render_plan_summary(summary: dict[str, Any]) -> None:
    """A plan's KPI table, its utilisation per line, and the fabric that holds lots up."""
    kpis = summary["kpis"]
    table = Table(title=f"plan {summary['plan_id']} ({summary['mode']}): {summary['status']}")
    table.add_column("KPI")
    table.add_column("value", justify="right")
    for label, value in api.summary_rows(kpis):
        table.add_row(label, value)
    out.print(table)
    util = kpis.get("utilisation") or {}
    if util:
        out.print(
            "utilisation per line: "
            + ", ".join(f"{line} {100 * u:.0f} %" for line, u in util.items()),
            highlight=False,
        )
    excluded = kpis.get("excluded_skus") or []
    if excluded:
        styles: dict[str, set[str]] = {}
        for item in excluded:
            styles.setdefault(item["category"], set()).add(item["style"])
        named = "; ".join(f"{c}: {', '.join(sorted(s))}" for c, s in sorted(styles.items()))
        out.print(
            f"[yellow]left out[/]: {len(excluded)} SKUs no configured line can sew ({named})",
            highlight=False,
        )
    for short in kpis.get("fabric_shortages") or []:
        out.print(
            f"[yellow]fabric {short['fabric']}[/]: short {short['short']:g} {short['unit']}, "
            f"holds up {len(short['lots'])} lots ({', '.join(short['lots'][:5])}"
            f"{', ...' if len(short['lots']) > 5 else ''})",
            highlight=False,
        )


def render_plans(rows: list[dict[str, Any]]) -> None:
    """The stored plans, the current one per mode starred."""
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
            api.KPI_BY_KEY["lots"].format(r["lots"]),
            api.KPI_BY_KEY["fill_rate"].format(r["fill_rate"]),
            "*" if r["current"] else "",
        )
    out.print(table)


def render_schedule(summary: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """A plan's KPIs, then one table of operations per line or work centre."""
    render_plan_summary(summary)
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


def render_comparison(comparison: dict[str, Any]) -> None:
    """Two plans' KPIs side by side, and why they may not compare fairly (stderr)."""
    a, b = comparison["plans"]
    table = Table(title="plan comparison")
    table.add_column("KPI")
    table.add_column(f"plan {a['plan_id']} ({a['mode']})", justify="right")
    table.add_column(f"plan {b['plan_id']} ({b['mode']})", justify="right")
    table.add_row("start", f"{a['start']:%Y-%m-%d %H:%M}", f"{b['start']:%Y-%m-%d %H:%M}")
    table.add_row("horizon (days)", str(a["horizon_days"]), str(b["horizon_days"]))
    for row in api.comparison_rows(a["kpis"], b["kpis"]):
        table.add_row(*row)
    out.print(table)
    for warning in comparison["warnings"]:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False, markup=True, soft_wrap=True)


def render_demo(outcome: dict[str, Any]) -> None:
    """The tour's comparison, where its export went, and what to try next."""
    render_comparison(outcome["comparison"])
    out.print(f"export: {', '.join(outcome['export'])}", highlight=False)
    for step in outcome.get("next", []):
        out.print(step, highlight=False)


def render_report(written: Any) -> None:
    """The report page written: which plan, beside which, and how big."""
    twin = f", beside plan {written.companion_plan_id}" if written.companion_plan_id else ""
    out.print(
        f"{written.path}: plan {written.plan_id} ({written.mode}{twin}), "
        f"{written.lots} lots, {written.operations} operations, "
        f"{written.bytes / 1e6:.1f} MB",
        highlight=False,
    )
