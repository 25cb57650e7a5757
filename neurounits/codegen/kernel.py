"""Assemble a model's time loop as a Python module of ``@njit`` functions, cache it, load it.

The generated module holds one function, ``run``, that advances a block of
neurons through the whole simulation in one call (time loop outside, neuron
loop inside over plain arrays, so that LLVM can vectorise it).  It takes every
parameter as a per-neuron array (values are arguments, never constants of the
code: changing a value never recompiles), and returns spikes and a status.

The source is content-hashed and written once (atomically) to the kernel
cache directory, ``$NEUROUNITS_CACHE_DIR`` or ``~/.cache/neurounits``, then
imported, so numba's ``cache=True`` reuses the compiled code across processes.

Kernel arguments, in order::

    n_steps, dt, j0, rec_every, spk_cap,
    X_<state>...        (float64[n], updated in place)
    P_<parameter>...    (float64[n])
    U_<input>, IX_<input>...  (float64[rows, 1 or n], int64[n_steps]: row of each step)
    REF, REFSTEPS       (int64[n], only with a refractory period)
    CNT, FIRST, LAST    (int32 or int64[n], only in count-only mode: spike count, step of first/last spike)
    REC                 (float64[n_record, n_samples, n]; count-only: [n_record, 1, n], sums)

and it returns ``(status, steps_done, n_spikes, spike_steps, spike_neurons,
bad_variable, bad_neuron)``; status 1 means a state became NaN or infinite.

Adaptive (rkf45) kernels are compiled with ``fastmath={"contract"}``: a multiplication
followed by an addition may become one fused multiply-add (one rounding instead of
two; nothing else of fast-math is allowed).  Their sub-step loop waits on chains of
dependent operations, which FMA shortens; other kernels keep separate roundings.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sympy

from ..equations import TIME, ModelSpec
from ..integrators import Step
from ..integrators.explicit import held_odes
from ..integrators.rkf45 import TT, H, reciprocals
from .printer import to_code

__all__ = ["KernelSpec", "cache_dir", "generate", "load"]

_T_END = sympy.Symbol("t_end", real=True)
# LLVM gives up vectorising a loop that needs more than 128 run-time pointer-overlap checks by
# default; a model's per-neuron loop reads and writes dozens of arrays (measured: the rkf45 trial
# loop of aeif_cond_alpha needs several hundred).  The setting is part of the generated header.
_VECTORIZE_CHECKS = 4096
_LLVM_CONFIGURED = False


def _configure_llvm() -> None:
    """Set the LLVM option once, before the first kernel compiles (not at import time)."""
    global _LLVM_CONFIGURED
    if not _LLVM_CONFIGURED:
        import llvmlite.binding as llvm

        llvm.set_option("", f"-vectorize-memory-check-threshold={_VECTORIZE_CHECKS}")
        _LLVM_CONFIGURED = True
_RUNTIME_HASH = hashlib.sha256(Path(__file__).with_name("runtime.py").read_bytes()).hexdigest()[:12]
_GEN_VERSION = "1"


@dataclass(frozen=True)
class KernelSpec:
    """Everything structural about one kernel (the cache key is its generated source)."""

    spec: ModelSpec
    step: Step | None
    record: tuple[str, ...]
    per_neuron_inputs: tuple[str, ...]  # inputs that have a neuron axis
    control: str = "y"  # rkf45 error scale: "y" (|y|) or "yp" (h |dy/dt|), as GSL's controls
    # count-only mode (sweeps) when not empty: per-neuron accumulators CNT (spikes), REC[r, 0, i] (sum of
    # the recorded samples) and, if named here, FIRST/LAST ("first", "last": step of the first/last spike,
    # -1 if none), instead of a spike list and traces; e.g. ("count", "first")
    counts: tuple[str, ...] = ()
    uniform: tuple[str, ...] = ()  # parameters equal for every neuron (read once, P_<name>[0])

    @property
    def has_refractory(self) -> bool:
        return self.spec.refractory is not None

    @property
    def adaptive(self) -> bool:
        return self.step is not None and self.step.adaptive

    @property
    def has_threshold(self) -> bool:
        return self.spec.threshold is not None

    def argnames(self) -> list[str]:
        s = self.spec
        names = ["n_steps", "dt", "j0", "rec_every", "spk_cap"]
        names += [f"X_{k}" for k in s.states]
        names += [f"P_{k}" for k in s.parameters]
        for k in s.inputs:
            names += [f"U_{k}", f"IX_{k}"]
        if self.has_refractory:
            names += ["REF", "REFSTEPS"]
        for r in s.receptors:
            names += [f"EVS_{r}", f"EVN_{r}", f"EVW_{r}", f"B_{r}"]
        if self.adaptive:
            names += ["HSTEP", "ATOL", "RTOL", "hmin", "maxsub"]
        names += _noise_rate_args(s)
        if self.counts:
            names += ["CNT", "FIRST", "LAST"]
        names.append("REC")
        return names


def cache_dir() -> Path:
    """Where generated kernels are written: ``$NEUROUNITS_CACHE_DIR`` or ``~/.cache/neurounits``."""
    env = os.environ.get("NEUROUNITS_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "neurounits"


class _Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.homog = False  # parameters and derived constants are hoisted (uniform population)

    def add(self, indent: int, text: str) -> None:
        self.lines.append("    " * indent + text)


def _load_pairs(ks: KernelSpec, used: set[str], L: _Lines, states: bool = True) -> list[tuple[str, str]]:
    """(local name, source) of the states, parameters, inputs and derived constants of neuron i."""
    s = ks.spec
    out = [(f"x_{k}", f"X_{k}[i]") for k in s.states] if states else []
    for k in s.parameters:
        if f"p_{k}" in used and not L.homog and k not in ks.uniform:
            out.append((f"p_{k}", f"P_{k}[i]"))
    for k in s.inputs:
        if f"u_{k}" in used and k in s.rate_channels:
            out.append((f"u_{k}", _rate_value(ks, k, L)))
        elif f"u_{k}" in used:
            out.append((f"u_{k}", f"UR_{k}[i]" if k in ks.per_neuron_inputs else f"us_{k}"))
    for r in s.receptors:
        if f"_rb_{r}" in used:
            out.append((f"_rb_{r}", f"B_{r}[i]"))
    if ks.step is not None and not L.homog:
        for sym in _derived_symbols(ks):
            if sym.name in used:
                out.append((sym.name, f"D{sym.name}[i]"))
    return out


def _loads(ks: KernelSpec, used: set[str], ind: int, L: _Lines) -> None:
    """Load states, parameters, inputs and derived constants of neuron i into locals."""
    for name, src in _load_pairs(ks, used, L):
        L.add(ind, f"{name} = {src}")


def _derived_symbols(ks: KernelSpec) -> list:
    """Per-neuron constants of the integrator (derived entries, and E and P of exact)."""
    out = [sym for sym, _ in ks.step.derived]
    if ks.step.expm is not None:
        _, E, P = ks.step.expm
        out += [sym for row in E + P for sym in row]
    return out


def _refsteps(L: _Lines) -> str:
    return "refsteps0" if L.homog else "REFSTEPS[i]"


def _hoist(ks: KernelSpec, L: _Lines) -> None:
    """Uniform population: read every parameter and derived constant once, before the time loop."""
    for k in ks.spec.parameters:
        L.add(1, f"p_{k} = P_{k}[0]")
    if ks.step is not None:
        for sym in _derived_symbols(ks):
            L.add(1, f"{sym.name} = D{sym.name}[0]")
    if ks.has_refractory:
        L.add(1, "refsteps0 = REFSTEPS[0]")


def _input_rows(ks: KernelSpec, ind: int, L: _Lines, step: str) -> None:
    if ks.spec.rate_channels and ks.spec.rate_linear:
        for c in range(len(ks.spec.rate_channels)):
            L.add(ind, f"rs_{c} = RS[{c}, {step}]")
    for k in ks.spec.inputs:
        if k in ks.per_neuron_inputs:
            L.add(ind, f"UR_{k} = U_{k}[IX_{k}[{step}]]")
        else:
            L.add(ind, f"us_{k} = U_{k}[IX_{k}[{step}], 0]")


def _names(exprs) -> set[str]:
    out: set[str] = set()
    for e in exprs:
        out |= {sym.name for sym in sympy.sympify(e).free_symbols}
    return out


def _before_events(ks: KernelSpec) -> list[str]:
    """Recorded named expressions kept from the integrated end state of each step (RX_<name>)."""
    s = ks.spec
    if not (s.expressions_before_events and ks.step is not None):
        return []
    return [k for k in ks.record if k in s.expressions]


def _store_before_events(ks: KernelSpec, ind: int, L: _Lines) -> None:
    """RX_<name>[i] = the expression at the integrated end state (n_<state>, t_end)."""
    s = ks.spec
    to_new = {s.symbols[k]: sympy.Symbol(f"n_{k}", real=True) for k in ks.step.new}
    to_new[TIME] = _T_END
    for k in _before_events(ks):
        L.add(ind, f"RX_{k}[i] = {to_code(s.expressions[k][0].xreplace(to_new))}")


def _record_block(ks: KernelSpec, ind: int, L: _Lines, sample: str, step: str) -> None:
    s = ks.spec
    stored = _before_events(ks) if sample != "0" else []
    exprs = {k: s.expressions[k][0] for k in ks.record if k in s.expressions and k not in stored}
    L.add(ind, f"s_ = {sample}")
    if exprs:
        _input_rows(ks, ind, L, step)
        L.add(ind, f"t = (j0 + {step}) * dt")
    L.add(ind, "for i in range(n):")
    used = _names(exprs.values())
    used |= _rate_used(ks, used)
    if exprs:
        _loads(ks, used, ind + 1, L)
        for k, name in enumerate(ks.spec.noise):  # the step's draw again (a pure function), 0 at t = 0
            if f"_n_{name}" in used:
                draw = "0.0" if sample == "0" else f"_rt.normal(SEED, GID[i], j0 + {step}, {k}) * isdt_"
                L.add(ind + 1, f"_n_{name} = {draw}")
    at, op = ("0", "+=") if ks.counts else ("s_", "=")  # count-only: sums of the samples
    for r, k in enumerate(ks.record):
        if k in s.states:
            L.add(ind + 1, f"REC[{r}, {at}, i] {op} X_{k}[i]")
        elif k == "refractory":
            L.add(ind + 1, f"REC[{r}, {at}, i] {op} 1.0 if REF[i] > 0 else 0.0")
        elif k in stored:
            L.add(ind + 1, f"REC[{r}, {at}, i] {op} RX_{k}[i]")
        else:
            L.add(ind + 1, f"REC[{r}, {at}, i] {op} {to_code(exprs[k])}")


def _preamble(ks: KernelSpec, L: _Lines) -> None:
    step = ks.step
    if step is None or not (step.derived or step.expm):
        return
    L.add(1, "# per-neuron constants of the integrator (from parameters and dt only)")
    for sym, _ in step.derived:
        L.add(1, f"D{sym.name} = np.empty(n)")
    if step.expm is not None:
        M, E, P = step.expm
        k = len(M)
        for row in E + P:
            for sym in row:
                L.add(1, f"D{sym.name} = np.empty(n)")
        L.add(1, f"mtx = np.empty(({k}, {k}))")
    L.add(1, "for i in range(n):")
    _loads_params_only(ks, _names(e for _, e in step.derived), 2, L)
    for sym, e in step.derived:
        L.add(2, f"D{sym.name}[i] = {to_code(e)}")
    if step.expm is not None:
        for a, row in enumerate(M):
            for b, sym in enumerate(row):
                L.add(2, f"mtx[{a}, {b}] = D{sym.name}[i]")
        L.add(2, "eE, eP = _rt.expm_block(mtx, dt)")
        for a in range(k):
            for b in range(k):
                L.add(2, f"D{E[a][b].name}[i] = eE[{a}, {b}]")
                L.add(2, f"D{P[a][b].name}[i] = eP[{a}, {b}]")


def _loads_params_only(ks: KernelSpec, used: set[str], ind: int, L: _Lines) -> None:
    for k in ks.spec.parameters:
        if f"p_{k}" in used:
            L.add(ind, f"p_{k} = P_{k}[i]")


def _integrate(ks: KernelSpec, ind: int, L: _Lines) -> None:
    """Fixed step: statements, then n_<state> = new value."""
    step = ks.step
    for sym, e in step.statements:
        L.add(ind, f"{sym.name} = {to_code(e)}")
    for k, e in step.new.items():
        L.add(ind, f"n_{k} = {to_code(e)}")


_DBL_MIN = "2.2250738585072014e-308"

def _next_step(ind: int, L: _Lines) -> None:
    """_hn, the step after a try of size _h with error ratio _r, by GSL's standard control (q = 5):
    accepted (``_ok``, r <= 1.1) with r < 0.5, h 0.9 r^(-1/(q+1)) within [h, 5 h]; rejected,
    h max(0.9 r^(-1/q), 0.2).  One exponential serves both (a loop that vectorises computes both
    sides of a conditional)."""
    L.add(ind, "_ok = _r <= 1.1")
    L.add(ind, "_lr = _rt.log(_r)")
    L.add(ind, "_e = 0.9 * _rt.exp((-_lr / 6.0) if _ok else (-0.2 * _lr))")
    L.add(ind, "_hn = ((_h * min(max(_e, 1.0), 5.0)) if _r < 0.5 else _h) if _ok else _h * max(_e, 0.2)")


def _end_derivatives(ks: KernelSpec) -> dict[str, sympy.Expr]:
    """The right-hand sides at a try's end state (n_<state>, t + _tt + _h), per state."""
    s, step = ks.spec, ks.step
    odes = held_odes(s)
    end = {s.symbols[k]: sympy.Symbol(f"n_{k}", real=True) for k in step.new}
    end[TIME] = TIME + TT + H
    return {k: reciprocals(odes[k], step).xreplace(end) for k in step.new}


