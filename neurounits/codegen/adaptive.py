"""Adaptive (rkf45) steps: the full-dt trial pass, its error ratio and step control, and the result.

Each dt, one try for every neuron at once (vectorisable): of size dt where the carried step is
>= dt, else of the carried step.  Where it is accepted and reaches the end of dt the result is
final; the other neurons go through GSL's sub-step loop (:mod:`neurounits.codegen.lanes`).
"""

from __future__ import annotations

import ast
import os
from typing import NamedTuple

import sympy

from .. import pyparse
from ..equations import TIME
from ..integrators.explicit import ACTIVE, held_odes, substitute
from ..integrators.rkf45 import TT, H, reciprocals
from .abi import KernelSpec
from .emit import Lines, emit_block, hoist, load_pairs, named, names
from .events import T_END
from .printer import plain, to_code

__all__ = ["FSig", "abs_errors", "accept_results", "error_ratio", "f_call", "f_sig", "f_targets", "next_step",
           "rhs", "rhs_called", "rhs_function", "rhs_ops", "trial_pass", "try_call", "try_function",
           "try_states", "try_targets"]

_DBL_MIN = "2.2250738585072014e-308"


def next_step(ind: int, L: Lines) -> None:
    """_hn, the step after a try of size _h with error ratio _r, by GSL's standard control (q = 5):
    accepted (``_ok``, r <= 1.1) with r < 0.5, h 0.9 r^(-1/(q+1)) within [h, 5 h]; rejected,
    h max(0.9 r^(-1/q), 0.2).  One exponential serves both (a loop that vectorises computes both
    sides of a conditional)."""
    L.add(ind, "_ok = _r <= 1.1")
    L.add(ind, "_lr = _rt.log(_r)")
    L.add(ind, "_e = 0.9 * _rt.exp(_rt.sel(_ok, -_lr / 6.0, -0.2 * _lr))")
    L.add(ind, "_hn = _rt.sel(_ok, _rt.sel(_r < 0.5, _h * _rt.min2(_rt.max2(_e, 1.0), 5.0), _h), "
               "_h * _rt.max2(_e, 0.2))")


def rhs(ks: KernelSpec) -> dict[str, sympy.Expr]:
    """The right-hand sides that the stages evaluate, per integrated state (held states' switched
    off by ``_active``, divisions by parameters as the hoisted reciprocals)."""
    s, step = ks.spec, ks.integ_step
    odes = held_odes(s)
    return {k: plain(reciprocals(odes[k], step)) for k in step.new}


class FSig(NamedTuple):
    """What ``_f`` (the right-hand sides) reads: the time, states, ``_active`` and constants."""

    time: bool
    states: list[str]
    active: bool
    consts: list[tuple[str, str, str | None]]  # (local, source, array) as emit.load_pairs


_SIG: dict[int, tuple] = {}


def f_sig(ks: KernelSpec) -> FSig:
    """The arguments of ``_f`` (computed once per KernelSpec)."""
    known = _SIG.get(id(ks))
    if known is None or known[0] is not ks:
        _SIG.clear()
        s = ks.spec
        used = names(rhs(ks).values())
        sig = FSig(TIME.name in used, [k for k in s.states if s.symbols[k].name in used], ACTIVE.name in used,
                   load_pairs(ks, used, states=False))
        known = _SIG[id(ks)] = (ks, sig)
    return known[1]


def f_call(ks: KernelSpec, time: str, states: dict[str, str] | None = None) -> str:
    """A call of ``_f`` at time ``time`` (code) and the states ``states`` (state -> code; x_<state>
    for the others), with the locals of ``_active`` and the constants."""
    sig, states = f_sig(ks), states or {}
    args = [time] if sig.time else []
    args += [states.get(k, f"x_{k}") for k in sig.states]
    args += ["_active"] if sig.active else []
    return f"_f({', '.join(args + [name for name, _, _ in sig.consts])})"


def f_targets(ks: KernelSpec, prefix: str) -> str:
    new = list(ks.integ_step.new)
    return "(" + ", ".join(f"{prefix}{k}" for k in new) + ("," if len(new) == 1 else "") + ")"


