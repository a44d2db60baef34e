"""``c2m report``: one offline HTML page per plan; :mod:`c2m.report` does the work."""

from __future__ import annotations

import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from c2m_cli import api
from c2m_cli.app import settings
from c2m_cli.options import JsonOption
from c2m_cli.render import err, print_json
from c2m_cli.render_plan import render_report


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
    as_json: JsonOption = False,
) -> None:
    """Write a plan's report: KPIs (beside the other mode), Gantt, load, forecast, exceptions."""
    st = settings(ctx)
    written = api.write_plan_report(st.engine(), st.config(), out_path, plan_id)
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
        render_report(written)
    if open_it and not webbrowser.open(written.path.resolve().as_uri()):
        err.print("no browser found to open the page; open the file by hand")
