"""The documentation: the tutorial runs as a doctest, and the gallery pages are made from examples/."""

from __future__ import annotations

import doctest
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.mark.slow
def test_tutorial_runs_as_written():
    result = doctest.testfile(
        str(DOCS / "tutorial.rst"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert result.attempted > 20 and result.failed == 0
