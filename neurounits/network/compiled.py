"""The compiled code of a network: one step module per population model (cached on its own, shared
by every network of that model, method and recording) and one loop per network structure."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from typing import Any

from .. import codegen
from ..codegen.network import NetworkKernelSpec, PopulationCode, generate_network
from ..codegen.step import generate_step

__all__ = ["KernelSources", "kernel_sources", "network_loop", "step_module"]

_STEP_MODULES: dict[tuple, Any] = {}
_LOOPS: dict[NetworkKernelSpec, Any] = {}
_LOCK = threading.Lock()


def step_module(plan: Any) -> Any:
    """The loaded step module of a population's plan (generated and compiled on first use)."""
    choice = plan.choice
    key = choice.key()
    mod = _STEP_MODULES.get(key)
    if mod is None:
        mod = codegen.load(_step_source(plan))
        with _LOCK:
            _STEP_MODULES.setdefault(key, mod)
    return mod


def _step_source(plan: Any) -> str:
    return generate_step(dataclasses.replace(plan.choice.kernel_spec(), network=True))


def _sha(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


@dataclasses.dataclass(frozen=True)
class KernelSources:
    """The generated code of a network's kernels (each population's step module and the loop), with
    their cache keys and sha256 hashes: what a process needs to run networks of that structure
    without generating code (a sweep ships it to its Dask workers)."""

    steps: tuple[tuple[tuple, str, str], ...]  # (step module key, source, sha256)
    loop: tuple[NetworkKernelSpec, str, str]  # (loop key, source, sha256)

    def install(self) -> None:
        """Write each module into the kernel cache and import it, once per process (numba compiles
        it on first use, or loads it from its disk cache); a source that does not match its hash
        is refused."""
        for _, source, digest in (*self.steps, self.loop):
            if _sha(source) != digest:
                raise RuntimeError(f"the network kernel source shipped here does not match its hash "
                                   f"{digest[:12]}")
        for key, source, _ in self.steps:
            if key not in _STEP_MODULES:
                mod = codegen.load(source)
                with _LOCK:
                    _STEP_MODULES.setdefault(key, mod)
        nks, source, _ = self.loop
        if nks not in _LOOPS:
            loop = codegen.load(source)
            with _LOCK:
                _LOOPS.setdefault(nks, loop)


def kernel_sources(plans: list[Any], plastic: tuple[Any, ...] = ()) -> KernelSources:
    """The :class:`KernelSources` of a network whose populations have the plans ``plans`` (their
    step modules are loaded here: the loop's key names them) and whose plastic projections are
    ``plastic`` (:class:`~neurounits.codegen.plastic.PlasticProjectionCode`, in the order of the
    runner's)."""
    steps = tuple((plan.choice.key(), src, _sha(src)) for plan, src in ((p, _step_source(p)) for p in plans))
    pops = tuple(_population_code(plan, step_module(plan)) for plan in plans)
    nks = NetworkKernelSpec(pops, tuple(plastic))
    source = generate_network(nks)
    return KernelSources(steps, (nks, source, _sha(source)))


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


