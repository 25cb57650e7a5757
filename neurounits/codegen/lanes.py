"""The rkf45 sub-step loop in lanes: neurons whose full-dt trial was not taken, LANES at a time.

Each lane holds one neuron's sub-step state (state, k1, time within dt, step size, sub-step
count) and every round makes one try in every lane, in a loop over the lanes that vectorises
(one neuron's tries form a chain of dependent operations; lanes run several chains side by
side).  The round also accepts or rejects each try, adjusts the step and flags what needs scalar
code: a step underflow, a threshold crossed inside dt (with ``threshold_in_substeps``), too many
sub-steps, and a neuron that reached the end of dt, whose results then go to TN/HN/NSP and whose
lane takes the next neuron.  Each neuron goes through exactly GSL's sequence of tries: the trial
pass made the first (an accepted one is continued from: ACC[i], state TN, next step HN[i]; a
rejected one is retried with HN[i]); k1, the derivative at the start of a sub-step, is kept over
rejected tries.

The lanes' fields are rows of one flat array, ``LS[F_<field> + l]`` (``F_<field>`` a module
constant): the round's loop then reads and writes one array at constant distances, which LLVM
proves independent (no run-time alias checks, whose cost a loop of LANES iterations would not
amortise).  The code here writes ``L<field>[l]``, which :class:`~.emit.Lines` rewrites.
"""

from __future__ import annotations

import sympy

from ..equations import TIME
from ..integrators.rkf45 import TT, H
from .abi import KernelSpec
from .adaptive import error_ratio, next_step, try_assigns
from .emit import Lines, emit_block, end_point, load_pairs, named, names, stage_points
from .events import substep_event
from .printer import to_code

__all__ = ["LANES", "lane_constants", "lane_init", "lane_work", "slow_pass"]

LANES = 4  # neurons advanced at once by the sub-step loop, one try each per round


_PARTS: dict[int, tuple] = {}


def _parts(ks: KernelSpec):
    """k1 statements, the other stage statements and the (local, source, array) triples of the
    constants a try reads, which each lane keeps a copy of (computed once per KernelSpec)."""
    known = _PARTS.get(id(ks))
    if known is None or known[0] is not ks:
        _PARTS.clear()
        known = _PARTS[id(ks)] = (ks, _compute_parts(ks))
    return known[1]


def _compute_parts(ks: KernelSpec):
    s, step = ks.spec, ks.integ_step
    k1 = [(sym, e) for sym, e in step.statements if sym.name.startswith("_k1_")]
    rest = [(sym.name, e) for sym, e in step.statements if not sym.name.startswith("_k1_")]
    exprs = [e for _, e in try_assigns(ks, rest, with_dy=True)]
    if s.threshold is not None and s.events_in_substeps:  # the round tests the threshold
        exprs.append(s.threshold)
    pairs = load_pairs(ks, names(exprs) | {f"u_{k}" for k in s.inputs}, states=False)
    return k1, rest, pairs


def _fields(ks: KernelSpec) -> list[str]:
    """The floating-point fields of a lane (flags as 0.0/1.0)."""
    k1, _, pairs = _parts(ks)
    return (["RUN", "REJ", "ATT", "REFR", "NS", "TT", "HC", "A", "ATOL", "RTOL"]
            + [f"X_{k}" for k in ks.spec.states]
            + [sym.name for sym, _ in k1] + [f"V{name}" for name, _, _ in pairs])


def lane_constants(ks: KernelSpec, L: Lines) -> None:
    """Module constants: the row of each lane field in LS."""
    L.add(0, f"# the sub-step loop's lanes: field f of lane l is LS[F_<f> + l], {LANES} lanes")
    L.add(0, f"LANES = {LANES}")
    for f, name in enumerate(_fields(ks)):
        L.add(0, f"F_{name} = {f * LANES}")


