"""The model's own discrete-time update statements as the step ("update").

A model with ``update = "..."`` instead of differential equations gives one
step itself, as statements run in order (temporaries allowed, ``dt`` is the
step, receptor names are the summed weights arriving at the end of the step).
Temporaries that depend on parameters and ``dt`` only (propagators such as
``P1 = exp(-dt/tau)``) become per-neuron constants computed once before the time loop.
"""

from __future__ import annotations

from ..equations import DT, ModelSpec
from .base import Integrator, Step

__all__ = ["Update"]


class Update(Integrator):
    name = "update"
    order = 0

    def check_applicable(self, spec: ModelSpec) -> str | None:
        return None if spec.update else "the model has no update statements"

    def step(self, spec: ModelSpec) -> Step:
        st = Step(self.name)
        params = {spec.symbols[k] for k in spec.parameters} | {DT}
        for sym, e in spec.update:
            target = sym.name.split("_", 2)[2]
            if target not in spec.states and e.free_symbols <= params:
                st.derived.append((sym, e))
            else:
                st.statements.append((sym, e))
        for sym, _ in spec.update:
            target = sym.name.split("_", 2)[2]
            if target in spec.states:
                st.new[target] = sym
        return st
