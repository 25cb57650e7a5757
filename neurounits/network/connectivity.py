"""Connectivity rules: which neurons of a source view connect to which of a target view.

A rule is declared once and built for a pair of views (NEST's ``conn_spec``)::

    >>> import numpy as np
    >>> from neurounits.network.connectivity import FixedInDegree, to_csr
    >>> rule = FixedInDegree(3, allow_autapses=False)
    >>> ids = np.arange(5)                       # a population connected to itself
    >>> i, k = rule.build(ids, ids, np.random.default_rng(0))
    >>> np.bincount(k).tolist()                  # every target has 3 sources
    [3, 3, 3, 3, 3]
    >>> bool((i != k).all())                     # and none of them is itself
    True

:meth:`Rule.build` returns two int64 arrays ``(i, k)``: synapse ``s`` goes from
position ``i[s]`` of the source view to position ``k[s]`` of the target view.
The network-wide ids of the two views only serve to recognise autapses
(``pre_ids[i] == post_ids[k]``); they must be distinct within a view where a
rule has to exclude autapses.  :func:`to_csr` groups synapses by source.

Defaults follow NEST 3: autapses (self-connections) and multapses (several
synapses between one pair) are allowed unless switched off.  Every rule keeps
its exact law when they are: e.g. without autapses each of a target's
``FixedInDegree`` sources is uniform over the *other* sources.  All rules are
vectorised numpy; the ones without multapses draw distinct values by rounds of
redrawing the duplicates (exact by symmetry: the rounds treat every value
alike, so every set of ``k`` values is equally likely), about 10x slower
than with multapses (12.5 million synapses: 1 s instead of 0.1 s).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ..checks import is_count
from ..errors import ParameterError, Problem, raise_problems
from ..units import Quantity, as_quantity, fmt_unit

__all__ = [
    "AllToAll",
    "Explicit",
    "FixedInDegree",
    "FixedOutDegree",
    "FixedProbability",
    "FixedTotalNumber",
    "OneToOne",
    "Rule",
    "WeightMatrix",
    "to_csr",
]

#: rounds of redrawing duplicates (without multapses) or autapses; each round leaves at most half
_MAX_ROUNDS = 200


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


def _distinct_rows(rng: np.random.Generator, r: int, h: int, k: int) -> np.ndarray:
    """``r`` rows of ``k`` distinct values of ``range(h)``, each row a uniform ``k``-subset, sorted.

    Draw ``k`` values, then redraw the repeated ones until none is left.  Every
    round treats all values alike, so each ``k``-subset is equally likely.  For
    ``k > h/2`` the ``h - k`` values left out are drawn instead.
    """
    if k == 0 or r == 0:
        return np.empty((r, k), dtype=np.int64)
    if 2 * k > h:
        keep = np.ones((r, h), dtype=bool)
        keep[np.arange(r)[:, None], _distinct_rows(rng, r, h, h - k)] = False
        return np.nonzero(keep)[1].reshape(r, k).astype(np.int64, copy=False)
    x = rng.integers(0, h, size=(r, k))
    x.sort(axis=1)
    rows = np.arange(r)
    sub = x
    for _ in range(_MAX_ROUNDS):
        dup = sub[:, 1:] == sub[:, :-1]
        bad = dup.any(axis=1)
        if not bad.any():
            return x
        rows, sub, dup = rows[bad], sub[bad], dup[bad]
        sub[:, 1:][dup] = rng.integers(0, h, size=int(dup.sum()))
        sub.sort(axis=1)
        x[rows] = sub
    raise RuntimeError(f"drawing {k} distinct values of {h} did not converge")  # pragma: no cover


def _fixed_degree(
    rng: np.random.Generator,
    n_from: int,
    n_to: int,
    k: int,
    self_pos: np.ndarray | None,
    multapses: bool,
    names: tuple[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``n_to`` neurons, ``k`` partners among ``n_from``: (partner, neuron) int64 arrays.

    ``self_pos[t]`` is the position of neuron ``t`` among the partners (-1 if
    none), excluded; None to exclude nothing.  ``names`` = ("target", "source")
    for an in-degree, for messages.
    """
    to = np.empty((n_to, k), dtype=np.int64)
    to[...] = np.arange(n_to, dtype=np.int64)[:, None]
    if self_pos is None:
        frm = (
            rng.integers(0, n_from, size=n_to * k)
            if multapses
            else _distinct_rows(rng, n_to, n_from, k).reshape(-1)
        )
        return frm, to.reshape(-1)
    has = self_pos >= 0
    if has.any() and (n_from == 1 or (not multapses and k > n_from - 1)):
        each, other = names
        t = int(np.flatnonzero(has)[0])
        if n_from == 1:
            raise ParameterError(
                f"{each} {t} is also the only {other} and may not connect to itself, "
                f"which leaves no {other}; enlarge the {other} view or allow autapses"
            )
        raise ParameterError(
            f"{each} {t} is also {other} {int(self_pos[t])} and may not connect to itself, which leaves "
            f"{n_from - 1} of the {n_from} {other}s for {k} different ones; lower k to at most "
            f"{n_from - 1}, enlarge the {other} view, or allow autapses or multapses"
        )
    frm = np.empty((n_to, k), dtype=np.int64)
    for rows, h in ((np.flatnonzero(~has), n_from), (np.flatnonzero(has), n_from - 1)):
        if rows.size == 0:
            continue
        vals = rng.integers(0, h, size=(rows.size, k)) if multapses else _distinct_rows(rng, rows.size, h, k)
        if h < n_from:  # skip the neuron itself: j -> j + (j >= own position)
            vals += vals >= self_pos[rows][:, None]
        frm[rows] = vals
    return frm.reshape(-1), to.reshape(-1)


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


