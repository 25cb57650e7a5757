"""The one pint registry of neurounits, and the internal unit system.

This is the only module that imports pint.  Everything else uses::

    from neurounits.units import ureg, Q_

Internal unit system
--------------------
Inside a kernel all values are plain floats in a coherent neuro unit system:

========================  =========
dimension                 unit
========================  =========
time                      ms
electric potential        mV
current                   pA
length                    um
temperature               K
amount of substance       amol
========================  =========

so that nS * mV = pA, pF * mV / ms = pA, mV / pA = GOhm and amol / um**3 = mM.
Every other dimension is expressed as a product of powers of these units
(:func:`internal_unit`).  Conversion factors are computed once, rounded to 15
significant digits (pint can give 0.9999999999999999), and folded into the
generated code as constants.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Any

import numpy as np
import pint

from .errors import NeurounitsError, set_dimension_error

__all__ = [
    "Q_",
    "DimensionError",
    "Quantity",
    "Unit",
    "factor_to_internal",
    "fmt_unit",
    "internal_unit",
    "is_offset_unit",
    "is_unit_name",
    "parse_quantity",
    "parse_unit",
    "to_internal",
    "unit_hint",
    "ureg",
]

ureg: pint.UnitRegistry
try:  # the disk cache makes building the registry ~10x cheaper
    ureg = pint.UnitRegistry(cache_folder=":auto:")
except Exception:  # pragma: no cover - read-only home directory, for example
    ureg = pint.UnitRegistry()
ureg.define("@alias ohm = Ohm")  # "MOhm", "GOhm", "kOhm" as users write them; printed as megaohm


def _adopt_application_registry() -> None:
    """Make ``ureg`` pint's application registry (the one unpickled Quantities belong to) only if
    the application registry is still pint's untouched default: a registry the user set, or the
    default once the user has used it, stays theirs."""
    current = pint.get_application_registry().get()
    if type(current) is pint.registry.LazyRegistry:  # pint's default, not yet built: nobody uses it
        pint.set_application_registry(ureg)


_adopt_application_registry()

Q_ = ureg.Quantity
Quantity = ureg.Quantity
Unit = ureg.Unit
_PintDimensionalityError = pint.DimensionalityError


class DimensionError(NeurounitsError, pint.DimensionalityError):
    """A value, term or expression has the wrong physical dimension.

    Also a ``pint.DimensionalityError`` (and so a ``TypeError``): code that
    catches pint's error keeps working.
    """

    def __init__(self, msg: str, *, problems: tuple[str, ...] = ()) -> None:
        NeurounitsError.__init__(self, msg, problems=problems)
        # fields of pint.DimensionalityError, for code that reads them
        self.units1, self.units2, self.dim1, self.dim2, self.extra_msg = "", "", "", "", msg

    def __str__(self) -> str:
        return self.msg

    def __reduce__(self):
        return _rebuild_dimension_error, (self.msg, self.problems)


def _rebuild_dimension_error(msg, problems):
    return DimensionError(msg, problems=problems)


set_dimension_error(DimensionError)  # errors.raise_problems raises it for dimension problems


_BASE = {
    "[time]": "ms",
    "[length]": "um",
    "[current]": "pA",
    "[temperature]": "K",
    "[substance]": "amol",
    "[luminosity]": "cd",
}


@cache
def _internal_unit_cached(dims: tuple[tuple[str, float], ...]) -> Any:
    d = dict(dims)
    m = d.pop("[mass]", 0)
    # mV = kg m^2 A^-1 s^-3: take the mass exponent from mV, the rest from the base units
    exps = {"mV": m}
    exps["ms"] = d.pop("[time]", 0) + 3 * m
    exps["um"] = d.pop("[length]", 0) - 2 * m
    exps["pA"] = d.pop("[current]", 0) + m
    for key in ("[temperature]", "[substance]", "[luminosity]"):
        exps[_BASE[key]] = d.pop(key, 0)
    if d:
        raise DimensionError(f"neurounits has no internal unit for the dimension(s) {sorted(d)}")
    unit = ureg.dimensionless
    for name, e in exps.items():
        if e:
            unit = unit * ureg.Unit(name) ** e
    return unit


def internal_unit(unit_or_dim: Any) -> Any:
    """The internal unit (a pint Unit) with the dimension of ``unit_or_dim``."""
    dim = getattr(unit_or_dim, "dimensionality", unit_or_dim)
    return _internal_unit_cached(tuple(sorted(dict(dim).items())))


def _round15(x: float) -> float:
    return float(f"{x:.15g}")


@cache
def _factor_cached(unit: Any) -> float:
    return _round15(float(ureg.Quantity(1.0, unit).to(internal_unit(unit)).magnitude))


def factor_to_internal(unit: Any) -> float:
    """The factor that converts a value in ``unit`` to the internal unit.

    An offset unit (degC) has no such factor (20 degC is 293.15 K, not 20 times something):
    ``ValueError``; convert its values with :func:`to_internal`.
    """
    unit = ureg.Unit(unit) if isinstance(unit, str) else unit
    if is_offset_unit(unit):
        raise ValueError(f"the offset unit {unit} has no conversion factor; convert values with to_internal")
    return _factor_cached(unit)


def to_internal(q: Any) -> Any:
    """Magnitude of a Quantity in the internal unit of its dimension (float or ndarray)."""
    unit = q.units
    if is_offset_unit(unit):  # degC, degF: to kelvin first (20 degC -> 293.15 K), as pint defines it
        q = q.to(ureg.kelvin)
        unit = q.units
    f = factor_to_internal(unit)
    mag = q.magnitude
    return mag * f if f != 1.0 else mag


def from_internal(values: Any, unit: Any) -> Any:
    """Wrap internal-unit magnitudes as a Quantity in ``unit`` (converting)."""
    if is_offset_unit(unit):  # internal: kelvin
        return ureg.Quantity(values, ureg.kelvin).to(unit)
    f = factor_to_internal(unit)
    return ureg.Quantity(values / f if f != 1.0 else values, unit)


def is_offset_unit(unit: Any) -> bool:
    """True for a unit with an offset from zero (``degC``, ``degF``), which cannot be multiplied.

    >>> [is_offset_unit(ureg.Unit(u)) for u in ("degC", "K", "delta_degC")]
    [True, False, False]
    """
    unit = getattr(unit, "units", unit)
    registry = getattr(unit, "_REGISTRY", ureg)
    if registry is not ureg:  # a unit of another registry: asked of that registry, not cached here
        try:
            return not registry.Quantity(1.0, unit)._ok_for_muldiv()
        except Exception:  # pragma: no cover - not a pint unit
            return False
    try:
        return _is_offset_cached(unit)
    except TypeError:  # pragma: no cover - unhashable
        return False


@cache
def _is_offset_cached(unit: Any) -> bool:
    try:
        return not ureg.Quantity(1.0, unit)._ok_for_muldiv()  # a pint Unit does not have the method
    except Exception:  # pragma: no cover - not a unit of this registry
        return False


_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")


#: the largest magnitude of a number written as an exponent in a unit or quantity string
MAX_TEXT_EXPONENT = 1000
_POWER_CHAIN = re.compile(r"(\*\*|\^)\s*\(?\s*[\w.]+\s*\)?\s*(\*\*|\^)")
_EXPONENT = re.compile(r"(?:\*\*|\^)\s*\(?\s*[-+]?\s*(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)")


def _check_powers(text: str) -> None:
    """Refuse a text whose powers pint would take forever to compute (``9**9**9``)."""
    if _POWER_CHAIN.search(text):
        raise ValueError(f"powers of powers (such as 9**9**9) are not accepted in {text!r}")
    for m in _EXPONENT.finditer(text):
        if float(m.group(1)) > MAX_TEXT_EXPONENT:
            raise ValueError(f"the exponent {m.group(1)} in {text!r} is larger than {MAX_TEXT_EXPONENT}")


def parse_unit(text: str) -> Any:
    """Parse a unit string ("mV", "1/ms", "MOhm") into a pint Unit.

    Raises ``ValueError`` (powers of powers, exponents above ``MAX_TEXT_EXPONENT``) or pint's
    errors (an unknown unit).
    """
    text = text.strip()
    if text in ("", "1"):
        return ureg.dimensionless
    _check_powers(text)
    return ureg.parse_units(text)


def parse_quantity(text: str) -> Any:
    """Parse "10 ms", "-70 mV", "0.07 1/mV", "100 MOhm" or "6.3 degC" into a Quantity.

    Raises ``ValueError`` (with pint's reason) if the text is not a quantity.
    """
    _check_powers(text)
    m = _NUMBER.match(text)
    if m:
        value, unit = float(m.group(1)), m.group(2)
        return ureg.Quantity(value, parse_unit(unit) if unit else ureg.dimensionless)
    q = ureg.parse_expression(text)
    if not isinstance(q, ureg.Quantity):
        q = ureg.Quantity(float(q), ureg.dimensionless)
    return q


def is_unit_name(name: str) -> bool:
    """True if ``name`` is a unit pint knows ("mV", "ms", "MOhm", ...)."""
    try:
        ureg.Unit(name)
    except (pint.errors.UndefinedUnitError, AttributeError, ValueError, TypeError):
        return False
    return True


def as_quantity(value: Any) -> Any:
    """Turn a Quantity, a string, a number or an array into a Quantity of this registry.

    A Quantity (or Unit) of another pint registry is converted by its dimensionality and
    magnitude, through the other registry's root units (gram, meter, second, ...), never through
    its printed unit string, so registries with another default format or their own derived units
    work.
    """
    if isinstance(value, ureg.Quantity):
        return value
    if isinstance(value, pint.Quantity):  # another registry
        return _from_foreign(value)
    if isinstance(value, pint.Unit):
        return _from_foreign(1.0 * value)
    if isinstance(value, str):
        return parse_quantity(value)
    return ureg.Quantity(np.asarray(value, dtype=float) if np.ndim(value) else value)


def _from_foreign(q: Any) -> Any:
    """A Quantity of another registry as a Quantity of ``ureg``: in the same unit when this registry
    defines each of its units alike (the same dimension and size, so no rounding), else through the
    other registry's root units, in the internal unit of its dimension."""
    if is_offset_unit(q.units):
        q = q.to("kelvin")
    same = _same_unit(q)
    if same is not None:
        return ureg.Quantity(q.magnitude, same)
    root = q.to_root_units()
    unit = ureg.dimensionless
    for name, exponent in root.unit_items():  # names of root units as defined, not as printed
        try:
            unit = unit * ureg.Unit(name) ** exponent
        except pint.errors.UndefinedUnitError:
            raise DimensionError(f"cannot convert {q.magnitude!r} {q.units} from another pint registry: "
                                 f"its root unit '{name}' is not a unit of neurounits' registry") from None
    out = ureg.Quantity(root.magnitude, unit)
    try:
        return out.to(internal_unit(unit))
    except DimensionError:
        return out


def _same_unit(q: Any) -> Any:
    """This registry's unit with the names of ``q``'s units, if it is the same size and dimension."""
    try:
        unit = ureg.dimensionless
        for name, exponent in q.unit_items():
            unit = unit * ureg.Unit(name) ** exponent
    except (pint.errors.UndefinedUnitError, AttributeError, ValueError, TypeError):
        return None
    theirs = (1.0 * q.units).to_root_units()
    ours = ureg.Quantity(1.0, unit).to_root_units()
    if dict(theirs.unit_items()) != dict(ours.unit_items()):
        return None
    return unit if np.isclose(theirs.magnitude, ours.magnitude, rtol=1e-12, atol=0.0) else None


def fmt_unit(unit: Any) -> str:
    """A short readable unit string: "mV/ms", "1/mV", "pA", "MOhm", "mV**2/ms" (never SI base units).

    >>> fmt_unit(ureg.Unit("mV**2/ms")), fmt_unit(ureg.Unit("nS*mV")), fmt_unit(ureg.Unit("uF/cm**2"))
    ('mV**2/ms', 'mV nS', 'µF/cm**2')
    >>> fmt_unit(ureg.Unit("MOhm")), fmt_unit(ureg.Unit("mV/ms"))
    ('MOhm', 'mV/ms')
    """
    if unit is None:
        return "?"
    if isinstance(unit, str):
        return unit
    unit = getattr(unit, "units", unit)
    if unit == ureg.dimensionless:
        return "1"
    s = f"{unit:~C}"  # "mV**2/ms", "nS*mV": a product is shown with a space, a power stays "**"
    return re.sub(r"(?<!\*)\*(?!\*)", " ", s).replace("Ω", "Ohm")  # as users type it: "MOhm"


_COMMON = ["ms", "s", "mV", "V", "pA", "nA", "nS", "uS", "pF", "nF", "MOhm", "Hz", "1/ms",
           "mV/ms", "1/mV", "1/mV/ms", "pA/ms", "nS/ms", "mM", "degC", "K", "um", "cm"]


def unit_hint(expected: Any, given: Any) -> str:
    """A one-line hint for a value given in ``given`` where ``expected`` was wanted."""
    exp_dim = expected.dimensionality
    giv_dim = given.dimensionality
    if giv_dim == ureg.dimensionless.dimensionality and exp_dim != giv_dim:
        return f"give the value with a unit, e.g. '{_example(expected)}'"
    if giv_dim == (1 / expected).dimensionality:
        return f"did you mean {fmt_unit(expected)} (you gave the inverse, {fmt_unit(given)})?"
    same_dim = [u for u in _COMMON if ureg.Unit(u).dimensionality == exp_dim]
    names = [fmt_unit(given)]
    close = difflib.get_close_matches(names[0], same_dim, n=1, cutoff=0.3)
    if close:
        return f"did you mean {close[0]}?"
    return f"express it in {fmt_unit(expected)} or a compatible unit"


def _example(unit: Any) -> str:
    return f"1 {fmt_unit(unit)}" if unit != ureg.dimensionless else "1"
