"""What kind of system a model's equations form.

=======================  =====================================================
kind                     meaning
=======================  =====================================================
``static``               no differential equations (perceptron, rate units)
``linear``               dx/dt = M x + c with M depending on parameters only
                         and c free of ``t`` (inputs are constant over a step):
                         solved exactly with the matrix exponential
``conditionally_linear`` every dx_i/dt is linear in x_i (coefficients may
                         depend on other states): exponential Euler applies
``nonlinear``            anything else
=======================  =====================================================
"""

from __future__ import annotations

import sympy

from .model import TIME, ModelSpec

__all__ = ["classify", "linear_system"]


def _dynamic(spec: ModelSpec) -> set:
    """Symbols that change within a step: ODE states, inputs and time."""
    syms = {spec.symbols[k] for k in spec.odes}
    syms |= {spec.symbols[k] for k in spec.inputs}
    syms |= {spec.symbols[k] for k in spec.states if k not in spec.odes}
    return syms | {TIME}


def linear_system(spec: ModelSpec) -> tuple[sympy.Matrix, sympy.Matrix] | None:
    """(M, c) with dx/dt = M x + c if the system is linear with constant M, else None."""
    names = list(spec.odes)
    xs = [spec.symbols[k] for k in names]
    dyn = _dynamic(spec)
    M = sympy.zeros(len(xs), len(xs))
    c = sympy.zeros(len(xs), 1)
    zero = {x: 0 for x in xs}
    for a, k in enumerate(names):
        rhs = spec.odes[k]
        for b, x in enumerate(xs):
            d = sympy.diff(rhs, x)
            if d.free_symbols & dyn or d.has(sympy.zoo, sympy.nan):
                return None
            M[a, b] = d
        c[a] = rhs.xreplace(zero)
        if TIME in c[a].free_symbols or c[a].has(sympy.zoo, sympy.nan):
            return None
    return M, c


def conditionally_linear(spec: ModelSpec) -> bool:
    for k, rhs in spec.odes.items():
        x = spec.symbols[k]
        if x in sympy.diff(rhs, x).free_symbols:
            return False
    return True


def classify(spec: ModelSpec) -> str:
    """One of "static", "linear", "conditionally_linear", "nonlinear"."""
    if not spec.odes:
        return "static"
    if linear_system(spec) is not None:
        return "linear"
    if conditionally_linear(spec):
        return "conditionally_linear"
    return "nonlinear"
