"""Derived parameters: values computed once from other parameters, with their units checked.

>>> import neurounits as nu
>>> class Leaky(nu.Model):
...     C = nu.Parameter("200 pF")
...     g_L = nu.Parameter("10 nS")
...     E_L = nu.Parameter("-70 mV")
...     tau = nu.Derived("C/g_L", "ms", doc="membrane time constant")
...     V = nu.State("mV", initial="E_L")
...     equations = "dV/dt = (E_L - V)/tau"
>>> m = Leaky(n=2, C=nu.Q_([100, 300], "pF"))
>>> m.derived["tau"]
<Quantity([10. 30.], 'millisecond')>
>>> m
Leaky(n=2, C=[2 values] pF, g_L=10 nS, E_L=-70 mV; derived: tau=[2 values] ms)

A derived parameter is an expression of the model's parameters (and of derived parameters
declared before it), translated and dimension-checked when the model is declared (against its
``unit`` if one is given).  Its value is computed when the model is constructed, one per neuron
where a parameter it uses has one per neuron, and passed to the kernel like a parameter: a new
value of a parameter it depends on (``Simulation.set_parameter``, a sweep) recomputes it without
recompiling.  It cannot be given a value itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import Problem
from ..parameters import Parameter, _read_unit
from ..units import from_internal

__all__ = ["Derived", "derived_values"]


class Derived(Parameter):
    """A parameter computed from other parameters (see :mod:`neurounits.equations.derived`).

    Parameters
    ----------
    expression : str
        An expression of parameters, e.g. ``"C/g_L"``.
    unit : str, optional
        The unit of the value (checked against the expression's; by default the expression's).
    doc : str
        One line saying what it is.
    """

    kind = "derived parameter"

    def __init__(self, expression: str, unit: str | None = None, *, doc: str = "") -> None:
        super().__init__(None, "1", doc=doc)
        self.expression = expression
        self.declared = None if unit is None else _read_unit(unit, "Derived")
        if self.declared is not None:
            self.unit = self.declared

    def __repr__(self) -> str:
        return f"Derived({self.expression!r})"


def derived_values(model: str, spec: Any, evaluate: Any, internal: dict[str, np.ndarray],
                   given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, np.ndarray], list[Problem]]:
    """The derived parameters of a constructed model: (Quantities in their units, internal values
    per neuron, problems).  A value is one number when every parameter it uses is one."""
    out, inner, problems = {}, {}, []
    for k, expr in spec.derived.items():
        unit = spec.parameters[k].unit
        with np.errstate(all="ignore"):
            vals = evaluate(expr, internal)
        inner[k] = vals
        bad = ~np.isfinite(vals)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            problems.append(Problem(f"model '{model}': the derived parameter '{k}' "
                                    f"({spec.parameters[k].expression}) is not a finite number "
                                    f"(got {vals[i]:g}{f' at neuron {i}' if len(vals) > 1 else ''}); "
                                    "check the parameters it is computed from"))
        import sympy

        uses = [s.name[2:] for s in sympy.sympify(expr).free_symbols]
        scalar = all(np.ndim(getattr(given.get(u), "magnitude", 0)) == 0 for u in uses)
        out[k] = from_internal(float(vals[0]) if scalar else vals.copy(), unit)
    return out, inner, problems
