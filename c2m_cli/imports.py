"""``c2m import ...``: CSV and XLSX exports in; :mod:`c2m.importing` does the work.

Every kind of file takes the same options and reports the same way, so each command is one
call to :func:`run_import` with its importer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from c2m_cli import api
from c2m_cli.app import settings
from c2m_cli.options import DryRunOption, FilesArgument, JsonOption, StrictOption
from c2m_cli.progress import file_progress
from c2m_cli.render import print_json, render_import


def run_import(
    ctx: typer.Context, run: Callable[..., Any], files: list[Path], as_json: bool, **options: Any
) -> None:
    """Run one import with a progress bar on stderr, then report and exit with its code."""
    settings(ctx).config()  # the factory's zone decides the sales day of a stamp with an offset
    engine = settings(ctx).engine()
    with file_progress() as progress:
        result = run(files, engine, progress=progress, **options)
    if as_json:
        print_json(result.as_json())
    else:
        render_import(result)
    raise typer.Exit(int(result.exit_code))


def import_sales_command(
    ctx: typer.Context,
    files: FilesArgument,
    room: Annotated[
        str | None, typer.Option("--room", help="Room ID for files without a room column.")
    ] = None,
    dry_run: DryRunOption = False,
    strict: StrictOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import live-room sales exports (clicks, carts, orders, rank, price per day and SKU)."""
    factory = api.factory_options("sales", settings(ctx).config())
    run_import(
        ctx, api.import_sales, files, as_json, room=room, dry_run=dry_run, strict=strict, **factory
    )


def import_catalog_command(
    ctx: typer.Context,
    files: FilesArgument,
    dry_run: DryRunOption = False,
    strict: StrictOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import the product catalogue: one row per SKU with its style's fields."""
    factory = api.factory_options("catalog", settings(ctx).config())
    run_import(ctx, api.import_catalog, files, as_json, dry_run=dry_run, strict=strict, **factory)


def import_inventory_command(
    ctx: typer.Context,
    files: FilesArgument,
    dry_run: DryRunOption = False,
    strict: StrictOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import finished goods on hand per SKU."""
    run_import(ctx, api.import_inventory, files, as_json, dry_run=dry_run, strict=strict)


def import_fabric_command(
    ctx: typer.Context,
    files: FilesArgument,
    dry_run: DryRunOption = False,
    strict: StrictOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import fabric on hand (rows without due_date) and deliveries on order."""
    run_import(ctx, api.import_fabric, files, as_json, dry_run=dry_run, strict=strict)


def import_orders_command(
    ctx: typer.Context,
    files: FilesArgument,
    dry_run: DryRunOption = False,
    strict: StrictOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import confirmed open orders (reference, SKU, due date, quantity)."""
    run_import(ctx, api.import_orders, files, as_json, dry_run=dry_run, strict=strict)


def import_rooms_command(
    ctx: typer.Context,
    files: FilesArgument,
    dry_run: DryRunOption = False,
    strict: StrictOption = False,
    as_json: JsonOption = False,
) -> None:
    """Import the rooms' planned broadcasts and promotions (room, date, broadcast, promotion).

    The forecast reads the days ahead of it as known: a room off air sells little."""
    run_import(ctx, api.import_room_calendar, files, as_json, dry_run=dry_run, strict=strict)
