"""``c2m init``, ``c2m db`` and ``c2m check-config``: the database schema, its version, and the
factory configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from c2m_cli import api
from c2m_cli.app import settings
from c2m_cli.options import JsonOption
from c2m_cli.render import err, out, print_json, render_config


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
    if config_template or path is not None:
        written = api.write_config_template(path or Path(api.LOCAL_NAME))
        err.print(f"wrote {written}: edit it, then `c2m --config {written} check-config`")
        return
    settings(ctx).engine()
    err.print(f"database ready: {api.database_url(settings(ctx).db_url)}")


def db_current(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The database's schema version and this c2m's (no change is made)."""
    engine = api.get_engine(api.database_url(settings(ctx).db_url))
    found = api.guarded(engine, lambda: api.schema_state(engine))
    payload = {"current": found.current, "head": found.head, "up_to_date": found.up_to_date}
    if as_json:
        print_json(payload)
        return
    note = "up to date" if found.up_to_date else "run `c2m db upgrade` (after a backup)"
    if found.current is None and not found.tables:
        note = "a new database: any command creates it at the newest version"
    out.print(f"schema {found.current or 'none'}; this c2m needs {found.head}: {note}")


def db_upgrade(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Migrate the database to this c2m's schema version (take a backup first)."""
    url = api.database_url(settings(ctx).db_url)
    engine = api.get_engine(url)
    before, after = api.guarded(engine, lambda: api.schema_upgrade(engine, api.shown_url(url)))
    if as_json:
        print_json({"before": before.current, "after": after})
        return
    done = "already" if before.current == after else f"upgraded from {before.current or 'none'}"
    out.print(f"{api.shown_url(url)}: {done} at schema {after}", highlight=False)


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
