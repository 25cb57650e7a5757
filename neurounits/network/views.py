"""Views of a network's neurons: :class:`View` (``P[:100]``, ``E + I``) and :class:`Population`
(a view of all neurons of one model; re-exported by :mod:`neurounits.network.network`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import is_integer
from ..errors import ParameterError

if TYPE_CHECKING:
    from .network import Network


class View:
    """Neurons of one or more populations, in order: ``P[:100]``, ``P[[0, 5]]``, ``E + I``.

    A view holds indices, never copies of neurons; it can be the source or target of
    :meth:`Network.connect` and the subject of :meth:`Network.record`.
    """

    def __init__(self, parts: Sequence[tuple[Population, np.ndarray]]) -> None:
        self.parts = tuple((p, np.asarray(idx, np.int64)) for p, idx in parts if len(idx))

    @property
    def n(self) -> int:
        return sum(len(idx) for _, idx in self.parts)

    def __len__(self) -> int:
        return self.n

    @property
    def network(self) -> Network | None:
        return self.parts[0][0].network if self.parts else None

    def gids(self) -> np.ndarray:
        """Network-wide neuron ids of the view's neurons, in order."""
        if not self.parts:
            return np.zeros(0, np.int64)
        return np.concatenate([p.offset + idx for p, idx in self.parts])

    def __add__(self, other: View) -> View:
        if not isinstance(other, View):
            return NotImplemented
        if self.network is not None and other.network is not None and self.network is not other.network:
            raise ParameterError("cannot join views of two different networks")
        return View(self.parts + other.parts)

    def __getitem__(self, key: Any) -> View:
        gids = self.gids()
        sel = _select(key, len(gids), f"view of {self.n} neurons")
        pops = {p.index: p for p, _ in self.parts}
        net = self.network
        assert net is not None
        out: list[tuple[Population, np.ndarray]] = []
        for g in [gids[sel]]:
            owner = np.searchsorted(net.offsets(), g, side="right") - 1
            start = 0
            for k in range(1, len(g) + 1):  # runs of neurons of one population
                if k == len(g) or owner[k] != owner[start]:
                    p = pops[int(owner[start])]
                    out.append((p, g[start:k] - p.offset))
                    start = k
        return View(out)

    def describe(self) -> str:
        bits = []
        for p, idx in self.parts:
            whole = len(idx) == p.n and np.array_equal(idx, np.arange(p.n))
            contiguous = len(idx) and np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx)))
            bits.append(
                p.name
                if whole
                else f"{p.name}[{idx[0]}:{idx[-1] + 1}]"
                if contiguous
                else f"{p.name}[{len(idx)} neurons]"
            )
        return " + ".join(bits) or "an empty view"

    def __repr__(self) -> str:
        return f"<View {self.describe()}: {self.n} neurons>"


def _select(key: Any, n: int, what: str) -> np.ndarray:
    """Positions selected by ``key`` (a slice, an integer, or integer indices) among n."""
    if isinstance(key, slice):
        return np.arange(n)[key]
    if is_integer(key):
        k = int(key)
        if not -n <= k < n:
            raise IndexError(f"index {k} is out of range for the {what} (valid: 0 to {n - 1})")
        return np.array([k % n])
    idx = np.asarray(key)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise IndexError(f"a boolean mask for the {what} must have shape ({n},), got {idx.shape}")
        return np.flatnonzero(idx)
    if idx.dtype.kind not in "iu" or idx.ndim != 1:
        raise IndexError(
            f"select neurons of the {what} with a slice, an integer or a 1-d array of integers, got {key!r}"
        )
    bad = (idx < -n) | (idx >= n)
    if bad.any():
        raise IndexError(f"index {int(idx[bad][0])} is out of range for the {what} (valid: 0 to {n - 1})")
    return idx % n


class Population(View):
    """A population of one model in a network (returned by :meth:`Network.add`); a view of all
    its neurons."""

    def __init__(self, network: Network, index: int, name: str, model: Any, offset: int) -> None:
        self._network = network
        self.index = index
        self.name = name
        self.model = model
        self.offset = offset
        super().__init__([(self, np.arange(model.n, dtype=np.int64))])

    @property
    def n(self) -> int:
        return int(self.model.n)

    @property
    def network(self) -> Network:
        return self._network

    def __repr__(self) -> str:
        return f"<Population {self.name!r}: {self.n} x {self.model.name}>"


def as_view(obj: Any) -> Any:
    """``obj`` itself, or the views of a list or tuple joined (``[P, Q[:5]]`` is ``P + Q[:5]``);
    anything else is returned unchanged for the caller to refuse."""
    if isinstance(obj, list | tuple) and obj and all(isinstance(v, View) for v in obj):
        out = obj[0]
        for v in obj[1:]:
            out = out + v
        return out
    return obj
