"""Adaptive (rkf45) steps: the full-dt trial pass, its error ratio and step control, and the result.

Each dt, one try for every neuron at once (vectorisable): of size dt where the carried step is
>= dt, else of the carried step.  Where it is accepted and reaches the end of dt the result is
final; the other neurons go through GSL's sub-step loop (:mod:`neurounits.codegen.lanes`).
"""

from __future__ import annotations

import sympy

from ..equations import TIME
from ..integrators.explicit import held_odes
from ..integrators.rkf45 import TT, H, reciprocals
from .abi import KernelSpec
from .emit import Lines, emit_block, end_point, loads, named, names, stage_points
from .events import T_END
from .printer import plain, to_code

__all__ = ["accept_results", "end_derivatives", "error_ratio", "next_step", "trial_pass", "try_assigns"]

_DBL_MIN = "2.2250738585072014e-308"


def next_step(ind: int, L: Lines) -> None:
    """_hn, the step after a try of size _h with error ratio _r, by GSL's standard control (q = 5):
    accepted (``_ok``, r <= 1.1) with r < 0.5, h 0.9 r^(-1/(q+1)) within [h, 5 h]; rejected,
    h max(0.9 r^(-1/q), 0.2).  One exponential serves both (a loop that vectorises computes both
    sides of a conditional)."""
    L.add(ind, "_ok = _r <= 1.1")
    L.add(ind, "_lr = _log(_r)")
    L.add(ind, "_e = 0.9 * _exp(_rt.sel(_ok, -_lr / 6.0, -0.2 * _lr))")
    L.add(ind, "_hn = _rt.sel(_ok, _rt.sel(_r < 0.5, _h * min(max(_e, 1.0), 5.0), _h), _h * max(_e, 0.2))")


def end_derivatives(ks: KernelSpec) -> dict[str, sympy.Expr]:
    """The right-hand sides at a try's end state (n_<state>, t + _tt + _h), per state."""
    s, step = ks.spec, ks.integ_step
    odes = held_odes(s)
    end = {s.symbols[k]: sympy.Symbol(f"n_{k}", real=True) for k in step.new}
    end[TIME] = TIME + TT + H
    return {k: plain(reciprocals(odes[k], step)).xreplace(end) for k in step.new}


def try_assigns(ks: KernelSpec, stmts, with_dy: bool) -> list:
    """One try's assignments: the stage statements ``stmts``, n_<state> (the new state), the
    derivatives at its end _dy_<state> (``with_dy``, or with the "yp" control) and |error|s _en<j>."""
    step = ks.integ_step
    out = list(stmts) + [(f"n_{k}", e) for k, e in step.new.items()]
    if with_dy or ks.control == "yp":
        out += [(f"_dy_{k}", e) for k, e in end_derivatives(ks).items()]
    out += [(f"_en{j}", sympy.Abs(step.errors[k])) for j, k in enumerate(step.new)]
    return out


def error_ratio(ks: KernelSpec, ind: int, L: Lines) -> None:
    """_r = max over states of |error| / D, D = atol + rtol * scale, as GSL's standard control
    (the |error|s _en<j> are computed before, by :func:`try_assigns`).

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
    L.add(ind, f"_r = max({pairs[0][0]} / {pairs[0][1]}, {_DBL_MIN})")


def trial_pass(ks: KernelSpec, ind: int, L: Lines) -> None:
    """GSL's first sub-step try of this dt, for every neuron at once (vectorisable).

    Where it is accepted and reaches the end of dt the result is final; elsewhere SLOW[i] sends
    the neuron through the sub-step loop, which goes on from this try (ACC[i]: accepted, state
    in TN, next step in HN; else HN is the reduced step to retry).
    """
    step = ks.integ_step
    L.add(ind, "for i in range(n):")
    assigns = try_assigns(ks, step.statements, with_dy=False)
    loads(ks, names(e for _, e in assigns) | {f"u_{k}" for k in ks.spec.inputs}, ind + 1, L)
    if ks.has_refractory:
        L.add(ind + 1, "_active = _rt.sel(REF[i] > 0, 0.0, 1.0)")
    L.add(ind + 1, "_hc = HSTEP[i]")
    L.add(ind + 1, "_final = _hc >= dt")
    L.add(ind + 1, "_h = _rt.sel(_final, dt, _hc)")
    L.add(ind + 1, "_tt = 0.0")
    L.add(ind + 1, "_atol = ATOL[i]")
    L.add(ind + 1, "_rtol = RTOL[i]")
    emit_block(L, ind + 1, assigns, named(ks, [*stage_points(ks), end_point(ks, TIME + TT + H)]))
    error_ratio(ks, ind + 1, L)
    next_step(ind + 1, L)
    L.add(ind + 1, "_acc = _ok")
    L.add(ind + 1, "SLOW[i] = not (_acc & _final)")
    L.add(ind + 1, "ACC[i] = _acc")
    for k in step.new:
        L.add(ind + 1, f"TN_{k}[i] = n_{k}")
    L.add(ind + 1, "HN[i] = _hn")


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
