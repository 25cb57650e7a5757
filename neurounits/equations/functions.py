"""Functions allowed in equations, with their dimension rules and sympy forms.

=====================================  ===========================================
function                               rule
=====================================  ===========================================
exp log ln log10 log2 expm1 log1p      argument dimensionless, result dimensionless
exprel
sin cos tan arcsin arccos arctan
sinh cosh tanh sigmoid softplus
floor ceil
sqrt                                   result has the unit of the argument ** 0.5
abs                                    result has the unit of the argument
relu                                   result has the unit of the argument
min max (minimum maximum)              all arguments in one unit
clip(x, lo, hi)                        all arguments in one unit
sign heaviside                         any argument, dimensionless result
pow(x, y)                              x**y (y dimensionless; a constant if x has a unit)
=====================================  ===========================================

``sigmoid(z) = 1/(1 + exp(-z))`` and ``softplus(z) = log(1 + exp(z))`` are
evaluated in overflow-free forms in generated code; ``exprel(z) = (exp(z) - 1)/z``
is 1 at z = 0 (for rate functions such as x/(1 - exp(-x)) = 1/exprel(-x)).
"""

from __future__ import annotations

import sympy
from sympy.codegen.cfunctions import expm1, log1p, log2, log10


class sigmoid(sympy.Function):
    """The logistic function 1/(1 + exp(-z))."""

    nargs = 1

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return s * (1 - s)

    def _pythoncode(self, printer):
        return f"_rt.sigmoid({printer._print(self.args[0])})"

    def _numpycode(self, printer):
        return f"(0.5 + 0.5*numpy.tanh(0.5*({printer._print(self.args[0])})))"


class softplus(sympy.Function):
    """log(1 + exp(z)), computed as max(z, 0) + log1p(exp(-|z|))."""

    nargs = 1

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _pythoncode(self, printer):
        return f"_rt.softplus({printer._print(self.args[0])})"

    def _numpycode(self, printer):
        z = printer._print(self.args[0])
        return f"(numpy.maximum({z}, 0.0) + numpy.log1p(numpy.exp(-numpy.abs({z}))))"


class phi1(sympy.Function):
    """(exp(z) - 1)/z, with its limit 1 at z = 0 (``exprel`` in equations; used by exponential Euler).

    >>> float(phi1(sympy.Float(0.0)).evalf()), float(phi1(sympy.Float(1e-9)).evalf())
    (1.0, 1.0000000005)
    >>> phi1(sympy.Symbol("z")).diff(sympy.Symbol("z"))
    dphi1(z)
    """

    nargs = 1

    def fdiff(self, argindex=1):
        return dphi1(self.args[0])

    def _eval_evalf(self, prec):
        z = self.args[0].evalf(prec)
        if not z.is_number:
            return None
        if z == 0:
            return sympy.Float(1.0, prec)
        z = self.args[0].evalf(prec + 40)  # exp(z) - 1 cancels: 40 more bits
        return sympy.Float((sympy.exp(z) - 1) / z, prec)

    def _pythoncode(self, printer):
        return f"_rt.phi1({printer._print(self.args[0])})"

    def _numpycode(self, printer):  # for values computed with numpy (initial values, derived parameters)
        z = printer._print(self.args[0])
        return (f"numpy.where(numpy.asarray({z}) == 0, 1.0, numpy.expm1({z}) / "
                f"numpy.where(numpy.asarray({z}) == 0, 1.0, {z}))")


