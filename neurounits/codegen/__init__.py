"""Code generation: sympy step statements -> a cached module of numba kernels.

This package is the only place numba is imported.  Modules: ``abi`` (the kernel's argument
list), ``kernel`` (:func:`generate`), ``emit`` (lines, locals, named expressions, CSE),
``adaptive`` and ``lanes`` (rkf45), ``events``, ``inputs``, ``record``, ``cache`` (:func:`load`),
``printer`` and ``runtime`` (helpers called by generated code: ``intrinsics``, ``linalg``, ``rng``,
``compiler``).

``abi`` and ``kernel`` (which import sympy) are imported on first use, so that loading a cached
kernel (``cache`` and ``runtime``) needs no sympy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .cache import cache_dir, load

if TYPE_CHECKING:
    from .abi import BOUND, KernelSpec
    from .kernel import generate

__all__ = ["BOUND", "KernelSpec", "cache_dir", "generate", "load"]

_LAZY = {"BOUND": ".abi", "KernelSpec": ".abi", "generate": ".kernel"}


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value
