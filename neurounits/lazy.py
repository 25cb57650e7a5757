"""Imports done on first use, with the cyclic garbage collector paused while they run.

Importing sympy or numba (or initialising numba's CPU target) creates some 10^5 long-lived
objects; the collections they trigger on the way only traverse them again and again (about a
tenth of a second on a 2-core machine).  Pausing the collector for the duration of such an
import loses nothing: no collection is skipped afterwards, the collector's previous state is
restored, and an error is raised unchanged.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
from collections.abc import Iterator
from typing import Any

__all__ = ["import_quietly", "paused_gc"]


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cyclic garbage collector disabled inside the block (restored after it, if it was on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_quietly(name: str, package: str | None = None) -> Any:
    """``importlib.import_module(name, package)`` inside :func:`paused_gc`."""
    with paused_gc():
        return importlib.import_module(name, package)
