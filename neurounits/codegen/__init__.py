"""Code generation: sympy step statements -> a cached module of numba kernels.

This package is the only place numba is imported.  Modules: ``abi`` (the kernel's argument
list), ``kernel`` (:func:`generate`), ``emit`` (lines, locals, named expressions, CSE),
``adaptive`` and ``lanes`` (rkf45), ``events``, ``inputs``, ``record``, ``cache`` (:func:`load`),
``printer`` and ``runtime`` (helpers called by generated code: ``intrinsics``, ``linalg``, ``rng``,
``compiler``).
"""

from .abi import BOUND, KernelSpec
from .cache import cache_dir, load
from .kernel import generate

__all__ = ["BOUND", "KernelSpec", "cache_dir", "generate", "load"]