def lane_work(ks: KernelSpec) -> list[tuple[str, str]]:
    """The sub-step loop's work arrays (allocated by the entry points); LS is set up by
    :func:`lane_init`."""
    return [("SLI", "np.empty(n, np.int64)"), ("LI", "np.zeros(LANES, np.int64)"),
            ("LNSP", "np.zeros(LANES, np.int64)"), ("LS", f"np.zeros({len(_fields(ks))} * LANES)")]


def lane_init(ind: int, L: Lines) -> None:
    """An idle lane computes on harmless values."""
    for name in ("HC", "A", "ATOL"):
        L.add(ind, f"LS[F_{name}:F_{name} + LANES] = 1.0")


def _stop(L: Lines, ind: int, status: int) -> None:
    """Leave the sub-step loop with a failure status (2: step underflow, 3: too many sub-steps)."""
    L.add(ind, f"status = {status}")
    L.add(ind, "bad_n = i")
    L.add(ind, "break")


def _k1_block(ks: KernelSpec, ind: int, L: Lines, k1, target: str = "") -> None:
    """k1 of neuron i (scalar code), into locals or, with ``target`` "L", into its lane."""
    pts: list[tuple[str, dict]] = [("", {})] + [("1", st) for st in ks.integ_step.stages[:1]]
    emit_block(L, ind, [(f"{target}{sym.name}" + ("[l]" if target else ""), e) for sym, e in k1],
               named(ks, pts), scalar=True)


def _finish(ks: KernelSpec, ind: int, L: Lines, events: bool) -> None:
    """The neuron reached the end of dt: its results."""
    for k in ks.integ_step.new:
        L.add(ind, f"TN_{k}[i] = x_{k}")
    for k in ks.spec.states:
        if k not in ks.integ_step.new:  # a reset of a state without an equation: keep it
            L.add(ind, f"X_{k}[i] = x_{k}")
    L.add(ind, "HSTEP[i] = _hc")
    L.add(ind, "HN[i] = _hc")
    if events:
        L.add(ind, "NSP[i] = _nsp")


def _scalar_consts(ks: KernelSpec, ind: int, L: Lines, events: bool, k1) -> None:
    """Neuron i's constants that k1 and the events read, for scalar code."""
    s = ks.spec
    ev = [e for _, e in k1] + ([s.threshold] + [e for _, e in s.reset] if events else [])
    for name, src, _ in load_pairs(ks, names(ev) | {f"u_{k}" for k in s.inputs}, states=False):
        L.add(ind, f"{name} = {src}")


def _fill(ks: KernelSpec, ind: int, L: Lines, events: bool) -> None:
    """Fill free lanes with the next neurons of the sub-step loop (scalar code)."""
    s, names_ = ks.spec, list(ks.integ_step.new)
    k1, _, pairs = _parts(ks)
    L.add(ind, "if refill:")
    L.add(ind + 1, "nrun = 0")
    L.add(ind + 1, "for l in range(LANES):")
    L.add(ind + 2, "while not LRUN[l] and nxt < nsl:")
    b = ind + 3
    L.add(b, "i = SLI[nxt]")
    L.add(b, "nxt += 1")
    _scalar_consts(ks, b, L, events, k1)
    for k in s.states:
        L.add(b, f"x_{k} = X_{k}[i]")
    L.add(b, "_refr = REF[i] > 0" if ks.has_refractory else "_refr = False")
    if ks.has_refractory:
        L.add(b, "_active = 0.0 if _refr else 1.0")
    L.add(b, "_nsp = 0")
    L.add(b, "_hc = HN[i]")
    L.add(b, "_tt = 0.0")
    L.add(b, "if ACC[i]:  # the trial's try (of the carried step, < dt) was accepted: go on from it")
    for k in names_:
        L.add(b + 1, f"x_{k} = TN_{k}[i]")
    L.add(b + 1, "_tt = HSTEP[i]")
    if events:
        substep_event(ks, b + 1, L)
    L.add(b, "elif _hc < hmin or not _hc > 0.0 or t + _hc == t:")
    _stop(L, b + 1, 2)
    L.add(b, "if not dt - _tt > 1e-12 * dt:")
    _finish(ks, b + 1, L, events)
    L.add(b + 1, "continue")
    L.add(b, "if 2 > maxsub:")
    _stop(L, b + 1, 3)
    _k1_block(ks, b, L, k1)
    _store_lane(ks, b, L, events, k1, pairs)
    L.add(ind + 2, "if status:")
    L.add(ind + 3, "break")
    L.add(ind + 2, "nrun += 1 if LRUN[l] else 0")
    L.add(ind + 1, "if status or nrun == 0:")
    L.add(ind + 2, "break")
    L.add(ind + 1, "refill = False")


