"""Synapses grouped by source neuron (CSR), by a counting sort compiled with numba: O(synapses).

:func:`group_by_source` takes the synapses of several parts (projections), each with its source
neurons, ring columns, weights and delays (a weight or delay array of length 1 is one value for
every synapse of its part), and returns ``ptr`` (int64[n + 1]) and the columns (int32), weights
(float64) and delays (``delay_dtype``) in source order; synapses of one source keep their order.
About 35 ns per synapse on this machine (the writes go to random places: a transposition).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["group_by_source", "member_runs", "sort_by_column", "sorted_runs"]


@njit(cache=True, nogil=True)
def _count(src, lo, counts):
    for s in range(src.shape[0]):
        counts[src[s] - lo] += 1


@njit(cache=True, nogil=True)
def _scatter(nxt, src, lo, col, shift, w, d, out_col, out_w, out_d):
    wstep = 1 if w.shape[0] > 1 else 0
    dstep = 1 if d.shape[0] > 1 else 0
    for s in range(src.shape[0]):
        i = src[s] - lo
        k = nxt[i]
        nxt[i] = k + 1
        out_col[k] = col[s] + shift
        out_w[k] = w[s * wstep]
        out_d[k] = d[s * dstep]


def group_by_source(
    n: int, lo: int, parts, delay_dtype
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ptr, COL, W, DLY) of the synapses of ``parts`` = [(src, col, shift, w, d), ...] by source
    ``src - lo`` (in [0, n)); a synapse's column is ``col + shift``."""
    counts = np.zeros(n, np.int64)
    for src, *_ in parts:
        _count(np.ascontiguousarray(src), lo, counts)
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    total = int(ptr[-1])
    col = np.empty(total, np.int32)
    w = np.empty(total, np.float64)
    d = np.empty(total, delay_dtype)
    nxt = ptr[:-1].copy()
    for src, c, shift, ww, dd in parts:
        _scatter(
            nxt,
            np.ascontiguousarray(src),
            lo,
            np.ascontiguousarray(c),
            shift,
            np.ascontiguousarray(ww, np.float64),
            np.ascontiguousarray(dd, delay_dtype),
            col,
            w,
            d,
        )
    return ptr, col, w, d


@njit(cache=True, nogil=True)
def _merge_order(key, a, n, src, dst, ks, kd):
    """The stable order of ``key[a:a + n]``: insertion sort of blocks of 32, then a bottom-up merge
    sort of (key, position) pairs (plain loops, which numba compiles in a fraction of the time of
    ``np.argsort``); returns the array holding it (``src`` or ``dst``)."""
    for k in range(n):
        src[k], ks[k] = k, key[a + k]
    for lo in range(0, n, 32):
        for x in range(lo + 1, min(lo + 32, n)):
            kv, iv, y = ks[x], src[x], x
            while y > lo and ks[y - 1] > kv:  # equal keys keep their order
                ks[y], src[y] = ks[y - 1], src[y - 1]
                y -= 1
            ks[y], src[y] = kv, iv
    width = 32
    while width < n:
        for lo in range(0, n, 2 * width):
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            p, q = lo, mid
            for o in range(lo, hi):
                if q < hi and (p >= mid or ks[q] < ks[p]):  # equal: the left first
                    kd[o], dst[o] = ks[q], src[q]
                    q += 1
                else:
                    kd[o], dst[o] = ks[p], src[p]
                    p += 1
        src, dst, ks, kd = dst, src, kd, ks
        width *= 2
    return src


@njit(cache=True, nogil=True)
def _sort_by_column(ptr, col, w, d, order, tmp, c2, w2, d2, k2):
    for i in range(ptr.shape[0] - 1):
        a, n = ptr[i], ptr[i + 1] - ptr[i]
        done = True
        for s in range(a + 1, a + n):
            if col[s] < col[s - 1]:
                done = False
                break
        if done:
            continue
        o = _merge_order(col, a, n, order, tmp, c2, k2)
        for k in range(n):
            c2[k], w2[k], d2[k] = col[a + o[k]], w[a + o[k]], d[a + o[k]]
        for k in range(n):
            col[a + k], w[a + k], d[a + k] = c2[k], w2[k], d2[k]


def sort_by_column(ptr, col, w, d) -> None:
    """Sort each source's synapses by column, in place; stable, so the synapses onto one column
    keep their order (what a spike adds to one ring cell is added in the same order)."""
    m = int(np.diff(ptr).max()) if ptr.shape[0] > 1 else 0
    scratch = (np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m, col.dtype), np.empty(m, w.dtype))
    _sort_by_column(ptr, col, w, d, *scratch, np.empty(m, d.dtype), np.empty(m, col.dtype))


def member_runs(ptr, col, owner, member: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The synapses onto the columns of one member of a team (``owner[column] == member``), as runs
    of consecutive synapses: source i's are ``ra[r]:rb[r]`` for r in ``rptr[i]:rptr[i + 1]``
    (numpy, not compiled: these tables are small, and a compiled pass cost a fresh process a third
    of a second)."""
    ptr = np.asarray(ptr, np.int64)
    mine = owner[col] == member
    edge = np.zeros(mine.size + 1, bool)  # a source starts or ends here
    edge[ptr] = True
    inner = ~edge[1:-1]
    before = np.concatenate(([False], mine[:-1] & inner))  # the previous synapse is mine, same source
    after = np.concatenate((mine[1:] & inner, [False]))  # the next synapse is mine, same source
    ra = np.flatnonzero(mine & ~before).astype(np.int64)
    rb = np.flatnonzero(mine & ~after).astype(np.int64) + 1
    return np.searchsorted(ra, ptr).astype(np.int64), ra, rb


@njit(cache=True, nogil=True)
def _first_at_least(col, lo, hi, v):
    """The first position in [lo, hi) of the sorted ``col`` whose value is >= v (hi if none): a
    binary search, as ``np.searchsorted`` (which costs seconds of compilation in a fresh process)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if col[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def _sorted_runs(ptr, col, spans, rptr, ra, rb, fill):
    k = 0
    for i in range(ptr.shape[0] - 1):
        rptr[i] = k
        for q in range(spans.shape[0]):
            a = _first_at_least(col, ptr[i], ptr[i + 1], spans[q, 0])
            b = _first_at_least(col, a, ptr[i + 1], spans[q, 1])
            if b > a:
                if fill:
                    ra[k], rb[k] = a, b
                k += 1
    rptr[ptr.shape[0] - 1] = k
    return k


def sorted_runs(ptr, col, spans: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`member_runs`, for synapses sorted by column within each source (:func:`sort_by_column`)
    and the member's columns given as spans ``[spans[q, 0], spans[q, 1])``, sorted and disjoint:
    two binary searches per source and span instead of a pass over every synapse."""
    rptr = np.zeros(ptr.shape[0], np.int64)
    none = np.zeros(0, np.int64)
    spans = np.ascontiguousarray(spans, dtype=col.dtype)
    k = _sorted_runs(ptr, col, spans, rptr, none, none, False)
    ra, rb = np.empty(k, np.int64), np.empty(k, np.int64)
    _sorted_runs(ptr, col, spans, rptr, ra, rb, True)
    return rptr, ra, rb
