"""Removable singularities of rate functions: ``x/(1 - exp(-x))`` and its kin rewritten with ``exprel``.

Rate functions of Hodgkin-Huxley-type models are often written as
``a*(V - V0)/(1 - exp(-(V - V0)/k))``: at ``V = V0`` exactly both the numerator and the
denominator vanish, and a float evaluation gives ``0/0 = NaN`` although the function has a finite
limit there.  :func:`remove_singularities` finds each factor ``1/(c*(exp(w) - 1))`` of a product
whose other factors vanish where ``w`` does (their ratio to ``w`` is free of that zero), and
rewrites ``rest/(c*(exp(w) - 1))`` as ``(rest/w)/(c*exprel(w))``, with
``exprel(w) = (exp(w) - 1)/w``, which is 1 at ``w = 0`` (:class:`~.functions.phi1`).

>>> import sympy
>>> V = sympy.Symbol("V", real=True)
>>> remove_singularities(0.1*(V + 40)/(1 - sympy.exp(-(V + 40)/10)))
1.0/phi1(-V/10 - 4)
>>> remove_singularities(V/(sympy.exp(V) - 1))
1/phi1(V)
"""

from __future__ import annotations

import sympy
from sympy.codegen.cfunctions import expm1

from .functions import phi1

__all__ = ["remove_singularities"]


def _expm1_form(den: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr] | None:
    """``(w, c)`` with ``den == c*(exp(w) - 1)`` and a number c, or None.  ``a + b*exp(u)`` with
    numbers a, b of opposite signs is ``-a*(exp(u + log(-b/a)) - 1)`` (sympy moves a number out
    of ``exp(-0.1*(V + 55))``)."""
    if isinstance(den, expm1):
        return den.args[0], sympy.Integer(1)
    coeff, rest = den.as_coeff_Mul()
    if coeff != 1:
        got = _expm1_form(rest)
        return None if got is None else (got[0], coeff * got[1])
    if not den.is_Add:
        return None
    const = [t for t in den.args if t.is_number]
    exps = [t for t in den.args if not t.is_number]
    if len(const) != 1 or len(exps) != 1:
        return None
    b, e = exps[0].as_coeff_Mul()
    a = const[0]
    if not isinstance(e, sympy.exp) or not (-b / a).is_positive:
        return None
    shift = sympy.log(-b / a)
    return (e.args[0] if shift.is_zero else e.args[0] + shift), -a


def _negligible(r: sympy.Expr, f: sympy.Expr) -> bool:
    """The remainder ``r`` of a division of ``f`` is zero up to rounding (float coefficients)."""
    if r.is_zero:
        return True
    rc = [abs(float(c)) for c in sympy.Poly(r, *sorted(r.free_symbols, key=str)).coeffs()] if r.free_symbols \
        else [abs(float(r))]
    fc = [abs(float(c)) for c in sympy.Poly(f, *sorted(f.free_symbols, key=str)).coeffs()]
    return max(rc) <= 1e-12 * max(fc)


def _regular_ratio(rest: sympy.Expr, w: sympy.Expr) -> sympy.Expr | None:
    """``rest/w`` without a pole where ``w`` vanishes, if a factor of ``rest`` is a polynomial
    multiple of ``w`` (up to rounding), else None."""
    syms = sorted(w.free_symbols, key=lambda s: s.name)
    if not syms:
        return None
    wx = sympy.expand(w)
    for f in sympy.Mul.make_args(rest):
        if not f.free_symbols & w.free_symbols:
            continue
        fx = sympy.expand(f)
        try:
            quo, rem = sympy.div(fx, wx, *syms)
        except (sympy.PolynomialError, TypeError, ValueError):
            continue
        try:
            ok = _negligible(rem, fx)
        except (sympy.PolynomialError, TypeError, ValueError):
            continue
        if ok and not quo.is_zero:
            return sympy.Mul(quo, rest / f)
    return None


def _fix_mul(m: sympy.Mul) -> sympy.Expr:
    factors = list(m.args)
    for k, f in enumerate(factors):
        if not (f.is_Pow and f.exp == -1):
            continue
        got = _expm1_form(f.base)
        if got is None:
            continue
        w, c = got
        q = _regular_ratio(sympy.Mul(*(factors[:k] + factors[k + 1:])), w)
        if q is not None:
            return q / (c * phi1(w))
    return m


def remove_singularities(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every removable ``rest/(c*(exp(w) - 1))`` rewritten as ``(rest/w)/(c*exprel(w))``
    (see the module's description); other parts unchanged."""
    return expr.replace(lambda e: isinstance(e, sympy.Mul), _fix_mul)