def _store_lane(ks: KernelSpec, b: int, L: Lines, events: bool, k1, pairs) -> None:
    """Neuron i into lane l."""
    for line in ("LI[l] = i", "LRUN[l] = 1.0", "LNS[l] = 2.0", "LTT[l] = _tt", "LHC[l] = _hc"):
        L.add(b, line)
    if ks.has_refractory:
        L.add(b, "LA[l] = _active")
    if events:
        L.add(b, "LREFR[l] = 1.0 if _refr else 0.0")
        L.add(b, "LNSP[l] = _nsp")
    for k in ks.spec.states:
        L.add(b, f"LX_{k}[l] = x_{k}")
    for sym, _ in k1:
        L.add(b, f"L{sym.name}[l] = {sym.name}")
    for name, src, _ in pairs:
        L.add(b, f"LV{name}[l] = {src}")
    L.add(b, "LATOL[l] = ATOL[i]")
    L.add(b, "LRTOL[l] = RTOL[i]")


def _round(ks: KernelSpec, ind: int, L: Lines, events: bool) -> None:
    """One try in every lane (vectorised), accepted or rejected, and what needs scalar code."""
    s, names_ = ks.spec, list(ks.integ_step.new)
    k1, rest, pairs = _parts(ks)
    L.add(ind, "natt = 0")
    L.add(ind, "for l in range(LANES):")
    b = ind + 1
    for k in s.states:
        L.add(b, f"x_{k} = LX_{k}[l]")
    for sym, _ in k1:
        L.add(b, f"{sym.name} = L{sym.name}[l]")
    for name, _, arr in pairs:  # a value shared by all neurons is read directly
        L.add(b, f"{name} = _rt.lane({arr}, LS, F_V{name} + l)" if arr else f"{name} = LV{name}[l]")
    if ks.has_refractory:
        L.add(b, "_active = LA[l]")
    for line in ("_atol = LATOL[l]", "_rtol = LRTOL[l]", "_tt = LTT[l]", "_hc = LHC[l]",
                 "_run = LRUN[l] != 0.0", "_final = _tt + _hc >= dt", "_h = _rt.sel(_final, dt - _tt, _hc)"):
        L.add(b, line)
    emit_block(L, b, try_assigns(ks, rest, with_dy=True),
               named(ks, [*stage_points(ks, first=1), end_point(ks, TIME + TT + H)]))
    error_ratio(ks, b, L)
    next_step(b, L)
    L.add(b, "_acc = _ok & _run")
    L.add(b, "_ttn = _rt.sel(_acc, _rt.sel(_final, dt, _tt + _h), _tt)")
    for k in names_:
        L.add(b, f"LX_{k}[l] = _rt.sel(_acc, n_{k}, x_{k})")
    for sym, _ in k1:
        L.add(b, f"L{sym.name}[l] = _rt.sel(_acc, _dy_{sym.name[4:]}, {sym.name})")
    _round_flags(ks, b, L, events)


