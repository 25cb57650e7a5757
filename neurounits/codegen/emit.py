"""Writing statements: lines of at most 120 characters, loads into locals, named expressions, CSE.

A block of assignments (:func:`emit_block`) is written with the model's named expressions
computed once as locals (``e_<name>`` at the start state, ``e<stage>_<name>`` at a stage's state,
``en_<name>`` at a try's end state) and the remaining common subexpressions shared through
``sympy.cse`` (temporaries ``_c<k>``, numbered across the whole module so that no local changes
type).  Each local is written just before the first statement that needs it.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Callable

import sympy

from .. import pyparse
from ..equations import TIME
from ..integrators.rkf45 import reciprocals
from .abi import KernelSpec, derived_symbols
from .inline import inlinable
from .printer import plain, to_code

__all__ = ["MODULE_NAMES", "WIDTH", "Lines", "emit_block", "free_names", "hoist", "load_pairs", "loads",
           "named", "names", "phi_code"]

WIDTH = 120  # longest generated line


class Lines:
    """The generated module's lines; long statements are wrapped inside brackets."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.n_temps = 0
        self.lane_fields: set[str] = set()  # inside the sub-step loop: L<field>[l] is LS[F_<field> + l]
        self.compiled = False  # inside a compiled function: a[i] is _rt.at(a, i), a[i] = v _rt.put(a, i, v)
        self.functions: dict[str, list[str]] = {}  # straight-line blocks hoisted into functions (hoist)

    def add(self, indent: int, text: str) -> None:
        if self.lane_fields:
            text = re.sub(r"\bL(\w+)\[l\]", self._lane, text)
        if self.compiled:
            text = items(text)
        self.lines.extend(wrap("    " * indent + text))

    def _lane(self, m: re.Match) -> str:
        return f"LS[F_{m.group(1)} + l]" if m.group(1) in self.lane_fields else m.group(0)

    def temps(self):
        """Fresh temporaries _c0, _c1, ... (never reused in the module)."""
        while True:
            self.n_temps += 1
            yield sympy.Symbol(f"_c{self.n_temps - 1}", real=True)


_ITEM = re.compile(r"(?<![\w.\]])([A-Za-z_]\w*)\[([^\[\]:,]+)\]")  # a[i], i without brackets, : or ,
_STORE = re.compile(r"([A-Za-z_]\w*)\[([^\[\]:,]+)\] = (.*)")
_AT = r"_rt.at(\1, \2)"


def items(stmt: str) -> str:
    """The statement with its array items written for numba to compile fast: ``a[i]`` as
    ``_rt.at(a, i)`` and ``a[i] = v`` as ``_rt.put(a, i, v)`` (runtime intrinsics that emit the
    load or store alone; numba's own indexing code costs it ~4x more time to compile, at every
    access).  Augmented assignments to items, slices and multi-dimensional indexes stay as they are."""
    if stmt.startswith(("#", '"')) or re.match(r"[A-Za-z_]\w*\[[^\]]*\] \S=", stmt):
        return stmt
    code, sep, comment = stmt.partition("  #")
    m = _STORE.fullmatch(code)
    if m:
        code = f"_rt.put({m.group(1)}, {m.group(2)}, {_ITEM.sub(_AT, m.group(3))})"
    else:
        code = _ITEM.sub(_AT, code)
    return code + sep + comment


def _bracketed(body: str) -> str:
    """The statement with its expression in parentheses, so that it can be broken anywhere."""
    m = re.match(r"(if |elif |while )(.*):$", body)
    if m:
        return f"{m.group(1)}({m.group(2)}):"
    m = re.match(r"(.+?) (=|\+=) (.*)$", body)
    if m and "==" not in m.group(1):
        return f"{m.group(1)} {m.group(2)} ({m.group(3)})"
    return body


def wrap(line: str) -> list[str]:
    """``line`` broken at spaces inside brackets into lines of at most WIDTH characters."""
    if len(line) <= WIDTH or "#" in line:
        return [line]
    pre = line[: len(line) - len(line.lstrip())]
    body = _bracketed(line.lstrip())
    pieces, depth, start = [], 0, 0
    for pos, ch in enumerate(body):
        depth += (ch in "([{") - (ch in ")]}")
        if ch == " " and depth > 0:
            pieces.append(body[start:pos])
            start = pos + 1
    pieces.append(body[start:])
    out, cur = [], pre + pieces[0]
    for p in pieces[1:]:
        if len(cur) + 1 + len(p) > WIDTH:
            out.append(cur)
            cur = pre + "        " + p
        else:
            cur += " " + p
    return [*out, cur]


