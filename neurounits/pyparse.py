"""``ast.parse`` for every part of neurounits that parses Python text (equations, generated code).

CPython 3.11's AST constructor keeps a recursion depth that concurrent parses in threads corrupt
("SystemError: AST constructor recursion depth mismatch"): a sweep that builds networks in threads
parses equations, generated kernels and inlined functions at once.  Every parse goes through one
lock here; a parse takes microseconds to milliseconds, so nothing is lost.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

__all__ = ["parse"]

_LOCK = threading.RLock()


def parse(source: str, mode: str = "exec") -> Any:
    """``ast.parse(source, mode=mode)``, one thread at a time."""
    with _LOCK:
        return ast.parse(source, mode=mode)