def _round_flags(ks: KernelSpec, b: int, L: Lines, events: bool) -> None:
    """The end of a lane's try: its step, sub-step count and whether it needs scalar code."""
    s = ks.spec
    for line in ("LTT[l] = _ttn", "LHC[l] = _rt.sel(_run, _hn, _hc)", "LREJ[l] = _rt.sel(_ok, 0.0, 1.0)",
                 "_under = (not _ok) & ((_hn < hmin) | (not _hn > 0.0) | ((t + _tt) + _hn == t + _tt))",
                 "_done = not dt - _ttn > 1e-12 * dt", "_ns = LNS[l] + _rt.sel(_done, 0.0, 1.0)",
                 "LNS[l] = _rt.sel(_run, _ns, LNS[l])"):
        L.add(b, line)
    att = "_under | _done | (_ns > maxsub)"
    if events:
        to_new = {s.symbols[k]: sympy.Symbol(f"n_{k}", real=True) for k in ks.integ_step.new}
        to_new[TIME] = TIME + sympy.Symbol("_ttn", real=True)
        L.add(b, f"_ev = _acc & (LREFR[l] == 0.0) & ({to_code(s.threshold.xreplace(to_new))})")
        att += " | _ev"
    L.add(b, f"_att = _run & ({att})")
    L.add(b, "LATT[l] = _rt.sel(_att, 1.0, 0.0)")
    L.add(b, "natt += _rt.sel(_att, 1, 0)")


def _rare(ks: KernelSpec, ind: int, L: Lines, events: bool) -> None:
    """The rare lanes (scalar): underflow, events, too many sub-steps, neurons done."""
    s = ks.spec
    k1, _, _ = _parts(ks)
    L.add(ind, "if natt == 0:")
    L.add(ind + 1, "continue")
    L.add(ind, "for l in range(LANES):")
    b = ind + 1
    L.add(b, "if LATT[l] == 0.0:")
    L.add(b + 1, "continue")
    for line in ("i = LI[l]", "_tt = LTT[l]", "_hc = LHC[l]", "if LREJ[l] != 0.0:"):
        L.add(b, line)
    L.add(b + 1, "if (not _hc > 0.0) or _hc < hmin or (t + _tt) + _hc == t + _tt:")
    _stop(L, b + 2, 2)
    for k in s.states:
        L.add(b, f"x_{k} = LX_{k}[l]")
    if events:
        L.add(b, "if LREJ[l] == 0.0:")
        c = b + 1
        _scalar_consts(ks, c, L, events, k1)
        L.add(c, "_refr = LREFR[l] != 0.0")
        L.add(c, "_nsp = LNSP[l]")
        if ks.has_refractory:
            L.add(c, "_active = LA[l]")
        substep_event(ks, c, L)
        _k1_block(ks, c + 1, L, k1, target="L")  # after a reset: k1 afresh
        for k, _ in s.reset:
            L.add(c + 1, f"LX_{k}[l] = x_{k}")
        L.add(c + 1, "LREFR[l] = 1.0 if _refr else 0.0")
        L.add(c + 1, "LNSP[l] = _nsp")
        if ks.has_refractory:
            L.add(c + 1, "LA[l] = _active")
    L.add(b, "if not dt - _tt > 1e-12 * dt:")
    if events:
        L.add(b + 1, "_nsp = LNSP[l]")
    _finish(ks, b + 1, L, events)
    L.add(b + 1, "LRUN[l] = 0.0")
    L.add(b + 1, "refill = True")
    L.add(b, "elif LNS[l] > maxsub:")
    _stop(L, b + 1, 3)
    L.add(ind, "if status:")
    L.add(ind + 1, "break")


def slow_pass(ks: KernelSpec, ind: int, L: Lines) -> None:
    """Neurons whose full-dt trial was not taken: GSL's sub-step loop, in lanes (module docstring)."""
    events = ks.spec.threshold is not None and ks.spec.events_in_substeps
    L.lane_fields = set(_fields(ks))
    L.add(ind, "nsl = 0")  # the neurons of the sub-step loop, in order
    L.add(ind, "for i in range(n):")
    L.add(ind + 1, "SLI[nsl] = i")
    L.add(ind + 1, "nsl += 1 if SLOW[i] else 0")
    L.add(ind, "nxt = 0")
    L.add(ind, "refill = True")
    L.add(ind, "while True:")
    _fill(ks, ind + 1, L, events)
    _round(ks, ind + 1, L, events)
    _rare(ks, ind + 1, L, events)
    L.lane_fields = set()
