"""Counter-based random numbers for generated kernels (part of :mod:`.runtime`, which re-exports them).

:func:`normal`: a standard normal number that is a pure function of (seed, neuron, step, noise
index): a splitmix64-style 64-bit mixing hash gives two uniforms, Box-Muller turns them into a
normal.  Counter-based and branch-free, so results do not depend on how neurons are split into
blocks or threads, and loops that draw numbers still vectorise.  :func:`uniform` and
:func:`poisson` likewise.

:func:`exp_interval` and :func:`exp_starts`: the exponential intervals of the Poisson sources of
networks (time rescaling: each stream keeps the intensity left until its next event, see
:mod:`neurounits.codegen.network`), a pure function of (seed, stream, event number).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .intrinsics import log_float

__all__ = ["cos_pi", "exp_interval", "exp_starts", "mix64", "normal", "poisson", "uniform"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MSTEP = np.uint64(0xD1B54A32D192ED03)
_S27 = np.uint64(27)
_S30 = np.uint64(30)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_ONE = np.uint64(1)
_2M53 = 1.0 / 9007199254740992.0


@njit(cache=True, inline="always")
def mix64(z):
    """A bijective 64-bit mixing function (the splitmix64 finaliser); z and the result are uint64."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def cos_pi(x):
    """cos(pi x) for x in [-1, 1], branch-free (even polynomial on [-1/2, 1/2], error < 1e-15)."""
    a = abs(x)
    flip = a > 0.5
    y = (1.0 - a if flip else a) * math.pi
    z = y * y
    c = 1.0 - z * (1.0 / 2.0 - z * (1.0 / 24.0 - z * (1.0 / 720.0 - z * (1.0 / 40320.0 - z * (
        1.0 / 3628800.0 - z * (1.0 / 479001600.0 - z * (1.0 / 87178291200.0 - z * (
            1.0 / 20922789888000.0 - z * (1.0 / 6402373705728000.0 - z / 2432902008176640000.0)))))))))
    return -c if flip else c


@njit(cache=True, inline="always")
def normal(seed, neuron, step, k):
    """Standard normal number number ``k`` of ``neuron`` (global index) in time step ``step``.

    A pure function of its arguments (``seed`` uint64, the others integers): keys are mixed with
    :func:`mix64`, the top 53 bits of two hashes give uniforms u1 in (0, 1] and u2 in [0, 1), and
    Box-Muller gives sqrt(-2 log u1) cos(2 pi u2) (as cos(pi (2 u2 - 1)) up to the sign, which
    leaves the distribution unchanged).
    """
    key = mix64(seed + _GOLDEN * (np.uint64(neuron) + _ONE))
    h1 = mix64(key ^ (np.uint64(step) * _MSTEP + np.uint64(k) * _GOLDEN))
    h2 = mix64(h1 + _GOLDEN)
    u1 = (np.float64(np.int64(h1 >> _S11)) + 1.0) * _2M53
    u2 = np.float64(np.int64(h2 >> _S11)) * _2M53
    return math.sqrt(-2.0 * log_float(u1)) * cos_pi(2.0 * u2 - 1.0)


@njit(cache=True, inline="always")
def uniform(seed, a, b, k):
    """A uniform number in (0, 1), a pure function of ``seed`` (uint64) and the integers a, b, k
    (mixed as in :func:`normal`)."""
    key = mix64(seed + _GOLDEN * (np.uint64(a) + _ONE))
    h = mix64(key ^ (np.uint64(b) * _MSTEP + np.uint64(k) * _GOLDEN))
    return (np.float64(np.int64(h >> _S11)) + 0.5) * _2M53


@njit(cache=True, inline="always")
def _poisson_part(u, m, p0):
    """The count of a Poisson variable of mean m (p0 = exp(-m)) whose distribution function first
    reaches u (inversion, at most 400 terms)."""
    p = p0
    c = p0
    x = 0
    while u > c and x < 400:
        x += 1
        p *= m / x
        c += p
    return x


@njit(cache=True, inline="always")
def poisson(lam, p0, seed, a, b):
    """A Poisson count with mean ``lam`` (``p0`` = exp(-min(lam, 16))), a pure function of
    (seed, a, b): the mean is split into parts of at most 16, and each part's count is found by
    inverting its distribution function with one uniform number (:func:`uniform`, k = the part's
    number).  The caller computes p0 once for many draws of the same mean."""
    if lam <= 16.0:
        return _poisson_part(uniform(seed, a, b, 0), lam, p0)
    total = 0
    part = 0
    rest = lam
    while rest > 0.0:
        m = min(rest, 16.0)
        rest -= m
        total += _poisson_part(uniform(seed, a, b, part), m, p0 if m == 16.0 else math.exp(-m))
        part += 1
    return total



_K_INTERVAL = 1  # the key k of the intervals' uniforms (0 was the per-step Poisson draws' first part)


@njit(cache=True, inline="always")
def exp_interval(seed, stream, event):
    """An Exp(1) number, the intensity between event ``event`` and the next of Poisson stream
    ``stream`` (event 0: from the start to the first event): -log u with u = :func:`uniform`
    (seed, stream, event, 1) in (0, 1), a pure function of its arguments."""
    return -math.log(uniform(seed, stream, event, _K_INTERVAL))


@njit(cache=True)
def exp_starts(seed, n):
    """The intensities until the first event of Poisson streams 0..n-1 (:func:`exp_interval` of
    event 0): the initial state of a network's sources."""
    out = np.empty(n)
    for m in range(n):
        out[m] = exp_interval(seed, m, 0)
    return out