def _gaps(mean: float) -> int:
    """How many geometric gaps to draw at once: enough for ``mean`` expected successes (+6 sd)."""
    return int(mean + 6 * math.sqrt(mean) + 16)


def _bernoulli(rng: np.random.Generator, m: int, p: float) -> np.ndarray:
    """The indices of the successes among ``m`` Bernoulli(p) trials, increasing.

    The gaps between successive successes are geometric: O(number of successes).
    """
    if p == 0.0 or m == 0:
        return np.empty(0, dtype=np.int64)
    if p == 1.0:
        return np.arange(m, dtype=np.int64)
    parts, last = [], -1
    while last < m - 1:
        mean = (m - 1 - last) * p
        idx = np.cumsum(rng.geometric(p, size=_gaps(mean)))
        idx += last
        parts.append(idx)
        last = int(idx[-1])
    flat = np.concatenate(parts)
    return flat[: np.searchsorted(flat, m)]


class FixedProbability(Rule):
    """Each pair connected with probability ``p``, independently (NEST ``pairwise_bernoulli``).

    Each pair is considered once, so there are never multapses.
    ``allow_autapses`` (default True, as in NEST 3): False never connects a
    neuron to itself; the other pairs keep probability ``p``.  Drawn by
    geometric gaps between successive synapses over the pairs, in O(number of
    synapses), sources first.

    >>> import numpy as np
    >>> i, k = FixedProbability(0.1).build(np.arange(1000), np.arange(1000), np.random.default_rng(0))
    >>> 99_000 < i.size < 101_000        # 1000 * 1000 * 0.1 = 100,000 expected, std 300
    True
    >>> FixedProbability(1.5)
    Traceback (most recent call last):
    ...
    neurounits.errors.ParameterError: invalid FixedProbability rule: p must be a number in [0, 1], got 1.5
    """

    def __init__(self, p: float, allow_autapses: bool = True) -> None:
        problems: list[Problem] = []
        ok = isinstance(p, int | float | np.integer | np.floating) and not isinstance(p, bool | np.bool_)
        if not (ok and 0.0 <= float(p) <= 1.0):
            problems.append(Problem(f"p must be a number in [0, 1], got {p!r}"))
        self.p = float(p) if ok else math.nan
        self.allow_autapses = _flag("allow_autapses", allow_autapses, problems)
        raise_problems("invalid FixedProbability rule", problems)

    def _build(self, pre, post, rng):
        flat = _bernoulli(rng, pre.size * post.size, self.p)
        i, k = np.divmod(flat, max(post.size, 1))
        if not self.allow_autapses:
            keep = pre[i] != post[k]
            i, k = i[keep], k[keep]
        return i, k

    def expected_count(self, n_pre: int, n_post: int) -> float:
        return self.p * n_pre * n_post

    def _args(self) -> list[str]:
        return [f"p={self.p!r}", *_flags(self, {"allow_autapses": True})]


