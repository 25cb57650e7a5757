"""The value checks run when a model is constructed (:func:`check_value`), and readable names of
dimensions (:func:`describe_dim`); re-exported by :mod:`neurounits.parameters`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import Problem
from .units import as_quantity, fmt_unit, ureg

__all__ = ["Checked", "check_value", "describe_dim"]


@dataclass
class Checked:
    quantity: Any = None
    problems: list[Problem] = field(default_factory=list)


_NAMED_DIMS = {
    "voltage": "mV", "current": "pA", "conductance": "nS", "capacitance": "pF",
    "resistance": "MOhm", "time": "ms", "charge": "pC", "concentration": "mM",
    "temperature": "K", "length": "um", "area": "um**2",
}


def describe_dim(unit: Any) -> str:
    """A readable name for a unit's dimension: "voltage", "voltage/time", "1/voltage"."""
    dim = unit.dimensionality
    if dim == ureg.dimensionless.dimensionality:
        return "dimensionless"
    named = {k: ureg.Unit(v).dimensionality for k, v in _NAMED_DIMS.items()}
    for k, d in named.items():
        if dim == d:
            return k
    for k, d in named.items():
        if dim == 1 / d:
            return f"1/{k}"
    for k1, d1 in named.items():
        for k2, d2 in named.items():
            if dim == d1 / d2:
                return f"{k1}/{k2}"
            if dim == d1 * d2 and k1 <= k2:
                return f"{k1}*{k2}"
    return str(dim)


def _end(sentence: str) -> str:
    return sentence if sentence.endswith(("?", ".")) else sentence + "."


def _show(q: Any) -> str:
    mag = np.asarray(q.magnitude)
    if mag.ndim == 0:
        return f"{mag.item():g} {fmt_unit(q.units)}".rstrip()
    return f"an array of {mag.size} values in {fmt_unit(q.units)}"


def check_value(
    where: str, value: Any, unit: Any, n: int | None, *, positive: bool = False, nonnegative: bool = False
) -> Checked:
    """Convert ``value`` to a Quantity in ``unit`` and check it; collect the problems.

    ``where`` names the value in messages, e.g. "model 'LIF', parameter 'tau_m'".
    Scalars and arrays of length ``n`` (any length if ``n`` is None) are accepted.
    """
    from .units import unit_hint

    out = Checked()
    if isinstance(value, bool) or value is None:
        out.problems.append(Problem(f"{where}: expected a value in {fmt_unit(unit)}, got {value!r}"))
        return out
    raw = getattr(value, "magnitude", value)
    if not isinstance(raw, str) and np.iscomplexobj(raw):  # numpy would drop the imaginary part
        out.problems.append(Problem(
            f"{where}: complex values are not accepted, got {_show_complex(raw)}; give real numbers"))
        return out
    try:
        q = as_quantity(value)
    except Exception as exc:  # pint's parse errors come in many types
        out.problems.append(Problem(
            f"{where}: cannot read {value!r} as a quantity ({exc}). "
            f"Write it as a number and a unit, e.g. '1 {fmt_unit(unit)}'."))
        return out
    if q.dimensionality != unit.dimensionality:
        if q.dimensionless and not isinstance(value, str | ureg.Quantity):
            given = f"the plain number {value!r}" if np.ndim(value) == 0 else "plain numbers"
        else:
            given = f"{_show(q)} ({describe_dim(q.units)})"
        out.problems.append(Problem(
            f"{where}: expected a value in {fmt_unit(unit)} ({describe_dim(unit)}), got {given}. "
            f"Hint: {_end(unit_hint(unit, q.units))}", dimension=True))
        return out
    try:
        q = q.to(unit)
    except Exception as exc:  # offset units that cannot convert
        out.problems.append(Problem(f"{where}: cannot convert {_show(q)} to {fmt_unit(unit)} ({exc})"))
        return out
    mag = np.asarray(q.magnitude, dtype=float)
    if mag.ndim > 1 or (mag.ndim == 1 and n is not None and mag.shape[0] != n):
        out.problems.append(Problem(
            f"{where}: expected a scalar or one value per neuron (shape ({n},)), "
            f"got an array of shape {mag.shape}"))
        return out
    out.problems.extend(_value_problems(where, mag, q.units, positive, nonnegative))
    out.quantity = ureg.Quantity(mag if mag.ndim else float(mag), q.units)
    return out


def _show_complex(mag: Any) -> str:
    arr = np.asarray(mag)
    if arr.ndim == 0:
        return repr(arr.item())
    bad = np.flatnonzero(arr.imag != 0)
    first = int(bad[0]) if bad.size else 0
    return f"an array of complex numbers ({arr.flat[first]!r} at index {first})"


def _where_bad(mask: np.ndarray) -> str:
    if mask.ndim == 0:
        return ""
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in idx[:5]) + (", ..." if idx.size > 5 else "")
    return f" at neuron{'s' if idx.size > 1 else ''} {shown}"


def _value_problems(where: str, mag: np.ndarray, unit: Any, positive: bool, nonneg: bool):
    probs = []
    nan = np.isnan(mag)
    if nan.any():
        probs.append(Problem(f"{where}: the value is NaN{_where_bad(nan)}; give a finite value"))
    inf = np.isinf(mag)
    if inf.any():
        probs.append(Problem(f"{where}: the value is infinite{_where_bad(inf)}; give a finite value"))
    finite = ~(nan | inf)
    if positive:
        bad = finite & (mag <= 0)
        if bad.any():
            v = mag[bad].flat[0]
            probs.append(Problem(f"{where}: must be > 0, got {v:g} {fmt_unit(unit)}{_where_bad(bad)}"))
    elif nonneg:
        bad = finite & (mag < 0)
        if bad.any():
            v = mag[bad].flat[0]
            probs.append(Problem(f"{where}: must be >= 0, got {v:g} {fmt_unit(unit)}{_where_bad(bad)}"))
    return probs