def rhs_function(ks: KernelSpec, flags: str, L: Lines) -> None:
    """``_f``: the right-hand sides at one state (the model's named expressions computed once), a
    function that every stage, sub-step and k1 calls.  numba compiles it once; LLVM inlines it
    (``forceinline``) at every call, so the loops that call it still vectorise."""
    sig = f_sig(ks)
    args = (["t"] if sig.time else []) + [f"x_{k}" for k in sig.states] + (["_active"] if sig.active else [])
    L.add(0, flags)
    L.add(0, f"def _f({', '.join(args + [name for name, _, _ in sig.consts])}):")
    L.add(1, '"""The right-hand sides d<state>/dt."""')
    exprs = rhs(ks)
    emit_block(L, 1, [(f"_d_{k}", e) for k, e in exprs.items()], named(ks, [("", {})]))
    L.add(1, f"return {f_targets(ks, '_d_')}")
    L.add(0, "")
    L.add(0, "")


#: right-hand sides with more operations than this are compiled once and called (see rhs_called); the
#: environment variable NEUROUNITS_RHS_CALL_OPS overrides it (benchmarks/bench_compile.py --ab)
RHS_CALL_OPS = int(os.environ.get("NEUROUNITS_RHS_CALL_OPS", "450"))

_OPS = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Compare, ast.BoolOp, ast.IfExp)


def rhs_ops(lines: list[str]) -> int:
    """The number of operations (arithmetic, calls, comparisons) in the function ``lines``."""
    tree = pyparse.parse("\n".join(lines))
    return sum(isinstance(node, _OPS) for node in ast.walk(tree))


def rhs_called(lines: list[str], flags: str, L: Lines) -> bool:
    """For right-hand sides ``_f`` (the function ``lines``, straight-line) with more than
    :data:`RHS_CALL_OPS` operations: write them as the inlined ``_rhs`` and ``_f`` as a compiled
    function that calls it, and return True; else write nothing and return False.

    Inlined, ``_f`` is emitted at each of its calls (six per try, the try in the trial and in
    the sub-step lanes, and each k1: 14 copies); LLVM's optimisation of a function grows faster
    than its size, and for 20 states and 40 rate functions the copies took most of a minute to
    compile.  Compiled once and called, the right-hand sides are optimised once, but the full-dt
    trial loop then calls a function per stage and does not vectorise: measured (load 2), 22
    states (~415 operations) compiled in 16.6 s instead of 40.8 s and ran 2.7x slower, 30 states
    (541) in 16.3 s instead of 56.1 s and 4.2x slower (benchmarks/README.md).  The threshold
    keeps the first use of a model under a minute and every smaller model's fast loop."""
    if rhs_ops(lines) <= RHS_CALL_OPS:
        return False
    head = next(i for i, line in enumerate(lines) if line.rstrip().endswith(":"))
    params = pyparse.parse("\n".join([*lines[: head + 1], "    pass"])).body[0].args.args
    args = ", ".join(a.arg for a in params)
    L.add(0, "@_rt.inlined  # emitted in place where called (codegen.inline)")
    L.lines += [lines[0].replace("def _f(", "def _rhs(", 1), *lines[1:]]
    L.add(0, flags)
    L.add(0, f"def _f({args}):")
    L.add(1, f'"""The right-hand sides, compiled once and called ({RHS_CALL_OPS}+ operations: '
             'neurounits.codegen.adaptive.rhs_called)."""')
    L.add(1, f"return _rhs({args})")
    L.add(0, "")
    L.add(0, "")
    return True


def try_states(ks: KernelSpec) -> list[str]:
    """The states a try reads (the integrated ones and those the right-hand sides read)."""
    s, sig = ks.spec, f_sig(ks)
    return [k for k in s.states if k in ks.integ_step.new or k in sig.states]


def try_call(ks: KernelSpec, tt: str) -> str:
    """A call of ``_try`` from the locals of a neuron or lane (sub-step start t + ``tt``)."""
    sig, new = f_sig(ks), ks.integ_step.new
    args = ["t", tt] if sig.time else []
    args += ["_h"] + [f"x_{k}" for k in try_states(ks)] + [f"_k1_{k}" for k in new] + ["_atol", "_rtol"]
    args += ["_active"] if sig.active else []
    return f"_try({', '.join(args + [name for name, _, _ in sig.consts])})"


