"""The Typer app: global options, the settings they make, and the one error handler.

Every :class:`c2m.errors.C2MError` becomes one sentence and its documented exit code; a file
the user named that cannot be used is exit 1; anything else is a bug (exit 70) whose traceback
is shown only with ``C2M_DEBUG=1``. The commands themselves are added in ``cli.py``.
"""

from __future__ import annotations

import logging
import os
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from typer.core import TyperGroup

from c2m.errors import C2MError, ExitCode, sigterm_as_interrupt
from c2m.logs import FILE_ONLY, capture_warnings, command_finished, command_started, configure
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
    # escaped: Rich would swallow "[postgres]" in "pip install 'c2m-planner[postgres]'"
    err.print(
        f"[bold red]error:[/] {escape(message)}", highlight=False, markup=True, soft_wrap=True
    )
    logging.getLogger("c2m.command").error(message, extra={"exit_code": int(code), **FILE_ONLY})
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
        if ctx.parent is None:  # the whole command: its closing record in the log
            return command_finished(ctx, lambda: self._invoke(ctx))
        return self._invoke(ctx)

    def _invoke(self, ctx: typer.Context) -> Any:
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
            logging.getLogger("c2m.command").error("internal error", exc_info=True, extra=FILE_ONLY)
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
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, pwsh
)


@dataclass
class Settings:
    """Global options, shared by every command through the Typer context."""

    db_url: str | None = None
    config_path: Path | None = None
    warned: bool = False

    def engine(self) -> Engine:
        """The database engine, its schema created when missing."""
        return api.open_engine(self.db_url)

    def config(self) -> FactoryConfig:
        """The factory config (--config, $C2M_CONFIG, ./c2m.toml, else the bundled sample, with
        a warning); its time zone becomes the process's clock (c2m.clock)."""
        source = api.discover_config(self.config_path)
        if source.bundled and not self.warned:
            self.warned = True
            err.print(
                "warning: no factory config (--config, $C2M_CONFIG or ./c2m.toml): using the "
                "bundled Humen sample factory; `c2m init --config-template` writes one to edit",
                highlight=False,
                soft_wrap=True,
            )
        cfg = api.load_config(source.path)
        api.use_zone(cfg)
        return cfg


def _show_version(value: bool) -> None:
    """``c2m --version``: the installed distribution's version."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            shown = version("c2m-planner")
        except PackageNotFoundError:  # run from a checkout that was never installed
            shown = "unknown (not installed)"
        print(f"c2m-planner {shown}")
        raise typer.Exit(0)


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
            "--config",
            "-c",
            help="Factory configuration TOML (default: $C2M_CONFIG, else ./c2m.toml, "
            "else the bundled Humen sample, with a warning).",
        ),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More on stderr (-vv: debug).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")] = False,
    log_file: Annotated[
        Path | None,
        typer.Option("--log-file", help="Append this command's log here, one JSON per line."),
    ] = None,
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    configure(-1 if quiet else verbose, log_file)
    command_started(ctx)
    ctx.obj = Settings(db_url=db, config_path=config)


def settings(ctx: typer.Context) -> Settings:
    """The global options of this invocation (defaults when a test calls a command bare)."""
    return ctx.obj if isinstance(ctx.obj, Settings) else Settings()


def main() -> None:
    """Console-script entry point, reached as ``cli.main`` once ``cli`` has added the commands.

    Library warnings (pandas deprecations, numpy's empty-slice notes) are for developers: they
    go to the log (``--log-file``), and to stderr only with ``-v`` (see :mod:`c2m.logs`).
    """
    capture_warnings()
    app()
