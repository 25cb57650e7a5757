"""Translating a synapse type's equations and statements for one weight unit (:func:`translate_type`).

The names a synapse type's text may use: its parameters (locals ``p_<name>`` of the generated
code), its presynaptic traces (``a_<name>``), its postsynaptic traces (``b_<name>``) and the
weight ``w``, in the unit of the receptor it targets (known at ``connect``).  Every statement is
dimension-checked as a model's reset is; a trace must relax exponentially,
``dX/dt = (X_inf - X)/tau`` with ``tau`` and ``X_inf`` made of parameters, or be constant
(``dX/dt = 0``), so that it can be computed exactly whenever it is read.
"""

from __future__ import annotations

from typing import Any

import sympy

from ..codegen.plastic import PlasticCode, Statement
from ..codegen.printer import plain, to_code
from ..equations.parse import Name, Scope, translate
from ..errors import EquationError, Problem
from ..units import ureg

__all__ = ["translate_type"]

_OPS = {
    "=": lambda t, e: e,
    "+=": lambda t, e: t + e,
    "-=": lambda t, e: t - e,
    "*=": lambda t, e: t * e,
    "/=": lambda t, e: t / e,
}


def _scope(st: Any, units: dict[str, Any], wunit: Any) -> Scope:
    names: dict[str, Name] = {}
    for k, u in units.items():
        names[k] = Name("parameter", u, sympy.Symbol(f"p_{k}", real=True))
    for prefix, traces in (("a", st.pre), ("b", st.post)):
        for tr in traces:
            names[tr.name] = Name("state", tr.unit, sympy.Symbol(f"{prefix}_{tr.name}", real=True))
    names["w"] = Name("state", wunit, sympy.Symbol("w", real=True))
    return Scope(model=f"synapse {st.name}", names=names)


def _prefixes(expr: Any) -> set[str]:
    return {s.name.split("_", 1)[0] for s in expr.free_symbols}


def _trace(st: Any, tr: Any, prefix: str, scope: Scope, problems: list[Problem]) -> tuple[str, str, str]:
    where = f"{'pre' if prefix == 'a' else 'post'}synaptic trace '{tr.name}'"
    res, probs = translate(
        tr.rhs, scope, where, expected=ureg.Unit(str(tr.unit)) / ureg.ms, what=f"d{tr.name}/dt"
    )
    problems.extend(probs)
    x = scope.names[tr.name].sym
    rhs = sympy.expand(res.sym)
    a = sympy.simplify(sympy.diff(rhs, x))
    b = sympy.simplify(rhs.subs(x, 0))
    if _prefixes(a) - {"p"} or _prefixes(b) - {"p"}:
        raise EquationError(
            f"synapse {st.name}, {where}: d{tr.name}/dt = {tr.rhs} is not of the form "
            f"(X_inf - {tr.name})/tau with tau and X_inf made of parameters; a trace relaxes "
            "exponentially (or is constant, dX/dt = 0) and changes only through on_pre / on_post statements"
        )
    if a == 0:
        if b != 0:
            raise EquationError(
                f"synapse {st.name}, {where}: d{tr.name}/dt = {tr.rhs} grows without bound; a trace relaxes "
                f"exponentially, d{tr.name}/dt = (X_inf - {tr.name})/tau, or is constant (dX/dt = 0)"
            )
        return tr.name, "0.0", "0.0"
    return tr.name, to_code(plain(a), scalar=True), to_code(plain(sympy.simplify(-b / a)), scalar=True)


def _statements(
    st: Any, event: str, allowed: str, scope: Scope, problems: list[Problem]
) -> tuple[Statement, ...]:
    """The statements of ``event`` (on_pre, after_pre, on_post); ``allowed`` the side ("a" or "b")
    whose traces it may assign."""
    out = []
    for target, op, text, stmt in st.statements(event):
        where = f"{event} statement '{stmt}'"
        nm = scope.names.get(target)
        side = "w" if target == "w" else (nm.sym.name[0] if nm is not None and nm.kind == "state" else "")
        if side not in ("w", allowed):
            own = ", ".join(t.name for t in (st.pre if allowed == "a" else st.post))
            raise EquationError(
                f"synapse {st.name}, {where}: '{target}' cannot be assigned here; {event} assigns the weight "
                f"w or the {'pre' if allowed == 'a' else 'post'}synaptic traces ({own or 'none declared'})"
            )
        assert nm is not None
        expected = ureg.dimensionless if op in ("*=", "/=") else nm.unit
        res, probs = translate(text, scope, where, expected=expected)
        problems.extend(probs)
        expr = _OPS[op](nm.sym, res.sym)
        used = _prefixes(expr) - {"p"}
        if side != "w" and used - {allowed}:
            raise EquationError(
                f"synapse {st.name}, {where}: a statement that assigns a trace of one neuron cannot read the "
                "weight or the other side's traces (it runs once per neuron, not per synapse); move it into "
                "a statement that assigns w"
            )
        out.append(
            Statement(
                "trace" if side != "w" else "w",
                nm.sym.name if side != "w" else "w",
                to_code(plain(expr), scalar=True),
            )
        )
    return tuple(out)


def _constraints(st: Any, scope: Scope, problems: list[Problem]) -> list[tuple[str, Any]]:
    out = []
    for text in st.constraints:
        res, probs = translate(text, scope, f"constraint '{text}'")
        problems.extend(probs)
        if not res.condition or _prefixes(res.sym) - {"p", "w"}:
            raise EquationError(
                f"synapse {st.name}, constraint '{text}': write a condition on the weight w and "
                "the parameters, e.g. 'w <= w_max'"
            )
        out.append((text, res.sym))
    return out


def translate_type(st: Any, units: dict[str, Any], wunit: Any) -> tuple[PlasticCode, list[Problem], Any]:
    """The code of synapse type ``st`` whose parameters have ``units`` and whose weight has
    ``wunit``; dimension problems are returned (syntax and form errors raise EquationError).
    The third value maps each trace to its initial value as a sympy expression of the parameters,
    and ``"constraints"`` to the type's constraints, (text, sympy condition) pairs."""
    scope = _scope(st, units, wunit)
    problems: list[Problem] = []
    pre = tuple(_trace(st, tr, "a", scope, problems) for tr in st.pre)
    post = tuple(_trace(st, tr, "b", scope, problems) for tr in st.post)
    res, probs = translate(st.transmit, scope, "transmit", expected=wunit)
    problems.extend(probs)
    if "b" in _prefixes(res.sym):
        raise EquationError(
            f"synapse {st.name}, transmit: '{st.transmit}' reads a postsynaptic trace; the "
            "transmitted value depends on the weight, the parameters and presynaptic traces"
        )
    initial = {}
    for tr in (*st.pre, *st.post):
        ini, probs = translate(str(tr.initial), scope, f"initial value of '{tr.name}'", expected=tr.unit)
        problems.extend(probs)
        if _prefixes(ini.sym) - {"p"}:
            raise EquationError(
                f"synapse {st.name}: the initial value of '{tr.name}' ({tr.initial}) may use parameters only"
            )
        initial[tr.name] = ini.sym
    initial["constraints"] = _constraints(st, scope, problems)
    code = PlasticCode(
        name=st.name,
        params=tuple(units),
        pre=pre,
        post=post,
        on_pre=_statements(st, "on_pre", "a", scope, problems),
        after_pre=_statements(st, "after_pre", "a", scope, problems),
        on_post=_statements(st, "on_post", "b", scope, problems),
        transmit=to_code(plain(res.sym), scalar=True),
    )
    return code, problems, initial
