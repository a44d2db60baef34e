"""The solve runs in a child process: a native crash is reported, not fatal."""

from __future__ import annotations

import os

import pytest

from c2m.errors import DataError
from c2m.replan import isolate


def test_the_result_comes_back():
    assert isolate.call(sorted, [3, 1, 2], reverse=True) == [3, 2, 1]


def bad():
    """Module level: a spawned child (C2M_MP_START=spawn) must be able to import it."""
    raise DataError("lot X holds SKU Y, which is not in the catalogue")


def test_an_exception_is_raised_again_in_the_parent():
    with pytest.raises(DataError, match="not in the catalogue"):
        isolate.call(bad)


def test_an_abort_in_native_code_becomes_child_died():
    """``os.abort`` is what a failed CHECK in C++ does: SIGABRT, no Python cleanup."""
    with pytest.raises(isolate.ChildDied, match="SIGABRT"):
        isolate.call(os.abort)


def test_an_exit_without_a_result_becomes_child_died():
    with pytest.raises(isolate.ChildDied, match="code 3"):
        isolate.call(os._exit, 3)
