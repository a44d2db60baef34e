"""Options several commands share, declared once so they read and behave the same everywhere.

Closed choices are enums, so ``--help`` lists them (``[c2m|batch]``) and Click rejects anything
else as a usage error (exit 64) before a command runs. Free text stays free where the library
resolves it (a forecast method is an alias, ``auto`` included).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from c2m.modes import Mode


class ExportFormat(StrEnum):
    """The files ``c2m export`` writes: CSV per line, or one XLSX sheet per line."""

    CSV = "csv"
    XLSX = "xlsx"


# Every command that reports takes --json: one object on stdout, nothing else there.
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]

ModeOption = Annotated[Mode, typer.Option("--mode", help="Lot policy: c2m or batch.")]

PlanDaysOption = Annotated[int, typer.Option("--horizon", min=1, help="Days to plan.")]

# Local times as a planner types them: a day, or a day and a time.
NOW_FORMATS = [
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
]

# --- c2m import ... ---------------------------------------------------------------------------

FilesArgument = Annotated[
    list[Path], typer.Argument(help="CSV (UTF-8 or GBK; , ; or tab separated) or .xlsx files.")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Check and count everything, write nothing.")
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Import nothing at all if any row is bad.")
]

# plan and replan: publish past the guards, and write the solver's problem as a floor file
ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Make the plan current even when a guard holds it back."),
]
ProblemOutOption = Annotated[
    Path | None,
    typer.Option(
        "--problem-out",
        help="Also write the scheduling problem as a floor file (.json or .json.gz).",
    ),
]
