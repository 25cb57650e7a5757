"""User-defined functions with unit signatures, usable in the equations of any model.

>>> import neurounits as nu
>>> alpha_m = nu.function("alpha_m(V: mV) -> 1/ms",
...                       "0.1/mV/ms*(V + 40*mV)/(1 - exp(-(V + 40*mV)/(10*mV)))")
>>> alpha_m
function alpha_m(V: mV) -> 1/ms = 0.1/mV/ms*(V + 40*mV)/(1 - exp(-(V + 40*mV)/(10*mV)))
>>> print(f"{alpha_m('-40 mV'):.6g~}")   # the removable singularity: no NaN at V = -40 mV
1 / ms

A function is checked when it is declared: its body must have the unit of its result, every
term dimension-checked with the argument units of the signature; a call is checked where it is
used (each argument in its declared unit).  The body may use its arguments, numbers, units, the
built-in functions and functions declared before; not a model's parameters or states (pass them
as arguments).  Where the body has a removable singularity of the form
``rest/(1 - exp(-w))`` with ``rest`` vanishing where ``w`` does, it is rewritten with ``exprel``
(:mod:`.singular`), so the function has its limit there, not 0/0.  Functions are registered by
name for the whole process; declaring a name again replaces it for models declared afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy

from ..errors import EquationError, raise_problems
from ..units import DimensionError, as_quantity, fmt_unit, from_internal, parse_unit, to_internal
from .functions import FUNCTIONS
from .names import name_problem
from .singular import remove_singularities

__all__ = ["USER_FUNCTIONS", "UserFunction", "call_user_function", "function"]

_SIGNATURE = re.compile(r"^\s*([^\s(]+)\s*\((.*)\)\s*->\s*(.+?)\s*$")
_NOT_NAMES = {"prev", "rand", "randn", "poisson"}


@dataclass(frozen=True)
class UserFunction:
    """A function declared with :func:`neurounits.function` (see :mod:`.userfunctions`)."""

    name: str
    arguments: tuple[tuple[str, Any], ...]  # (name, unit)
    result: Any  # unit
    body: str
    expr: sympy.Expr  # internal units, of the symbols _a0, _a1, ...

    def __repr__(self) -> str:
        args = ", ".join(f"{a}: {fmt_unit(u)}" for a, u in self.arguments)
        return f"function {self.name}({args}) -> {fmt_unit(self.result)} = {self.body}"

    def __call__(self, *values: Any) -> Any:
        """The function's value for Quantities (or strings such as ``"-40 mV"``); arrays broadcast."""
        if len(values) != len(self.arguments):
            raise EquationError(f"function {self.name}() takes {len(self.arguments)} argument(s), got "
                                f"{len(values)}")
        inside = []
        for (a, unit), v in zip(self.arguments, values, strict=True):
            q = as_quantity(v)
            if q.dimensionality != unit.dimensionality:
                raise DimensionError(f"function {self.name}(), argument '{a}': expected a value in "
                                     f"{fmt_unit(unit)}, got {q:~}")
            inside.append(np.asarray(to_internal(q.to(unit)), dtype=float))
        syms = [sympy.Symbol(f"_a{k}", real=True) for k in range(len(self.arguments))]
        f = sympy.lambdify(syms, self.expr, modules="numpy")
        with np.errstate(all="ignore"):
            out = np.asarray(f(*inside), dtype=float)
        return from_internal(out[()] if out.ndim == 0 else out, self.result)


USER_FUNCTIONS: dict[str, UserFunction] = {}


