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
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from .checks import is_integer
from .errors import ParameterError, Problem, raise_problems
from .parameters import describe_dim
from .units import DimensionError, as_quantity, fmt_unit, parse_unit, unit_hint, ureg

__all__ = ["Distribution", "Exponential", "LogNormal", "Normal", "Uniform"]


def _num(x: float) -> str:
    """A float as short as it reads back: 6.0 -> "6", 0.1 -> "0.1"."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def _show(q: Any) -> str:
    """A scalar Quantity as it could be written back: "6 nS" (a plain number for dimensionless)."""
    if q.dimensionless and q.units == ureg.dimensionless:
        return _num(q.magnitude)
    return f"{_num(q.magnitude)} {fmt_unit(q.units).replace('µ', 'u')}"


def _end(sentence: str) -> str:
    return sentence if sentence.endswith(("?", ".")) else sentence + "."


def _in(unit: Any, detail: bool = True) -> str:
    """ "in nS (conductance)" or "as plain numbers (dimensionless)"; the bracket only if ``detail``."""
    if unit.dimensionality == ureg.dimensionless.dimensionality:
        return "as plain numbers" + (" (dimensionless)" if detail else "")
    return f"in {fmt_unit(unit)}" + (f" ({describe_dim(unit)})" if detail else "")


def _hint(expected: Any, given: Any) -> str:
    if expected.dimensionality == ureg.dimensionless.dimensionality:
        return "give every parameter as a plain number, or every one with a unit."
    return _end(unit_hint(expected, given))


def _read(name: str, value: Any, problems: list[Problem], like: tuple[str, Any] | None = None) -> Any:
    """``value`` as a scalar float Quantity, or None with a problem appended.

    ``like`` is (name, unit) of the first parameter: the dimension ``value`` must have.
    """
    if value is None or isinstance(value, bool):
        problems.append(Problem(f"{name}: expected a quantity such as '1 mV', got {value!r}"))
        return None
    try:
        q = as_quantity(value)
    except Exception as exc:  # pint's parse errors come in many types
        problems.append(Problem(f"{name}: cannot read {value!r} as a quantity ({exc}). "
                                "Write it as a number and a unit, e.g. '1 mV'."))
        return None
    if np.ndim(q.magnitude) != 0:
        problems.append(Problem(f"{name}: expected one value, got an array of shape "
                                f"{np.shape(q.magnitude)}"))
        return None
    if not q._ok_for_muldiv():  # degC, degF
        problems.append(Problem(f"{name}: {value!r} is in an offset unit ({fmt_unit(q.units)}), "
                                "which is ambiguous for a distribution's widths; give it in K"))
        return None
    q = ureg.Quantity(float(q.magnitude), q.units)
    if like is not None and q.dimensionality != like[1].dimensionality:
        unit = like[1]
        given = (f"the plain number {value!r}" if not isinstance(value, str | ureg.Quantity)
                 else f"{_show(q)} ({describe_dim(q.units)})")
        expected = (f"a plain number, as {like[0]} is one"
                    if unit.dimensionality == ureg.dimensionless.dimensionality
                    else f"a value in {fmt_unit(unit)} ({describe_dim(unit)}), the dimension of {like[0]}")
        problems.append(Problem(f"{name}: expected {expected}, got {given}. "
                                f"Hint: {_hint(unit, q.units)}", dimension=True))
        return None
    if not math.isfinite(q.magnitude):
        problems.append(Problem(f"{name}: expected a finite value, got {_show(q)}"))
        return None
    return q


def _sigma(value: Any, problems: list[Problem]) -> float | None:
    """LogNormal's sigma: a plain number >= 0."""
    if isinstance(value, bool) or value is None:
        problems.append(Problem(f"sigma: expected a plain number >= 0, got {value!r}"))
        return None
    q = _read("sigma", value, problems)
    if q is None:
        return None
    if not q.dimensionless:
        problems.append(Problem(
            f"sigma: expected a plain number (the standard deviation of log(value/scale)), got "
            f"{_show(q)} ({describe_dim(q.units)})", dimension=True))
        return None
    s = float(q.m_as(ureg.dimensionless))
    if s < 0:
        problems.append(Problem(f"sigma: must be >= 0, got {_num(s)}"))
        return None
    return s