class _FixedDegree(Rule):
    """FixedInDegree and FixedOutDegree: ``k`` partners for each neuron of one view."""

    _each, _other = "target", "source"

    def __init__(self, k: int, allow_autapses: bool = True, allow_multapses: bool = True) -> None:
        problems: list[Problem] = []
        self.k = int(k) if is_count(k) else 0
        if not is_count(k):
            problems.append(Problem(f"k must be a positive integer, got {k!r}"))
        self.allow_autapses = _flag("allow_autapses", allow_autapses, problems)
        self.allow_multapses = _flag("allow_multapses", allow_multapses, problems)
        raise_problems(f"invalid {type(self).__name__} rule", problems)

    def _sizes(self, n_pre: int, n_post: int) -> tuple[int, int]:
        """(number of candidates, number of neurons that draw)."""
        return (n_pre, n_post) if self._each == "target" else (n_post, n_pre)

    def check(self, n_pre: int, n_post: int) -> list[str]:
        n_from, n_to = self._sizes(n_pre, n_post)
        if n_to == 0:
            return []
        if n_from == 0:
            return [
                f"{self!r} draws {self.k} {self._other}s for each {self._each}, but the "
                f"{self._other} view is empty; give a {self._other} view with at least one neuron."
            ]
        if not self.allow_multapses and self.k > n_from:
            return [
                f"{self!r} draws {self.k} different {self._other}s for each {self._each}, but the "
                f"{self._other} view has only {n_from} neurons; lower k to at most {n_from}, "
                f"enlarge the {self._other} view, or allow multapses."
            ]
        return []

    def _draw(self, frm: np.ndarray, to: np.ndarray, rng: np.random.Generator):
        self_pos = None if self.allow_autapses else _positions(frm, to, self._other)
        names = (self._each, self._other)
        return _fixed_degree(rng, frm.size, to.size, self.k, self_pos, self.allow_multapses, names)

    def expected_count(self, n_pre: int, n_post: int) -> float:
        return float(self.k) * self._sizes(n_pre, n_post)[1]

    def _args(self) -> list[str]:
        return [f"k={self.k}", *_flags(self, {"allow_autapses": True, "allow_multapses": True})]


class FixedInDegree(_FixedDegree):
    """``k`` sources for each target, each uniform over the source view (NEST ``fixed_indegree``).

    ``allow_autapses`` and ``allow_multapses`` default to True, as in NEST 3.
    Without autapses each source is uniform over the sources other than the
    target itself; without multapses the ``k`` sources of a target are a
    uniform ``k``-subset (``k <= n_pre``), in increasing order.  With
    multapses this is one vectorised draw (the Brunel network's two
    projections, 15.6 million synapses, take about 0.15 s, 0.4 s when the
    process first touches that much memory); without, rounds that redraw
    duplicates, about 10x slower.  Synapses come target by target.

    >>> import numpy as np
    >>> i, k = FixedInDegree(2).build(np.arange(10), np.arange(4), np.random.default_rng(0))
    >>> k.tolist()
    [0, 0, 1, 1, 2, 2, 3, 3]
    >>> FixedInDegree(0)
    Traceback (most recent call last):
    ...
    neurounits.errors.ParameterError: invalid FixedInDegree rule: k must be a positive integer, got 0
    """

    def _build(self, pre, post, rng):
        i, k = self._draw(pre, post, rng)
        return i, k


class FixedOutDegree(_FixedDegree):
    """``k`` targets for each source, each uniform over the target view (NEST ``fixed_outdegree``).

    The mirror of :class:`FixedInDegree`: ``allow_autapses`` and
    ``allow_multapses`` default to True, as in NEST 3; without multapses
    ``k <= n_post``.  Synapses come source by source.

    >>> import numpy as np
    >>> i, k = FixedOutDegree(2).build(np.arange(3), np.arange(10), np.random.default_rng(0))
    >>> i.tolist()
    [0, 0, 1, 1, 2, 2]
    """

    _each, _other = "source", "target"

    def _build(self, pre, post, rng):
        k, i = self._draw(post, pre, rng)
        return i, k