def _parse_signature(signature: Any) -> tuple[str, list[tuple[str, Any]], Any]:
    if not isinstance(signature, str) or not (m := _SIGNATURE.match(signature)):
        raise EquationError(f"cannot read the function signature {signature!r}; write it as "
                            "'name(arg: unit, ...) -> unit', e.g. 'alpha_m(V: mV) -> 1/ms'")
    name, argtext, result = m.group(1), m.group(2), m.group(3)
    problem = name_problem("function", name)
    if problem is None and (name in FUNCTIONS or name in _NOT_NAMES):
        problem = f"the function name {name!r} is a built-in function of the equations; choose another name"
    if problem:
        raise EquationError(problem)
    args: list[tuple[str, Any]] = []
    for part in [p for p in argtext.split(",") if p.strip()] if argtext.strip() else []:
        if ":" not in part:
            raise EquationError(f"function {name}: the argument {part.strip()!r} has no unit; write "
                                f"'{part.strip()}: mV' (or ': 1' for a dimensionless one)")
        a, unit = (x.strip() for x in part.split(":", 1))
        bad = name_problem("argument", a)
        if bad or a in [x for x, _ in args]:
            raise EquationError(f"function {name}: {bad or f'the argument {a!r} is named twice'}")
        args.append((a, _unit(name, unit, f"argument '{a}'")))
    return name, args, _unit(name, result, "result")


def _unit(name: str, text: str, what: str) -> Any:
    try:
        return parse_unit(text)
    except Exception as exc:  # pint's errors come in many types
        raise EquationError(f"function {name}: cannot read the unit {text!r} of the {what} ({exc}); "
                            "write a unit such as 'mV' or '1/ms'") from None


def function(signature: str, body: str) -> UserFunction:
    """Declare a function usable in the equations of every model declared afterwards.

    Parameters
    ----------
    signature : str
        ``"name(arg: unit, ...) -> unit"``, e.g. ``"alpha_m(V: mV) -> 1/ms"``.
    body : str
        An expression of the arguments (numbers, units, built-in functions, functions
        declared before), in the unit of the result.

    Returns
    -------
    UserFunction
        The function; callable with Quantities, e.g. ``alpha_m("-40 mV")``.

    Raises
    ------
    EquationError
        An unreadable signature or body, or a name that is taken.
    DimensionError
        A term of the body whose unit is not the result's.

    Examples
    --------
    >>> import neurounits as nu
    >>> f = nu.function("rate(V: mV) -> 1/ms", "exp(V/(10*mV))/ms")
    >>> nu.function("bad(V: mV) -> 1/ms", "V/ms")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    neurounits.units.DimensionError: function 'bad' is inconsistent: ...got mV/ms (voltage/time) from  V/ms...
    """
    from .parse import Name, Scope, translate  # (parse imports the translator, which imports this module)

    name, args, result = _parse_signature(signature)
    scope = Scope(f"function {name}")
    for k, (a, unit) in enumerate(args):
        scope.names[a] = Name("argument", unit, sympy.Symbol(f"_a{k}", real=True))
    res, problems = translate(body, scope, f"body of function '{name}'", expected=result,
                              what="the function's result")
    raise_problems(f"function '{name}' is inconsistent", problems, EquationError)
    fn = UserFunction(name, tuple(args), result, body.strip(), remove_singularities(res.sym))
    USER_FUNCTIONS[name] = fn
    return fn


def call_user_function(tr: Any, node: Any) -> Any:
    """Translate the call ``node`` of a user function (``tr``: the translator): each argument
    checked against its declared unit, the body with the arguments substituted."""
    from .scope import Translated

    fn = USER_FUNCTIONS[node.func.id]
    if node.keywords or len(node.args) != len(fn.arguments):
        raise tr.error(f"{fn.name}() takes {len(fn.arguments)} argument(s) "
                       f"({', '.join(a for a, _ in fn.arguments)}), got  {tr.seg(node)}")
    subs = {}
    for k, ((a, unit), arg) in enumerate(zip(fn.arguments, node.args, strict=True)):
        got = tr.number(arg, tr.visit(arg))
        if got.unit.dimensionality != unit.dimensionality:
            tr.problem(f"the argument '{a}' of {fn.name}() must be in {fmt_unit(unit)}, got "
                       f"{fmt_unit(got.unit)} from  {tr.seg(arg)}{tr.hint(arg)}")
        subs[sympy.Symbol(f"_a{k}", real=True)] = got.sym
    return Translated(fn.expr.xreplace(subs), fn.result)
