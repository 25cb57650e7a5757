"""Synaptic kernels: a receptor declared by its kernel, expanded into states, equations and a jump.

``nu.Receptor("nS", kernel="alpha(tau_syn)", state="g")`` makes ``g`` the sum of the spikes'
weights convolved with the kernel.  Named kernels expand as NEST's models do (so a model written
with them runs the same arithmetic as NEST's hand-expanded library models):

=============================  ====================================================================
kernel                         expansion (``w``: the summed weight of the spikes of a step)
=============================  ====================================================================
``exponential(tau)``           ``dg/dt = -g/tau``; ``g += w``
``alpha(tau)``                 ``dg__rise/dt = -g__rise/tau``, ``dg/dt = g__rise - g/tau``;
                               ``g__rise += w*e/tau`` (g peaks at w, at t = tau)
``beta(tau_rise, tau_decay)``  ``dg__rise/dt = -g__rise/tau_rise``, ``dg/dt = g__rise - g/tau_decay``;
                               ``g__rise += w*N``, N such that g peaks at w (NEST's normalisation;
                               e/tau when the two are equal)
=============================  ====================================================================

A leading ``-`` negates a named kernel (an inhibitory receptor whose weights are negative, with
a positive conductance).  Any other text is a kernel ``k(t)``, an expression of ``t`` and the
parameters: it must be the impulse response of a linear ODE with constant coefficients (a sum of
terms ``t**m * exp(a*t) * cos(b*t + c)``).  The smallest such ODE,
``k^(n) = c_0 k + ... + c_{n-1} k^(n-1)``, is found with sympy and gives the states ``g``,
``g__d1``, ..., ``g__d{n-1}`` (the derivatives of ``g``), which jump by ``w*k^(i)(0)``.  A kernel
that satisfies no such ODE (``exp(-t**2)``, ``1/(1 + t)``) is refused with a message.
"""

from __future__ import annotations

import ast
import functools
from typing import Any

import sympy
from sympy.printing.str import StrPrinter

from .. import pyparse
from ..errors import EquationError, raise_problems
from ..parameters import Parameter, Receptor, State
from ..units import fmt_unit, ureg
from .parse import Name, Scope, translate
from .spec import TIME

__all__ = ["MAX_ORDER", "expand_kernels"]

MAX_ORDER = 6  # the highest order of the ODE searched for a kernel given as an expression of t
_MS = ureg.Unit("ms")
_NAMED = {"exponential": 1, "alpha": 1, "beta": 2}


def expand_kernels(model: str, decl: dict, attrs: dict) -> tuple[dict, dict]:
    """``decl`` and ``attrs`` with every kernel receptor replaced by its states, equations and a
    receptor whose statements make the jump; ``attrs["_kernels"]`` describes the expansions."""
    if not any(isinstance(r, Receptor) and r.kernel is not None for r in decl.values()):
        return decl, attrs
    decl, attrs = dict(decl), dict(attrs)
    lines, shown = [], []
    for name, rec in list(decl.items()):
        if not isinstance(rec, Receptor) or rec.kernel is None:
            continue
        where = f"model '{model}', receptor '{name}'"
        params = {k: v for k, v in decl.items() if isinstance(v, Parameter)}
        states, eqs, jumps = _expand(where, rec, params)
        for s, unit in states:
            if s in decl or any(_defines(ln, s) for ln in (attrs.get("equations") or "").splitlines()):
                raise EquationError(
                    f"{where}: its kernel defines the state '{s}', which the model declares "
                    "too; remove that declaration (the kernel's state is the convolution)"
                )
            decl[s] = State(unit, doc=f"receptor '{name}': {rec.kernel}")
        new = Receptor(
            rec.unit, "; ".join(jumps), number=rec.number, doc=rec.doc, refractory_input=rec.refractory_input
        )
        new.name = name
        decl[name] = new
        lines += eqs
        shown.append(
            f"receptor '{name}' ({fmt_unit(rec.unit)}), kernel {rec.kernel}:\n"
            + "".join(f"    {e}\n" for e in eqs)
            + "    on a spike: "
            + "; ".join(jumps)
        )
    attrs["equations"] = "\n".join([attrs.get("equations") or "", *lines])
    attrs["_kernels"] = "\n".join(shown)
    return decl, attrs


