"""The compiled code of a network: one step module per population model (cached on its own, shared
by every network of that model, method and recording) and one loop per network structure."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from .. import codegen
from ..codegen.network import NetworkKernelSpec, PopulationCode, generate_network
from ..codegen.step import generate_step

__all__ = ["network_loop", "step_module"]

_STEP_MODULES: dict[tuple, Any] = {}
_LOOPS: dict[NetworkKernelSpec, Any] = {}
_LOCK = threading.Lock()


def step_module(plan: Any) -> Any:
    """The loaded step module of a population's plan (generated and compiled on first use)."""
    choice = plan.choice
    key = choice.key()
    mod = _STEP_MODULES.get(key)
    if mod is None:
        mod = codegen.load(generate_step(dataclasses.replace(choice.kernel_spec(), network=True)))
        with _LOCK:
            _STEP_MODULES.setdefault(key, mod)
    return mod


def _population_code(plan: Any, mod: Any) -> PopulationCode:
    ks = dataclasses.replace(plan.choice.kernel_spec(), network=True)
    return PopulationCode(
        module=mod.__name__,
        args=tuple(mod.ARGS[2:]),
        tail=tuple(mod.TAIL),
        receptors=tuple(ks.spec.receptors),
        spikes=ks.has_threshold,
        multi=bool(ks.adaptive and ks.spec.events_in_substeps),
        record=bool(ks.record),
        payload=type(plan.model).spike_payload is not None,
        rate_state=type(plan.model).rate_output or "",
        rate_target=("linear" if ks.spec.rate_linear else "nonlinear") if ks.spec.rate_channels else "",
        phi_args=tuple(mod.PHI_ARGS) if ks.spec.rate_channels else (),
    )


def network_loop(nks: NetworkKernelSpec) -> Any:
    loop = _LOOPS.get(nks)
    if loop is None:
        loop = codegen.load(generate_network(nks))
        with _LOCK:
            _LOOPS.setdefault(nks, loop)
    return loop


