"""Numba helpers called from generated kernels (a real module, so numba's cache works).

- :func:`exp` and :func:`log`: branch-free, so that loops calling them vectorise;
- :func:`sel`, :func:`min2`, :func:`max2`: ``a if c else b``, ``min(a, b)``, ``max(a, b)`` as
  selects;
- :func:`phi1` (exp(z) - 1)/z with its limit 1 at z = 0,
- :func:`sigmoid` and :func:`softplus` in overflow-free forms,
- :func:`expm_block`: E = exp(M dt) and P = integral_0^dt exp(M s) ds for a small
  matrix M, from the exponential of [[M dt, I dt], [0, 0]], computed with the
  degree-13 Pade approximant and scaling and squaring (Higham, SIAM J. Matrix
  Anal. Appl. 26(4), 2005).
- :func:`at` and :func:`lane`: a parameter of neuron i, whether parameters come as per-neuron
  arrays or as one value for all neurons (the generated kernel body is compiled once for each
  pattern it meets, and a shared value is hoisted out of the loops);
- :func:`shared` (plain Python, called by the entry points): a per-neuron array whose values are
  all equal becomes that one value, so the body is compiled for the population's actual pattern
  of shared and per-neuron values (e.g. one per-neuron ``I_e``, everything else hoisted);
- :func:`normal`: a standard normal number that is a pure function of (seed, neuron, step,
  noise index): a splitmix64-style 64-bit mixing hash gives two uniforms, Box-Muller turns them
  into a normal.  Counter-based and branch-free, so results do not depend on how neurons are
  split into blocks or threads, and loops that draw numbers still vectorise.

The module is split by concept; every name stays reachable here as ``runtime.<name>`` (generated code
calls them as ``_rt.<name>``):

- :mod:`.intrinsics`: at, put, lane, grow, sel, min2, max2, exp, log (and their references);
- :mod:`.linalg`: expm, expm_block, expm_blocks (and the compiled _matmul, _solve);
- :mod:`.rng`: mix64, cos_pi, normal, uniform, poisson, exp_interval, exp_starts;
- :mod:`.compiler`: KernelCompiler, the pipeline of the kernel body;
- :mod:`.sync`: barrier (the threads of a network's team meet at it);
- here: shared, phi1, sigmoid, softplus.

Importing this module imports all of them, so that their intrinsics are registered with numba.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .compiler import KernelCompiler
from .inline import inlined
from .intrinsics import at, exp, exp_reference, grow, lane, log, log_reference, max2, min2, put, sel
from .linalg import dense_step, expm, expm_block, expm_blocks
from .rng import cos_pi, normal
from .rng import exp_interval as exp_interval
from .rng import exp_starts as exp_starts
from .rng import mix64 as mix64
from .rng import poisson as poisson
from .rng import uniform as uniform
from .sync import barrier as barrier

__all__ = [
    "KernelCompiler",
    "at",
    "cos_pi",
    "dense_step",
    "exp",
    "exp_reference",
    "expm",
    "expm_block",
    "expm_blocks",
    "grow",
    "inlined",
    "lane",
    "log",
    "log_reference",
    "max2",
    "min2",
    "normal",
    "phi1",
    "put",
    "sel",
    "shared",
    "sigmoid",
    "softplus",
]


def shared(a: np.ndarray):
    """``a[0]`` when every value of the per-neuron array ``a`` is the same, else ``a`` (Python,
    not compiled: the entry points call it before the compiled body)."""
    if a.shape[0] and (a == a[0]).all():
        return a[0]
    return a


@njit(cache=True, fastmath=False, forceinline=True)
def phi1(z):
    return math.expm1(z) / z if z != 0.0 else 1.0


@njit(cache=True, fastmath=False, forceinline=True)
def sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True, fastmath=False, forceinline=True)
def softplus(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))

