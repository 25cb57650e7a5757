"""Second-order differential equations, rewritten to first order.

A line ``d2x/dt2 = expression [: unit] [(unless refractory)]`` (also written ``d2x/dt^2`` or
``d2x/dt**2``) declares the state ``x`` and its velocity, the state ``dx_dt`` (read "dx/dt"), and
becomes the two first-order equations::

    dx/dt = dx_dt : unit
    ddx_dt/dt = expression : unit/ms

The unit after ``:`` is the unit of ``x`` (the expression is in that unit per time squared); the
velocity's unit is ``x``'s per ms, unless ``dx_dt`` is declared as a State.  ``dx_dt`` is an
ordinary state: the expression and the rest of the model may use it (damping, resets), and its
initial value is given as any state's (``initial={"dx_dt": "0 mV/ms"}``; 0 by default).

>>> print(expand_second_order("osc", "d2x/dt2 = -omega**2*x : mV"))
dx/dt = dx_dt : mV
ddx_dt/dt = -omega**2*x : (mV)/ms
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import EquationError
from .text import logical_lines, split_unit

__all__ = ["expand_second_order", "velocity_name", "velocity_units"]

_SECOND = re.compile(r"^d\s*2\s*([A-Za-z_]\w*)\s*/\s*dt\s*(?:2|\^\s*2|\*\*\s*2)\s*=(.*)$")


def velocity_name(x: str) -> str:
    """The name of the velocity state of ``x``: ``dx_dt``."""
    return f"d{x}_dt"


def expand_second_order(model: str, text: str) -> str:
    """``text`` with each second-order line replaced by its two first-order lines."""
    if "2" not in text or not isinstance(text, str):
        return text
    lines = logical_lines(text)
    if not any(_SECOND.match(line) for line in lines):
        return text
    out = []
    for line in lines:
        m = _SECOND.match(line)
        if not m:
            out.append(line)
            continue
        x, (expr, unit, flags) = m.group(1), split_unit(m.group(2))
        if not expr:
            raise EquationError(f"model '{model}': the equation line '{line}' has no right-hand side")
        v = velocity_name(x)
        tail = f" ({', '.join(sorted(flags))})" if flags else ""
        out.append(f"d{x}/dt = {v}" + (f" : {unit}" if unit else "") + tail)
        out.append(f"d{v}/dt = {expr}" + (f" : ({unit})/ms" if unit else "") + tail)
    return "\n".join(out)


def velocity_units(text: Any, decl: dict[str, Any], state_type: type) -> dict[str, Any]:
    """Velocity states to declare: ``dx_dt`` -> ``State(unit of x / ms)`` for each second-order ``x``
    declared as a State whose velocity is not declared (its line carries no unit)."""
    out = {}
    for line in logical_lines(text) if isinstance(text, str) else []:
        m = _SECOND.match(line)
        if not m:
            continue
        x, v = m.group(1), velocity_name(m.group(1))
        if v not in decl and isinstance(decl.get(x), state_type):
            out[v] = state_type(f"({decl[x].unit:~})/ms" if str(decl[x].unit) else "1/ms")
    return out