def _defines(line: str, state: str) -> bool:
    text = line.split("#", 1)[0].replace(" ", "")
    return text.startswith((f"d{state}/dt=", f"{state}="))


def _expand(where: str, rec: Receptor, params: dict) -> tuple[list, list[str], list[str]]:
    """(states with their units, equation lines, jump statements) of one kernel receptor."""
    text = str(rec.kernel).strip()
    try:
        tree = pyparse.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise EquationError(f"{where}: cannot read the kernel {text!r} ({exc.msg})") from None
    sign, node = (
        ("-", tree.operand) if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.USub) else ("", tree)
    )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _NAMED:
        return _named(where, text, node, sign, rec, params)
    return _general(where, text, rec, params)


def _time_args(where: str, text: str, node: ast.Call, params: dict) -> list[str]:
    """The arguments of a named kernel, each checked to be a duration of parameters."""
    kind = node.func.id  # type: ignore[attr-defined]
    if len(node.args) != _NAMED[kind] or node.keywords:
        want = "tau" if _NAMED[kind] == 1 else "tau_rise, tau_decay"
        raise EquationError(
            f"{where}: the kernel {kind}() takes {_NAMED[kind]} duration(s), {kind}({want}); got {text!r}"
        )
    scope = _scope(where, params, time=False)
    out, problems = [], []
    for a in node.args:
        seg = ast.get_source_segment(text, a) or ast.unparse(a)
        _, probs = translate(seg, scope, "kernel", expected=_MS, what=f"the time constant of {kind}()")
        problems += probs
        out.append(f"({seg})")
    raise_problems(f"{where}: the kernel {text!r}", problems)
    return out


def _named(where: str, text: str, node: ast.Call, sign: str, rec: Receptor, params: dict):
    kind = node.func.id  # type: ignore[attr-defined]
    args = _time_args(where, text, node, params)
    g, unit = str(rec.state), rec.unit
    if kind == "exponential":
        return [(g, unit)], [f"d{g}/dt = -{g}/{args[0]}"], [f"{g} += {sign}w"]
    rise = f"{g}__rise"
    tr, td = (args[0], args[0]) if kind == "alpha" else args
    if kind == "alpha" or tr.replace(" ", "") == td.replace(" ", ""):  # beta(tau, tau) is alpha(tau)
        norm = f"e/{td}"
    else:  # NEST's normalisation: the peak, at t_peak, is 1
        tp = f"({td}*{tr}*ln({td}/{tr})/({td} - {tr}))"
        norm = f"(e/{td} if {tr} == {td} else (1/{tr} - 1/{td})/(exp(-{tp}/{td}) - exp(-{tp}/{tr})))"
    eqs = [f"d{rise}/dt = -{rise}/{tr}", f"d{g}/dt = {rise} - {g}/{td}"]
    return [(rise, unit / _MS), (g, unit)], eqs, [f"{rise} += {sign}w*{norm}"]


def _scope(where: str, params: dict, time: bool) -> Scope:
    scope = Scope(
        where.split("'")[1], time=time, time_why="a kernel's time constants may use parameters only"
    )
    for k, p in params.items():
        scope.names[k] = Name("parameter", p.unit, sympy.Symbol(f"p_{k}", real=True))
    return scope


def _general(where: str, text: str, rec: Receptor, params: dict):
    """A kernel given as an expression of t: the smallest linear ODE it satisfies."""
    res, probs = translate(text, _scope(where, params, time=True), "kernel", what="the kernel")
    raise_problems(f"{where}: the kernel {text!r}", probs)
    if TIME not in res.sym.free_symbols:
        raise EquationError(
            f"{where}: the kernel {text!r} does not depend on t; write the kernel as a "
            "function of t, e.g. 'exp(-t/tau)', or a named one: exponential(tau), "
            "alpha(tau), beta(tau_rise, tau_decay)"
        )
    coefs, jumps = _linear_ode(text, tuple(sorted(params)))
    if coefs is None:
        raise EquationError(
            f"{where}: the kernel {text!r} is not the impulse response of a linear ODE with constant "
            f"coefficients (of order <= {MAX_ORDER}), so it cannot be expanded into states; a kernel "
            "must be a sum of terms t**m*exp(-t/tau) (times cos or sin of a*t), e.g. "
            "'(t/tau)*exp(1 - t/tau)'"
        )
    g, unit = str(rec.state), rec.unit * res.unit
    names = [g] + [f"{g}__d{i}" for i in range(1, len(coefs))]
    states = [(s, unit / _MS**i) for i, s in enumerate(names)]
    eqs = [f"d{names[i]}/dt = {names[i + 1]}" for i in range(len(names) - 1)]
    eqs.append(f"d{names[-1]}/dt = " + " + ".join(f"({c})*{s}" for c, s in zip(coefs, names, strict=True)))
    return states, eqs, [f"{s} += w*({j})" for s, j in zip(names, jumps, strict=True) if j != "0"]


