"""``c2m init`` and ``c2m check-config``: the database schema and the factory configuration."""

from __future__ import annotations

import typer

from c2m_cli import api
from c2m_cli.app import settings
from c2m_cli.options import JsonOption
from c2m_cli.render import err, print_json, render_config


def init(ctx: typer.Context) -> None:
    """Create the database schema (every other command also does this when it is missing)."""
    settings(ctx).engine()
    err.print(f"database ready: {api.database_url(settings(ctx).db_url)}")


def check_config(ctx: typer.Context, as_json: JsonOption = False) -> None:
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
    render_config(cfg)
