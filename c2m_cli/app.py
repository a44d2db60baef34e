"""The Typer app: global options, the settings they make, and the one error handler.

Every :class:`c2m.errors.C2MError` becomes one sentence and its documented exit code; a file
the user named that cannot be used is exit 1; anything else is a bug (exit 70) whose traceback
is shown only with ``C2M_DEBUG=1``. The commands themselves are added in ``cli.py``.
"""

from __future__ import annotations

import os
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from c2m.errors import C2MError, ExitCode, sigterm_as_interrupt
from c2m_cli import api
from c2m_cli.render import err, print_json

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from c2m.config import FactoryConfig


def _usage_exit(exc: typer.TyperException) -> None:
    """Click's usage errors exit 2, which here means "partly done": use EX_USAGE (64)."""
    if getattr(exc, "exit_code", None) == 2:
        exc.exit_code = int(ExitCode.USAGE)


def _print_error(message: str, *, as_json: bool, code: ExitCode) -> None:
    """A failure as one sentence on stderr; with ``--json`` also one object on stdout, so a
    script reading it sees why, not an empty stream."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True, soft_wrap=True)
    if as_json:
        print_json({"error": message, "exit_code": int(code)})


def _print_internal_error(exc: Exception) -> None:
    """A bug: its type and message, and how to see the traceback."""
    err.print(
        f"[bold red]internal error:[/] {type(exc).__name__}: {exc} "
        "(a bug; run with C2M_DEBUG=1 for the traceback)",
        highlight=False,
    )


class ErrorsToExitCodes(TyperGroup):
    """Turns the application's errors into one line and an exit code, for every sub-command."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        # A bare `c2m` (help shown, nothing done) is a usage error like a bare `c2m import`.
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as exc:
            _usage_exit(exc)
            raise

    def invoke(self, ctx: typer.Context) -> Any:
        # The sub-command's arguments, read now: invoking consumes them.
        as_json = "--json" in [*getattr(ctx, "_protected_args", ()), *ctx.args]
        try:
            with sigterm_as_interrupt():
                return super().invoke(ctx)
        except C2MError as exc:
            _print_error(str(exc), as_json=as_json, code=exc.exit_code)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            err.print("interrupted: nothing was left half-written")
            raise typer.Exit(130) from None
        except typer.TyperException as exc:
            _usage_exit(exc)
            raise
        except (typer.Exit, typer.Abort):
            raise
        except OSError as exc:
            # A file or folder the user named cannot be read or written (missing, a directory,
            # no permission, disk full): their environment, not a bug.
            where = exc.filename if exc.filename is not None else "a file"
            message = f"cannot use {where}: {exc.strerror or exc}"
            _print_error(message, as_json=as_json, code=ExitCode.FAILED)
            raise typer.Exit(int(ExitCode.FAILED)) from None
        except Exception as exc:
            if os.environ.get("C2M_DEBUG"):
                traceback.print_exc()
            _print_internal_error(exc)
            raise typer.Exit(int(ExitCode.INTERNAL)) from None


def sub_app(help_text: str) -> typer.Typer:
    """A command group (``c2m import ...``) with the same error handling as the top level."""
    return typer.Typer(
        help=help_text, cls=ErrorsToExitCodes, no_args_is_help=True, pretty_exceptions_enable=False
    )


app = typer.Typer(
    help="c2m-planner: live-room signals in, small-lot production plans out.",
    cls=ErrorsToExitCodes,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@dataclass
class Settings:
    """Global options, shared by every command through the Typer context."""

    db_url: str | None = None
    config_path: Path | None = None

    def engine(self) -> Engine:
        """The database engine, its schema created when missing."""
        return api.open_engine(self.db_url)

    def config(self) -> FactoryConfig:
        """The factory configuration, validated."""
        return api.load_config(self.config_path)


@app.callback()
def _global_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (default: $C2M_DATABASE_URL, else sqlite:///c2m.db)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Factory configuration TOML (default: the Humen sample)."
        ),
    ] = None,
) -> None:
    ctx.obj = Settings(db_url=db, config_path=config)


def settings(ctx: typer.Context) -> Settings:
    """The global options of this invocation (defaults when a test calls a command bare)."""
    return ctx.obj if isinstance(ctx.obj, Settings) else Settings()


def main() -> None:
    """Console-script entry point, reached as ``cli.main`` once ``cli`` has added the commands.

    Library warnings (pandas deprecations, numpy's empty-slice notes) are for developers: a
    planner reading the terminal or a cron log should see only the command's own messages.
    ``C2M_DEBUG=1`` shows them again.
    """
    if not os.environ.get("C2M_DEBUG"):
        warnings.simplefilter("ignore")
    app()