def names(exprs) -> set[str]:
    out: set[str] = set()
    for e in exprs:
        out |= {sym.name for sym in sympy.sympify(e).free_symbols}
    return out


def phi_code(ks: KernelSpec, arg: str) -> str:
    phi = ks.spec.rate_phi
    assert phi is not None, "phi_code is only called for a model with rate inputs, which have a phi"
    h = sympy.Symbol("_h", real=True)
    return to_code(phi.xreplace({h: sympy.Symbol(arg, real=True)}))


def _rate_value(ks: KernelSpec, k: str) -> str:
    c = ks.spec.rate_channels.index(k)
    if ks.network:
        return phi_code(ks, f"RIN[{c}, i]") if ks.spec.rate_linear else f"RIN[{c}, i]"
    return phi_code(ks, f"rs_{c}") if ks.spec.rate_linear else f"ACC_{c}[i]"


def load_pairs(ks: KernelSpec, used: set[str], states: bool = True) -> list[tuple[str, str, str | None]]:
    """(local, source, array) of the states, parameters, inputs and derived constants of neuron i
    that ``used`` names; ``array`` is the parameter or constant array (a per-neuron array, or
    one value shared by all neurons) the local comes from, else None."""
    s = ks.spec
    out: list[tuple[str, str, str | None]] = []
    if states:
        out += [(f"x_{k}", f"X_{k}[i]", None) for k in s.states]
    for k in s.parameters:
        if f"p_{k}" in used:
            out.append((f"p_{k}", f"_rt.at(P_{k}, i)", f"P_{k}"))
    for k in s.inputs:
        if f"u_{k}" in used and k in s.rate_channels:
            out.append((f"u_{k}", _rate_value(ks, k), None))
        elif f"u_{k}" in used:
            out.append((f"u_{k}", f"UR_{k}[i]" if k in ks.per_neuron_inputs else f"us_{k}", None))
    for r in s.receptors:
        if f"_rb_{r}" in used:
            out.append((f"_rb_{r}", f"B_{r}[i]", None))
    if ks.step is not None:
        for sym in derived_symbols(ks):
            if sym.name in used:
                out.append((sym.name, f"_rt.at(D{sym.name}, i)", f"D{sym.name}"))
    if "dt" in used:  # the time step in a model's expressions: an argument of the functions that read it
        out.append(("dt", "dt", None))
    return out


def loads(ks: KernelSpec, used: set[str], ind: int, L: Lines, states: bool = True) -> None:
    """Load states, parameters, inputs and derived constants of neuron i into locals."""
    for name, src, _ in load_pairs(ks, used, states):
        if name != src:
            L.add(ind, f"{name} = {src}")


def named(ks: KernelSpec, where: list[tuple[str, dict]]) -> list[tuple[str, sympy.Expr]]:
    """The model's named expressions at each ``(label, substitution)`` of ``where``: locals
    ``e<label>_<name>`` and their values (as they appear inside the step's statements)."""
    out, seen = [], set()
    for label, subs in where:
        for k, (e, _) in ks.spec.expressions.items():
            v = plain(e).xreplace(subs) if subs else plain(e)
            if ks.step is not None:
                v = reciprocals(v, ks.step)
            if not v.is_Atom and v not in seen:
                seen.add(v)
                out.append((f"e{label}_{k}", v))
    return out


def stage_points(ks: KernelSpec, first: int = 0) -> list[tuple[str, dict]]:
    """The start state and the integrator's stages from ``first`` on, for :func:`named`."""
    pts: list[tuple[str, dict]] = [("", {})] if first == 0 else []
    stages = ks.step.stages if ks.step is not None else []
    return pts + [(str(s + 1), subs) for s, subs in enumerate(stages) if s >= first]


def end_point(ks: KernelSpec, t_end) -> tuple[str, dict]:
    """The end state of a step or try (n_<state>, time ``t_end``), for :func:`named`."""
    subs = {ks.spec.symbols[k]: sympy.Symbol(f"n_{k}", real=True) for k in ks.integ_step.new}
    subs[TIME] = t_end
    return ("n", subs)


