"""Assemble a model's time loop as a Python module of ``@njit`` functions (:func:`generate`).

The generated module's entry points, ``run`` and ``run_uniform``, advance a block of neurons
through the whole simulation in one call (time loop outside, neuron loop inside over plain
arrays, so that LLVM can vectorise it), with the arguments of :meth:`KernelSpec.argnames`
(see :mod:`neurounits.codegen.abi`).  Parameter values are arguments, never constants of the code.

Both entry points call one body, ``_body``, written once: ``run`` passes each parameter, derived
constant and refractory step count as one value when the block's neurons share it, else as the
per-neuron array (``_rt.shared``); ``run_uniform`` passes one value for every parameter.  Numba
compiles the body for each pattern on first use; a shared value is then read once, outside the
loops.  (The simulation layer calls ``run``; ``run_uniform`` is its all-shared special case.)
The body reads a parameter of neuron i as ``_rt.at(P_<name>, i)``, which is
``P_<name>[i]`` for an array and the value itself otherwise.  ``_derived`` computes the
integrator's per-neuron constants (from parameters and dt) before the body runs.

Adaptive (rkf45) kernels are compiled with ``fastmath={"contract"}``: a multiplication
followed by an addition may become one fused multiply-add (one rounding instead of
two; nothing else of fast-math is allowed).  Their sub-step loop waits on chains of
dependent operations, which FMA shortens; other kernels keep separate roundings.
"""

from __future__ import annotations

import textwrap

from ..equations import TIME
from .abi import BOUND, KernelSpec
from .adaptive import accept_results, rhs_called, rhs_function, trial_pass, try_function
from .cache import GEN_VERSION, RUNTIME_HASH, VECTORIZE_CHECKS, toolchain
from .derived import derived_function
from .derived import derived_params as _derived_params
from .draws import random_draws, random_used
from .emit import Lines, emit_block, hoist, loads, named, names, stage_points
from .events import T_END, clear_spikes, collect_spikes, deliver_spikes, fire
from .inline import inlinable
from .inputs import input_rows, noise_draws, noise_rate_setup, rate_prepass, rate_used, rate_work
from .lanes import SlowPass, lane_constants, lane_init, lane_work, slow_call, slow_function
from .printer import to_code
from .record import before_events, record_block, store_before_events
from .refractory import condition_pass

__all__ = ["generate"]


def jit_flags(ks: KernelSpec, inline: bool = False, internal: bool = False, body: bool = False) -> str:
    """The decorator of a compiled function of the kernel: ``inline``, LLVM always inlines it;
    ``internal``, only compiled code calls it (numba builds no wrapper for Python callers; nor, for
    any of them, a C-callable one); ``body``, compiled by ``runtime.KernelCompiler`` (its array
    arguments' data never overlap)."""
    fm = ", fastmath={\"contract\"}" if ks.adaptive else ""
    fi = ", forceinline=True" if inline else ""
    nw = ", no_cpython_wrapper=True" if internal else ""
    pc = ", pipeline_class=_rt.KernelCompiler" if body else ""
    return f"@njit(cache=True, nogil=True, error_model=\"numpy\"{fm}{fi}{nw}, no_cfunc_wrapper=True{pc})"


def n_code(ks: KernelSpec) -> str:
    """The number of neurons, from an argument that is an array in both entry points."""
    return f"X_{next(iter(ks.spec.states))}.shape[0]" if ks.spec.states else "REC.shape[2]"