class _Text(StrPrinter):
    """sympy -> the model language (e is Euler's number there; pi a number)."""

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Pi(self, expr: Any) -> str:
        return repr(float(sympy.pi))


@functools.lru_cache(maxsize=256)
def _linear_ode(text: str, params: tuple[str, ...]) -> tuple[list[str] | None, list[str]]:
    """The coefficients c_i of the smallest ODE k^(n) = sum c_i k^(i) that the kernel ``text``
    satisfies, and the initial values k^(i)(0), as text of the model language; (None, []) if none."""
    t = sympy.Symbol("t", positive=True)
    k = _to_sympy(pyparse.parse(text, mode="eval").body, t, set(params))
    derivs = [k]
    for n in range(1, MAX_ORDER + 1):
        derivs.append(sympy.diff(derivs[-1], t))
        cs = sympy.symbols(f"c0:{n}")
        residual = derivs[n] - sum(c * d for c, d in zip(cs, derivs[:n], strict=True))
        groups: dict[Any, Any] = {}
        for term in sympy.Add.make_args(sympy.expand(residual, power_exp=True, mul=True)):
            coef, dep = term.as_independent(t, as_Add=False)
            groups[dep] = groups.get(dep, 0) + coef
        sol = list(sympy.linsolve(list(groups.values()), cs))
        if len(sol) == 1:
            coefs = [sympy.simplify(c) for c in sol[0]]
            exact = dict(zip(cs, coefs, strict=True))
            if any(c.has(t, *cs) for c in coefs) or any(
                sympy.simplify(v.subs(exact)) != 0 for v in groups.values()
            ):
                continue
            jumps = [sympy.simplify(d.subs(t, 0)) for d in derivs[:n]]
            if any(j.has(sympy.zoo, sympy.nan, sympy.oo) for j in jumps):
                return None, []
            pr = _Text({"full_prec": False})
            return [pr.doprint(c) for c in coefs], [pr.doprint(j) for j in jumps]
    return None, []


_FUNCS = {
    "exp": sympy.exp,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
    "sqrt": sympy.sqrt,
    "log": sympy.log,
    "ln": sympy.log,
    "pow": sympy.Pow,
}


def _to_sympy(node: ast.AST, t: sympy.Symbol, params: set[str]) -> Any:
    """The kernel's text as sympy, names as symbols (units too: they print back as themselves)."""

    def go(n: ast.AST) -> Any:
        if isinstance(n, ast.Constant):
            return sympy.nsimplify(n.value) if isinstance(n.value, int | float) else sympy.nan
        if isinstance(n, ast.Name):
            if n.id == "t":
                return t
            if n.id == "e" and n.id not in params:
                return sympy.E
            return sympy.Symbol(n.id, positive=True)
        if isinstance(n, ast.UnaryOp):
            return -go(n.operand) if isinstance(n.op, ast.USub) else go(n.operand)
        if isinstance(n, ast.BinOp):
            a, b = go(n.left), go(n.right)
            ops = {
                ast.Add: sympy.Add,
                ast.Sub: lambda x, y: x - y,
                ast.Mult: sympy.Mul,
                ast.Div: lambda x, y: x / y,
                ast.Pow: sympy.Pow,
            }
            return ops.get(type(n.op), lambda x, y: sympy.nan)(a, b)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in _FUNCS:
            return _FUNCS[n.func.id](*[go(a) for a in n.args])
        return sympy.Function("unsupported")(t)  # (no linear ODE: refused with the message)

    return go(node)
