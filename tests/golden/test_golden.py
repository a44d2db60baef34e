"""The golden outputs stay identical: the proof that a restructuring changed no behaviour.

A failure here means the code now plans, schedules or simulates differently. If that is the
intent, re-record with ``python -m tests.golden.runs NAME`` in a commit of its own that says
which number moved and why.
"""

from __future__ import annotations

import pytest

from tests.golden.runs import EXPECTED, all_runs, dumps


@pytest.mark.parametrize("name", sorted(all_runs()))
def test_golden_output_is_unchanged(name: str) -> None:
    expected = (EXPECTED / f"{name}.json").read_text(encoding="utf-8")
    assert dumps(all_runs()[name]()) == expected