def _step_body(ks: KernelSpec, ind: int, L: Lines) -> None:
    """One step of neuron i: integrate, spikes in, threshold, reset, store, finiteness check."""
    s, step = ks.spec, ks.step
    exprs = []
    if step is not None and not step.adaptive:  # (an adaptive step's result is computed before: TN_<state>)
        exprs += [e for _, e in step.statements] + list(step.new.values())
    if s.threshold is not None:
        exprs += [s.threshold] + [e for _, e in s.reset]
    for rs in s.receptors.values():
        exprs += [c for _, c in rs.effects]
    exprs += [s.expressions[k][0] for k in before_events(ks)]
    exprs += [e for _, e in s.after_step]
    exprs += [e for _, e in step.after] if step is not None else []
    exprs += list(step.dense[1]) if step is not None and step.dense is not None else []
    exprs += [e for _, e in s.lower_bounds]
    used = names(exprs)
    used |= rate_used(ks, used) | random_used(ks, used)
    loads(ks, used, ind, L)
    noise_draws(ks, used, ind, L)
    random_draws(ks, used, ind, L)
    for k in s.states:
        if f"_prev_{k}" in used:
            L.add(ind, f"_prev_{k} = x_{k}")
    if ks.has_refractory:
        L.add(ind, "rc = REF[i]")
        L.add(ind, "refr = rc > 0")
        L.add(ind, "_active = 0.0 if refr else 1.0")
    if step is not None:
        _integrate(ks, ind, L)
        for k, e in step.after:  # the inputs' on_step effects
            L.add(ind, f"x_{k} = x_{k} + ({to_code(e)})")
    for r, rec in s.receptors.items():
        got = f"B_{r}[i]" if rec.refractory_input or not ks.has_refractory else f"(0.0 if refr else B_{r}[i])"
        for k, coef in rec.effects:
            L.add(ind, f"x_{k} = x_{k} + ({to_code(coef)}) * {got}")
    for k, e in s.lower_bounds:  # (NEST's V_min), unless refractory
        bounded = f"_rt.max2(x_{k}, {to_code(e)})"
        L.add(ind, f"x_{k} = x_{k} if refr else {bounded}" if ks.has_refractory else f"x_{k} = {bounded}")
    fire(ks, ind, L)
    for k in s.states:
        L.add(ind, f"X_{k}[i] = x_{k}")
    # not |x| <= BOUND: true for NaN, inf and a diverging x; an integer sum keeps the loop vectorisable
    if ks.counts and s.states:  # one test for all states (a NaN anywhere makes the sum NaN)
        L.add(ind, f"nbad += not ({' + '.join(f'abs(x_{k})' for k in s.states)}) <= {BOUND!r}")
    for k in s.states if not ks.counts else ():
        L.add(ind, f"nbad += not abs(x_{k}) <= {BOUND!r}")


def _integrate(ks: KernelSpec, ind: int, L: Lines) -> None:
    """n_<state> = the state at the step's end (fixed step, or the adaptive step's result), held
    states kept while refractory, then x_<state> = n_<state>."""
    s, step = ks.spec, ks.integ_step
    if step.adaptive:
        accept_results(ks, ind, L)
    elif step.dense is not None:  # exact's dense form: the constant terms, then E x + P c
        emit_block(L, ind, [(sym.name, e) for sym, e in step.statements], named(ks, stage_points(ks)))
        xs = ", ".join(f"x_{k}" for k in step.new)
        cs = ", ".join(to_code(c) if c != 0 else "0.0" for c in step.dense[1])
        L.add(ind, f"_dn = _rt.dense_step(D_DENSE_E, D_DENSE_P, i, ({xs},), ({cs},))")
        for a, k in enumerate(step.new):
            L.add(ind, f"n_{k} = _dn[{a}]")
    else:
        assigns = [(sym.name, e) for sym, e in step.statements] + [(f"n_{k}", e) for k, e in step.new.items()]
        emit_block(L, ind, assigns, named(ks, stage_points(ks)))
    store_before_events(ks, ind, L)
    if ks.has_refractory:
        for k in step.new:
            if k in s.hold:
                L.add(ind, f"n_{k} = x_{k} if refr else n_{k}")
    for k in step.new:
        L.add(ind, f"x_{k} = n_{k}")
    for k, e in s.after_step:  # per-step statements, in order, at the step's end
        L.add(ind, f"x_{k} = {to_code(e.xreplace({TIME: T_END}))}")



def _work(ks: KernelSpec) -> list[tuple[str, str]]:
    """The body's work arrays (name, numpy allocation), allocated by the entry points (in Python:
    numba then compiles no allocation code)."""
    out = [("spk_step", "np.empty(spk_cap, np.int64)"), ("spk_idx", "np.empty(spk_cap, np.int64)"),
           ("SPK", "np.zeros(n, np.int32)")]
    if ks.adaptive:
        out += [("SLOW", "np.zeros(n, np.bool_)"), ("ACC", "np.zeros(n, np.bool_)"), ("HN", "np.empty(n)"),
                ("NSP", "np.zeros(n, np.int32)")]
        out += [(f"TN_{k}", "np.empty(n)") for k in ks.integ_step.new]
    out += [(f"RX_{k}", "np.zeros(n)") for k in before_events(ks)]
    out += rate_work(ks)
    if ks.adaptive and ks.spec.states:
        out += lane_work(ks)
    return out


