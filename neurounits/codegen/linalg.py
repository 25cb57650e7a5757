"""Small dense linear algebra for generated kernels (part of :mod:`.runtime`, which re-exports it).

:func:`expm_block`: E = exp(M dt) and P = integral_0^dt exp(M s) ds for a small matrix M, from the
exponential of [[M dt, I dt], [0, 0]], computed with the degree-13 Pade approximant and scaling and
squaring (Higham, SIAM J. Matrix Anal. Appl. 26(4), 2005); :func:`expm_blocks` for a stack of them;
:func:`dense_step`: one exact step E x + P c of a large linear system, from the per-neuron
matrices (the ``exact`` integrator's dense form).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["dense_step", "expm", "expm_block", "expm_blocks"]


@njit(cache=True)
def _matmul(a, b):
    n = a.shape[0]
    out = np.zeros((n, n))
    for i in range(n):
        for k in range(n):
            aik = a[i, k]
            if aik != 0.0:
                for j in range(n):
                    out[i, j] += aik * b[k, j]
    return out


@njit(cache=True)
def _solve(a, b):
    """Solve a x = b (square, several right-hand sides) by Gaussian elimination with pivoting."""
    n = a.shape[0]
    a = a.copy()
    x = b.copy()
    for col in range(n):
        piv = col
        for r in range(col + 1, n):
            if abs(a[r, col]) > abs(a[piv, col]):
                piv = r
        if piv != col:
            for c in range(n):
                a[col, c], a[piv, c] = a[piv, c], a[col, c]
                x[col, c], x[piv, c] = x[piv, c], x[col, c]
        d = a[col, col]
        for r in range(col + 1, n):
            f = a[r, col] / d
            if f != 0.0:
                for c in range(col, n):
                    a[r, c] -= f * a[col, c]
                for c in range(n):
                    x[r, c] -= f * x[col, c]
    for col in range(n - 1, -1, -1):
        for c in range(n):
            s = x[col, c]
            for k in range(col + 1, n):
                s -= a[col, k] * x[k, c]
            x[col, c] = s / a[col, col]
    return x


_B = np.array([64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
               129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
               40840800.0, 960960.0, 16380.0, 182.0, 1.0])


@njit(cache=True)
def expm(a):
    """Matrix exponential (Pade 13 with scaling and squaring)."""
    n = a.shape[0]
    norm = 0.0
    for j in range(n):
        s = 0.0
        for i in range(n):
            s += abs(a[i, j])
        norm = max(norm, s)
    sq = 0
    if norm > 5.371920351148152:
        sq = max(0, int(math.ceil(math.log2(norm / 5.371920351148152))))  # noqa: RUF046
    a = a / (2.0 ** sq)
    b = _B
    eye = np.eye(n)
    a2 = _matmul(a, a)
    a4 = _matmul(a2, a2)
    a6 = _matmul(a4, a2)
    u = _matmul(a, _matmul(a6, b[13] * a6 + b[11] * a4 + b[9] * a2)
                + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = _matmul(a6, b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    x = _solve(v - u, v + u)
    for _ in range(sq):
        x = _matmul(x, x)
    return x


@njit(cache=True)
def expm_block(m, dt):
    """(E, P): E = exp(m dt), P = integral_0^dt exp(m s) ds."""
    k = m.shape[0]
    big = np.zeros((2 * k, 2 * k))
    for i in range(k):
        for j in range(k):
            big[i, j] = m[i, j] * dt
        big[i, k + i] = dt
    x = expm(big)
    return x[:k, :k].copy(), x[:k, k:].copy()


def expm_blocks(m: np.ndarray, dt: float) -> tuple[np.ndarray, np.ndarray]:
    """(E, P) of :func:`expm_block` for a stack of matrices ``m[i]`` (plain Python with numpy and
    scipy, not compiled): each distinct matrix once (a population usually shares one)."""
    from scipy.linalg import expm as scipy_expm

    n, k = m.shape[0], m.shape[1]
    uniq, inv = np.unique(m.reshape(n, k * k), axis=0, return_inverse=True)
    big = np.zeros((uniq.shape[0], 2 * k, 2 * k))
    big[:, :k, :k] = uniq.reshape(-1, k, k) * dt
    for i in range(k):
        big[:, i, k + i] = dt
    x = scipy_expm(big)
    inv = np.asarray(inv).reshape(-1)
    return x[:, :k, :k][inv], x[:, :k, k:][inv]



@njit(cache=True)
def dense_step(E, P, i, xs, cs):
    """E[i] @ xs + P[i] @ cs for neuron i (E and P: stacks (n, k, k), or one (k, k) matrix shared by
    all neurons): the new states of a linear system of many states (``xs``, ``cs``: tuples of floats)."""
    k = E.shape[-1]
    E = E.reshape((-1, k, k))  # one shared (k, k) matrix, or one per neuron
    P = P.reshape((-1, k, k))
    ii = i if E.shape[0] > 1 else 0
    xv = np.empty(k)
    cv = np.empty(k)
    for b in range(k):
        xv[b] = xs[b]
        cv[b] = cs[b]
    out = np.empty(k)
    for a in range(k):
        acc = 0.0
        for b in range(k):
            acc += E[ii, a, b] * xv[b] + P[ii, a, b] * cv[b]
        out[a] = acc
    return out
