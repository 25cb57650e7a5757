"""Print sympy expressions as numba-safe Python source (no units, no numpy.select)."""

from __future__ import annotations

import sympy
from sympy.printing.pycode import PythonCodePrinter

__all__ = ["to_code"]


class _Printer(PythonCodePrinter):
    def _print_Float(self, expr):
        return repr(float(expr))

    def _print_Rational(self, expr):
        return repr(float(expr))

    def _print_Integer(self, expr):
        return f"{int(expr)}.0"

    def _print_Max(self, expr):
        return self._nested("max", expr.args)

    def _print_Min(self, expr):
        return self._nested("min", expr.args)

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
        if ex == -1:
            return f"(1.0/{self.parenthesize(base, sympy.printing.precedence.PRECEDENCE['Mul'])})"
        return super()._print_Pow(expr, rational=rational)

    def _print_BooleanTrue(self, expr):
        return "True"

    def _print_BooleanFalse(self, expr):
        return "False"


_PRINTER = _Printer({"fully_qualified_modules": True, "standard": "python3"})


def to_code(expr) -> str:
    """Python source of ``expr`` using ``math.*`` and ``_rt.*`` helpers."""
    return _PRINTER.doprint(expr)
