"""Common notations of published models: names and functions read as modellers mean them.

A name in an expression is looked up first among the model's own names (parameters, states,
inputs, named expressions), then here, then among pint's units.  So a model that defines ``e``
keeps its own ``e``; one that does not gets Euler's number, not the elementary charge that pint
would give.

=================  ===============================================  ============================
name               meaning                                          the unit pint would read
=================  ===============================================  ============================
``t``              time (ms)                                        metric ton
``dt``             the time step of the simulation (ms)             decitonne
``e``              Euler's number 2.71828...                        elementary charge
``inf``            infinity (in comparisons, min/max, clip, ...)    (none)
=================  ===============================================  ============================

Functions: ``ln(x)`` is ``log(x)``; ``pow(x, y)`` is ``x**y`` (with the unit rules of ``**``).

A name that is not one of the model's and is read as a unit although it is short enough to be
a modeller's variable (``g``, ``h``, ``m``, ``c``, ...) gets a note in any dimension error it
causes: "'g' is not a name of this model, so it is read as the unit gram".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from ..units import ureg
from .spec import DT, TIME

__all__ = ["NOTATIONS", "Notation", "unit_note"]


@dataclass(frozen=True)
class Notation:
    """A name read as model notation where the model does not define it."""

    sym: Any
    unit: Any
    meaning: str
    shadows: str | None  # the unit pint would read, if any


NOTATIONS: dict[str, Notation] = {
    "t": Notation(TIME, ureg.Unit("ms"), "time", "metric ton"),
    "dt": Notation(DT, ureg.Unit("ms"), "the time step", "decitonne"),
    "e": Notation(sympy.E, ureg.dimensionless, "Euler's number 2.71828...", "elementary charge"),
    "inf": Notation(sympy.oo, ureg.dimensionless, "infinity", None),
}


_PLAIN_UNITS = {
    "mV",
    "ms",
    "pA",
    "nA",
    "nS",
    "pF",
    "mS",
    "uS",
    "uA",
    "uF",
    "Hz",
    "nF",
    "mA",
    "um",
    "mm",
    "cm",
    "pS",
    "fF",
    "mM",
    "uM",
    "nM",
    "us",
    "ns",
}


def unit_note(name: str) -> str:
    """The note for a name of :data:`NOTATIONS`, or for a short name read as a unit (empty for a
    name that is plainly a unit).

    >>> "read as the unit gram" in unit_note("g")
    True
    >>> unit_note("mV")
    ''
    """
    if name in NOTATIONS:
        n = NOTATIONS[name]
        also = f", not the unit {n.shadows}" if n.shadows else ""
        return f"\n  Note: '{name}' is read as {n.meaning}{also} (the model defines no '{name}')."
    if len(name) > 2 or name in _PLAIN_UNITS:
        return ""
    try:
        long = str(ureg.Unit(name))
    except Exception:  # pragma: no cover - only called for unit names
        return ""
    return (
        f"\n  Note: '{name}' is not a name of this model, so it is read as the unit {long}; "
        f"declare '{name}' (a parameter, state or named expression) if you meant a variable."
    )
