"""Lexing of a model's text: equation blocks and statements.

An equation block holds ``dX/dt = expression [: unit] [(unless refractory)]``
lines and named expressions ``name = expression [: unit]``, one per logical
line (a line continues while a parenthesis is open or after a backslash; ``#``
starts a comment).  Statements (resets, receptor effects, update statements)
are ``target op expression`` separated by ``;`` or new lines.  ``{option}``
stands for the text of an option's chosen value.  Nothing here knows units or
sympy: :mod:`.builder` translates what this module cuts out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..errors import EquationError

__all__ = ["DEFINITION", "Line", "logical_lines", "parse_equations", "split_unit", "statements",
           "substitute_options"]

_ODE = re.compile(r"^d\s*([A-Za-z_]\w*)\s*/\s*dt\s*=(.*)$")
DEFINITION = re.compile(r"^([A-Za-z_]\w*)\s*=(?!=)(.*)$")
_FLAGS = re.compile(r"\(\s*([a-z ,]+)\s*\)\s*$")
_ASSIGN = re.compile(r"^([A-Za-z_]\w*)\s*(=|\+=|-=|\*=|/=)(?!=)\s*(.+)$")


def logical_lines(text: str) -> list[str]:
    """The lines of a block without comments and blank lines; a line continues while a
    parenthesis is open or after a trailing backslash."""
    lines, buf, depth = [], "", 0
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        buf = f"{buf} {line.strip()}" if buf else line.strip()
        depth = buf.count("(") - buf.count(")")
        if depth <= 0 and not buf.endswith("\\"):
            lines.append(buf)
            buf = ""
        else:
            buf = buf.rstrip("\\")
    if buf:
        lines.append(buf)
    return lines


def split_unit(rhs: str) -> tuple[str, str | None, set[str]]:
    """``expr : unit (flags)`` -> (expr, unit or None, flags); the only flag is ``unless refractory``.

    >>> split_unit(" (E_L - V)/tau : mV (unless refractory)")
    ('(E_L - V)/tau', 'mV', {'unless refractory'})
    >>> split_unit(" -w/tau_w")
    ('-w/tau_w', None, set())
    """
    flags: set[str] = set()
    m = _FLAGS.search(rhs)
    if m and m.group(1).strip() in ("unless refractory",):
        flags = {f.strip() for f in m.group(1).split(",")}
        rhs = rhs[: m.start()]
    if ":" in rhs:
        expr, unit = rhs.rsplit(":", 1)
        return expr.strip(), unit.strip(), flags
    return rhs.strip(), None, flags


def statements(model: str, where: str, text: str, example: str) -> list[tuple[str, str, str, str]]:
    """Split ``a = b; c += d`` into (target, operator, expression, statement) tuples.

    >>> statements("LIF", "reset", "V = V_reset; w += b", "V = V_reset")
    [('V', '=', 'V_reset', 'V = V_reset'), ('w', '+=', 'b', 'w += b')]
    """
    out = []
    for stmt in re.split(r"[;\n]", text):
        stmt = stmt.strip()
        if not stmt:
            continue
        m = _ASSIGN.match(stmt)
        if not m:
            raise EquationError(f"model '{model}', {where}: cannot read '{stmt}'; write statements "
                                f"such as '{example}'")
        out.append((m.group(1), m.group(2), m.group(3), stmt))
    return out


@dataclass
class Line:
    """One line of an equation block: ``dX/dt = expr : unit (flags)`` or ``name = expr : unit``."""

    kind: str  # "ode" or "def"
    name: str
    expr: str
    unit: str | None
    flags: set[str]
    text: str


def parse_equations(model: str, text: str) -> list[Line]:
    """The lines of an equation block; a line that is neither form raises EquationError
    (second-order lines ``d2x/dt2 = ...`` are first rewritten: :mod:`.second_order`)."""
    from .second_order import expand_second_order

    out = []
    for line in logical_lines(expand_second_order(model, text)):
        m = _ODE.match(line)
        kind = "ode"
        if not m:
            m = DEFINITION.match(line)
            kind = "def"
        if not m:
            raise EquationError(
                f"model '{model}': cannot read the equation line\n    {line}\n"
                "Write 'dX/dt = expression : unit' for a differential equation or "
                "'name = expression : unit' for a named expression.")
        expr, unit, flags = split_unit(m.group(2))
        if not expr:
            raise EquationError(f"model '{model}': the equation line '{line}' has no right-hand side")
        out.append(Line(kind, m.group(1), expr, unit, flags, line))
    return out


def substitute_options(text: Any, options: dict[str, str], decl: dict) -> Any:
    """``text`` with each ``{option}`` replaced by the text of the option's chosen value."""
    if not isinstance(text, str) or not options:
        return text
    def rep(m: re.Match) -> str:
        key = m.group(1)
        if key in options:
            return decl[key].choices[options[key]]
        return m.group(0)
    return re.sub(r"\{(\w+)\}", rep, text)
