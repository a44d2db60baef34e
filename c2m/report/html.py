"""The page shell every report shares: one offline HTML file, plotly.js inlined once.

Figures are embedded as ``<div>`` + ``Plotly.newPlot`` snippets without their own copy of the
library; the shell puts plotly.js in the head a single time, so a page with five charts is
barely bigger than one with one chart, and it opens with no network and no server.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from c2m.errors import C2MError

PLOT_CONFIG = {"responsive": True, "displaylogo": False, "scrollZoom": False}

CSS = """
:root { --ink:#111827; --muted:#6b7280; --line:#e5e7eb; --bad:#b91c1c; --good:#047857; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC",
  "Microsoft YaHei",sans-serif; color:var(--ink); background:#f8fafc; }
main { max-width:1400px; margin:0 auto; padding:16px; }
header h1 { font-size:1.45rem; margin:0 0 4px; }
header p { margin:2px 0; color:var(--muted); }
section { background:white; border:1px solid var(--line); border-radius:10px; padding:14px;
  margin:14px 0; }
section h2 { font-size:1.1rem; margin:0 0 8px; }
.note { color:var(--muted); font-size:.88rem; margin:4px 0 8px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fill,minmax(170px,1fr)); gap:10px; }
.kpi { border:1px solid var(--line); border-radius:8px; padding:8px 10px; }
.kpi .label { color:var(--muted); font-size:.82rem; }
.kpi .values { display:flex; gap:14px; flex-wrap:wrap; align-items:baseline; }
.kpi .value { font-size:1.35rem; font-weight:600; font-variant-numeric:tabular-nums; }
.kpi .value.other { font-size:1.05rem; font-weight:500; color:#374151; }
.kpi .mode { display:block; color:var(--muted); font-size:.72rem; text-transform:uppercase; }
.kpi .detail { color:var(--muted); font-size:.78rem; margin-top:4px; }
.better { color:var(--good); } .worse { color:var(--bad); }
.table-wrap { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:.88rem; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line);
  vertical-align:top; }
th { background:#f1f5f9; position:sticky; top:0; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.empty { color:var(--muted); font-style:italic; }
.badge { display:inline-block; padding:1px 8px; border-radius:999px; background:#e0e7ff;
  font-size:.8rem; }
@media (max-width:640px) {
  main { padding:8px; } section { padding:10px; } body { font-size:14px; }
  .kpis { grid-template-columns:repeat(2,1fr); } .kpi .value { font-size:1.15rem; }
}
"""


@lru_cache(maxsize=1)
def plotly_js() -> str:
    return get_plotlyjs()


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def figure_div(fig: go.Figure | None, div_id: str, empty_text: str) -> str:
    """A figure as a div plus its newPlot call (no library), or a sentence when there is none."""
    if fig is None:
        return f'<p class="empty" id="{esc(div_id)}-empty">{esc(empty_text)}</p>'
    return pio.to_html(
        fig,
        include_plotlyjs=False,
        full_html=False,
        div_id=div_id,
        config=PLOT_CONFIG,
        default_height=f"{int(fig.layout.height or 450)}px",
    )


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    numeric: Sequence[str] = (),
    table_id: str = "",
    empty_text: str = "None.",
    limit: int | None = None,
    more_text: str = "",
) -> str:
    """A plain, horizontally scrollable table; cells are escaped text.

    With ``limit``, only the first rows are shown and a line says how many were left out:
    a page with a thousand-row table is no longer readable on a phone.
    """
    rows = list(rows)
    if not rows:
        return f'<p class="empty">{esc(empty_text)}</p>'
    hidden = 0
    if limit is not None and len(rows) > limit:
        hidden = len(rows) - limit
        rows = rows[:limit]
    numeric_cols = {i for i, c in enumerate(columns) if c in numeric}
    head = "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(v)}</td>' if i in numeric_cols else f"<td>{esc(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    ident = f' id="{esc(table_id)}"' if table_id else ""
    more = f'<p class="note">… and {hidden} more {esc(more_text)}</p>' if hidden else ""
    return (
        f'<div class="table-wrap"><table{ident}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>{more}"
    )


def json_block(element_id: str, payload: Any) -> str:
    """Machine-readable facts about the page, for scripts and tests that open it."""
    text = json.dumps(payload, default=str, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("</", "<\\/")
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'


def page(title: str, body: str) -> str:
    """The whole document: head with CSS and plotly.js (once), then ``body``."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n"
        f'<script type="text/javascript">{plotly_js()}</script>\n'
        f"</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def write_whole(path: Path, text: str) -> None:
    """Write next to the target and rename, so a reader never sees half a page."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise C2MError(f"cannot write the report to {path}: {exc.strerror}") from None