def _error_ratio(ks: KernelSpec, ind: int, L: _Lines) -> None:
    """_r = max over states of |error| / D, D = atol + rtol * scale, as GSL's standard control.

    The largest ratio is found by comparing cross products (a/b > c/d as a d > c b, b and d >= 0)
    in a balanced tree, and only it is divided: one division instead of one per state (divisions
    are slow, and a loop that vectorises pays for all of them).  A ratio 0/0 (error and D both 0)
    is skipped, as before; x/0 with x > 0 makes r infinite, as before.
    """
    step, names = ks.step, list(ks.step.new)
    if ks.control == "yp":  # D = atol + rtol * h * |dy/dt at the end of the step|
        for k, e in _end_derivatives(ks).items():
            L.add(ind, f"_dy_{k} = {to_code(e)}")
    pairs = []
    for j, k in enumerate(names):
        scale = f"_h * abs(_dy_{k})" if ks.control == "yp" else f"abs(n_{k})"
        L.add(ind, f"_en{j} = abs({to_code(step.errors[k])})")
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
            L.add(ind, f"{cn} = {bn} if _gt else {an}")
            L.add(ind, f"{cd} = {bd} if _gt else {ad}")
            nxt.append((cn, cd))
        if len(pairs) % 2:
            nxt.append(pairs[-1])
        pairs, level = nxt, level + 1
    L.add(ind, f"_r = max({pairs[0][0]} / {pairs[0][1]}, {_DBL_MIN})")


