"""What ``c2m simulate`` shows: each lot policy's season KPIs side by side.

Apart from :mod:`c2m_cli.render` because the season table has its own rows and labels (and
the lost-demand split); the shared consoles and number formats stay in ``render``.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from c2m_cli.render import err, load_text, out, sim_text

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
    ("made_units", "units made for the season"),
    ("preseason_units", "  of which built before it (batch)"),
    ("made_for_after_season_units", "  of which needed after it"),
    ("unsold_share", "of those, unsold at the end"),
    ("start_stock_left_units", "starting stock left, units"),
    ("markdown_cost", "markdown to clear it"),
    ("end_wip_units", "still on the floor at the end"),
    ("mean_lead_time_days", "mean days demand -> shipment"),
    ("lead_time_days", "mean days first signal -> goods, per SKU"),
    ("lot_cycle_days", "mean days cut -> finished, per lot"),
    ("lots", "lots cut"),
    ("mean_lot_size", "mean lot size"),
    ("reorders", "reorders (a SKU's lots after its first)"),
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


def _kpi(kpis: dict[str, Any], key: str) -> Any:
    """A mode's figure; ``preseason_units`` from batch's pre-season build (else none)."""
    if key == "preseason_units":
        return (kpis.get("preseason") or {}).get("units")
    return kpis.get(key)


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
        table.add_row(label, *(sim_text(key, _kpi(kpis, key)) for kpis in result.modes.values()))
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
