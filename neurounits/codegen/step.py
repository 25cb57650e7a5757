"""One step of a population, as a compiled function that a network's time loop calls (:func:`generate_step`).

A network advances all its populations through one time loop (:mod:`neurounits.codegen.network`);
each population's model contributes a *step module*: the same per-neuron code as the model's own
kernel (:mod:`neurounits.codegen.kernel`), for one step of all the population's neurons.  The
step module is cached on its own, so a new network of known models compiles only its loop.

Entry points of a step module (arguments: :func:`step_argnames`, then the ``_derived`` constants
and the ``_work`` arrays, as in the model's kernel):

``step(j, dt, j0, ..., SPKOUT, ...)``
    Step ``j`` of the segment (global step ``j0 + j``); the receptor buffers ``B_<r>`` hold the
    weights arriving at the end of the step.  Writes the indices of the neurons that spiked to
    ``SPKOUT`` (their spike counts are in the work array ``SPK``) and returns
    ``(status, n_spiking, bad_variable, bad_neuron)`` (status as the model kernel's).
``rate_phi(h, i, P...)`` (rate models)
    The rate nonlinearity of neuron i (parameters ``PHI_ARGS``).
``record(s, j, dt, j0, ..., REC, RIDX, ...)`` and ``record0(...)``
    Sample ``s`` of the recorded variables of neurons ``RIDX`` after step ``j`` (``record0``: the
    initial state, sample 0), into ``REC[variable, s, k]`` for neuron ``RIDX[k]``.
"""

from __future__ import annotations

from .abi import BOUND, KernelSpec
from .adaptive import trial_pass
from .cache import GEN_VERSION, RUNTIME_HASH, VECTORIZE_CHECKS, toolchain
from .derived import derived_function, derived_params
from .emit import Lines, hoist, names, phi_code
from .inputs import input_rows, noise_rate_setup, rate_prepass
from .kernel import (
    _step_body,
    _work,
    _work_function,
    jit_flags,
    n_code,
    rhs_and_try,
)
from .lanes import SlowPass, lane_constants, slow_call, slow_function
from .record import record_block
from .refractory import condition_pass

__all__ = ["generate_step", "step_argnames"]

_DROP = ("n_steps", "rec_every", "spk_cap", "REC", "CNT", "FIRST", "LAST")


def step_argnames(ks: KernelSpec) -> list[str]:
    """The model arguments of a step module's functions, in order: the model kernel's arguments
    (:meth:`KernelSpec.argnames`) without the run's length, spike-input events and recording."""
    return [a for a in ks.argnames() if a not in _DROP and not a.startswith(("EVS_", "EVN_", "EVW_"))]


def _tail(ks: KernelSpec) -> list[str]:
    return ks.derived_names() + [w for w, _ in _work(ks)]


def _step(ks: KernelSpec, L: Lines, slow: SlowPass | None) -> None:
    s = ks.spec
    args = ["j", "dt", "j0", *step_argnames(ks)[2:], "SPKOUT", *_tail(ks)]
    L.add(0, jit_flags(ks))
    L.add(0, f"def step({', '.join(args)}):")
    L.compiled = True
    L.add(1, f"n = {n_code(ks)}")
    if not ks.has_refractory:
        L.add(1, "refr = False")
    L.add(1, "status = 0")
    L.add(1, "bad_n = -1")
    noise_rate_setup(ks, L)
    L.add(1, "t = (j0 + j) * dt")
    L.add(1, "t_end = t + dt")
    input_rows(ks, 1, L, "j")
    rate_prepass(ks, 1, L)
    condition_pass(ks, 1, L)
    L.add(1, "nsp = 0")
    L.add(1, "nbad = 0")
    if slow is not None:
        trial_pass(ks, 1, L)
        slow_call(ks, 1, L, slow)
        L.add(1, "if status:")
        L.add(2, "return status, 0, -1, bad_n")
    if s.states:
        L.add(1, "for i in range(n):")
        hoist(L, 2, "_step", lambda F: _step_body(ks, 1, F), sums=("nsp", "nbad"))
    L.add(1, "nout = 0")
    if ks.has_threshold:
        L.add(1, "if nsp > 0:")
        L.add(2, "for i in range(n):  # branch-free compaction: every neuron writes, spikers advance")
        L.add(3, "SPKOUT[nout] = i")
        L.add(3, "nout += 1 if SPK[i] > 0 else 0")
    if s.states:
        L.add(1, "if nbad > 0:")
        L.add(2, "for i in range(n):")
        for v, k in enumerate(s.states):
            L.add(3, f"if not abs(X_{k}[i]) <= {BOUND!r}:")
            L.add(4, f"return 1, nout, {v}, i")
        L.add(2, "return 1, nout, -1, -1")
    L.add(1, "return 0, nout, -1, -1")
    L.compiled = False
    L.add(0, "")
    L.add(0, "")