def _trial_pass(ks: KernelSpec, ind: int, L: _Lines) -> None:
    """GSL's first sub-step try of this dt, for every neuron at once (vectorisable).

    The try is of size dt where the carried step is >= dt, else of the carried step.
    Where it is accepted and reaches the end of dt the result is final; elsewhere
    SLOW[i] sends the neuron through the sub-step loop, which goes on from this try
    (ACC[i]: accepted, state in TN, next step in HN; else HN is the reduced step to retry).
    """
    step, names = ks.step, list(ks.step.new)
    L.add(ind, "for i in range(n):")
    exprs = [e for _, e in step.statements] + list(step.new.values()) + list(step.errors.values())
    _loads(ks, _names(exprs) | {f"u_{k}" for k in ks.spec.inputs}, ind + 1, L)
    if ks.has_refractory:
        L.add(ind + 1, "_active = 0.0 if REF[i] > 0 else 1.0")
    L.add(ind + 1, "_hc = HSTEP[i]")
    L.add(ind + 1, "_final = _hc >= dt")
    L.add(ind + 1, "_h = dt if _final else _hc")
    L.add(ind + 1, "_tt = 0.0")
    L.add(ind + 1, "_atol = ATOL[i]")
    L.add(ind + 1, "_rtol = RTOL[i]")
    _integrate(ks, ind + 1, L)
    _error_ratio(ks, ind + 1, L)
    _next_step(ind + 1, L)
    L.add(ind + 1, "_acc = _ok")
    L.add(ind + 1, "SLOW[i] = not (_acc & _final)")
    L.add(ind + 1, "ACC[i] = _acc")
    for k in names:
        L.add(ind + 1, f"TN_{k}[i] = n_{k}")
    L.add(ind + 1, "HN[i] = _hn")


# the sub-step loop advances this many neurons at once, one try each per round (vectorised over lanes)
LANES = 4


