"""The random rules: fixed probability, fixed in- and out-degree, fixed total number (public
through :mod:`neurounits.network.connectivity`, ``nu.conn``; the laws are described there)."""

from __future__ import annotations

import math

import numpy as np

from ..checks import is_count
from ..errors import ParameterError, Problem, raise_problems
from .rules import Rule, _flag, _flags, _positions

#: rounds of redrawing duplicates (without multapses) or autapses; each round leaves at most half
_MAX_ROUNDS = 200


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