class dphi1(sympy.Function):
    """The derivative of :class:`phi1`, (z exp(z) - expm1(z))/z**2, with its series
    1/2 + z/3 + z**2/8 + z**3/30 where |z| < 1e-3 (no 0/0 at z = 0)."""

    nargs = 1

    def _eval_evalf(self, prec):
        z = self.args[0].evalf(prec)
        if not z.is_number:
            return None
        if abs(z) < 1e-3:
            return (sympy.Rational(1, 2) + z / 3 + z**2 / 8 + z**3 / 30).evalf(prec)
        z = self.args[0].evalf(prec + 40)
        return sympy.Float((z * sympy.exp(z) - sympy.exp(z) + 1) / z**2, prec)

    def _pythoncode(self, printer):
        z = printer._print(self.args[0])
        return (f"_rt.sel(abs({z}) < 1e-3, 0.5 + ({z})*(1.0/3.0 + ({z})*(0.125 + ({z})/30.0)), "
                f"(({z})*math.exp({z}) - math.expm1({z}))/(({z})*({z}) + (1.0 if ({z}) == 0.0 else 0.0)))")

    def _numpycode(self, printer):
        z = printer._print(self.args[0])
        return (f"numpy.where(numpy.abs({z}) < 1e-3, 0.5 + ({z})*(1.0/3.0 + ({z})*(0.125 + ({z})/30.0)), "
                f"(({z})*numpy.exp({z}) - numpy.expm1({z}))/numpy.where(numpy.abs({z}) < 1e-3, 1.0, "
                f"({z})**2))")


class trunc(sympy.Function):
    """x truncated towards zero (the value assigned to an int state)."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_integer:
            return x
        if x.is_Number:
            return sympy.Integer(int(x))
        return None

    def _pythoncode(self, printer):
        return f"np.trunc({printer._print(self.args[0])})"

    def _numpycode(self, printer):
        return f"numpy.trunc({printer._print(self.args[0])})"


def _heaviside(x):
    return sympy.Piecewise((sympy.Float(1.0), x > 0), (sympy.Float(0.0), True))


def _relu(x):
    return sympy.Max(x, sympy.Float(0.0))


def _clip(x, lo, hi):
    return sympy.Min(sympy.Max(x, lo), hi)


# name -> (sympy callable, rule, number of arguments or None for "two or more")
DIMENSIONLESS = "dimensionless"
SAME = "same"
SQRT = "sqrt"
ANY_TO_ONE = "any->1"

FUNCTIONS: dict[str, tuple] = {
    "exp": (sympy.exp, DIMENSIONLESS, 1),
    "log": (sympy.log, DIMENSIONLESS, 1),
    "ln": (sympy.log, DIMENSIONLESS, 1),
    "log10": (log10, DIMENSIONLESS, 1),
    "log2": (log2, DIMENSIONLESS, 1),
    "expm1": (expm1, DIMENSIONLESS, 1),
    "exprel": (phi1, DIMENSIONLESS, 1),
    "log1p": (log1p, DIMENSIONLESS, 1),
    "sin": (sympy.sin, DIMENSIONLESS, 1),
    "cos": (sympy.cos, DIMENSIONLESS, 1),
    "tan": (sympy.tan, DIMENSIONLESS, 1),
    "arcsin": (sympy.asin, DIMENSIONLESS, 1),
    "arccos": (sympy.acos, DIMENSIONLESS, 1),
    "arctan": (sympy.atan, DIMENSIONLESS, 1),
    "sinh": (sympy.sinh, DIMENSIONLESS, 1),
    "cosh": (sympy.cosh, DIMENSIONLESS, 1),
    "tanh": (sympy.tanh, DIMENSIONLESS, 1),
    "sigmoid": (sigmoid, DIMENSIONLESS, 1),
    "softplus": (softplus, DIMENSIONLESS, 1),
    "floor": (sympy.floor, DIMENSIONLESS, 1),
    "ceil": (sympy.ceiling, DIMENSIONLESS, 1),
    "sqrt": (sympy.sqrt, SQRT, 1),
    "abs": (sympy.Abs, SAME, 1),
    "relu": (_relu, SAME, 1),
    "min": (sympy.Min, SAME, None),
    "max": (sympy.Max, SAME, None),
    "minimum": (sympy.Min, SAME, None),
    "maximum": (sympy.Max, SAME, None),
    "clip": (_clip, SAME, 3),
    "sign": (sympy.sign, ANY_TO_ONE, 1),
    "heaviside": (_heaviside, ANY_TO_ONE, 1),
}
