"""What ``c2m forecast`` shows: a forecast run, its explanation for one SKU, a backtest.

Apart from :mod:`c2m_cli.render` so the forecast's tables change in one place; the shared
consoles and number formats stay in ``render``.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from c2m_cli.render import out

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