def _slow_pass(ks: KernelSpec, ind: int, L: _Lines) -> None:
    """Neurons whose full-dt trial was not taken: GSL's sub-step loop (see neurounits.integrators.rkf45).

    These neurons are advanced ``LANES`` at a time: each lane holds one neuron's sub-step state
    (state, k1, time within dt, step size, sub-step count) and every round makes one try in every
    lane, in a loop over the lanes that vectorises (one neuron's tries form a chain of dependent
    operations; lanes run several chains side by side).  The round also accepts or rejects each
    try, adjusts the step and flags what needs scalar code: a step underflow, a threshold crossed
    inside dt (with ``threshold_in_substeps``), too many sub-steps, and a neuron that reached the
    end of dt, whose results then go to TN/HN/NSP and whose lane takes the next neuron.  Each
    neuron goes through exactly GSL's sequence of tries: the trial pass made the first (an
    accepted one is continued from: ACC[i], state TN, next step HN[i]; a rejected one is retried
    with HN[i]); k1, the derivative at the start of a sub-step, is kept over rejected tries.
    """
    s, step, names = ks.spec, ks.step, list(ks.step.new)
    events = s.threshold is not None and s.events_in_substeps
    k1, rest, dy, lane_pairs = _lane_parts(ks, L)
    ev_exprs = [e for _, e in k1] + ([s.threshold] + [e for _, e in s.reset] if events else [])
    ev_used = _names(ev_exprs) | {f"u_{k}" for k in s.inputs}
    scalar_pairs = _load_pairs(ks, ev_used, L, states=False)

    def load_scalar(i_ind: int) -> None:  # neuron i's constants, for scalar code
        for name, src in scalar_pairs:
            L.add(i_ind, f"{name} = {src}")

    def finish(f_ind: int) -> None:  # the neuron reached the end of dt
        for k in names:
            L.add(f_ind, f"TN_{k}[i] = x_{k}")
        for k in s.states:
            if k not in names:  # a reset of a state without an equation: keep it
                L.add(f_ind, f"X_{k}[i] = x_{k}")
        L.add(f_ind, "HSTEP[i] = _hc")
        L.add(f_ind, "HN[i] = _hc")
        if events:
            L.add(f_ind, "NSP[i] = _nsp")

    first_line = len(L.lines)
    # the neurons of the sub-step loop, in order
    L.add(ind, "nsl = 0")
    L.add(ind, "for i in range(n):")
    L.add(ind + 1, "SLI[nsl] = i")
    L.add(ind + 1, "nsl += 1 if SLOW[i] else 0")
    L.add(ind, "nxt = 0")
    L.add(ind, "refill = True")
    L.add(ind, "while True:")
    # ---- fill free lanes with the next neurons (scalar)
    L.add(ind + 1, "if refill:")
    L.add(ind + 2, "nrun = 0")
    L.add(ind + 2, f"for l in range({LANES}):")
    L.add(ind + 3, "while not LRUN[l] and nxt < nsl:")
    b = ind + 4
    L.add(b, "i = SLI[nxt]")
    L.add(b, "nxt += 1")
    load_scalar(b)
    for k in s.states:
        L.add(b, f"x_{k} = X_{k}[i]")
    L.add(b, "_refr = REF[i] > 0" if ks.has_refractory else "_refr = False")
    if ks.has_refractory:
        L.add(b, "_active = 0.0 if _refr else 1.0")
    L.add(b, "_nsp = 0")
    L.add(b, "_hc = HN[i]")
    L.add(b, "_tt = 0.0")
    L.add(b, "if ACC[i]:  # the trial's try (of the carried step, < dt) was accepted: go on from it")
    for k in names:
        L.add(b + 1, f"x_{k} = TN_{k}[i]")
    L.add(b + 1, "_tt = HSTEP[i]")
    if events:
        _substep_event(ks, b + 1, L)
    L.add(b, "elif _hc < hmin or not _hc > 0.0 or t + _hc == t:")
    _stop(L, b + 1, 2)
    L.add(b, "if not dt - _tt > 1e-12 * dt:")
    finish(b + 1)
    L.add(b + 1, "continue")
    L.add(b, "if 2 > maxsub:")
    _stop(L, b + 1, 3)
    for sym, e in k1:
        L.add(b, f"{sym.name} = {to_code(e, scalar=True)}")
    L.add(b, "LI[l] = i")
    L.add(b, "LRUN[l] = 1.0")
    L.add(b, "LNS[l] = 2.0")
    L.add(b, "LTT[l] = _tt")
    L.add(b, "LHC[l] = _hc")
    if ks.has_refractory:
        L.add(b, "LA[l] = _active")
    if events:
        L.add(b, "LREFR[l] = 1.0 if _refr else 0.0")
        L.add(b, "LNSP[l] = _nsp")
    for k in s.states:
        L.add(b, f"LX_{k}[l] = x_{k}")
    for sym, _ in k1:
        L.add(b, f"L{sym.name}[l] = {sym.name}")
    for name, src in lane_pairs:
        L.add(b, f"LV{name}[l] = {src}")
    L.add(b, "LATOL[l] = ATOL[i]")
    L.add(b, "LRTOL[l] = RTOL[i]")
    L.add(ind + 3, "if status:")
    L.add(ind + 4, "break")
    L.add(ind + 3, "nrun += 1 if LRUN[l] else 0")
    L.add(ind + 2, "if status or nrun == 0:")
    L.add(ind + 3, "break")
    L.add(ind + 2, "refill = False")
    # ---- one try in every lane (vectorised), accepted or rejected, and what needs scalar code
    L.add(ind + 1, "natt = 0")
    L.add(ind + 1, f"for l in range({LANES}):")
    b = ind + 2
    for k in s.states:
        L.add(b, f"x_{k} = LX_{k}[l]")
    for sym, _ in k1:
        L.add(b, f"{sym.name} = L{sym.name}[l]")
    for name, _ in lane_pairs:
        L.add(b, f"{name} = LV{name}[l]")
    if ks.has_refractory:
        L.add(b, "_active = LA[l]")
    L.add(b, "_atol = LATOL[l]")
    L.add(b, "_rtol = LRTOL[l]")
    L.add(b, "_tt = LTT[l]")
    L.add(b, "_hc = LHC[l]")
    L.add(b, "_run = LRUN[l] != 0.0")
    L.add(b, "_final = _tt + _hc >= dt")
    L.add(b, "_h = dt - _tt if _final else _hc")
    for sym, e in rest:
        L.add(b, f"{sym.name} = {to_code(e)}")
    for k, e in step.new.items():
        L.add(b, f"n_{k} = {to_code(e)}")
    if ks.control != "yp":
        for k in names:
            L.add(b, f"_dy_{k} = {to_code(dy[k])}")
    _error_ratio(ks, b, L)  # with the "yp" control this (re)defines _dy_<state> the same way
    _next_step(b, L)
    L.add(b, "_acc = _ok & _run")
    L.add(b, "_ttn = (dt if _final else _tt + _h) if _acc else _tt")
    for k in names:
        L.add(b, f"LX_{k}[l] = n_{k} if _acc else x_{k}")
    for sym, _ in k1:
        L.add(b, f"L{sym.name}[l] = _dy_{sym.name[4:]} if _acc else {sym.name}")
    L.add(b, "LTT[l] = _ttn")
    L.add(b, "LHC[l] = _hn if _run else _hc")
    L.add(b, "LREJ[l] = 0.0 if _ok else 1.0")
    L.add(b, "_under = (not _ok) & ((_hn < hmin) | (not _hn > 0.0) | ((t + _tt) + _hn == t + _tt))")
    L.add(b, "_done = not dt - _ttn > 1e-12 * dt")
    L.add(b, "_ns = LNS[l] + (0.0 if _done else 1.0)")
    L.add(b, "LNS[l] = _ns if _run else LNS[l]")
    att = "_under | _done | (_ns > maxsub)"
    if events:
        to_new = {s.symbols[k]: sympy.Symbol(f"n_{k}", real=True) for k in names}
        to_new[TIME] = TIME + sympy.Symbol("_ttn", real=True)
        L.add(b, f"_ev = _acc & (LREFR[l] == 0.0) & ({to_code(s.threshold.xreplace(to_new))})")
        att += " | _ev"
    L.add(b, f"_att = _run & ({att})")
    L.add(b, "LATT[l] = 1.0 if _att else 0.0")
    L.add(b, "natt += 1 if _att else 0")
    # ---- the rare lanes (scalar): underflow, events, too many sub-steps, neurons done
    L.add(ind + 1, "if natt == 0:")
    L.add(ind + 2, "continue")
    L.add(ind + 1, f"for l in range({LANES}):")
    b = ind + 2
    L.add(b, "if LATT[l] == 0.0:")
    L.add(b + 1, "continue")
    L.add(b, "i = LI[l]")
    L.add(b, "_tt = LTT[l]")
    L.add(b, "_hc = LHC[l]")
    L.add(b, "if LREJ[l] != 0.0:")
    L.add(b + 1, "if (not _hc > 0.0) or _hc < hmin or (t + _tt) + _hc == t + _tt:")
    _stop(L, b + 2, 2)
    for k in s.states:
        L.add(b, f"x_{k} = LX_{k}[l]")
    if events:
        L.add(b, "if LREJ[l] == 0.0:")
        c = b + 1
        load_scalar(c)
        L.add(c, "_refr = LREFR[l] != 0.0")
        L.add(c, "_nsp = LNSP[l]")
        if ks.has_refractory:
            L.add(c, "_active = LA[l]")
        _substep_event(ks, c, L)
        for sym, e in k1:  # after a reset: k1 afresh
            L.add(c + 1, f"L{sym.name}[l] = {to_code(e, scalar=True)}")
        for k, _ in s.reset:
            L.add(c + 1, f"LX_{k}[l] = x_{k}")
        L.add(c + 1, "LREFR[l] = 1.0 if _refr else 0.0")
        L.add(c + 1, "LNSP[l] = _nsp")
        if ks.has_refractory:
            L.add(c + 1, "LA[l] = _active")
    L.add(b, "if not dt - _tt > 1e-12 * dt:")
    if events:
        L.add(b + 1, "_nsp = LNSP[l]")
    finish(b + 1)
    L.add(b + 1, "LRUN[l] = 0.0")
    L.add(b + 1, "refill = True")
    L.add(b, "elif LNS[l] > maxsub:")
    _stop(L, b + 1, 3)
    L.add(ind + 1, "if status:")
    L.add(ind + 2, "break")
    # the lanes' fields are rows of one flat array, LS[f * LANES + l]: the round's loop then reads
    # and writes one array at constant distances, which LLVM proves independent (no run-time alias
    # checks, whose cost a loop of LANES iterations would not amortise)
    offs = {name: f * LANES for f, name in enumerate(_lane_fields(ks, k1, lane_pairs))}

    def sub(m: re.Match) -> str:
        off = offs.get(m.group(1))
        return m.group(0) if off is None else (f"LS[{off} + l]" if off else "LS[l]")
    L.lines[first_line:] = [re.sub(r"\bL(\w+)\[l\]", sub, line) for line in L.lines[first_line:]]


