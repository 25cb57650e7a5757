"""Adaptive Runge-Kutta-Fehlberg 4(5), driven inside the kernel.

One step of size ``h`` (symbol ``_h``, starting at ``t + _tt``) advances with the
fifth-order solution and estimates the error as the difference from the
embedded fourth-order one (Fehlberg's coefficients, as in GSL's ``rkf45``,
which NEST uses).  The kernel runs sub-steps inside each ``dt`` and adjusts
the step with the standard controller: with ``D = atol + rtol * |y|`` per
state and ``r = max |err| / D``, a step with ``r > 1.1`` is retried with
``h * max(0.9 r^(-1/5), 0.2)``; after an accepted step with ``r < 0.5`` the
next step is ``h * min(max(0.9 r^(-1/6), 1), 5)``.  The last step size is
carried over to the next ``dt``.  A step size below ``h_min`` stops the run
with :class:`~neurounits.SimulationError`.

Divisions by parameters (``x / tau``) become multiplications by per-neuron
reciprocals computed once before the time loop (``Step.derived``): the stages
evaluate the right-hand sides six or seven times per try, and a division costs
several multiplications (the results differ from dividing by at most an ulp).
"""

from __future__ import annotations

import sympy
from sympy import Rational as R

from ..equations import TIME, ModelSpec
from .base import Integrator, Step, hoist_reciprocals
from .explicit import combine, expand_stages

__all__ = ["RKF45", "TT", "H", "reciprocals"]

H = sympy.Symbol("_h", positive=True)
TT = sympy.Symbol("_tt", real=True)

C = [0, R(1, 4), R(3, 8), R(12, 13), 1, R(1, 2)]
A = [
    [],
    [R(1, 4)],
    [R(3, 32), R(9, 32)],
    [R(1932, 2197), R(-7200, 2197), R(7296, 2197)],
    [R(439, 216), -8, R(3680, 513), R(-845, 4104)],
    [R(-8, 27), 2, R(-3544, 2565), R(1859, 4104), R(-11, 40)],
]
B5 = [R(16, 135), 0, R(6656, 12825), R(28561, 56430), R(-9, 50), R(2, 55)]
B4 = [R(25, 216), 0, R(1408, 2565), R(2197, 4104), R(-1, 5), 0]


class RKF45(Integrator):
    """Fehlberg's tableau: advances with the fifth-order weights ``b`` (local extrapolation,
    as GSL does); ``b - b_embedded`` (fourth order) estimates the local error."""

    name = "rkf45"
    order = 5
    adaptive = True
    c, A, b, b_embedded = C, A, B5, B4

    def step(self, spec: ModelSpec) -> Step:
        st = Step(self.name, adaptive=True)
        ks = expand_stages(spec, C, A, H, TIME + TT, st, evaluate=False)
        ec = [b5 - b4 for b5, b4 in zip(B5, B4, strict=True)]
        for j, k in enumerate(spec.odes):
            st.new[k] = spec.symbols[k] + H * combine(B5, ks, j)
            st.errors[k] = H * combine(ec, ks, j)
        hoist_reciprocals(spec, st)
        return st


def reciprocals(expr: sympy.Expr, st: Step) -> sympy.Expr:
    """``expr`` with the reciprocals that ``st`` hoisted replaced by their symbols."""
    found = {e: sym for sym, e in st.derived if sym.name.startswith("_rcp_")}
    return expr.xreplace(found) if found else expr