def _factor(src: Any, dst: Any) -> float:
    """The factor from ``src`` to ``dst``, rounded to 15 digits as in :mod:`neurounits.units`
    (pint gives 0.004 uS = 3.9999999999999996 nS)."""
    return 1.0 if src == dst else float(f"{ureg.Quantity(1.0, src).m_as(dst):.15g}")


def _target_unit(unit: Any) -> Any:
    if isinstance(unit, str):
        return parse_unit(unit)
    if unit is None:
        return ureg.dimensionless
    return getattr(unit, "units", unit)  # a Quantity gives its unit


class Distribution(ABC):
    """A distribution of values with a unit; the common interface of :mod:`neurounits.dist`.

    Subclasses hold their parameters in ``_params`` (name -> scalar Quantity,
    in the order of the constructor), implement ``_draw`` and :meth:`mean`.
    """

    _params: dict[str, Any]

    @property
    def units(self) -> Any:
        """The unit of the first parameter (a pint Unit)."""
        return next(iter(self._params.values())).units

    @property
    def dimensionality(self) -> Any:
        """The pint dimensionality shared by the parameters."""
        return self.units.dimensionality

    def sample(self, rng: np.random.Generator, n: int, unit: Any) -> np.ndarray:
        """``n`` values drawn with ``rng``: float64 magnitudes in ``unit``.

        ``unit`` is a pint Unit (or a unit string, or a Quantity whose unit is
        taken).  Raises :class:`~neurounits.DimensionError` when it does not
        have the distribution's dimension.
        """
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"{self!r}.sample: rng must be a numpy.random.Generator "
                            f"(numpy.random.default_rng(seed)), got {type(rng).__name__}")
        if not (is_integer(n) and n >= 0):
            raise ParameterError(f"{self!r}.sample: n must be a non-negative integer, got {n!r}")
        target = _target_unit(unit)
        if target.dimensionality != self.dimensionality:
            hint = ("give the distribution's parameters as plain numbers."
                    if target.dimensionality == ureg.dimensionless.dimensionality
                    else f"give the distribution's parameters {_in(target, False)} or a compatible unit.")
            raise DimensionError(
                f"cannot sample {self!r} {_in(target, False)}: expected a distribution of values "
                f"{_in(target)}, got one {_in(self.units)}. Hint: {hint}")
        return np.asarray(self._draw(rng, int(n), target), dtype=np.float64)

    @abstractmethod
    def _draw(self, rng: np.random.Generator, n: int, unit: Any) -> np.ndarray: ...

    @abstractmethod
    def mean(self) -> Any:
        """The mean of the distribution, a Quantity in :attr:`units`."""

    def _m(self, name: str, unit: Any) -> float:
        q = self._params[name]
        return float(q.magnitude) * _factor(q.units, unit)

    def _args(self) -> list[str]:
        return [repr(_show(q)) if not (q.units == ureg.dimensionless) else _show(q)
                for q in self._params.values()]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._args())})"


def _build(cls_name: str, values: dict[str, Any], problems: list[Problem]) -> dict[str, Any]:
    """Read the parameters, the first one setting the dimension of the others; raise every problem."""
    params: dict[str, Any] = {}
    first: tuple[str, Any] | None = None
    for name, value in values.items():
        q = _read(name, value, problems, first)
        if q is not None:
            params[name] = q
            if first is None:
                first = (name, q.units)
        elif first is None:  # without a first unit the others cannot be checked
            break
    raise_problems(f"invalid {cls_name} distribution", problems)
    return params


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