def _lane_parts(ks: KernelSpec, L: _Lines):
    """k1 statements, the other stage statements, f at a try's end (the next k1) and the
    (local, source) pairs of the constants a try reads, which each lane keeps a copy of."""
    s, step = ks.spec, ks.step
    k1 = [(sym, e) for sym, e in step.statements if sym.name.startswith("_k1_")]
    rest = [(sym, e) for sym, e in step.statements if not sym.name.startswith("_k1_")]
    dy = _end_derivatives(ks)
    exprs = [e for _, e in rest] + list(step.new.values()) + list(step.errors.values()) + list(dy.values())
    if s.threshold is not None and s.events_in_substeps:  # the round tests the threshold
        exprs.append(s.threshold)
    pairs = _load_pairs(ks, _names(exprs) | {f"u_{k}" for k in s.inputs}, L, states=False)
    return k1, rest, dy, pairs


def _lane_fields(ks: KernelSpec, k1, pairs) -> list[str]:
    """The floating-point fields of a lane (flags as 0.0/1.0), from _lane_parts' k1 and pairs."""
    return (["RUN", "REJ", "ATT", "REFR", "NS", "TT", "HC", "A", "ATOL", "RTOL"]
            + [f"X_{k}" for k in ks.spec.states]
            + [sym.name for sym, _ in k1] + [f"V{name}" for name, _ in pairs])


