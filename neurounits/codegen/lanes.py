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

from typing import NamedTuple

import sympy

from ..equations import TIME
from .abi import KernelSpec
from .adaptive import f_call, f_sig, f_targets, try_call, try_targets
from .emit import MODULE_NAMES, Lines, free_names, hoist, load_pairs, names
from .events import substep_event
from .printer import to_code

__all__ = ["LANES", "SlowPass", "lane_constants", "lane_init", "lane_work", "slow_call", "slow_function"]

LANES = 4  # neurons advanced at once by the sub-step loop, one try each per round


_PARTS: dict[int, tuple] = {}


def _parts(ks: KernelSpec):
    """The (local, source, array) triples of the constants a try (and the threshold) reads, which
    each lane keeps a copy of (computed once per KernelSpec)."""
    known = _PARTS.get(id(ks))
    if known is None or known[0] is not ks:
        _PARTS.clear()
        known = _PARTS[id(ks)] = (ks, _compute_parts(ks))
    return known[1]


def _compute_parts(ks: KernelSpec):
    s = ks.spec
    names_ = {name for name, _, _ in f_sig(ks).consts} | {f"u_{k}" for k in s.inputs}
    if s.threshold is not None and s.events_in_substeps:  # the round tests the threshold
        names_ |= names([s.threshold])
    return load_pairs(ks, names_, states=False)


def _fields(ks: KernelSpec) -> list[str]:
    """The floating-point fields of a lane (flags as 0.0/1.0)."""
    pairs = _parts(ks)
    return (["RUN", "REJ", "ATT", "REFR", "NS", "TT", "HC", "A", "ATOL", "RTOL", "K1"]
            + [f"X_{k}" for k in ks.spec.states]
            + [f"_k1_{k}" for k in ks.integ_step.new] + [f"V{name}" for name, _, _ in pairs])


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


def _k1_lane(ks: KernelSpec, ind: int, L: Lines) -> None:
    """k1 of lane l if it needs it (LK1: a neuron just loaded, or reset by an event), from the
    lane's state and constants (scalar code; the one place besides the tries that evaluates the
    right-hand sides)."""
    L.add(ind, "if LK1[l] != 0.0:")
    hoist(L, ind + 1, "_lane_k1", lambda F: _k1_block(ks, F))


def _k1_block(ks: KernelSpec, L: Lines) -> None:
    b = 1
    for k in ks.spec.states:
        L.add(b, f"x_{k} = LX_{k}[l]")
    _lane_consts(ks, b, L)
    if ks.has_refractory:
        L.add(b, "_active = LA[l]")
    L.add(b, "_tt = LTT[l]")
    L.add(b, f"{f_targets(ks, '_k1_')} = {f_call(ks, 't + _tt')}")
    for k in ks.integ_step.new:
        L.add(b, f"L_k1_{k}[l] = _k1_{k}")
    L.add(b, "LK1[l] = 0.0")


def _lane_consts(ks: KernelSpec, ind: int, L: Lines) -> None:
    """Lane l's constants (a value shared by all neurons is read directly)."""
    for name, _, arr in _parts(ks):
        L.add(ind, f"{name} = _rt.lane({arr}, LS, F_V{name} + l)" if arr else f"{name} = LV{name}[l]")


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


def _scalar_consts(ks: KernelSpec, ind: int, L: Lines, events: bool, lane: bool = True) -> None:
    """Neuron i's constants that its lane keeps (``lane``) and the events read, for scalar code."""
    s = ks.spec
    used = {name for name, _, _ in _parts(ks)} if lane else set()
    if events:
        used |= names([s.threshold] + [e for _, e in s.reset])
    for name, src, _ in load_pairs(ks, used, states=False):
        if name != src:  # (dt, the time step, is there already)
            L.add(ind, f"{name} = {src}")


def _fill(ks: KernelSpec, ind: int, L: Lines, events: bool) -> None:
    """Fill free lanes with the next neurons of the sub-step loop (scalar code)."""
    s, names_ = ks.spec, list(ks.integ_step.new)
    pairs = _parts(ks)
    L.add(ind, "if refill:")
    L.add(ind + 1, "nrun = 0")
    L.add(ind + 1, "for l in range(LANES):")
    L.add(ind + 2, "while not LRUN[l] and nxt < nsl:")
    b = ind + 3
    L.add(b, "i = SL[nxt]")
    L.add(b, "nxt += 1")
    _scalar_consts(ks, b, L, events)
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
    _store_lane(ks, b, L, events, pairs)
    L.add(ind + 2, "if status:")
    L.add(ind + 3, "break")
    _k1_lane(ks, ind + 2, L)
    L.add(ind + 2, "nrun += 1 if LRUN[l] else 0")
    L.add(ind + 1, "if status or nrun == 0:")
    L.add(ind + 2, "break")
    L.add(ind + 1, "refill = False")