class FixedTotalNumber(Rule):
    """``n`` synapses, each pair uniform over all (source, target) pairs (NEST ``fixed_total_number``).

    ``allow_autapses`` and ``allow_multapses`` default to True, as in NEST 3.
    With multapses the synapses are independent and uniform over the allowed
    pairs (those that are not one neuron when autapses are excluded), so a
    target's in-degree is Binomial(n, 1/n_post) when all pairs are allowed.
    Without multapses the synapses are a uniform ``n``-subset of the allowed
    pairs, sources first.

    >>> import numpy as np
    >>> i, k = FixedTotalNumber(50).build(np.arange(10), np.arange(10), np.random.default_rng(0))
    >>> i.size
    50
    >>> FixedTotalNumber(200, allow_multapses=False).check(10, 10)  # doctest: +ELLIPSIS
    ['FixedTotalNumber(n=200, allow_multapses=False) makes 200 different synapses, but 10 sources ...']
    """

    def __init__(self, n: int, allow_autapses: bool = True, allow_multapses: bool = True) -> None:
        problems: list[Problem] = []
        self.n = int(n) if is_count(n) else 0
        if not is_count(n):
            problems.append(Problem(f"n must be a positive integer, got {n!r}"))
        self.allow_autapses = _flag("allow_autapses", allow_autapses, problems)
        self.allow_multapses = _flag("allow_multapses", allow_multapses, problems)
        raise_problems("invalid FixedTotalNumber rule", problems)

    def check(self, n_pre: int, n_post: int) -> list[str]:
        if n_pre == 0 or n_post == 0:
            empty = "source" if n_pre == 0 else "target"
            return [
                f"{self!r} makes {self.n} synapses, but the {empty} view is empty; give views "
                "with at least one neuron each."
            ]
        if not self.allow_multapses and self.n > n_pre * n_post:
            return [
                f"{self!r} makes {self.n} different synapses, but {n_pre} sources and {n_post} "
                f"targets form only {n_pre * n_post} pairs; lower n to at most {n_pre * n_post}, "
                "enlarge the views, or allow multapses."
            ]
        return []

    def _build(self, pre, post, rng):
        n_pre, n_post = pre.size, post.size
        forbidden = np.empty(0, dtype=np.int64)  # flat indices i * n_post + k of the autapses
        if not self.allow_autapses:
            pos = _positions(pre, post, "source")
            if pos is not None:
                t = np.flatnonzero(pos >= 0)
                forbidden = np.sort(pos[t] * n_post + t)
        allowed = n_pre * n_post - forbidden.size
        if allowed == 0 or (not self.allow_multapses and self.n > allowed):
            raise ParameterError(
                f"without autapses the views form only {allowed} pairs of different neurons; lower n to "
                f"at most {allowed}, enlarge the views, or allow autapses"
            )
        if self.allow_multapses:  # independent pairs: redraw the autapses (at most half of the pairs)
            i, k = rng.integers(0, n_pre, size=self.n), rng.integers(0, n_post, size=self.n)
            bad = np.flatnonzero(pre[i] == post[k]) if forbidden.size else i[:0]
            for _ in range(_MAX_ROUNDS):
                if bad.size == 0:
                    return i, k
                i[bad], k[bad] = rng.integers(0, n_pre, size=bad.size), rng.integers(0, n_post, size=bad.size)
                bad = bad[pre[i[bad]] == post[k[bad]]]
            raise RuntimeError("redrawing autapses did not converge")  # pragma: no cover
        j = _distinct_rows(rng, 1, allowed, self.n)[0]
        if forbidden.size:  # the j-th allowed pair: skip the forbidden flat indices <= it
            j += np.searchsorted(forbidden - np.arange(forbidden.size), j, side="right")
        return np.divmod(j, n_post)

    def expected_count(self, n_pre: int, n_post: int) -> float:
        return float(self.n)

    def _args(self) -> list[str]:
        return [f"n={self.n}", *_flags(self, {"allow_autapses": True, "allow_multapses": True})]


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