def _lane_arrays(ks: KernelSpec, L: _Lines) -> None:
    """Allocation of the sub-step loop's lane arrays (see _slow_pass)."""
    k1, _, _, pairs = _lane_parts(ks, L)
    fields = _lane_fields(ks, k1, pairs)
    L.add(1, "SLI = np.empty(n, np.int64)")
    L.add(1, f"LI = np.zeros({LANES}, np.int64)")
    L.add(1, f"LNSP = np.zeros({LANES}, np.int64)")
    L.add(1, f"LS = np.zeros({len(fields) * LANES})")
    L.add(1, f"for l in range({LANES}):")
    for f, name in enumerate(fields):  # an idle lane computes on harmless values
        if name in ("HC", "A", "ATOL"):
            L.add(2, f"LS[{f * LANES} + l] = 1.0")


def _accept_results(ks: KernelSpec, ind: int, L: _Lines) -> None:
    """The step's result: the full-dt trial, or the sub-step loop's (branch-free)."""
    s, names = ks.spec, list(ks.step.new)
    for k in names:
        L.add(ind, f"n_{k} = TN_{k}[i]")
    L.add(ind, "HSTEP[i] = HN[i]")
    if s.threshold is not None and s.events_in_substeps:
        # the full-dt trial is one sub-step: its threshold is checked at its end
        to_new = {s.symbols[k]: sympy.Symbol(f"n_{k}", real=True) for k in names}
        to_new[TIME] = _T_END
        cond = to_code(s.threshold.xreplace(to_new))
        refr = " and not refr" if ks.has_refractory else ""
        L.add(ind, f"_ev = (not SLOW[i]){refr} and ({cond})")
        for k, e in s.reset:
            target = f"n_{k}" if k in names else f"x_{k}"
            L.add(ind, f"{target} = ({to_code(e.xreplace(to_new))}) if _ev else {target}")
        L.add(ind, "_nsp = NSP[i] if SLOW[i] else (1 if _ev else 0)")


def _stop(L: _Lines, ind: int, status: int) -> None:
    """Leave the sub-step loop with a failure status (2: step underflow, 3: too many sub-steps)."""
    L.add(ind, f"status = {status}")
    L.add(ind, "bad_n = i")
    L.add(ind, "break")


def _substep_event(ks: KernelSpec, ind: int, L: _Lines) -> None:
    """After an accepted sub-step: threshold check and reset at once (threshold_in_substeps)."""
    s = ks.spec
    L.add(ind, f"if not _refr and ({to_code(s.threshold.xreplace({TIME: TIME + TT}))}):")
    for k, e in s.reset:
        L.add(ind + 1, f"x_{k} = {to_code(e.xreplace({TIME: TIME + TT}))}")
    L.add(ind + 1, "_nsp += 1")
    if ks.has_refractory:
        L.add(ind + 1, f"if {_refsteps(L)} > 0:")
        L.add(ind + 2, "_refr = True")
        L.add(ind + 2, "_active = 0.0")


def _step_body(ks: KernelSpec, ind: int, L: _Lines) -> None:
    s, step = ks.spec, ks.step
    exprs = []
    if step is not None:
        exprs += [e for _, e in step.statements] + list(step.new.values()) + list(step.errors.values())
    if s.threshold is not None:
        exprs.append(s.threshold)
        exprs += [e for _, e in s.reset]
    for r in s.receptors.values():
        exprs += [c for _, c in r.effects]
    exprs += [s.expressions[k][0] for k in _before_events(ks)]
    used = _names(exprs)
    used |= _rate_used(ks, used)
    _loads(ks, used, ind, L)
    _noise_draws(ks, used, ind, L)
    for k in s.states:
        if f"_prev_{k}" in used:
            L.add(ind, f"_prev_{k} = x_{k}")
    if ks.has_refractory:
        L.add(ind, "rc = REF[i]")
        L.add(ind, "refr = rc > 0")
        L.add(ind, "_active = 0.0 if refr else 1.0")
    if step is not None:
        if step.adaptive:
            _accept_results(ks, ind, L)
        else:
            _integrate(ks, ind, L)
        _store_before_events(ks, ind, L)
        if ks.has_refractory:
            for k in step.new:
                if k in s.hold:
                    L.add(ind, f"n_{k} = x_{k} if refr else n_{k}")
        for k in step.new:
            L.add(ind, f"x_{k} = n_{k}")
    for r, rec in s.receptors.items():
        for k, coef in rec.effects:
            L.add(ind, f"x_{k} = x_{k} + ({to_code(coef)}) * B_{r}[i]")
    if s.threshold is not None and ks.adaptive and s.events_in_substeps:
        L.add(ind, "sp = _nsp > 0")
        if ks.has_refractory:
            L.add(ind, f"REF[i] = {_refsteps(L)} if sp else max(rc - 1, 0)")
        _spike_out(ks, ind, L, "_nsp", "_nsp > 0")
    elif s.threshold is not None:
        thr = s.threshold.xreplace({TIME: _T_END})
        cond = f"({to_code(thr)})"
        L.add(ind, f"sp = {cond} & (rc <= 0)" if ks.has_refractory else f"sp = {cond}")
        for k, e in s.reset:
            L.add(ind, f"x_{k} = ({to_code(e.xreplace({TIME: _T_END}))}) if sp else x_{k}")
        if ks.has_refractory:
            L.add(ind, f"REF[i] = {_refsteps(L)} if sp else max(rc - 1, 0)")
        _spike_out(ks, ind, L, "sp", "sp")
    for k in s.states:
        L.add(ind, f"X_{k}[i] = x_{k}")
    # x - x is 0 for finite x and NaN otherwise; an integer sum keeps the loop vectorisable
    if ks.counts and s.states:  # one test for all states (a NaN anywhere makes the sum NaN)
        L.add(ind, f"nbad += ({' + '.join(f'(x_{k} - x_{k})' for k in s.states)}) != 0.0")
    for k in s.states if not ks.counts else ():
        L.add(ind, f"nbad += (x_{k} - x_{k}) != 0.0")