def _store_lane(ks: KernelSpec, b: int, L: Lines, events: bool, pairs) -> None:
    """Neuron i into lane l."""
    for line in ("LI[l] = i", "LRUN[l] = 1.0", "LK1[l] = 1.0", "LNS[l] = 2.0", "LTT[l] = _tt",
                 "LHC[l] = _hc"):
        L.add(b, line)
    if ks.has_refractory:
        L.add(b, "LA[l] = _active")
    if events:
        L.add(b, "LREFR[l] = 1.0 if _refr else 0.0")
        L.add(b, "LNSP[l] = _nsp")
    for k in ks.spec.states:
        L.add(b, f"LX_{k}[l] = x_{k}")
    for name, _, _ in pairs:  # (loaded by _scalar_consts)
        L.add(b, f"LV{name}[l] = {name}")
    L.add(b, "LATOL[l] = ATOL[i]")
    L.add(b, "LRTOL[l] = RTOL[i]")


def _round(ks: KernelSpec, ind: int, L: Lines, events: bool) -> None:
    """One try in every lane (vectorised), accepted or rejected, and what needs scalar code."""
    L.add(ind, "natt = 0")
    L.add(ind, "for l in range(LANES):")
    hoist(L, ind + 1, "_lane_try", lambda F: _round_block(ks, F, events), sums=("natt",))


def _round_block(ks: KernelSpec, L: Lines, events: bool) -> None:
    """The try of lane l (at indent 1)."""
    s, names_ = ks.spec, list(ks.integ_step.new)
    b = 1
    for k in s.states:
        L.add(b, f"x_{k} = LX_{k}[l]")
    for k in names_:
        L.add(b, f"_k1_{k} = L_k1_{k}[l]")
    _lane_consts(ks, b, L)
    if ks.has_refractory:
        L.add(b, "_active = LA[l]")
    for line in ("_atol = LATOL[l]", "_rtol = LRTOL[l]", "_tt = LTT[l]", "_hc = LHC[l]",
                 "_run = LRUN[l] != 0.0", "_final = _tt + _hc >= dt", "_h = _rt.sel(_final, dt - _tt, _hc)"):
        L.add(b, line)
    L.add(b, f"{try_targets(ks)} = {try_call(ks, '_tt')}")
    L.add(b, "_acc = _ok & _run")
    L.add(b, "_ttn = _rt.sel(_acc, _rt.sel(_final, dt, _tt + _h), _tt)")
    for k in names_:
        L.add(b, f"LX_{k}[l] = _rt.sel(_acc, n_{k}, x_{k})")
    for k in names_:
        L.add(b, f"L_k1_{k}[l] = _rt.sel(_acc, _dy_{k}, _k1_{k})")
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
        _scalar_consts(ks, c, L, events, lane=False)
        L.add(c, "_refr = LREFR[l] != 0.0")
        L.add(c, "_nsp = LNSP[l]")
        if ks.has_refractory:
            L.add(c, "_active = LA[l]")
        substep_event(ks, c, L)
        L.add(c + 1, "LK1[l] = 1.0")  # after a reset: k1 afresh (see _k1_lane)
        L.add(c + 1, "refill = True")
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


class SlowPass(NamedTuple):
    """The generated ``_slow`` function: its lines and its arguments (the body's names it reads)."""

    lines: list[str]
    args: list[str]


def slow_function(ks: KernelSpec, flags: str, L: Lines) -> SlowPass:
    """``_slow``: the neurons whose full-dt trial was not taken (SL, in order) through GSL's
    sub-step loop, in lanes (module docstring); returns (status, bad_n).  A function of its own,
    called only in steps that have such neurons: numba's compile time grows faster than a
    function's length, and the lanes' code is half of an adaptive kernel."""
    events = ks.spec.threshold is not None and ks.spec.events_in_substeps
    S = Lines()
    S.n_temps = L.n_temps  # temporaries numbered across the module
    S.lane_fields = set(_fields(ks))
    S.compiled = True
    S.add(1, "nsl = SL.shape[0]")
    S.add(1, "nxt = 0")
    S.add(1, "refill = True")
    S.add(1, "while True:")
    _fill(ks, 2, S, events)
    _round(ks, 2, S, events)
    _rare(ks, 2, S, events)
    L.n_temps = S.n_temps
    args = free_names(S.lines, MODULE_NAMES | {"status", "bad_n"} | set(S.functions))
    L.functions.update(S.functions)
    out = Lines()
    out.add(0, flags)
    out.add(0, f"def _slow({', '.join(args)}):")
    out.add(1, '"""The sub-step loop of the neurons SL (in order); returns (status, bad neuron)."""')
    out.add(1, "status = 0")
    out.add(1, "bad_n = -1")
    out.lines += S.lines
    out.add(1, "return status, bad_n")
    out.add(0, "")
    out.add(0, "")
    return SlowPass(out.lines, args)


def slow_call(ks: KernelSpec, ind: int, L: Lines, slow: SlowPass) -> None:
    """In the body: list the neurons of the sub-step loop, and run it if there are any."""
    L.add(ind, "nsl = 0")  # the neurons of the sub-step loop, in order
    L.add(ind, "for i in range(n):")
    L.add(ind + 1, "SLI[nsl] = i")
    L.add(ind + 1, "nsl += 1 if SLOW[i] else 0")
    L.add(ind, "if nsl > 0:")
    # SL is SLI[:nsl] (were the count an argument, numba would compile _slow twice: for the type of
    # nsl's first value, the literal 0, and for int64)
    args = ["SLI[:nsl]" if a == "SL" else a for a in slow.args]
    L.add(ind + 1, f"status, bad_n = _slow({', '.join(args)})")