def _used_defs(defs: dict[str, sympy.Expr], exprs) -> list[str]:
    """The named locals that ``exprs`` need, directly or through other named locals, in order."""
    seen: set[str] = set()
    todo = [n for n in names(exprs) if n in defs]
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo += [m for m in names([defs[n]]) if m in defs]
    return [n for n in defs if n in seen]


def emit_block(L: Lines, ind: int, assigns, where=(), *, scalar: bool = False) -> None:
    """Write ``target = expr`` for each (target, expr) of ``assigns``, in order, with the named
    expressions ``where`` (from :func:`named`) as locals and common subexpressions shared.

    Every name an expression reads must be defined before the block or by an earlier target."""
    pat = {e: sympy.Symbol(n, real=True) for n, e in where}
    exprs = [plain(e).xreplace(pat) for _, e in assigns]
    defs = {sym.name: e.func(*[a.xreplace(pat) for a in e.args]) for e, sym in pat.items()}
    need = _used_defs(defs, exprs)
    reps, red = sympy.cse([defs[n] for n in need] + exprs, symbols=L.temps(), order="none", list=True)
    items = {sym.name: e for sym, e in reps}
    items.update(zip(need, red[: len(need)], strict=True))
    rank = {n: r for r, n in enumerate(items)}
    done: set[str] = set()

    def emit_deps(e) -> None:
        for n in sorted((m for m in names([e]) if m in items), key=rank.__getitem__):
            if n in done:
                continue
            done.add(n)
            emit_deps(items[n])
            L.add(ind, f"{n} = {to_code(items[n], scalar=scalar)}")

    for (target, _), e in zip(assigns, red[len(need):], strict=True):
        emit_deps(e)
        L.add(ind, f"{target} = {to_code(e, scalar=scalar)}")


# module-level names of a generated kernel (besides the lane fields' rows F_<field>)
MODULE_NAMES = {"math", "np", "njit", "_rt", "_f", "_rhs", "_try", "_slow", "_body", "LANES", "STATES",
                "ARGS"}


def free_names(lines: list[str], known: set[str] = MODULE_NAMES) -> list[str]:
    """The names that the function body ``lines`` reads but neither assigns nor finds in
    ``known``, the builtins or the lane rows F_<field>, in order of first use: the arguments it
    needs."""
    stored: set[str] = set()
    loaded: dict[str, None] = {}
    for node in ast.walk(pyparse.parse("\n".join(["def _():", *lines]))):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                stored.add(node.id)
            else:
                loaded.setdefault(node.id)
    return [x for x in loaded if x not in stored and x not in known and not hasattr(builtins, x)
            and not x.startswith("F_")]


def hoist(L: Lines, ind: int, name: str, block: Callable[[Lines], None], sums: tuple[str, ...] = ()) -> None:
    """Write the block that ``block`` writes (at indent 1) as the straight-line function ``name``
    of the names it reads, emitted in place by ``@_rt.inlined`` (see :mod:`.inline`: numba then
    types and lowers one call instead of every statement), and a call of it at ``ind``.  Each
    accumulator of ``sums`` (``s += ...`` in the block) is summed in the function and added by
    the caller.  A block that is not straight-line code is written in place instead."""
    F = Lines()
    F.n_temps, F.lane_fields, F.compiled = L.n_temps, L.lane_fields, L.compiled
    for acc in sums:
        F.add(1, f"{acc} = 0")
    block(F)
    if sums:
        F.add(1, f"return {', '.join(sums)}")
    args = free_names(F.lines, MODULE_NAMES | set(L.functions))
    head = f"def {name}({', '.join(args)}):"
    if not inlinable("\n".join([head, *F.lines])):
        B = Lines()
        B.n_temps, B.lane_fields, B.compiled = L.n_temps, L.lane_fields, L.compiled
        block(B)
        L.n_temps = B.n_temps
        L.lines += ["    " * (ind - 1) + line if line else line for line in B.lines]
        return
    L.n_temps = F.n_temps
    D = Lines()
    D.add(0, "@_rt.inlined  # emitted in place where called (codegen.inline)")
    D.add(0, head)
    L.functions[name] = [*D.lines, *F.lines, "", ""]
    call = f"{name}({', '.join(args)})"
    if len(sums) == 1:
        L.add(ind, f"{sums[0]} += {call}")
    elif sums:
        L.add(ind, f"({', '.join(f'd_{acc}' for acc in sums)}) = {call}")
        for acc in sums:
            L.add(ind, f"{acc} += d_{acc}")
    else:
        L.add(ind, call)
