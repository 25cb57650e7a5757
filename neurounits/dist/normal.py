"""The normal distribution of :mod:`neurounits.dist`, with its clipped and truncated (redrawn)
variants and their exact means."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ParameterError, Problem, raise_problems
from ..units import fmt_unit, ureg
from .base import Distribution, _build, _num, _show


def _Phi(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi) if math.isfinite(x) else 0.0


class Normal(Distribution):
    """Normal values, optionally clipped or redrawn into bounds (NEST: ``nest.random.normal(mean, std)``).

    Parameters
    ----------
    mean, std : Quantity or str
        Mean and standard deviation (``std >= 0``), with the same dimension.
    clip : (lo, hi), optional
        Values below ``lo`` become ``lo`` and values above ``hi`` become ``hi``
        (as :func:`numpy.clip`); one side may be ``None``.  This puts mass on
        the bounds.  In NEST: ``nest.math.min(nest.math.max(normal, lo), hi)``.
    redraw : (lo, hi), optional
        The alternative of NEST's ``nest.math.redraw(normal, min=lo, max=hi)``:
        a value outside ``[lo, hi]`` is drawn again until it is inside, so the
        values follow the normal truncated to ``[lo, hi]``.  As in NEST, a
        value is redrawn at most :attr:`max_rounds` (1000) times, then
        :class:`~neurounits.errors.ParameterError` says how many values were
        still outside; bounds that hold no mass at all are refused at once.

    Notes
    -----
    ``clip`` and ``redraw`` exclude each other; the bounds have the dimension
    of ``mean`` and ``lo < hi``.  :meth:`mean` is exact in every case: the
    clipped or the truncated normal's mean.

    Examples
    --------
    >>> import numpy as np
    >>> d = Normal("-70 mV", "2 mV", redraw=("-75 mV", "-65 mV"))
    >>> d
    Normal('-70 mV', '2 mV', redraw=('-75 mV', '-65 mV'))
    >>> x = d.sample(np.random.default_rng(0), 10_000, "mV")
    >>> bool(x.min() >= -75 and x.max() <= -65)
    True
    >>> Normal("6 nS", "1 mV")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neurounits.units.DimensionError: invalid Normal distribution: std: expected a value in nS ...
    """

    #: the most times one value is redrawn (NEST's ``redraw`` stops at 1000 as well)
    max_rounds = 1000

    def __init__(self, mean: Any, std: Any, clip: Any = None, *, redraw: Any = None) -> None:
        problems: list[Problem] = []
        values = {"mean": mean, "std": std}
        self._kind = "clip" if clip is not None else "redraw" if redraw is not None else None
        if clip is not None and redraw is not None:
            problems.append(Problem("give clip or redraw, not both"))
        bounds = clip if clip is not None else redraw
        if bounds is not None:
            if not (isinstance(bounds, tuple | list) and len(bounds) == 2):
                problems.append(Problem(f"{self._kind}: expected a pair (lo, hi), got {bounds!r}"))
            elif bounds[0] is None and bounds[1] is None:
                problems.append(Problem(f"{self._kind}: give at least one bound, got (None, None)"))
            else:
                values.update({f"{self._kind}[{j}]": b for j, b in enumerate(bounds) if b is not None})
        self._params = _build("Normal", values, problems)
        self._check(problems)
        raise_problems("invalid Normal distribution", problems)

    def _bound(self, j: int, unit: Any) -> float:
        name = f"{self._kind}[{j}]"
        if name not in self._params:
            return -math.inf if j == 0 else math.inf
        return self._m(name, unit)

    def _check(self, problems: list[Problem]) -> None:
        u = self.units
        if self._m("std", u) < 0:
            problems.append(Problem(f"std: must be >= 0, got {_show(self._params['std'])}"))
            return
        lo, hi = self._bound(0, u), self._bound(1, u)
        if self._kind and not lo < hi:
            problems.append(Problem(
                f"{self._kind}: the lower bound must be < the upper bound, got "
                f"({_show(self._params[f'{self._kind}[0]'])}, {_show(self._params[f'{self._kind}[1]'])})"))
        elif self._kind == "redraw" and self._mass() == 0.0:
            problems.append(Problem(
                f"redraw: the interval [{_num(lo)}, {_num(hi)}] {fmt_unit(u)} holds none of the "
                f"normal distribution's mass (mean {_show(self._params['mean'])}, std "
                f"{_show(self._params['std'])}); move the bounds or use clip"))

    def _standard(self) -> tuple[float, float, float, float, float, float]:
        u = self.units
        mu, sd, lo, hi = self._m("mean", u), self._m("std", u), self._bound(0, u), self._bound(1, u)
        if sd == 0:
            a = -math.inf if lo <= mu else math.inf
            b = math.inf if mu <= hi else -math.inf
        else:
            a, b = (lo - mu) / sd, (hi - mu) / sd
        return mu, sd, lo, hi, a, b

    def _mass(self) -> float:
        """The probability that an unbounded draw lands inside the bounds."""
        *_, a, b = self._standard()
        return max(_Phi(b) - _Phi(a), 0.0)

    def _draw(self, rng: np.random.Generator, n: int, unit: Any) -> np.ndarray:
        mu, sd = self._m("mean", unit), self._m("std", unit)
        x = rng.normal(mu, sd, n)
        if self._kind is None:
            return x
        lo, hi = self._bound(0, unit), self._bound(1, unit)
        if self._kind == "clip":
            return np.clip(x, lo, hi, out=x)
        bad = np.flatnonzero((x < lo) | (x > hi))
        for _ in range(self.max_rounds):
            if bad.size == 0:
                return x
            x[bad] = rng.normal(mu, sd, bad.size)
            xb = x[bad]
            bad = bad[(xb < lo) | (xb > hi)]
        if bad.size == 0:
            return x
        raise ParameterError(
            f"{self!r}: {bad.size} of {n} values were still outside the bounds after {self.max_rounds} "
            f"redraws (the bounds hold {self._mass():.3g} of the normal distribution's mass); "
            "widen the bounds, or use clip= to put the values outside on the bounds")

    def mean(self) -> Any:
        mu, sd, lo, hi, a, b = self._standard()
        if self._kind is None:
            m = mu
        elif sd == 0:
            m = min(max(mu, lo), hi)
        elif self._kind == "redraw":
            m = mu + sd * (_phi(a) - _phi(b)) / (_Phi(b) - _Phi(a))
        else:
            m = (mu * (_Phi(b) - _Phi(a)) + sd * (_phi(a) - _phi(b))
                 + (lo * _Phi(a) if lo > -math.inf else 0.0)
                 + (hi * (1 - _Phi(b)) if hi < math.inf else 0.0))
        return ureg.Quantity(m, self.units)

    def __repr__(self) -> str:
        args = self._args()[:2]
        if self._kind:
            lo, hi = (self._params.get(f"{self._kind}[{j}]") for j in (0, 1))
            shown = [("None" if q is None else repr(_show(q)) if q.units != ureg.dimensionless else _show(q))
                     for q in (lo, hi)]
            args.append(f"{self._kind}=({shown[0]}, {shown[1]})")
        return f"Normal({', '.join(args)})"

