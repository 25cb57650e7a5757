r"""Integrators for stochastic differential equations with white noise (``xi``).

An equation with noise reads :math:`dx/dt = f(x, t) + \sum_k g_k \xi_k`, each :math:`\xi_k` a
white noise in 1/sqrt(ms) (``xi``, ``xi_<suffix>``, independent of each other).  In the kernel,
:math:`\xi_k` holds :math:`N_k/\sqrt{dt}` during a step, with :math:`N_k` a standard normal number
drawn for each neuron, step and noise (:func:`neurounits.codegen.runtime.normal`).

``euler_maruyama`` (order 1/2 strong, 1 weak; any drift, and multiplicative noise in Ito's sense)::

    x_new = x + f dt + sum_k g_k sqrt(dt) N_k          (= x + dt * rhs with xi_k = N_k/sqrt(dt))

``stochastic_exponential_euler`` (drift linear in the state, f = A x + B with A and B frozen over the
step, additive noise: g_k free of the states)::

    x_new = x e^{A dt} + B (e^{A dt} - 1)/A + sum_k g_k sqrt((e^{2 A dt} - 1)/(2 A)) N_k
          = x + dt f phi1(A dt) + sum_k g_k xi_k dt sqrt(phi1(2 A dt))

with phi1(z) = (e^z - 1)/z, so the step stays finite as A -> 0, where it is Euler-Maruyama.  For
an Ornstein-Uhlenbeck process (A = -1/tau, constant B and g) it is exact in distribution.
"""

from __future__ import annotations

import sympy

from ..equations import DT, ModelSpec
from ..equations.analysis import conditionally_linear
from ..equations.functions import phi1
from .base import Integrator, Step
from .explicit import ExplicitRK, held_odes

__all__ = ["EULER_MARUYAMA", "StochasticExponentialEuler", "noise_parts"]


def noise_parts(spec: ModelSpec, rhs: sympy.Expr) -> tuple[sympy.Expr, dict]:
    """(drift, {noise symbol: coefficient}) of a right-hand side linear in its noises."""
    xis = sorted((s for s in rhs.free_symbols if s.name.startswith("_n_")), key=lambda s: s.name)
    coef = {xi: sympy.diff(rhs, xi) for xi in xis}
    drift = rhs.xreplace({xi: 0 for xi in xis})
    return drift, coef


class _EulerMaruyama(ExplicitRK):
    stochastic = True

    def __init__(self) -> None:
        super().__init__("euler_maruyama", 1, [0], [[]], [1])


EULER_MARUYAMA = _EulerMaruyama()


class StochasticExponentialEuler(Integrator):
    name = "stochastic_exponential_euler"
    order = 1
    stochastic = True

    def check_applicable(self, spec: ModelSpec) -> str | None:
        if not conditionally_linear(spec):
            bad = [k for k, rhs in spec.odes.items()
                   if spec.symbols[k] in sympy.diff(rhs, spec.symbols[k]).free_symbols]
            return (f"the drift of {', '.join(bad)} is not linear in its own state; "
                    "use method='euler_maruyama'")
        states = {spec.symbols[k] for k in spec.states}
        for k, rhs in spec.odes.items():
            _, coef = noise_parts(spec, rhs)
            if any(g.free_symbols & states for g in coef.values()):
                return (f"the noise of '{k}' is multiplicative (its coefficient depends on a state); "
                        "this method needs additive noise: use method='euler_maruyama'")
        return None

    def step(self, spec: ModelSpec) -> Step:
        st = Step(self.name)
        params = {spec.symbols[k] for k in spec.parameters}
        for k, rhs in held_odes(spec).items():
            x = spec.symbols[k]
            drift, coef = noise_parts(spec, rhs)
            a = sympy.Symbol(f"_A_{k}", real=True)
            f = sympy.Symbol(f"_f_{k}", real=True)
            e = sympy.Symbol(f"_e_{k}", real=True)
            s = sympy.Symbol(f"_s_{k}", real=True)
            a_expr = sympy.diff(drift, x)
            # a coefficient of parameters only: phi1(A dt) and the noise factor once, before the loop
            if a_expr.free_symbols <= params:  # derived entries may not refer to each other
                where, a = st.derived, a_expr
            else:
                where = st.statements
                where.append((a, a_expr))
            where.append((e, phi1(a * DT)))
            st.statements.append((f, drift))
            new = x + DT * f * e
            if coef:
                where.append((s, DT * sympy.sqrt(phi1(2 * a * DT))))
                new = new + s * sum(g * xi for xi, g in coef.items())
            st.new[k] = new
        return st
