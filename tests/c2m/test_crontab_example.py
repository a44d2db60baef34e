"""The shipped crontab: every c2m it runs reads the factory's config, the retry included."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import c2m

CRONTAB = Path(c2m.__file__).resolve().parent / "data" / "configs" / "crontab.example"


def _invocations() -> list[list[str]]:
    """The argument lists of every ``c2m`` a schedule line (commented out or not) runs."""
    out = []
    for line in CRONTAB.read_text(encoding="utf-8").splitlines():
        entry = line.lstrip("# ")
        if not re.match(r"^[\d*]", entry):  # a schedule starts with its minute field
            continue
        for command in re.split(r"&&|\|\||\|", entry):
            words = shlex.split(command.split(">>")[0])
            if words and words[0].endswith("/c2m"):
                out.append(words[1:])
    return out


def test_every_c2m_in_the_crontab_passes_the_config():
    calls = _invocations()
    assert len(calls) >= 3  # the nightly replan, and the retry's check and replan
    for args in calls:
        assert args[0] == "--config", args
    assert len({args[1] for args in calls}) == 1  # one factory, every line the same file
