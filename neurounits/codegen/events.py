"""Spikes in (receptor buffers) and out (threshold, reset, refractoriness, the spike list)."""

from __future__ import annotations

import sympy

from ..equations import TIME
from ..integrators.rkf45 import TT
from .abi import KernelSpec
from .emit import Lines
from .printer import to_code

__all__ = ["T_END", "clear_spikes", "collect_spikes", "deliver_spikes", "fire", "spike_out",
           "substep_event"]

T_END = sympy.Symbol("t_end", real=True)


def deliver_spikes(ks: KernelSpec, ind: int, L: Lines) -> None:
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


def clear_spikes(ks: KernelSpec, ind: int, L: Lines) -> None:
    for r in ks.spec.receptors:
        L.add(ind, f"if got_{r}:")
        L.add(ind + 1, "for i in range(n):")
        L.add(ind + 2, f"B_{r}[i] = 0.0")


#: neurons per block of the spike compaction (a block without a spike is skipped)
SPIKE_BLOCK = 32


def refsteps() -> str:
    return "_rt.at(REFSTEPS, i)"


def spike_out(ks: KernelSpec, ind: int, L: Lines, count: str, fired: str) -> None:
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


def fire(ks: KernelSpec, ind: int, L: Lines) -> None:
    """Threshold, reset and refractory counter of neuron i at the end of the step."""
    s = ks.spec
    if s.threshold is not None and ks.adaptive and s.events_in_substeps:  # done in the sub-steps
        L.add(ind, "sp = _nsp > 0")
        if ks.has_refractory:
            L.add(ind, f"REF[i] = {refsteps()} if sp else _rt.max2(rc - 1, 0)")
        spike_out(ks, ind, L, "_nsp", "_nsp > 0")
    elif s.threshold is not None:
        cond = f"({to_code(s.threshold.xreplace({TIME: T_END}))})"
        L.add(ind, f"sp = {cond} & (rc <= 0)" if ks.has_refractory else f"sp = {cond}")
        for k, e in s.reset:
            L.add(ind, f"x_{k} = ({to_code(e.xreplace({TIME: T_END}))}) if sp else x_{k}")
        if ks.has_refractory:
            L.add(ind, f"REF[i] = {refsteps()} if sp else _rt.max2(rc - 1, 0)")
        spike_out(ks, ind, L, "sp", "sp")


def substep_event(ks: KernelSpec, ind: int, L: Lines) -> None:
    """After an accepted sub-step: threshold check and reset at once (threshold_in_substeps)."""
    s = ks.spec
    L.add(ind, f"if not _refr and ({to_code(s.threshold.xreplace({TIME: TIME + TT}))}):")
    for k, e in s.reset:
        L.add(ind + 1, f"x_{k} = {to_code(e.xreplace({TIME: TIME + TT}))}")
    L.add(ind + 1, "_nsp += 1")
    if ks.has_refractory:
        L.add(ind + 1, f"if {refsteps()} > 0:")
        L.add(ind + 2, "_refr = True")
        L.add(ind + 2, "_active = 0.0")


def collect_spikes(ks: KernelSpec, ind: int, L: Lines) -> None:
    """Append the step's spikes (SPK) to the spike list, growing it when needed."""
    if not ks.has_threshold or ks.counts:
        return
    L.add(ind, "if nsp > 0:")
    L.add(ind + 1, "if nspk + nsp + n >= spk_step.shape[0]:")
    L.add(ind + 2, "spk_step = _rt.grow(spk_step, nspk + nsp + n + 1)")
    L.add(ind + 2, "spk_idx = _rt.grow(spk_idx, nspk + nsp + n + 1)")
    # blocks of SPIKE_BLOCK neurons: an OR over the block (vectorised loads) skips the blocks without
    # a spike, so a step with few spikes does not write two values per neuron
    L.add(ind + 1, f"for b_ in range(0, n, {SPIKE_BLOCK}):")
    L.add(ind + 2, f"e_ = min(b_ + {SPIKE_BLOCK}, n)")
    L.add(ind + 2, "any_ = 0")
    L.add(ind + 2, "for i in range(b_, e_):")
    L.add(ind + 3, "any_ |= SPK[i]")
    L.add(ind + 2, "if any_ == 0:")
    L.add(ind + 3, "continue")
    L.add(ind + 2, "for i in range(b_, e_):")
    if ks.adaptive and ks.spec.events_in_substeps:  # a neuron may spike more than once in a step
        L.add(ind + 3, "for _c in range(SPK[i]):")
        L.add(ind + 4, "spk_step[nspk] = j")
        L.add(ind + 4, "spk_idx[nspk] = i")
        L.add(ind + 4, "nspk += 1")
    else:  # branch-free compaction (SPK is 0 or 1): every neuron writes, only spikers advance
        L.add(ind + 3, "spk_step[nspk] = j")
        L.add(ind + 3, "spk_idx[nspk] = i")
        L.add(ind + 3, "nspk += SPK[i]")
