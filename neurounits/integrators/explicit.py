"""Explicit Runge-Kutta schemes given by their Butcher tableaus.

A scheme is data: ``c``, ``A`` and ``b``.  One step is expanded per model into
stage statements ``k_s = f(x + h * sum_l A[s][l] k_l, t + c_s h)`` and
``x_new = x + h * sum_s b_s k_s``.  Inputs are held constant over a step.
During a refractory period the derivatives of held states are multiplied by
``_active`` (0 while refractory, else 1), so the other states see them held.
"""

from __future__ import annotations

import sympy
from sympy import Rational as R
from sympy import Symbol

from ..equations import DT, TIME, ModelSpec
from .base import Integrator, Step

__all__ = ["ACTIVE", "EULER", "RK2", "RK4", "ExplicitRK", "expand_stages", "substitute"]

ACTIVE = Symbol("_active", real=True)


def held_odes(spec: ModelSpec) -> dict[str, sympy.Expr]:
    """The right-hand sides, with held states' derivatives switched off while refractory."""
    if spec.refractory is None or spec.hold_after_step:  # held after the step (see the kernel)
        return dict(spec.odes)
    return {k: (ACTIVE * rhs if k in spec.hold else rhs) for k, rhs in spec.odes.items()}


def substitute(expr: sympy.Expr, subs: dict, memo: dict) -> sympy.Expr:
    """``expr.xreplace(subs)`` without evaluation: the nodes that change are rebuilt as they are
    (``evaluate=False``), not simplified and reordered as sympy does at every rebuild, which for
    large right-hand sides (Hodgkin-Huxley-like models of tens of states) took most of the step's
    expansion.  Same values; ``memo`` shares the subexpressions met before."""
    out = memo.get(expr)
    if out is not None:
        return out
    if expr in subs:
        out = subs[expr]
    elif not expr.args:
        out = expr
    else:
        args = [substitute(a, subs, memo) for a in expr.args]
        if all(a is b for a, b in zip(args, expr.args)):
            out = expr
        else:
            try:
                out = expr.func(*args, evaluate=False)
            except TypeError:  # (a class without the option, e.g. a Piecewise's pairs)
                out = expr.func(*args)
    memo[expr] = out
    return out


def expand_stages(spec: ModelSpec, c: list, A: list[list], h: sympy.Expr, t: sympy.Expr,
                  st: Step, *, evaluate: bool = True) -> list[list[Symbol]]:
    """Append the stage statements of a tableau to ``st``; returns the stage symbols.  With
    ``evaluate=False`` the statements are substituted without evaluation (:func:`substitute`;
    rkf45, whose kernels evaluate the right-hand sides through a function of the stage's state)."""
    odes = held_odes(spec)
    names = list(odes)
    xs = [spec.symbols[k] for k in names]
    ks: list[list[Symbol]] = []
    for s, cs in enumerate(c):
        subs = {TIME: t + cs * h} if cs else ({TIME: t} if t != TIME else {})
        for j, x in enumerate(xs):
            incr = sum((A[s][l] * ks[l][j] for l in range(s) if A[s][l]), 0)
            if incr != 0:
                subs[x] = x + h * incr
        st.stages.append(dict(subs))
        row = []
        memo: dict = {}
        for k in names:
            sym = Symbol(f"_k{s + 1}_{k}", real=True)
            rhs = odes[k].xreplace(subs) if evaluate else substitute(odes[k], subs, memo)
            st.statements.append((sym, rhs))
            row.append(sym)
        ks.append(row)
    return ks


def combine(b: list, ks: list[list[Symbol]], j: int) -> sympy.Expr:
    return sum((b[s] * ks[s][j] for s in range(len(b)) if b[s]), 0)


class ExplicitRK(Integrator):
    def __init__(self, name: str, order: int, c: list, A: list[list], b: list) -> None:
        self.name, self.order, self.c, self.A, self.b = name, order, c, A, b

    def step(self, spec: ModelSpec) -> Step:
        st = Step(self.name)
        ks = expand_stages(spec, self.c, self.A, DT, TIME, st)
        for j, k in enumerate(spec.odes):
            st.new[k] = spec.symbols[k] + DT * combine(self.b, ks, j)
        return st


EULER = ExplicitRK("euler", 1, [0], [[]], [1])
RK2 = ExplicitRK("rk2", 2, [0, 1], [[], [1]], [R(1, 2), R(1, 2)])  # Heun's method
RK4 = ExplicitRK(
    "rk4", 4, [0, R(1, 2), R(1, 2), 1],
    [[], [R(1, 2)], [0, R(1, 2)], [0, 0, 1]],
    [R(1, 6), R(1, 3), R(1, 3), R(1, 6)],
)
