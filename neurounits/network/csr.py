"""Grouping synapses by source: :func:`to_csr` (public through :mod:`neurounits.network.connectivity`)."""

from __future__ import annotations

import numpy as np


def _or_shifted(key: np.ndarray, i: np.ndarray, shift: int, chunk: int = 1 << 20) -> None:
    """``key |= i << shift``, through a small buffer: no temporary as large as ``key``."""
    buf = np.empty(min(chunk, key.size), dtype=np.int64)
    for a in range(0, key.size, chunk):
        b = min(a + chunk, key.size)
        np.left_shift(i[a:b], shift, out=buf[: b - a], dtype=np.int64)
        key[a:b] |= buf[: b - a]


def _packable(columns: tuple[np.ndarray, ...], free: int) -> dict[int, int]:
    """{column index: bits} of the integer columns >= 0 that fit, in order, into ``free`` bits."""
    bits: dict[int, int] = {}
    for j, c in enumerate(columns):
        if c.size and np.issubdtype(c.dtype, np.integer) and int(c.min()) >= 0:
            b = max(int(c.max()).bit_length(), 1)
            if b <= free:
                bits[j] = b
                free -= b
    return bits


def to_csr(i: np.ndarray, n_pre: int, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Group synapses by source: ``(ptr, order, *sorted_columns)``.

    ``order`` is the stable permutation that sorts ``i`` (synapses of one
    source keep their order); the synapses of source ``j`` are
    ``order[ptr[j]:ptr[j + 1]]``, and each column comes back as
    ``column[order]``.  One sort of packed int64 keys: source, synapse index
    and, while they fit in 63 bits, the columns of integers >= 0 (target
    positions, delays in steps), which so cost no gather; other columns
    (weights) are gathered with ``order``.  ``ptr`` by binary search.

    >>> ptr, order, k = to_csr(np.array([2, 0, 2, 1]), 3, np.array([5, 6, 7, 8]))
    >>> ptr.tolist(), order.tolist(), k.tolist()
    ([0, 1, 2, 4], [1, 3, 0, 2], [6, 8, 5, 7])
    """
    i = np.asarray(i)
    cols = tuple(np.asarray(c) for c in columns)
    n = i.size
    if n and (int(i.min()) < 0 or int(i.max()) >= n_pre):
        raise ValueError(
            f"to_csr: source positions must be in [0, {n_pre}), got {int(i.min())} to {int(i.max())}"
        )
    bits_i, bits_s = max(int(n_pre - 1).bit_length(), 1), max(int(n - 1).bit_length(), 1)
    if bits_i + bits_s > 63:  # pragma: no cover - more than 2**40 synapses
        order = np.argsort(i, kind="stable")
        ptr = np.zeros(n_pre + 1, dtype=np.int64)
        np.cumsum(np.bincount(i, minlength=n_pre), out=ptr[1:])
        return (ptr, order, *(c[order] for c in cols))
    packed = _packable(cols, 63 - bits_i - bits_s)
    low = sum(packed.values())
    key = np.arange(n, dtype=np.int64)
    for j, b in packed.items():  # the last packed column ends up in the lowest bits
        key <<= b
        key |= cols[j]
    _or_shifted(key, i, bits_s + low)
    key.sort()
    ptr = np.empty(n_pre + 1, dtype=np.int64)
    ptr[:-1] = np.searchsorted(key, np.arange(n_pre, dtype=np.int64) << (bits_s + low))
    ptr[-1] = n
    out: dict[int, np.ndarray] = {}
    for j, b in reversed(packed.items()):
        out[j] = (key & ((1 << b) - 1)).astype(cols[j].dtype, copy=False)
        key >>= b
    key &= (1 << bits_s) - 1
    order = key
    return (ptr, order, *(out[j] if j in out else c[order] for j, c in enumerate(cols)))
