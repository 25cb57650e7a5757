"""Print sympy expressions as numba-safe Python source (no units, no numpy.select)."""

from __future__ import annotations

import sympy
from sympy.printing.pycode import PythonCodePrinter

__all__ = ["plain", "to_code"]


class MaxU(sympy.Function):
    """max of the arguments, left unevaluated (building a sympy ``Max`` runs a costly analysis of
    its arguments, on every substitution)."""


class MinU(sympy.Function):
    """min of the arguments, left unevaluated (see :class:`MaxU`)."""


def plain(expr):
    """``expr`` with Max and Min as :class:`MaxU` and :class:`MinU` (same values, cheap to rebuild)."""
    expr = sympy.sympify(expr)
    if not expr.has(sympy.Max, sympy.Min):
        return expr
    return expr.replace(sympy.Max, MaxU).replace(sympy.Min, MinU)


class _Printer(PythonCodePrinter):
    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Rational(self, expr):
        return repr(float(expr))

    def _print_Integer(self, expr):
        return f"{int(expr)}.0"

    def _print_Max(self, expr):  # runtime.max2: max(a, b) as a select, without a compiled call
        return self._nested("_rt.max2", expr.args)

    def _print_Min(self, expr):
        return self._nested("_rt.min2", expr.args)

    _print_MaxU = _print_Max
    _print_MinU = _print_Min

    def _nested(self, fn, args):
        out = self._print(args[0])
        for a in args[1:]:
            out = f"{fn}({out}, {self._print(a)})"
        return out

    def _print_Pow(self, expr, rational=False):
        base, ex = expr.args
        if ex.is_Integer and 1 < abs(int(ex)) <= 4:
            b = self.parenthesize(base, sympy.printing.precedence.PRECEDENCE["Pow"])
            prod = "*".join([b] * abs(int(ex)))
            return f"({prod})" if ex > 0 else f"(1.0/({prod}))"
        if ex.is_Rational and ex.p == 1 and ex.q in (2, 4, 8, 16):  # x**(1/2**k): nested sqrt, no pow call
            out = self._print(base)
            for _ in range(int(ex.q).bit_length() - 1):
                out = f"math.sqrt({out})"
            return out
        if ex == -1:
            return f"(1.0/{self.parenthesize(base, sympy.printing.precedence.PRECEDENCE['Mul'])})"
        return super()._print_Pow(expr, rational=rational)

    def _print_exp(self, expr):  # branch-free and vectorisable: neurounits.codegen.runtime.exp
        if self._settings.get("scalar_math"):
            return f"math.exp({self._print(expr.args[0])})"
        return f"_rt.exp({self._print(expr.args[0])})"

    def _print_log(self, expr):
        if self._settings.get("scalar_math"):
            return f"math.log({self._print(expr.args[0])})"
        return f"_rt.log({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr):  # a call, not a branch: numba compiles branches slowly
        *pieces, (last, cond) = expr.args
        out = self._print(last)
        if cond != sympy.true:  # no piece applies: NaN
            out = f"_rt.sel({self._print(cond)}, {out}, math.nan)"
        for e, c in reversed(pieces):
            out = f"_rt.sel({self._print(c)}, {self._print(e)}, {out})"
        return out

    def _print_And(self, expr):  # & on booleans: no branch, so loops stay vectorisable
        return "(" + " & ".join(f"({self._print(a)})" for a in expr.args) + ")"

    def _print_Or(self, expr):
        return "(" + " | ".join(f"({self._print(a)})" for a in expr.args) + ")"

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"


_Printer._default_settings = {**PythonCodePrinter._default_settings, "scalar_math": False}
_PRINTER = _Printer({"fully_qualified_modules": True, "standard": "python3"})
_SCALAR_PRINTER = _Printer({"fully_qualified_modules": True, "standard": "python3", "scalar_math": True})


def to_code(expr, *, scalar: bool = False) -> str:
    """Python source of ``expr`` using ``math.*`` and ``_rt.*`` helpers.

    exp and log are neurounits' branch-free versions, which LLVM vectorises; with ``scalar``,
    libm's (faster in loops that cannot be vectorised anyway).
    """
    return (_SCALAR_PRINTER if scalar else _PRINTER).doprint(expr)
