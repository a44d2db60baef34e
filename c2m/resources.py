"""Files that ship inside the package: the sample factory, scenarios, the sample world.

They live in ``c2m/data/`` and are found with :mod:`importlib.resources`, so they are there
after ``pip install c2m-planner`` into any environment, run from any directory (they used to
be found relative to the source checkout, which a wheel does not have). ``c2m/data/`` sits
inside the package rather than beside it because setuptools only ships files that belong to
a package; mapping folders outside it into the wheel would give a checkout and an install
two different layouts.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from c2m.errors import C2MError


def bundled(*parts: str) -> Path:
    """The path of a shipped file or folder under ``c2m/data/``.

    c2m reads folders of CSV files with ordinary file functions, so the package must be
    installed as files (what pip does), not run from a zip archive.
    """
    root = resources.files("c2m").joinpath("data", *parts)
    if not isinstance(root, Path):
        raise C2MError(
            "c2m-planner's bundled data cannot be read from a zip archive; install it with pip"
        )
    return root


def sample_factory() -> Path:
    """The Humen sample factory's configuration: the default when a user gives none."""
    return bundled("configs", "humen_factory.toml")


def sample_scenarios() -> Path:
    """The sample world's scenarios (``c2m sample --scenario``, ``c2m simulate``)."""
    return bundled("configs", "scenarios.toml")


def sample_data() -> Path:
    """The sample world's CSV exports that ``c2m demo`` imports."""
    return bundled("sample_data")


def crontab_example() -> Path:
    """A commented crontab line for the nightly replan."""
    return bundled("configs", "crontab.example")
