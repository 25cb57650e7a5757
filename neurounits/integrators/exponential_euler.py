"""Exponential Euler for conditionally linear systems.

Each equation is written dx/dt = A x + B, with A and B evaluated at the start
of the step (they may depend on the other states), and advanced exactly for
frozen A and B:

    x_new = x + dt * (A x + B) * phi1(A dt),   phi1(z) = (exp(z) - 1)/z

which stays finite (and equals forward Euler) as A -> 0.  Where A depends on parameters only,
phi1(A dt) is a per-neuron constant, computed once before the time loop (``Step.derived``).
"""

from __future__ import annotations

import sympy

from ..equations import DT, ModelSpec
from ..equations.analysis import conditionally_linear
from ..equations.functions import phi1
from .base import Integrator, Step

__all__ = ["ExponentialEuler"]


class ExponentialEuler(Integrator):
    name = "exponential_euler"
    order = 1

    def check_applicable(self, spec: ModelSpec) -> str | None:
        if conditionally_linear(spec):
            return None
        bad = [k for k, rhs in spec.odes.items()
               if spec.symbols[k] in sympy.diff(rhs, spec.symbols[k]).free_symbols]
        return (f"the equation(s) for {', '.join(bad)} are not linear in their own state; "
                "use method='rk4' (or 'rk2', 'euler')")

    def step(self, spec: ModelSpec) -> Step:
        st = Step(self.name)
        params = {spec.symbols[k] for k in spec.parameters}
        for k, rhs in spec.odes.items():
            x = spec.symbols[k]
            a = sympy.Symbol(f"_A_{k}", real=True)
            f = sympy.Symbol(f"_f_{k}", real=True)
            a_expr = sympy.diff(rhs, x)
            if a_expr.free_symbols <= params:  # phi1(A dt) of parameters only: once, before the loop
                e = sympy.Symbol(f"_e_{k}", real=True)
                st.derived.append((e, phi1(a_expr * DT)))
                st.statements.append((f, rhs))
                st.new[k] = x + DT * f * e
                continue
            st.statements.append((a, a_expr))
            st.statements.append((f, rhs))
            st.new[k] = x + DT * f * phi1(a * DT)
        return st
