"""Exact integration of linear systems dx/dt = M x + c.

With M constant (parameters only) and c constant over a step (inputs are
piecewise constant), one step is exact:

    x_new = E x + P c,   E = exp(M dt),   P = integral_0^dt exp(M s) ds.

For one state, E = exp(m dt) and P = dt * phi1(m dt).  For several states
the kernel computes E and P per neuron, once, from the exponential of the
block matrix [[M dt, I dt], [0, 0]] = [[E, P], [0, I]] (Pade approximant with
scaling and squaring).  No symbolic inverse appears, so coinciding time
constants (tau_m == tau_syn) need no special case: the numerical exponential
is the limit.

Entries of E and P that are zero by the structure of M are left out of the update: E[a][b] and
P[a][b] vanish unless state a depends on state b through a chain of nonzero entries of M (a
synaptic current does not depend on the membrane potential, so the step of ``iaf_psc_exp``
propagates its currents with one product each, as a hand-written propagator does).

Systems of more than ``DENSE_STATES`` states take the dense form instead: E and P as (n, k, k)
arrays computed once per neuron, and one matrix-vector product per step, so that the generated
code, and its compile time, grow with k rather than k^2 (a chain of 50 states).
"""

from __future__ import annotations

import sympy

from ..equations import DT, ModelSpec, linear_system
from ..equations.functions import phi1
from ..errors import IntegratorError
from .base import Integrator, Step, hoist_reciprocals

__all__ = ["DENSE_STATES", "Exact"]

#: above this many states, exact's step is the dense form (one matrix-vector product per neuron in
#: a loop) instead of one symbolic term per nonzero propagator entry
DENSE_STATES = 20


class Exact(Integrator):
    name = "exact"
    order = 0  # exact for piecewise-constant inputs

    def check_applicable(self, spec: ModelSpec) -> str | None:
        if not spec.odes:
            return "the model has no differential equations"
        if linear_system(spec) is None:
            return ("the equations are not linear with constant coefficients (dx/dt = M x + c, M "
                    "depending on parameters only); use method='exponential_euler' or 'rk4'")
        return None

    def step(self, spec: ModelSpec) -> Step:
        system = linear_system(spec)
        if system is None:
            raise IntegratorError(f"model '{spec.name}': {self.check_applicable(spec)}")
        M, c = system
        names = list(spec.odes)
        k = len(names)
        xs = [spec.symbols[n] for n in names]
        st = Step(self.name)
        params = {spec.symbols[p] for p in spec.parameters}
        cs = []
        for a in range(k):
            if c[a] == 0:
                cs.append(sympy.Integer(0))
                continue
            sym = sympy.Symbol(f"_c_{names[a]}", real=True)
            # the part of c made of parameters only is a per-neuron constant (computed once)
            terms = sympy.Add.make_args(sympy.expand(c[a]))
            fixed = sympy.Add(*[t for t in terms if t.free_symbols <= params])
            varying = sympy.Add(*[t for t in terms if not t.free_symbols <= params])
            if varying == 0:
                st.derived.append((sym, c[a]))
            elif fixed == 0:
                st.statements.append((sym, c[a]))
            else:
                sym0 = sympy.Symbol(f"_c0_{names[a]}", real=True)
                st.derived.append((sym0, fixed))
                st.statements.append((sym, sym0 + varying))
            cs.append(sym)
        if k > DENSE_STATES:  # generated code and compile time grow as k, not k^2
            entries = {}
            for a in range(k):
                for b in range(k):
                    if M[a, b] != 0:
                        entries[(a, b)] = sympy.Symbol(f"_M_{a}_{b}", real=True)
                        st.derived.append((entries[(a, b)], M[a, b]))
            st.dense = (entries, cs)
            st.new = {n: sympy.Symbol(f"_dn_{a}", real=True) for a, n in enumerate(names)}
            hoist_reciprocals(spec, st)
            return st
        E = [[sympy.Symbol(f"_E_{a}_{b}", real=True) for b in range(k)] for a in range(k)]
        P = [[sympy.Symbol(f"_P_{a}_{b}", real=True) for b in range(k)] for a in range(k)]
        if k == 1:
            st.derived.append((E[0][0], sympy.exp(M[0, 0] * DT)))
            st.derived.append((P[0][0], DT * phi1(M[0, 0] * DT)))
        else:
            Ms = [[sympy.Symbol(f"_M_{a}_{b}", real=True) for b in range(k)] for a in range(k)]
            for a in range(k):
                for b in range(k):
                    st.derived.append((Ms[a][b], M[a, b]))
            st.expm = (Ms, E, P)
        reach = _reachable(M, k)
        for a, n in enumerate(names):
            st.new[n] = (sum(E[a][b] * xs[b] for b in range(k) if reach[a][b])
                         + sum(P[a][b] * cs[b] for b in range(k) if cs[b] != 0 and reach[a][b]))
        hoist_reciprocals(spec, st)
        return st


def _reachable(M: sympy.Matrix, k: int) -> list[list[bool]]:
    """reach[a][b]: state a depends on state b (a == b, or a chain of nonzero M entries from b to a),
    i.e. exp(M t)[a][b] is not zero by structure."""
    reach = [[a == b or M[a, b] != 0 for b in range(k)] for a in range(k)]
    for m in range(k):  # transitive closure (Warshall)
        for a in range(k):
            if reach[a][m]:
                for b in range(k):
                    reach[a][b] = reach[a][b] or reach[m][b]
    return reach
