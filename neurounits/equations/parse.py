"""Parse expressions into sympy and check the dimension of every term.

An expression is read with Python's own parser (``ast``), so the grammar is
Python's: ``+ - * / **``, comparisons, ``and``/``or``/``not``, ``a if c else b``
and calls of the functions in :mod:`neurounits.equations.functions`.  A name is
looked up first among the model's own names (parameters, states, inputs, named
sub-expressions, ``t``), then among pint's units: a model's names shadow unit
names, so a gate ``m`` is a state, not a metre.

Values in the sympy result are in the internal unit system of
:mod:`neurounits.units`: a unit literal such as ``mV`` or ``1/ms`` becomes its
conversion factor to internal units, so generated code needs no unit handling.

Limits (so that no expression makes the parser, sympy or the compiler work without end; beyond
them an expression is refused with an :class:`~neurounits.EquationError`):

- ``MAX_TEXT`` characters per expression;
- ``MAX_NESTING`` levels of nesting: each call, power, unary sign, condition, or change between
  sums and products opens a level (a sum or a product of any number of terms is one level);
- ``MAX_EXPONENT``: the largest magnitude of a constant exponent;
- every constant must be a finite float: ``1e400``, ``10**400`` or ``exp(exp(exp(exp(9))))``
  are refused (constants under functions are evaluated when the expression is read);
- offset units (``degC``) cannot appear in expressions: use kelvin.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import sympy

from .. import pyparse
from ..errors import EquationError, NeurounitsError, Problem
from .limits import MAX_EXPONENT, MAX_NESTING, MAX_TEXT, _finite, nesting, syntax_error
from .limits import _group as _group
from .scope import _COMMON_UNITS as _COMMON_UNITS
from .scope import _CONDITIONS as _CONDITIONS
from .scope import NOISE_NAME, NOISE_UNIT, Name, Scope, Translated, noise_symbol
from .scope import ONE as ONE
from .scope import readable as readable
from .translator import _is_sum as _is_sum
from .translator import _Translator

__all__ = ["MAX_EXPONENT", "MAX_NESTING", "MAX_TEXT", "NOISE_NAME", "NOISE_UNIT", "Name", "Scope",
           "Translated", "noise_symbol", "syntax_error", "translate"]


# "-50 mV" means -50*mV: a number followed by a name is otherwise a syntax error in Python
_JUXTAPOSED = re.compile(
    r"(?<![\w.])(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)\s+"
    r"(?!(?:and|or|if|else|not|in|is)\b)([A-Za-z_])")


def translate(
    text: str, scope: Scope, where: str, *, expected: Any = None, what: str = "the expression"
) -> tuple[Translated, list[Problem]]:
    """Translate ``text`` to sympy in internal units, checking every term's dimension.

    Returns the translation and the list of dimension problems found (empty
    when the expression is consistent).  Syntax errors and unknown names raise
    :class:`~neurounits.EquationError` at once.
    """
    if not isinstance(text, str):
        raise EquationError(f"model '{scope.model}', {where}: expected an expression (a string), "
                            f"got {text!r}")
    if len(text) > MAX_TEXT:
        raise EquationError(f"model '{scope.model}', {where}: the expression is longer than {MAX_TEXT} "
                            f"characters ({len(text)}); split it into named expressions")
    src = _JUXTAPOSED.sub(r"\1*\2", text.strip())
    try:
        with warnings.catch_warnings():  # "1e" and the like: a SyntaxWarning before the SyntaxError
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = pyparse.parse(src, mode="eval")
    except SyntaxError as exc:
        raise syntax_error(scope.model, where, src, exc) from exc
    except (RecursionError, MemoryError, ValueError) as exc:  # too deep for Python's own parser
        raise EquationError(f"model '{scope.model}', {where}: cannot parse the expression ({exc}); it is "
                            f"nested more than {MAX_NESTING} levels deep or too long") from None
    depth = nesting(tree.body)
    if depth > MAX_NESTING:
        raise EquationError(f"model '{scope.model}', {where}: the expression is nested more than "
                            f"{MAX_NESTING} "
                            f"levels deep ({depth}); split it into named expressions")
    tr = _Translator(src, scope, where)
    try:
        res = tr.top(tree.body, expected, what)
    except NeurounitsError:
        raise
    except (ArithmeticError, TypeError, ValueError, RecursionError) as exc:  # sympy on odd constants
        raise tr.error(f"cannot evaluate the expression ({type(exc).__name__}: {exc}); check its "
                       "constants and operators") from None
    if expected is not None:
        tr.number(tree.body, res)
    infinite = (sympy.oo, -sympy.oo) if not tr.infinite else ()  # 'inf' written: infinity is meant
    try:
        bad = res.sym.has(sympy.zoo, sympy.nan, *infinite)
    except Exception:  # pragma: no cover
        bad = False
    if bad or any(not _finite(a) for a in res.sym.atoms(sympy.Number) if not (tr.infinite and a.is_infinite)):
        raise tr.error("the expression has a constant that is not a finite number (a division by zero, or "
                       "a value beyond about 1.8e308)")
    return res, tr.problems