def _work_function(ks: KernelSpec, L: Lines) -> None:
    L.add(0, "def _work(n, spk_cap):")
    L.add(1, '"""The work arrays of _body."""')
    for name, alloc in _work(ks):
        L.add(1, f"{name} = {alloc}")
    if ks.adaptive and ks.spec.states:
        lane_init(1, L)
    L.add(1, f"return ({', '.join(name for name, _ in _work(ks))},)")
    L.add(0, "")
    L.add(0, "")


def _entry_points(ks: KernelSpec, L: Lines) -> None:
    """``run`` and ``run_uniform`` (one value per parameter): plain Python functions that call the
    compiled ``_derived`` and ``_body`` (a compiled wrapper would make numba optimise and emit the
    body's machine code a second time).  ``run`` passes a parameter (or derived constant, or the
    refractory steps) whose per-neuron values are all equal as that one value (``_rt.shared``):
    the body is compiled for each pattern of shared and per-neuron values it meets, and reads a
    shared value once, as a hand-written loop would."""
    args = ks.argnames()
    derived = ks.derived_names()
    for name, uniform in (("run", False), ("run_uniform", True)):
        L.add(0, f"def {name}({', '.join(args)}):")
        doc = "one value per parameter" if uniform else "per-neuron arrays; shared values passed as one value"
        L.add(1, f'"""The kernel, for {doc} (arguments: ARGS)."""')
        L.add(1, f"n = {n_code(ks)}")
        if derived:
            call = ", ".join(["n", "dt"] + [f"P_{k}" for k in _derived_params(ks)])
            L.add(1, f"({', '.join(derived)},) = _derived({call})")
        def pick(a: str, uniform: bool = uniform) -> str:
            if not (a.startswith("P_") or a == "REFSTEPS" or a in derived):
                return a
            return f"{a}[0]" if uniform or a[2:] in ks.uniform else f"_rt.shared({a})"
        body = [pick(a) for a in args] + [pick(d) for d in derived]
        L.add(1, f"return _body({', '.join(body)}, *_work(n, spk_cap))")
        L.add(0, "")
        L.add(0, "")


def _setup(ks: KernelSpec, L: Lines) -> None:
    """The body's locals before the time loop."""
    s = ks.spec
    L.add(1, f"n = {n_code(ks)}")
    L.add(1, "nspk = 0")
    if not ks.has_refractory:
        L.add(1, "refr = False")
    for r in s.receptors:
        L.add(1, f"ep_{r} = 0")
    L.add(1, "status = 0")
    L.add(1, "bad_n = -1")
    noise_rate_setup(ks, L)
    if ks.record:
        record_block(ks, 1, L, "0", "0")


def _check_finite(ks: KernelSpec, L: Lines) -> None:
    """After a step with a NaN, infinite or diverging state (|x| > BOUND): stop, naming the first
    such state and neuron."""
    L.add(2, "if nbad > 0:")
    L.add(3, "for i in range(n):")
    for v, k in enumerate(ks.spec.states):
        L.add(4, f"if not abs(X_{k}[i]) <= {BOUND!r}:")
        L.add(5, f"return 1, j + 1, nspk, spk_step[:nspk], spk_idx[:nspk], {v}, i")
    L.add(3, "return 1, j + 1, nspk, spk_step[:nspk], spk_idx[:nspk], -1, -1")


def rhs_and_try(ks: KernelSpec, L: Lines) -> None:
    """``_f`` and ``_try`` (:mod:`.adaptive`): straight-line functions emitted in place where
    called (``@_rt.inlined``), or where a model's right-hand sides use what that does not accept,
    compiled functions that LLVM always inlines.  Large right-hand sides are compiled once and
    called (:func:`.adaptive.rhs_called`)."""
    for fn in (rhs_function, try_function):
        F = Lines()
        F.n_temps = L.n_temps
        fn(ks, "", F)
        L.n_temps = F.n_temps
        straight = inlinable("\n".join(F.lines[1:]))
        if fn is rhs_function and straight and rhs_called(F.lines[1:], jit_flags(ks, internal=True), L):
            continue
        L.add(0, "@_rt.inlined  # emitted in place where called (codegen.inline)" if straight
              else jit_flags(ks, inline=True, internal=True))
        L.lines += F.lines[1:]