def _record(ks: KernelSpec, L: Lines, initial: bool) -> None:
    name = "record0" if initial else "record"
    args = ["s_in", "j", "dt", "j0", *step_argnames(ks)[2:], "REC", "RIDX", *_tail(ks)]
    L.add(0, jit_flags(ks))
    L.add(0, f"def {name}({', '.join(args)}):")
    L.add(1, f"n = {n_code(ks)}")
    noise_rate_setup(ks, L)
    if ks.record:
        record_block(ks, 1, L, "0" if initial else "s_in", "j", select="RIDX")
    L.add(1, "return 0")
    L.add(0, "")
    L.add(0, "")


def _phi_params(ks: KernelSpec) -> list[str]:
    s = ks.spec
    return sorted(n[2:] for n in names([s.rate_phi]) if n.startswith("p_")) if s.rate_channels else []


def _rate_phi(ks: KernelSpec, L: Lines) -> None:
    """``rate_phi(h, i, P...)``: the rate nonlinearity of neuron i (a network applies it to each
    rate input of a population without linear summation)."""
    if not ks.spec.rate_channels:
        return
    params = _phi_params(ks)
    L.add(0, jit_flags(ks))
    L.add(0, f"def rate_phi({', '.join(['h_in', 'i', *[f'P_{k}' for k in params]])}):")
    for k in params:
        L.add(1, f"p_{k} = _rt.at(P_{k}, i)")
    L.add(1, f"return {phi_code(ks, 'h_in')}")
    L.add(0, "")
    L.add(0, "")


def _header(ks: KernelSpec, L: Lines) -> None:
    s = ks.spec
    method = ks.step.method if ks.step else "none"
    L.add(
        0,
        f"# neurounits step module for model {s.name!r}, method {method}, "
        f"record: {', '.join(ks.record) or '-'}",
    )
    L.add(0, "# generated code, do not edit")
    L.add(0, f"# per-neuron inputs: {', '.join(ks.per_neuron_inputs) or '-'}; control {ks.control}")
    L.add(0, f"# generator {GEN_VERSION}, runtime {RUNTIME_HASH}, {toolchain()}, structure {s.key},")
    L.add(0, f"# vectorize-memory-check-threshold {VECTORIZE_CHECKS}")
    for line in (
        "import math",
        "import numpy as np",
        "from numba import njit",
        "from neurounits.codegen import runtime as _rt",
        "",
    ):
        L.add(0, line)
    L.add(0, f"STATES = {tuple(s.states)!r}")
    L.add(0, f"ARGS = {tuple(step_argnames(ks))!r}")
    L.add(0, f"TAIL = {tuple(_tail(ks))!r}")
    L.add(0, f"PHI_ARGS = {tuple(f'P_{k}' for k in _phi_params(ks))!r}")
    L.add(0, f"DERIVED_PARAMS = {tuple(derived_params(ks)) if ks.derived_names() else ()!r}")
    L.add(0, "")


def generate_step(ks: KernelSpec) -> str:
    """The Python source of the step module of ``ks`` (record: the variables some view records)."""
    L = Lines()
    _header(ks, L)
    if ks.adaptive and ks.spec.states:
        lane_constants(ks, L)
    L.add(0, "")
    L.add(0, "")
    slow = None
    if ks.adaptive and ks.spec.states:  # the sub-step lanes, right-hand sides and one try: functions
        slow = slow_function(ks, jit_flags(ks, internal=True), L)
    _work_function(ks, L)
    if ks.derived_names():
        derived_function(ks, L, jit_flags(ks))
    if slow is not None:
        rhs_and_try(ks, L)
    at = len(L.lines)
    _step(ks, L, slow)
    L.lines[at:at] = [line for fn in L.functions.values() for line in fn]  # hoisted functions, before step
    _record(ks, L, initial=True)
    _record(ks, L, initial=False)
    _rate_phi(ks, L)
    if slow is not None:
        L.lines += slow.lines
    return "\n".join(L.lines) + "\n"