def try_targets(ks: KernelSpec) -> str:
    new = ks.integ_step.new
    return "(" + ", ".join([f"n_{k}" for k in new] + [f"_dy_{k}" for k in new] + ["_ok", "_hn"]) + ")"


def try_function(ks: KernelSpec, flags: str, L: Lines) -> None:
    """``_try``: one try of size _h from the state x_<state> with derivatives _k1_<state> (GSL's
    rkf45 step): the new state n_<state>, the derivatives there _dy_<state> (the next try's k1
    when accepted), whether it is accepted (``_ok``) and the next step ``_hn``.  The full-dt trial
    and the sub-step lanes call it; LLVM inlines it (``forceinline``), and drops the unused
    _dy_<state> where the trial does not need them."""
    s, step, sig = ks.spec, ks.integ_step, f_sig(ks)
    args = ["t", "_tt"] if sig.time else []
    args += ["_h"] + [f"x_{k}" for k in try_states(ks)] + [f"_k1_{k}" for k in step.new] + ["_atol", "_rtol"]
    args += ["_active"] if sig.active else []
    L.add(0, flags)
    L.add(0, f"def _try({', '.join(args + [name for name, _, _ in sig.consts])}):")
    L.add(1, '"""One rkf45 try (see the generator, neurounits.codegen.adaptive.try_function)."""')
    for st, subs in enumerate(step.stages[1:], start=2):
        y = {k: subs[s.symbols[k]] for k in sig.states if s.symbols[k] in subs}
        emit_block(L, 1, [(f"y{st}_{k}", e) for k, e in y.items()])
        time = to_code(subs.get(TIME, TIME))
        L.add(1, f"{f_targets(ks, f'_k{st}_')} = {f_call(ks, time, {k: f'y{st}_{k}' for k in y})}")
    assigns = [(f"n_{k}", e) for k, e in step.new.items()]
    assigns += [(f"_en{j}", e) for j, e in enumerate(abs_errors(ks))]
    emit_block(L, 1, assigns)
    end = f_call(ks, to_code(TIME + TT + H), {k: f"n_{k}" for k in step.new})
    L.add(1, f"{f_targets(ks, '_dy_')} = {end}")
    error_ratio(ks, 1, L)
    next_step(1, L)
    L.add(1, f"return {try_targets(ks)}")
    L.add(0, "")
    L.add(0, "")


def abs_errors(ks: KernelSpec) -> list[sympy.Expr]:
    """|error| of each integrated state.  The errors are one form, ``_h * sum_s e_s _k<s>_<state>``:
    sympy's Abs (which asks its assumptions about every term, seconds for tens of states) is
    evaluated on the first state's, and the others are that result with their own stage symbols."""
    step = ks.integ_step
    names_ = list(step.new)
    first = sympy.Abs(step.errors[names_[0]])
    stage_syms = [sym for sym in first.free_symbols if sym.name.startswith("_k")]
    out = [first]
    for k in names_[1:]:
        ren = {sym: sympy.Symbol(sym.name.rsplit(names_[0], 1)[0] + k, real=True) for sym in stage_syms}
        e = substitute(first, ren, {})
        if e.free_symbols != step.errors[k].free_symbols:  # (not of that form: evaluated on its own)
            e = sympy.Abs(step.errors[k])
        out.append(e)
    return out


