"""Distributions of values with units: synaptic weights, delays and initial values.

Each distribution is declared with Quantities (or strings such as ``"6 nS"``)
and draws plain float64 magnitudes in the unit its user asks for, so that a
network can sample straight into its internal units::

    >>> import numpy as np
    >>> import neurounits as nu
    >>> from neurounits.dist import Normal
    >>> w = Normal("6 nS", "1 nS", clip=("0 nS", None))
    >>> w
    Normal('6 nS', '1 nS', clip=('0 nS', None))
    >>> x = w.sample(np.random.default_rng(1), 5, nu.ureg.uS)     # magnitudes in uS
    >>> x.dtype, x.shape, bool((x >= 0).all() and (x < 0.02).all())
    (dtype('float64'), (5,), True)

Every parameter of one distribution has the same dimension (LogNormal's
``sigma`` is a plain number); a value of another dimension is refused when the
distribution is made, and so is a request for samples in a unit of another
dimension (:class:`~neurounits.DimensionError`).  Offset units (``degC``) are
refused: a width such as "1 degC" is ambiguous; give temperatures in ``K``.

The names and conventions follow ``nest.random`` (NEST 3): ``uniform(min, max)``,
``normal(mean, std)``, ``lognormal(mean, std)`` (of the underlying normal, see
:class:`LogNormal`) and ``exponential(beta)`` (the mean).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import Problem, raise_problems
from ..units import ureg
from .base import Distribution, _build, _num, _show, _sigma
from .normal import Normal

__all__ = ["Distribution", "Exponential", "LogNormal", "Normal", "Uniform"]


class Uniform(Distribution):
    """Values uniform on ``[low, high)`` (NEST: ``nest.random.uniform(min, max)``).

    Parameters
    ----------
    low, high : Quantity or str
        The bounds, with the same dimension; ``low < high``.

    Examples
    --------
    >>> import numpy as np
    >>> d = Uniform("1 ms", "3 ms")
    >>> d.mean()
    <Quantity(2.0, 'millisecond')>
    >>> x = d.sample(np.random.default_rng(0), 1000, "ms")
    >>> bool(x.min() >= 1 and x.max() < 3)
    True
    >>> Uniform("3 ms", "1 ms")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neurounits.errors.ParameterError: invalid Uniform distribution: low must be < high, got low = 3 ms ...
    """

    def __init__(self, low: Any, high: Any) -> None:
        problems: list[Problem] = []
        self._params = _build("Uniform", {"low": low, "high": high}, problems)
        lo, hi = self._m("low", self.units), self._m("high", self.units)
        if not lo < hi:
            problems.append(Problem(f"low must be < high, got low = {_show(self._params['low'])} "
                                    f"and high = {_show(self._params['high'])}"))
        raise_problems("invalid Uniform distribution", problems)

    def _draw(self, rng: np.random.Generator, n: int, unit: Any) -> np.ndarray:
        return rng.uniform(self._m("low", unit), self._m("high", unit), n)

    def mean(self) -> Any:
        u = self.units
        return ureg.Quantity((self._m("low", u) + self._m("high", u)) / 2, u)



class LogNormal(Distribution):
    """Log-normal values ``scale * exp(N(0, sigma))``: ``scale`` is the median.

    NEST's ``nest.random.lognormal(mean=mu, std=sigma)`` draws ``exp(N(mu, sigma))``
    with dimensionless ``mu`` and ``sigma`` (of the underlying normal); with
    values in a unit ``u`` that is ``LogNormal(exp(mu) u, sigma)``, e.g.
    ``lognormal(mean=0.5, std=0.2)`` nS is ``LogNormal(f"{math.exp(0.5)} nS", 0.2)``.

    Parameters
    ----------
    scale : Quantity or str
        The median (``> 0``), which sets the unit.
    sigma : float
        The standard deviation of ``log(value / scale)`` (``>= 0``), a plain number.

    Notes
    -----
    The mean is ``scale * exp(sigma**2 / 2)``.

    Examples
    --------
    >>> import math
    >>> d = LogNormal("2 nS", 0.5)
    >>> d
    LogNormal('2 nS', 0.5)
    >>> round(d.mean().m_as("nS"), 6) == round(2 * math.exp(0.125), 6)
    True
    """

    def __init__(self, scale: Any, sigma: Any) -> None:
        problems: list[Problem] = []
        self._params = _build("LogNormal", {"scale": scale}, problems)
        if self._m("scale", self.units) <= 0:
            problems.append(Problem(f"scale: must be > 0, got {_show(self._params['scale'])}"))
        s = _sigma(sigma, problems)
        raise_problems("invalid LogNormal distribution", problems)
        assert s is not None
        self.sigma: float = s

    def _draw(self, rng: np.random.Generator, n: int, unit: Any) -> np.ndarray:
        x = rng.normal(0.0, self.sigma, n)
        np.exp(x, out=x)
        x *= self._m("scale", unit)
        return x

    def mean(self) -> Any:
        return ureg.Quantity(self._m("scale", self.units) * math.exp(self.sigma**2 / 2), self.units)

    def __repr__(self) -> str:
        return f"LogNormal({self._args()[0]}, {_num(self.sigma)})"


class Exponential(Distribution):
    """Exponential values with mean ``scale`` (NEST: ``nest.random.exponential(beta=scale)``).

    Parameters
    ----------
    scale : Quantity or str
        The mean (``> 0``), which sets the unit.

    Examples
    --------
    >>> Exponential("5 ms").mean()
    <Quantity(5.0, 'millisecond')>
    >>> Exponential("0 ms")
    Traceback (most recent call last):
    ...
    neurounits.errors.ParameterError: invalid Exponential distribution: scale: must be > 0, got 0 ms
    """

    def __init__(self, scale: Any) -> None:
        problems: list[Problem] = []
        self._params = _build("Exponential", {"scale": scale}, problems)
        if self._m("scale", self.units) <= 0:
            problems.append(Problem(f"scale: must be > 0, got {_show(self._params['scale'])}"))
        raise_problems("invalid Exponential distribution", problems)

    def _draw(self, rng: np.random.Generator, n: int, unit: Any) -> np.ndarray:
        return rng.exponential(self._m("scale", unit), n)

    def mean(self) -> Any:
        return ureg.Quantity(self._m("scale", self.units), self.units)
