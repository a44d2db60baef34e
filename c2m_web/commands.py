"""``c2m serve`` and ``c2m user add|list|remove``: the web face's commands for ``cli.py``.

They are written here, beside the web application, and ``cli.py`` adds them with
:func:`add_commands`. Nothing heavy is imported at module level (not even :mod:`c2m.users`,
which loads SQLModel): ``c2m --help`` must stay quick, ``c2m plan`` must not pay for
FastAPI, and a machine without the ``web`` extra still runs every other command (and these
say which extra to install).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from c2m.errors import DataError

ROLE_HELP = "merchandiser (uploads), planner (also replans, downloads) or admin (also users)"


def add_commands(app: typer.Typer, sub_app: Callable[[str], typer.Typer]) -> None:
    """Register ``serve`` and the ``user`` group on the CLI's app."""
    app.command("serve")(serve_command)
    users = sub_app("Users of the web page (c2m serve) and their roles.")
    users.command("add")(user_add_command)
    users.command("list")(user_list_command)
    users.command("remove")(user_remove_command)
    app.add_typer(users, name="user")


def _engine(ctx: typer.Context):
    import c2m.users  # noqa: F401  (the user tables must exist)
    from c2m.db import open_engine

    return open_engine(getattr(ctx.obj, "db_url", None))


def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Start the web page (upload, plan, nights, users) on the CLI's database and config.

    Behind a TLS reverse proxy, set [web] secure_cookies = true in the factory config."""
    from c2m.users import WebExtraMissing

    try:
        import uvicorn

        from c2m_web import WebSettings, create_app
    except ImportError as exc:
        raise WebExtraMissing(
            f"c2m serve needs the web extra ({exc.name} is missing): pip install 'c2m-planner[web]'"
        ) from None
    settings = WebSettings(
        db_url=getattr(ctx.obj, "db_url", None), config_path=getattr(ctx.obj, "config_path", None)
    )
    application = create_app(settings)
    typer.echo(f"c2m serve: http://{host}:{port}/ (Ctrl-C stops)", err=True)
    uvicorn.run(application, host=host, port=port, proxy_headers=True, log_level="info")


def _read_password(name: str) -> str:
    """From a hidden prompt (asked twice) on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return typer.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line:
        raise DataError("no password on standard input (pipe one line, or run on a terminal)")
    return line.rstrip("\r\n")


def user_add_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)],
) -> None:
    """Add a user; the password is asked for (or read from stdin when it is not a terminal)."""
    from c2m.db import session_scope
    from c2m.users import ROLES, add_user, check_name, check_role

    if role not in ROLES:
        raise typer.BadParameter(f"must be one of {', '.join(ROLES)}", param_hint="--role")
    check_name(name)
    check_role(role)
    password = _read_password(name)
    with session_scope(_engine(ctx)) as session:
        add_user(session, name, role, password)
    typer.echo(f"user {name} added ({role})", err=True)


def user_list_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """List the users and their roles."""
    from c2m.db import session_scope
    from c2m.users import list_users

    with session_scope(_engine(ctx)) as session:
        rows: list[dict[str, Any]] = [
            {
                "name": u.name,
                "role": u.role,
                "created_at": u.created_at.isoformat(sep=" "),
                "disabled": u.disabled,
            }
            for u in list_users(session)
        ]
    if as_json:
        typer.echo(json.dumps({"users": rows}, ensure_ascii=False, indent=2))
        return
    if not rows:
        typer.echo("no users yet: c2m user add NAME --role admin", err=True)
    for row in rows:
        typer.echo(f"{row['name']}\t{row['role']}\t{row['created_at']}")


def user_remove_command(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="Login name.")]
) -> None:
    """Remove a user; their open sessions end at once, their import history keeps the name."""
    from c2m.db import session_scope
    from c2m.users import delete_user

    with session_scope(_engine(ctx)) as session:
        delete_user(session, name)
    typer.echo(f"user {name} removed", err=True)
