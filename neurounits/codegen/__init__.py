"""Code generation: sympy step statements -> a cached module of numba kernels.

This package is the only place numba is imported.
"""

from .kernel import KernelSpec, cache_dir, generate, load

__all__ = ["KernelSpec", "cache_dir", "generate", "load"]