def error_ratio(ks: KernelSpec, ind: int, L: Lines) -> None:
    """_r = max over states of |error| / D, D = atol + rtol * scale, as GSL's standard control
    (the |error|s _en<j> are computed before, by :func:`try_function`).

    The largest ratio is found by comparing cross products (a/b > c/d as a d > c b, b and d >= 0)
    in a balanced tree, and only it is divided: one division instead of one per state (divisions
    are slow, and a loop that vectorises pays for all of them).  A ratio 0/0 (error and D both 0)
    is skipped; x/0 with x > 0 makes r infinite.
    """
    pairs = []
    for j, k in enumerate(ks.integ_step.new):
        scale = f"_h * abs(_dy_{k})" if ks.control == "yp" else f"abs(n_{k})"
        L.add(ind, f"_ed{j} = _atol + _rtol * {scale}")
        pairs.append((f"_en{j}", f"_ed{j}"))
    pairs.insert(0, ("0.0", "1.0"))  # all errors 0 (or 0/0): r = DBL_MIN
    level = 0
    while len(pairs) > 1:
        nxt = []
        for m in range(0, len(pairs) - 1, 2):
            (an, ad), (bn, bd) = pairs[m], pairs[m + 1]
            cn, cd = f"_xn{level}_{m // 2}", f"_xd{level}_{m // 2}"
            L.add(ind, f"_gt = {bn} * {ad} > {an} * {bd}")
            L.add(ind, f"{cn} = _rt.sel(_gt, {bn}, {an})")
            L.add(ind, f"{cd} = _rt.sel(_gt, {bd}, {ad})")
            nxt.append((cn, cd))
        if len(pairs) % 2:
            nxt.append(pairs[-1])
        pairs, level = nxt, level + 1
    L.add(ind, f"_r = _rt.max2({pairs[0][0]} / {pairs[0][1]}, {_DBL_MIN})")


def trial_pass(ks: KernelSpec, ind: int, L: Lines) -> None:
    """GSL's first sub-step try of this dt, for every neuron at once (vectorisable).

    Where it is accepted and reaches the end of dt the result is final; elsewhere SLOW[i] sends
    the neuron through the sub-step loop, which goes on from this try (ACC[i]: accepted, state
    in TN, next step in HN; else HN is the reduced step to retry).
    """
    L.add(ind, "for i in range(n):")
    hoist(L, ind + 1, "_trial", lambda F: _trial_block(ks, F))


def _trial_block(ks: KernelSpec, L: Lines) -> None:
    """The trial of neuron i (at indent 1)."""
    for k in try_states(ks):
        L.add(1, f"x_{k} = X_{k}[i]")
    for name, src, _ in f_sig(ks).consts:
        if name != src:  # (dt, the time step, is there already)
            L.add(1, f"{name} = {src}")
    if ks.has_refractory:
        L.add(1, "_active = _rt.sel(REF[i] > 0, 0.0, 1.0)")
    L.add(1, "_hc = HSTEP[i]")
    L.add(1, "_final = _hc >= dt")
    L.add(1, "_h = _rt.sel(_final, dt, _hc)")
    L.add(1, "_atol = ATOL[i]")
    L.add(1, "_rtol = RTOL[i]")
    L.add(1, f"{f_targets(ks, '_k1_')} = {f_call(ks, 't')}")
    L.add(1, f"{try_targets(ks)} = {try_call(ks, '0.0')}")
    L.add(1, "SLOW[i] = not (_ok & _final)")
    L.add(1, "ACC[i] = _ok")
    for k in ks.integ_step.new:
        L.add(1, f"TN_{k}[i] = n_{k}")
    L.add(1, "HN[i] = _hn")


def accept_results(ks: KernelSpec, ind: int, L: Lines) -> None:
    """The step's result: the full-dt trial, or the sub-step loop's (branch-free)."""
    s, names_ = ks.spec, list(ks.integ_step.new)
    for k in names_:
        L.add(ind, f"n_{k} = TN_{k}[i]")
    L.add(ind, "HSTEP[i] = HN[i]")
    if s.threshold is not None and s.events_in_substeps:
        # the full-dt trial is one sub-step: its threshold is checked at its end
        to_new = {s.symbols[k]: sympy.Symbol(f"n_{k}", real=True) for k in names_}
        to_new[TIME] = T_END
        cond = to_code(s.threshold.xreplace(to_new))
        refr = " and not refr" if ks.has_refractory else ""
        L.add(ind, f"_ev = (not SLOW[i]){refr} and ({cond})")
        for k, e in s.reset:
            target = f"n_{k}" if k in names_ else f"x_{k}"
            L.add(ind, f"{target} = ({to_code(e.xreplace(to_new))}) if _ev else {target}")
        L.add(ind, "_nsp = NSP[i] if SLOW[i] else (1 if _ev else 0)")
