"""The :class:`Rule` interface and the rules that draw nothing: one-to-one, all-to-all, explicit
synapses and a weight matrix (public through :mod:`neurounits.network.connectivity`, ``nu.conn``)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ..errors import ParameterError, Problem, raise_problems
from ..units import Quantity, as_quantity, fmt_unit


class Rule(ABC):
    """A connectivity rule; the interface the network code calls.

    Subclasses implement :meth:`_build`, :meth:`expected_count` and, where a
    rule cannot connect views of some sizes, :meth:`check`.
    """

    def build(
        self, pre_ids: np.ndarray, post_ids: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """The synapses ``(i, k)``, int64 arrays of equal length.

        Synapse ``s`` connects ``pre_ids[i[s]]`` to ``post_ids[k[s]]``: ``i`` and
        ``k`` are positions in the two views; ``pre_ids`` and ``post_ids`` are
        network-wide neuron ids, used only to recognise autapses.  Raises
        :class:`~neurounits.errors.ParameterError` with the problems of
        :meth:`check` first.
        """
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"{self!r}.build: rng must be a numpy.random.Generator "
                f"(numpy.random.default_rng(seed)), got {type(rng).__name__}"
            )
        pre = np.asarray(pre_ids).reshape(-1)
        post = np.asarray(post_ids).reshape(-1)
        raise_problems("cannot connect the views", self.check(pre.size, post.size))  # they name the rule
        header = f"cannot connect with {self!r}"
        try:
            i, k = self._build(pre, post, rng)
        except ParameterError as exc:  # found with the ids: a repeated id, too few neurons without autapses
            raise ParameterError(f"{header}: {exc.msg}", problems=(exc.msg,)) from exc
        return np.asarray(i, dtype=np.int64), np.asarray(k, dtype=np.int64)

    @abstractmethod
    def _build(
        self, pre: np.ndarray, post: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]: ...

    def check(self, n_pre: int, n_post: int) -> list[str]:
        """Problems with this rule for views of these sizes, as sentences; empty if fine."""
        return []

    @abstractmethod
    def expected_count(self, n_pre: int, n_post: int) -> float:
        """The expected number of synapses (for a memory estimate before building)."""

    def _args(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._args())})"


def _flag(name: str, value: Any, problems: list[Problem]) -> bool:
    if not isinstance(value, bool | np.bool_):
        problems.append(Problem(f"{name} must be True or False, got {value!r}"))
    return bool(value)


def _flags(rule: Any, defaults: dict[str, bool]) -> list[str]:
    return [f"{name}={getattr(rule, name)}" for name, d in defaults.items() if getattr(rule, name) != d]


def _positions(ids: np.ndarray, of: np.ndarray, view: str) -> np.ndarray | None:
    """For each id in ``of``, its position in ``ids`` or -1; None if no id of ``of`` is in ``ids``.

    ``ids`` must be distinct: an autapse is defined between distinct neurons.
    """
    order = np.argsort(ids, kind="stable")
    s = ids[order]
    dup = np.flatnonzero(s[1:] == s[:-1])
    if dup.size:
        raise ParameterError(
            f"the {view} view holds neuron id {s[dup[0]]} more than once; autapses can only be "
            "excluded among distinct neurons: remove the repeated ids or allow autapses"
        )
    if s.size == 0 or of.size == 0:
        return None
    j = np.minimum(np.searchsorted(s, of), s.size - 1)
    found = s[j] == of
    if not found.any():
        return None
    return np.where(found, order[j], -1)


class OneToOne(Rule):
    """Source ``j`` to target ``j`` (NEST ``one_to_one``); the views must have equal sizes.

    ``allow_autapses`` (default True, as in NEST 3) drops the pairs that are one neuron.

    >>> import numpy as np
    >>> OneToOne().build(np.arange(3), np.arange(10, 13), np.random.default_rng(0))
    (array([0, 1, 2]), array([0, 1, 2]))
    >>> OneToOne().check(3, 4)  # doctest: +ELLIPSIS
    ['OneToOne() connects source j to target j and needs as many targets as sources, got 3 sources ...']
    """

    def __init__(self, allow_autapses: bool = True) -> None:
        problems: list[Problem] = []
        self.allow_autapses = _flag("allow_autapses", allow_autapses, problems)
        raise_problems("invalid OneToOne rule", problems)

    def _build(self, pre, post, rng):
        i = np.arange(pre.size, dtype=np.int64)
        if not self.allow_autapses:
            i = i[pre != post]
        return i, i.copy()

    def check(self, n_pre: int, n_post: int) -> list[str]:
        if n_pre == n_post:
            return []
        return [
            f"{self!r} connects source j to target j and needs as many targets as sources, got "
            f"{n_pre} sources and {n_post} targets; connect views of equal size."
        ]

    def expected_count(self, n_pre: int, n_post: int) -> float:
        return float(min(n_pre, n_post))

    def _args(self) -> list[str]:
        return _flags(self, {"allow_autapses": True})


class AllToAll(Rule):
    """Every source to every target (NEST ``all_to_all``, the default rule), sources first.

    ``allow_autapses`` (default True, as in NEST 3): False leaves out the pairs
    that are one neuron.  :meth:`expected_count` is ``n_pre * n_post`` (an upper
    bound when autapses are left out: the sizes do not tell the overlap).

    >>> import numpy as np
    >>> AllToAll(allow_autapses=False).build(np.arange(3), np.arange(3), np.random.default_rng(0))
    (array([0, 0, 1, 1, 2, 2]), array([1, 2, 0, 2, 0, 1]))
    """

    def __init__(self, allow_autapses: bool = True) -> None:
        problems: list[Problem] = []
        self.allow_autapses = _flag("allow_autapses", allow_autapses, problems)
        raise_problems("invalid AllToAll rule", problems)

    def _build(self, pre, post, rng):
        i = np.repeat(np.arange(pre.size, dtype=np.int64), post.size)
        k = np.tile(np.arange(post.size, dtype=np.int64), pre.size)
        if not self.allow_autapses:
            keep = pre[i] != post[k]
            i, k = i[keep], k[keep]
        return i, k

    def expected_count(self, n_pre: int, n_post: int) -> float:
        return float(n_pre) * n_post

    def _args(self) -> list[str]:
        return _flags(self, {"allow_autapses": True})


def _index_array(name: str, value: Any, problems: list[Problem]) -> np.ndarray:
    a = np.asarray(value)
    if a.ndim != 1 or not (a.size == 0 or np.issubdtype(a.dtype, np.integer)):
        problems.append(
            Problem(
                f"{name} must be a 1-d array of integer positions, got "
                f"{'an array of shape ' + str(a.shape) if a.ndim != 1 else a.dtype}"
            )
        )
        return np.empty(0, dtype=np.int64)
    a = a.astype(np.int64)
    if a.size and a.min() < 0:
        problems.append(Problem(f"{name} must hold positions >= 0, got {int(a.min())}"))
    return a


class Explicit(Rule):
    """The synapses ``pre[s] -> post[s]``, given as positions within the source and target views.

    Taken as given: autapses and multapses are kept.

    >>> import numpy as np
    >>> rule = Explicit([0, 2, 2], [1, 0, 1])
    >>> rule.build(np.arange(3), np.arange(2), np.random.default_rng(0))
    (array([0, 2, 2]), array([1, 0, 1]))
    >>> rule.check(2, 2)  # doctest: +ELLIPSIS
    ['Explicit(3 synapses) has a source position 2, but the source view has 2 neurons (positions 0 ...']
    """

    def __init__(self, pre: Any, post: Any) -> None:
        problems: list[Problem] = []
        self.pre = _index_array("pre", pre, problems)
        self.post = _index_array("post", post, problems)
        if not problems and self.pre.size != self.post.size:
            problems.append(
                Problem(f"pre and post must have equal lengths, got {self.pre.size} and {self.post.size}")
            )
        raise_problems("invalid Explicit rule", problems)

    def check(self, n_pre: int, n_post: int) -> list[str]:
        out = []
        for name, a, n in (("source", self.pre, n_pre), ("target", self.post, n_post)):
            if a.size and a.max() >= n:
                span = f"positions 0 to {n - 1}" if n else "no positions"
                out.append(
                    f"{self!r} has a {name} position {int(a.max())}, but the {name} view has {n} "
                    f"neurons ({span}); give positions within the view, not network-wide ids."
                )
        return out

    def _build(self, pre, post, rng):
        return self.pre.copy(), self.post.copy()

    def expected_count(self, n_pre: int, n_post: int) -> float:
        return float(self.pre.size)

    def __repr__(self) -> str:
        return f"Explicit({self.pre.size} synapses)"


class WeightMatrix(Rule):
    """A synapse for each nonzero entry ``w[i, k]`` of an ``(n_pre, n_post)`` matrix: its weight.

    ``w`` is a dense numpy array, a Quantity array (the weights then have its
    unit) or a scipy.sparse matrix or array (entries stored more than once are
    summed, stored zeros are no synapse).  Synapses come row by row, columns
    increasing; :meth:`weights` gives their values in that order.  Autapses are
    kept as given.

    >>> import numpy as np
    >>> import neurounits as nu
    >>> rule = WeightMatrix(nu.Q_(np.array([[0.0, 2.0], [1.5, 0.0]]), "nS"))
    >>> rule.build(np.arange(2), np.arange(2), np.random.default_rng(0))
    (array([0, 1]), array([1, 0]))
    >>> rule.weights()
    (array([2. , 1.5]), <Unit('nanosiemens')>)
    """

    def __init__(self, w: Any) -> None:
        self.unit = None
        if isinstance(w, Quantity) or type(w).__name__ == "Quantity":
            q = as_quantity(w) if not hasattr(w.magnitude, "tocsr") else w
            self.unit, w = q.units, q.magnitude
        problems: list[Problem] = []
        if hasattr(w, "tocsr"):  # scipy.sparse, without importing it
            csr = w.tocsr(copy=True).astype(np.float64)
            csr.sum_duplicates()
            csr.eliminate_zeros()
            csr.sort_indices()
            coo = csr.tocoo()
            self.shape = tuple(int(s) for s in csr.shape)
            self._i, self._k, self._w = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
            kind = "sparse"
        else:
            a = np.asarray(w, dtype=np.float64)
            self.shape = a.shape if a.ndim == 2 else (0, 0)
            if a.ndim != 2:
                problems.append(Problem(f"w must be a 2-d matrix (n_pre, n_post), got shape {a.shape}"))
                a = np.zeros((0, 0))
            i, k = np.nonzero(a)
            self._i, self._k, self._w = i.astype(np.int64), k.astype(np.int64), a[i, k]
            kind = "dense"
        bad = np.flatnonzero(~np.isfinite(self._w))
        if bad.size:
            problems.append(
                Problem(
                    f"w must be finite, got {self._w[bad[0]]} at "
                    f"[{self._i[bad[0]]}, {self._k[bad[0]]}] ({bad.size} such entries)"
                )
            )
        self._kind = kind
        raise_problems("invalid WeightMatrix rule", problems)

    def weights(self) -> tuple[np.ndarray, Any]:
        """The synapses' values in the order of :meth:`build`, and their unit (None for plain numbers)."""
        return self._w.copy(), self.unit

    def check(self, n_pre: int, n_post: int) -> list[str]:
        if self.shape == (n_pre, n_post):
            return []
        return [
            f"{self!r} has shape {self.shape}, but the views have {n_pre} sources and {n_post} "
            f"targets; give a matrix of shape (n_pre, n_post) = ({n_pre}, {n_post})."
        ]

    def _build(self, pre, post, rng):
        return self._i.copy(), self._k.copy()

    def expected_count(self, n_pre: int, n_post: int) -> float:
        return float(self._w.size)

    def __repr__(self) -> str:
        unit = f", {fmt_unit(self.unit)}" if self.unit is not None else ""
        return f"WeightMatrix(<{self.shape[0]}x{self.shape[1]} {self._kind}, {self._w.size} synapses{unit}>)"
