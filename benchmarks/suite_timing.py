"""Compare two runs of the test suite, test by test, from pytest's JUnit XML (JSON out).

Issue #15 asked that the restructuring leave the suite no slower. The suite also grew (each
issue since brings its tests), so its total time says little about the restructuring; the
fair figure is the time of the tests both runs hold. Make the two files from clean clones of
the two commits, each with its own virtual environment, run at the same time so that both see
the same load on a shared machine::

    (cd /tmp/old && .venv/bin/pytest -q -p no:cacheprovider --junitxml=/tmp/junit_old.xml) &
    (cd /tmp/new && .venv/bin/pytest -q -p no:cacheprovider --junitxml=/tmp/junit_new.xml) &
    wait
    python benchmarks/suite_timing.py /tmp/junit_old.xml /tmp/junit_new.xml

Tests are matched by module and name, then (for tests that moved file) by name alone.
"""

from __future__ import annotations

import argparse
import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path


def read_times(path: Path) -> dict[tuple[str, str], float]:
    """Seconds per test that ran (skipped tests left out), keyed by (class name, test name)."""
    times: dict[tuple[str, str], float] = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("skipped") is None:
            times[(case.get("classname", ""), case.get("name", ""))] = float(case.get("time", 0))
    return times


def by_name(times: dict[tuple[str, str], float]) -> dict[str, float]:
    summed: dict[str, float] = defaultdict(float)
    for (_module, name), seconds in times.items():
        summed[name] += seconds
    return summed


def compare(old: dict[tuple[str, str], float], new: dict[tuple[str, str], float]) -> dict:
    common = old.keys() & new.keys()
    old_names, new_names = by_name(old), by_name(new)
    named = old_names.keys() & new_names.keys()
    only_new = {key: s for key, s in new.items() if key not in common}
    slowest = sorted(only_new.items(), key=lambda item: -item[1])[:10]
    return {
        "old": {"tests": len(old), "seconds": round(sum(old.values()), 1)},
        "new": {"tests": len(new), "seconds": round(sum(new.values()), 1)},
        "same_tests": {
            "tests": len(common),
            "old_seconds": round(sum(old[k] for k in common), 1),
            "new_seconds": round(sum(new[k] for k in common), 1),
        },
        "same_names": {
            "tests": len(named),
            "old_seconds": round(sum(old_names[k] for k in named), 1),
            "new_seconds": round(sum(new_names[k] for k in named), 1),
        },
        "new_tests": {"tests": len(only_new), "seconds": round(sum(only_new.values()), 1)},
        "slowest_new_tests": [{"test": f"{m}::{n}", "seconds": s} for (m, n), s in slowest],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="JUnit XML of the earlier commit's suite")
    parser.add_argument("new", type=Path, help="JUnit XML of the later commit's suite")
    args = parser.parse_args()
    print(json.dumps(compare(read_times(args.old), read_times(args.new)), indent=2))


if __name__ == "__main__":
    main()
