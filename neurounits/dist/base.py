"""The common part of :mod:`neurounits.dist`: reading a distribution's parameters (scalar
Quantities of one dimension, every problem at once), showing them as they could be written back, and
:class:`Distribution`, the interface every distribution implements."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from ..checks import is_integer
from ..errors import ParameterError, Problem, raise_problems
from ..parameters import describe_dim
from ..units import DimensionError, as_quantity, fmt_unit, parse_unit, unit_hint, ureg


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

