"""The names an expression may use and the result of translating it (used by :mod:`.parse`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy

from ..units import fmt_unit, ureg

__all__ = ["NOISE_NAME", "NOISE_UNIT", "Name", "Scope", "Translated", "noise_symbol", "readable"]

ONE = ureg.dimensionless
# white noise (Brian2's convention): xi has the unit 1/sqrt(time), so sigma*xi in dx/dt has the unit
# of x/time when sigma has the unit of x/sqrt(time); in a step of length dt its value is N/sqrt(dt)
NOISE_NAME = re.compile(r"^xi(_\w+)?$")
NOISE_UNIT = ureg.Unit("ms") ** -0.5


def noise_symbol(name: str) -> sympy.Symbol:
    """The symbol of the white noise called ``name`` (``_n_xi``, ``_n_xi_2``, ...)."""
    return sympy.Symbol(f"_n_{name}", real=True)
_COMMON_UNITS = ("mV", "pA", "nS", "pF", "ms", "mV/ms", "pA/ms", "nS/ms", "1/ms", "MOhm", "pC")


@dataclass
class Name:
    """A name visible in a model's expressions."""

    kind: str  # "parameter", "state", "input", "expression", "time"
    unit: Any
    sym: sympy.Expr


@dataclass
class Scope:
    model: str
    names: dict[str, Name] = field(default_factory=dict)
    allow_prev: bool = False  # prev(state) is allowed (in thresholds and resets)
    noise: list[str] | None = None  # white-noise names used (xi, xi_<suffix>); None: not allowed here
    time: bool = True  # t and dt may be used (not in initial values, constraints, ...)
    time_why: str = ""  # why not, when they may not
    random: list | None = None  # random-number sites (kind, mean or None), in order; None: not allowed here


_CONDITIONS = (sympy.core.relational.Relational, sympy.logic.boolalg.BooleanFunction,
               sympy.logic.boolalg.BooleanAtom)  # (a Symbol is a sympy Boolean too: not these)


@dataclass
class Translated:
    sym: Any
    unit: Any
    boolean: bool = False

    @property
    def condition(self) -> bool:
        """True for a condition (a comparison, and/or/not, or a named expression that is one)."""
        return self.boolean or isinstance(self.sym, _CONDITIONS)


def readable(unit: Any) -> str:
    """``fmt_unit`` plus, for a composed unit, the common unit it equals: "mV nS (= pA)"."""
    s = fmt_unit(unit)
    if " " in s or "/" in s:
        for c in _COMMON_UNITS:
            cu = ureg.Unit(c)
            if cu.dimensionality == unit.dimensionality and fmt_unit(cu) != s:
                return f"{s} (= {fmt_unit(cu)})"
    return s