def _body(ks: KernelSpec, L: Lines, slow: SlowPass | None) -> None:
    """The kernel's body: the whole time loop."""
    states = bool(ks.spec.states)
    L.add(0, jit_flags(ks, body=True))
    L.add(0, f"def _body({', '.join(ks.argnames() + ks.derived_names() + [w for w, _ in _work(ks)])}):")
    L.compiled = True
    _setup(ks, L)
    L.add(1, "for j in range(n_steps):")
    L.add(2, "t = (j0 + j) * dt")
    L.add(2, "t_end = t + dt")
    input_rows(ks, 2, L, "j")
    rate_prepass(ks, 2, L)
    deliver_spikes(ks, 2, L)
    condition_pass(ks, 2, L)
    L.add(2, "nsp = 0")
    L.add(2, "nbad = 0")
    if slow is not None:
        trial_pass(ks, 2, L)
        slow_call(ks, 2, L, slow)
        L.add(2, "if status:")
        L.add(3, "return status, j + 1, nspk, spk_step[:nspk], spk_idx[:nspk], -1, bad_n")
    if states:
        L.add(2, "for i in range(n):")
        hoist(L, 3, "_step", lambda F: _step_body(ks, 1, F), sums=("nsp", "nbad"))
    clear_spikes(ks, 2, L)
    collect_spikes(ks, 2, L)
    if states:
        _check_finite(ks, L)
    if ks.record:
        L.add(2, "if (j0 + j + 1) % rec_every == 0:")
        record_block(ks, 3, L, "(j0 + j + 1) // rec_every - j0 // rec_every", "j")
    L.add(1, "return 0, n_steps, nspk, spk_step[:nspk], spk_idx[:nspk], -1, -1")
    L.compiled = False
    L.add(0, "")
    L.add(0, "")


def _header(ks: KernelSpec, L: Lines) -> None:
    s = ks.spec
    method = ks.step.method if ks.step else "none"
    control = f' (error scale "{ks.control}")' if ks.adaptive else ""
    L.add(0, f"# neurounits kernel for model {s.name!r}, method {method}{control}")
    L.add(0, "# generated code, do not edit")
    opts = [f"record: {', '.join(ks.record) or '-'}",
            f"per-neuron inputs: {', '.join(ks.per_neuron_inputs) or '-'}",
            f"count-only: {', '.join(ks.counts) or '-'}",
            f"uniform parameters: {', '.join(ks.uniform) or '-'}"]
    for line in textwrap.wrap("; ".join(opts), 116):
        L.add(0, f"# {line}")
    L.add(0, f"# generator {GEN_VERSION}, runtime {RUNTIME_HASH}, {toolchain()}, structure {s.key},")
    L.add(0, f"# vectorize-memory-check-threshold {VECTORIZE_CHECKS}")
    for line in ("import math", "import numpy as np", "from numba import njit",
                 "from neurounits.codegen import runtime as _rt", ""):
        L.add(0, line)
    L.add(0, f"STATES = {tuple(s.states)!r}")
    L.add(0, f"ARGS = {tuple(ks.argnames())!r}")
    L.add(0, "")


def generate(ks: KernelSpec) -> str:
    """The Python source of the kernel module for ``ks``."""
    L = Lines()
    _header(ks, L)
    if ks.adaptive and ks.spec.states:
        lane_constants(ks, L)
    L.add(0, "")
    L.add(0, "")
    slow = None
    if ks.adaptive and ks.spec.states:
        slow = slow_function(ks, jit_flags(ks, internal=True), L)
    _entry_points(ks, L)
    _work_function(ks, L)
    if ks.derived_names():
        derived_function(ks, L, jit_flags(ks))  # _derived(n, dt, P...): per-neuron constants
    if slow is not None:
        rhs_and_try(ks, L)
    at = len(L.lines)
    _body(ks, L, slow)
    if slow is not None:
        L.lines += slow.lines
    L.lines[at:at] = [line for fn in L.functions.values() for line in fn]  # hoisted functions, before _body
    return "\n".join(L.lines).rstrip("\n") + "\n"
