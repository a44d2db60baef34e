"""The suite-timing benchmark matches tests across two runs, also when a test moved file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "suite_timing.py"


def _junit(path: Path, cases: list[tuple[str, str, float, bool]]) -> Path:
    rows = "".join(
        f'<testcase classname="{module}" name="{name}" time="{seconds}">'
        + ("<skipped/>" if skipped else "")
        + "</testcase>"
        for module, name, seconds, skipped in cases
    )
    path.write_text(f'<testsuites><testsuite name="pytest">{rows}</testsuite></testsuites>')
    return path


def test_the_same_tests_are_compared_apart_from_the_new_ones(tmp_path: Path) -> None:
    old = _junit(
        tmp_path / "old.xml",
        [("tests.a", "test_kept", 2.0, False), ("tests.b", "test_moved", 3.0, False)],
    )
    new = _junit(
        tmp_path / "new.xml",
        [
            ("tests.a", "test_kept", 1.5, False),
            ("tests.c", "test_moved", 3.5, False),
            ("tests.c", "test_added", 10.0, False),
            ("tests.c", "test_skipped", 0.0, True),
        ],
    )
    run = subprocess.run(
        [sys.executable, str(BENCH), str(old), str(new)], capture_output=True, text=True, check=True
    )
    result = json.loads(run.stdout)
    assert result["same_tests"] == {"tests": 1, "old_seconds": 2.0, "new_seconds": 1.5}
    assert result["same_names"] == {"tests": 2, "old_seconds": 5.0, "new_seconds": 5.0}
    assert result["new_tests"] == {"tests": 2, "seconds": 13.5}
    assert result["new"]["tests"] == 3
