"""What the plan commands show: ``c2m plan``, ``plans``, ``show``, ``compare``, ``demo``,
``report``.

Apart from :mod:`c2m_cli.render` so a plan's tables change in one place; the shared
consoles and number formats stay in ``render``.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from c2m_cli import api
from c2m_cli.render import err, out

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
    """The stored plans, the current one per mode starred; a network's plans name their
    workshop (the column is left out for a single factory, whose plans have none)."""
    table = Table(title="plans")
    networked = any(r.get("workshop") for r in rows)
    columns = ("plan", "mode", "status", "created", "start", "days", "lots", "fill", "current")
    for col in (("workshop",) if networked else ()) + columns:
        table.add_column(col)
    for r in rows:
        table.add_row(
            *((r["workshop"] or "-",) if networked else ()),
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


def render_network_view(view: dict[str, Any]) -> None:
    """A network night's view: load per workshop, style runs and lots moved in since the
    previous night, fill rates; then the network's totals."""
    since = view["previous_night"] or "none before"
    table = Table(title=f"network {view['network']}: night {view['night']} (since {since})")
    table.caption = "runs in, lots in: moved here from another workshop since that night"
    for name in ("workshop", "plan", "runs", "lots", "SAM-min", "capacity", "load"):
        table.add_column(name, justify="left" if name == "workshop" else "right")
    for name in ("runs in", "lots in", "fill rate"):
        table.add_column(name, justify="right")
    for row in view["workshops"]:
        table.add_row(
            row["workshop"],
            str(row["plan_id"]),
            str(row["runs"]),
            str(row["lots"]),
            f"{row['planned_minutes']:,}",
            f"{row['capacity_minutes']:,}",
            _share(row["load_share"]),
            str(row["runs_moved_in"]),
            str(row["lots_moved_in"]),
            _share(row["fill_rate"]),
        )
    out.print(table)
    out.print(
        f"network fill rate {_share(view['fill_rate'])}; {view['runs_moved']} style runs and "
        f"{view['lots_moved']} lots moved between workshops since the previous night",
        highlight=False,
    )


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


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