def _noise_rate_args(s: ModelSpec) -> list[str]:
    """Kernel arguments of white noise (seed, the index that keys each neuron's numbers) and of rate
    inputs (linear summation: RS[channel, step] = the summed weighted input; else RW[channel, input,
    step] the weights (0 where the input has not arrived yet) and RV[input, step] the rates)."""
    names = ["SEED", "GID"] if s.noise else []
    if s.rate_channels:
        names += ["RS"] if s.rate_linear else ["RW", "RV"]
    return names


def _noise_rate_setup(ks: KernelSpec, L: _Lines) -> None:
    s = ks.spec
    if s.noise:
        L.add(1, "isdt_ = 1.0 / math.sqrt(dt)  # xi = N / sqrt(dt) during a step")
    if s.rate_channels and not s.rate_linear:
        for c in range(len(s.rate_channels)):
            L.add(1, f"ACC_{c} = np.zeros(n)")


def _noise_draws(ks: KernelSpec, used: set[str], ind: int, L: _Lines) -> None:
    """One standard normal per neuron, step and noise: a pure function of (seed, global neuron
    index, step, noise index), so results do not depend on the blocks or threads."""
    for k, name in enumerate(ks.spec.noise):
        if f"_n_{name}" in used:
            L.add(ind, f"_n_{name} = _rt.normal(SEED, GID[i], j0 + j, {k}) * isdt_")


def _rate_used(ks: KernelSpec, used: set[str]) -> set[str]:
    """The parameters that the rate nonlinearity needs when a rate channel is used."""
    s = ks.spec
    if s.rate_linear and any(f"u_{k}" in used for k in s.rate_channels):
        return _names([s.rate_phi])
    return set()


def _phi_code(ks: KernelSpec, arg: str) -> str:
    h = sympy.Symbol("_h", real=True)
    return to_code(ks.spec.rate_phi.xreplace({h: sympy.Symbol(arg, real=True)}))


def _rate_value(ks: KernelSpec, k: str, L: _Lines) -> str:
    c = ks.spec.rate_channels.index(k)
    return _phi_code(ks, f"rs_{c}") if ks.spec.rate_linear else f"ACC_{c}[i]"


def _rate_prepass(ks: KernelSpec, ind: int, L: _Lines) -> None:
    """Without linear summation: ACC_c[i] = sum over inputs of weight * phi_i(rate), per neuron."""
    s = ks.spec
    if not s.rate_channels or s.rate_linear:
        return
    nc = len(s.rate_channels)
    L.add(ind, "for i in range(n):")
    for c in range(nc):
        L.add(ind + 1, f"ACC_{c}[i] = 0.0")
    L.add(ind, "for q_ in range(RV.shape[0]):")
    L.add(ind + 1, "rv_ = RV[q_, j]")
    for c in range(nc):
        L.add(ind + 1, f"rw_{c} = RW[{c}, q_, j]")
    L.add(ind + 1, "for i in range(n):")
    used = _names([s.rate_phi])
    if not L.homog:
        _loads_params_only(ks, used, ind + 2, L)
    L.add(ind + 2, f"ph_ = {_phi_code(ks, 'rv_')}")
    for c in range(nc):
        L.add(ind + 2, f"ACC_{c}[i] += rw_{c} * ph_")
def _spike_out(ks: KernelSpec, ind: int, L: _Lines, count: str, fired: str) -> None:
    """The step's spikes of neuron i: SPK[i] for the spike list, or the count-only accumulators."""
    if not ks.counts:
        L.add(ind, f"SPK[i] = {count}")
        L.add(ind, f"nsp += {count}")
        return
    L.add(ind, f"CNT[i] += {count}")
    if "first" in ks.counts:
        L.add(ind, f"FIRST[i] = j if ({fired}) & (FIRST[i] < 0) else FIRST[i]")
    if "last" in ks.counts:
        L.add(ind, f"LAST[i] = j if {fired} else LAST[i]")


def _deliver_spikes(ks: KernelSpec, ind: int, L: _Lines) -> None:
    """Sum the weights of the spikes arriving at the end of step j into B_<receptor>."""
    for r in ks.spec.receptors:
        L.add(ind, f"got_{r} = False")
        L.add(ind, f"while ep_{r} < EVS_{r}.shape[0] and EVS_{r}[ep_{r}] == j:")
        L.add(ind + 1, f"k = EVN_{r}[ep_{r}]")
        L.add(ind + 1, "if k < 0:")
        L.add(ind + 2, "for i in range(n):")
        L.add(ind + 3, f"B_{r}[i] += EVW_{r}[ep_{r}]")
        L.add(ind + 1, "else:")
        L.add(ind + 2, f"B_{r}[k] += EVW_{r}[ep_{r}]")
        L.add(ind + 1, f"ep_{r} += 1")
        L.add(ind + 1, f"got_{r} = True")


def _clear_spikes(ks: KernelSpec, ind: int, L: _Lines) -> None:
    for r in ks.spec.receptors:
        L.add(ind, f"if got_{r}:")
        L.add(ind + 1, "for i in range(n):")
        L.add(ind + 2, f"B_{r}[i] = 0.0")


