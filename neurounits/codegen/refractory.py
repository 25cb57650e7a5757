"""Refractoriness that lasts while a condition holds (Brian2's convention, see
:mod:`neurounits.equations.refractory`): the counter REF of a refractory neuron is kept (2, so
that it is still positive after the step's decrement) while the condition holds at the start of
a step, and ended (0) as soon as it does not, before anything else of the step reads it."""

from __future__ import annotations

from .abi import KernelSpec
from .emit import Lines, loads, names
from .printer import to_code

__all__ = ["condition_pass", "flag_local"]


def condition_pass(ks: KernelSpec, ind: int, L: Lines) -> None:
    """REF[i] of every neuron after the condition of this step (nothing without a condition)."""
    cond = ks.spec.refractory_condition
    if cond is None:
        return
    L.add(ind, "for i in range(n):  # refractory while the condition holds (Brian2's convention)")
    loads(ks, names([cond]), ind + 1, L)
    L.add(ind + 1, f"REF[i] = 2 if REF[i] > 0 and ({to_code(cond)}) else 0")


def flag_local(ks: KernelSpec, used: set[str], ind: int, L: Lines) -> None:
    """``_active`` (the refractory flag ``not_refractory``) of neuron i, where code outside the step
    (recording) reads it."""
    if ks.has_refractory and "_active" in used:
        L.add(ind, "_active = 0.0 if REF[i] > 0 else 1.0")
