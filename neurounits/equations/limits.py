"""The limits on an expression (see :mod:`.parse`) and the checks of its text and tree."""

from __future__ import annotations

import ast
import math
from typing import Any

from ..errors import EquationError

__all__ = ["MAX_EXPONENT", "MAX_NESTING", "MAX_TEXT", "nesting", "syntax_error"]

#: the longest expression text, in characters
MAX_TEXT = 20_000
#: the deepest nesting of an expression (see the module's docstring)
MAX_NESTING = 30
#: the largest magnitude of a constant exponent (``x**1000``)
MAX_EXPONENT = 1000


def syntax_error(model: str, where: str, text: str, exc: SyntaxError) -> EquationError:
    """An EquationError that points at the column of a syntax error."""
    col = max((exc.offset or 1) - 1, 0)
    msg = (f"model '{model}', {where}: cannot parse the expression ({exc.msg}):\n"
           f"    {text}\n    {' ' * col}^\n"
           "Expressions use Python syntax: + - * / ** ( ), comparisons, and functions such as exp().")
    return EquationError(msg)

def _finite(num: Any) -> bool:
    try:
        return math.isfinite(float(num))
    except (TypeError, OverflowError, ValueError):
        return False


def _group(node: ast.AST) -> object:
    """Operators that chain without nesting: + and -, * and /, and, or (one level for the chain)."""
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return "sum"
        if isinstance(node.op, (ast.Mult, ast.Div)):
            return "product"
    if isinstance(node, ast.BoolOp):
        return type(node.op)
    return None


def nesting(node: ast.AST) -> int:
    """The nesting depth of an expression's tree (iterative; see the module's docstring).

    >>> [nesting(ast.parse(text, mode="eval").body) for text in ("a + b + c*d*e", "exp(exp(-x))")]
    [3, 4]
    """
    deepest = 0
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        g = _group(n)
        for child in ast.iter_child_nodes(n):
            if not isinstance(child, ast.expr):
                continue
            same = g is not None and _group(child) == g
            stack.append((child, d if same else d + 1))
    return deepest
