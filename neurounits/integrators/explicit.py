"""Explicit Runge-Kutta schemes given by their Butcher tableaus.

A scheme is data: ``c``, ``A`` and ``b``.  One step is expanded per model into
stage statements ``k_s = f(x + dt * sum_l A[s][l] k_l, t + c_s dt)`` and
``x_new = x + dt * sum_s b_s k_s``.  Inputs are held constant over a step.
"""

from __future__ import annotations

from sympy import Rational as R
from sympy import Symbol

from ..equations import DT, TIME, ModelSpec
from .base import Integrator, Step

__all__ = ["EULER", "RK2", "RK4", "ExplicitRK"]


class ExplicitRK(Integrator):
    def __init__(self, name: str, order: int, c: list, A: list[list], b: list) -> None:
        self.name, self.order, self.c, self.A, self.b = name, order, c, A, b

    def step(self, spec: ModelSpec) -> Step:
        names = list(spec.odes)
        xs = [spec.symbols[k] for k in names]
        st = Step(self.name)
        ks: list[list[Symbol]] = []
        for s, cs in enumerate(self.c):
            subs = {TIME: TIME + cs * DT} if cs else {}
            for j, x in enumerate(xs):
                incr = sum((self.A[s][l] * ks[l][j] for l in range(s) if self.A[s][l]), 0)
                if incr != 0:
                    subs[x] = x + DT * incr
            row = []
            for k in names:
                sym = Symbol(f"_k{s + 1}_{k}", real=True)
                st.statements.append((sym, spec.odes[k].xreplace(subs)))
                row.append(sym)
            ks.append(row)
        for j, (k, x) in enumerate(zip(names, xs, strict=True)):
            st.new[k] = x + DT * sum((self.b[s] * ks[s][j] for s in range(len(self.b)) if self.b[s]), 0)
        return st


EULER = ExplicitRK("euler", 1, [0], [[]], [1])
RK2 = ExplicitRK("rk2", 2, [0, 1], [[], [1]], [R(1, 2), R(1, 2)])  # Heun's method
RK4 = ExplicitRK(
    "rk4", 4, [0, R(1, 2), R(1, 2), 1],
    [[], [R(1, 2)], [0, R(1, 2)], [0, 0, 1]],
    [R(1, 6), R(1, 3), R(1, 3), R(1, 6)],
)