def _run_function(ks: KernelSpec, L: _Lines, name: str, homog: bool) -> None:
    """The kernel; ``run_uniform`` is compiled (on first call) for populations whose parameters
    are all uniform: it reads them once instead of once per neuron and step."""
    s = ks.spec
    L.homog = False
    fm = ", fastmath={\"contract\"}" if ks.adaptive else ""
    L.add(0, f"@njit(cache=True, nogil=True, error_model=\"numpy\"{fm})")
    L.add(0, f"def {name}({', '.join(ks.argnames())}):")
    states = list(s.states)
    first = f"X_{states[0]}" if states else f"P_{next(iter(s.parameters))}" if s.parameters else "REC[0, 0]"
    L.add(1, f"n = {first}.shape[0]")
    L.add(1, "spk_step = np.empty(spk_cap, np.int64)")
    L.add(1, "spk_idx = np.empty(spk_cap, np.int64)")
    L.add(1, "SPK = np.zeros(n, np.int32)")
    L.add(1, "nspk = 0")
    if not ks.has_refractory:
        L.add(1, "refr = False")
    for r in s.receptors:
        L.add(1, f"ep_{r} = 0")
    L.add(1, "status = 0")
    L.add(1, "bad_n = -1")
    if ks.adaptive:
        L.add(1, "SLOW = np.zeros(n, np.bool_)")
        L.add(1, "ACC = np.zeros(n, np.bool_)")
        L.add(1, "HN = np.empty(n)")
        L.add(1, "NSP = np.zeros(n, np.int32)")
        for k in ks.step.new:
            L.add(1, f"TN_{k} = np.empty(n)")
    for k in _before_events(ks):
        L.add(1, f"RX_{k} = np.zeros(n)")
    _preamble(ks, L)
    _noise_rate_setup(ks, L)
    L.homog = homog
    if homog:
        _hoist(ks, L)
    else:
        for k in ks.uniform:  # the same for every neuron: read once
            L.add(1, f"p_{k} = P_{k}[0]")
    if ks.adaptive and states:
        _lane_arrays(ks, L)
    if ks.record:
        _record_block(ks, 1, L, "0", "0")
    L.add(1, "for j in range(n_steps):")
    L.add(2, "t = (j0 + j) * dt")
    L.add(2, "t_end = t + dt")
    _input_rows(ks, 2, L, "j")
    _rate_prepass(ks, 2, L)
    _deliver_spikes(ks, 2, L)
    L.add(2, "nsp = 0")
    L.add(2, "nbad = 0")
    if ks.adaptive and states:
        _trial_pass(ks, 2, L)
        _slow_pass(ks, 2, L)
        L.add(2, "if status:")
        L.add(3, "return status, j + 1, nspk, spk_step[:nspk], spk_idx[:nspk], -1, bad_n")
    if states:
        L.add(2, "for i in range(n):")
        _step_body(ks, 3, L)
    _clear_spikes(ks, 2, L)
    if ks.has_threshold and not ks.counts:
        L.add(2, "if nsp > 0:")
        L.add(3, "if nspk + nsp + n >= spk_step.shape[0]:")
        L.add(4, "spk_step = _grow(spk_step, nspk + nsp + n + 1)")
        L.add(4, "spk_idx = _grow(spk_idx, nspk + nsp + n + 1)")
        L.add(3, "for i in range(n):")
        if ks.adaptive and s.events_in_substeps:  # a neuron may spike more than once in a step
            L.add(4, "for _c in range(SPK[i]):")
            L.add(5, "spk_step[nspk] = j")
            L.add(5, "spk_idx[nspk] = i")
            L.add(5, "nspk += 1")
        else:  # branch-free compaction (SPK is 0 or 1): every neuron writes, only spikers advance
            L.add(4, "spk_step[nspk] = j")
            L.add(4, "spk_idx[nspk] = i")
            L.add(4, "nspk += SPK[i]")
    if states:
        L.add(2, "if nbad > 0:")
        L.add(3, "for i in range(n):")
        for v, k in enumerate(states):
            L.add(4, f"if not math.isfinite(X_{k}[i]):")
            L.add(5, f"return 1, j + 1, nspk, spk_step[:nspk], spk_idx[:nspk], {v}, i")
        L.add(3, "return 1, j + 1, nspk, spk_step[:nspk], spk_idx[:nspk], -1, -1")
    if ks.record:
        L.add(2, "if (j0 + j + 1) % rec_every == 0:")
        _record_block(ks, 3, L, "(j0 + j + 1) // rec_every - j0 // rec_every", "j")
    L.add(1, "return 0, n_steps, nspk, spk_step[:nspk], spk_idx[:nspk], -1, -1")
    L.add(0, "")
    L.add(0, "")
    L.add(0, "")
    L.add(0, "")
    L.homog = False


def generate(ks: KernelSpec) -> str:
    """The Python source of the kernel module for ``ks``."""
    s = ks.spec
    L = _Lines()
    L.add(0, f"# neurounits kernel for model {s.name!r}, method "
             f"{ks.step.method if ks.step else 'none'}; generated code, do not edit")
    L.add(0, f"# generator {_GEN_VERSION}, runtime {_RUNTIME_HASH}, structure {s.key}, "
             f"vectorize-memory-check-threshold {_VECTORIZE_CHECKS}")
    L.add(0, "import math")
    L.add(0, "import numpy as np")
    L.add(0, "from numba import njit")
    L.add(0, "from neurounits.codegen import runtime as _rt")
    L.add(0, "")
    L.add(0, f"STATES = {tuple(s.states)!r}")
    L.add(0, f"ARGS = {tuple(ks.argnames())!r}")
    L.add(0, "")
    L.add(0, "")
    for name, homog in (("run", False), ("run_uniform", True)):
        _run_function(ks, L, name, homog)
    L.add(0, "@njit(cache=True)")
    L.add(0, "def _grow(a, need):")
    L.add(1, "b = np.empty(max(2 * a.shape[0], need) + 16, a.dtype)")
    L.add(1, "for k in range(a.shape[0]):  # an explicit loop compiles ~10x faster than a slice copy")
    L.add(2, "b[k] = a[k]")
    L.add(1, "return b")
    return "\n".join(L.lines) + "\n"


_LOADED: dict[str, Any] = {}
_LOCK = threading.Lock()


def load(source: str) -> Any:
    """Write ``source`` to the cache (once) and import it; returns the module."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    _configure_llvm()
    with _LOCK:
        mod = _LOADED.get(digest)
        if mod is not None:
            return mod
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"nu_kernel_{digest}.py"
        if not path.exists() or path.read_text() != source:
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                fh.write(source)
            os.replace(tmp, path)
        name = f"neurounits_kernels.nu_kernel_{digest}"
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _LOADED[digest] = mod
        return mod
