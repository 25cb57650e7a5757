"""Named expressions in any order: sorted by what they use, cycles refused by name.

A model's named expressions (``name = expression : unit`` lines) may be written in any order, as
in Brian2 and NESTML: each is translated after the named expressions it uses.  Expressions that
use each other in a circle have no value and are refused, naming the circle.
"""

from __future__ import annotations

import re

from ..errors import EquationError
from .text import Line

__all__ = ["order_definitions"]

_IDENT = re.compile(r"(?<![\w.])[A-Za-z_]\w*")


def _uses(line: Line, names: set[str]) -> list[str]:
    """The named expressions that ``line`` uses (in order of first use)."""
    return list(dict.fromkeys(m for m in _IDENT.findall(line.expr) if m in names))


def order_definitions(model: str, lines: list[Line]) -> list[Line]:
    """The named-expression lines of ``lines``, each after those it uses (otherwise in the order
    written); raises :class:`~neurounits.EquationError` naming a cycle.

    >>> from neurounits.equations.text import parse_equations
    >>> lines = parse_equations("M", "a = b*2 : mV\\nb = V : mV")
    >>> [ln.name for ln in order_definitions("M", lines)]
    ['b', 'a']
    >>> order_definitions("M", parse_equations("M", "a = b : mV\\nb = 2*a : mV"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    neurounits.errors.EquationError: model 'M': the named expressions a -> b -> a use each other in a cycle...
    """
    defs = [ln for ln in lines if ln.kind == "def"]
    first: dict[str, Line] = {}
    for ln in defs:
        first.setdefault(ln.name, ln)  # (a second definition is reported by the builder)
    deps = {k: _uses(ln, set(first)) for k, ln in first.items()}
    done: list[str] = []
    state: dict[str, int] = {}  # 1: being visited, 2: done
    for root in first:
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = []
        while stack:
            name, k = stack.pop()
            if k == 0:
                if state.get(name) == 2:
                    continue
                if state.get(name) == 1:
                    raise _cycle(model, [*path[path.index(name) :], name], first[name])
                state[name] = 1
                path.append(name)
            if k < len(deps[name]):
                stack.append((name, k + 1))
                stack.append((deps[name][k], 0))
            else:
                state[name] = 2
                path.pop()
                done.append(name)
    later = [ln for ln in defs if first[ln.name] is not ln]
    return [first[k] for k in done] + later


def _cycle(model: str, cycle: list[str], line: Line) -> EquationError:
    if len(cycle) == 2:
        return EquationError(
            f"model '{model}': the named expression '{cycle[0]}' uses itself "
            f"({line.text!r}); "
            "a named expression cannot be defined by itself: make it a state with a "
            "differential equation, or give the other quantity another name"
        )
    return EquationError(
        f"model '{model}': the named expressions {' -> '.join(cycle)} use each other in a "
        "cycle, so none of them has a value; define one of them without the others"
    )
