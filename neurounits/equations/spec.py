"""``ModelSpec``: the checked, immutable structure of a model, and its structure key.

The intermediate representation between a declaration (:mod:`.builder`) and the
integrators and code generation: sympy expressions in internal units, with
parameters as ``p_<name>``, states as ``x_<name>``, inputs as ``u_<name>``, time
as :data:`TIME` and the time step as :data:`DT`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy

from ..parameters import Parameter
from ..units import fmt_unit, ureg

__all__ = ["DT", "TIME", "ModelSpec", "ReceptorSpec"]

TIME = sympy.Symbol("t", real=True)
DT = sympy.Symbol("dt", positive=True)


@dataclass(frozen=True)
class ReceptorSpec:
    """A spike port: the weight's unit, an optional number, and its effects.

    ``effects`` lists ``(state, coefficient)``: a summed weight ``w`` arriving at
    the end of a step adds ``coefficient * w`` to the state (internal units);
    with ``refractory_input=False`` spikes arriving during the refractory period
    are discarded (NEST's ``iaf_psc_delta``).
    """

    unit: Any
    number: int | None
    effects: tuple[tuple[str, sympy.Expr], ...]
    refractory_input: bool = True


@dataclass(frozen=True)
class ModelSpec:
    """The checked, immutable structure of a model (one per combination of options).

    All sympy expressions are in internal units (see :mod:`neurounits.units`);
    parameters appear as ``p_<name>``, states as ``x_<name>``, inputs as
    ``u_<name>`` and time as ``t``.
    """

    name: str
    parameters: dict[str, Parameter]
    states: dict[str, Any]  # name -> unit
    inputs: dict[str, Any]  # name -> unit
    options: dict[str, str]
    symbols: dict[str, sympy.Symbol]
    initial: dict[str, sympy.Expr]
    odes: dict[str, sympy.Expr]
    expressions: dict[str, tuple[sympy.Expr, Any]]
    threshold: Any
    reset: tuple[tuple[str, sympy.Expr], ...]
    refractory: sympy.Expr | None
    hold: tuple[str, ...]
    constraints: tuple[tuple[str, Any], ...]
    receptors: dict[str, ReceptorSpec] = field(default_factory=dict)
    receptor_by_sign: tuple[str, str] | None = None
    update: tuple[tuple[sympy.Symbol, sympy.Expr], ...] = ()
    input_effects: tuple[tuple[str, sympy.Expr], ...] = ()  # (state, amount added after each step)
    lower_bounds: tuple[tuple[str, sympy.Expr], ...] = ()  # (state, bound) after a step and its spikes
    events_in_substeps: bool = False
    default_method: str | None = None
    ports: dict[str, tuple[str, ...]] = field(default_factory=dict)  # port group -> its port receptors
    hold_after_step: bool = False  # held states integrate freely, then return to their start value
    expressions_before_events: bool = False  # record named expressions at the integrated end state
    noise: tuple[str, ...] = ()  # white-noise names (xi, xi_<suffix>), in the order of their index
    rate_channels: tuple[str, ...] = ()  # inputs driven by rate_inputs: (all,), (ex, in) or (all, ex, in)
    rate_phi: sympy.Expr | None = None  # the rate-input nonlinearity, of _h and parameters
    rate_linear: bool = True  # phi of the summed input (True) or the sum of each input's phi (False)
    refractory_condition: Any = None  # Brian2: refractory while this holds (states at a step start)
    refractory_convention: str = "nest"  # how the period is counted, what is held (equations.refractory)
    after_step: tuple[tuple[str, sympy.Expr], ...] = ()  # per-step statements (state, value), in order
    random: tuple[tuple[str, Any], ...] = ()  # random-number sites: (rand | randn | poisson, mean or None)
    dtypes: dict[str, str] = field(default_factory=dict)  # states that are "int" or "bool" (else float)
    derived: dict[str, sympy.Expr] = field(default_factory=dict)  # derived parameter -> expression of p_*

    @property
    def seeded(self) -> bool:
        """True when a run draws random numbers (white noise or random-number sites): it needs a seed."""
        return bool(self.noise or self.random)

    def typed(self, name: str, values: Any) -> Any:
        """``values`` of state ``name`` in its dtype (int and bool states are held as floats)."""
        kind = self.dtypes.get(name)
        if kind == "int":
            return np.asarray(values).astype(np.int64)
        if kind == "bool":
            return np.asarray(values) != 0
        return values

    @property
    def key(self) -> str:
        """A hash of the structure (not of any parameter value)."""
        parts = [self.name, repr(sorted(self.options.items()))]
        parts += [f"{k}:{fmt_unit(u)}" for k, u in self.states.items()]
        parts += [f"{k}:{fmt_unit(u)}" for k, u in self.inputs.items()]
        parts += [f"{k}={sympy.srepr(e)}" for k, e in self.odes.items()]
        parts += [f"{k}={sympy.srepr(e)}" for k, (e, _) in self.expressions.items()]
        parts += [sympy.srepr(self.threshold), repr([(k, sympy.srepr(e)) for k, e in self.reset])]
        parts += [repr(self.hold), list(self.parameters).__repr__()]
        parts += [f"{k}:{fmt_unit(r.unit)}:{[(x, sympy.srepr(c)) for x, c in r.effects]}"
                  + ("" if r.refractory_input else ":discarded while refractory")
                  for k, r in self.receptors.items()]
        parts += [f"{t.name}={sympy.srepr(e)}" for t, e in self.update]
        if self.input_effects or self.lower_bounds:
            parts.append(f"input_effects={[(k, sympy.srepr(e)) for k, e in self.input_effects]} "
                         f"lower_bounds={[(k, sympy.srepr(e)) for k, e in self.lower_bounds]}")
        parts.append(f"substeps={self.events_in_substeps}")
        if self.ports or self.hold_after_step or self.expressions_before_events:
            parts.append(f"ports={sorted(self.ports.items())} hold_after_step={self.hold_after_step} "
                         f"before_events={self.expressions_before_events}")
        if self.noise or self.rate_channels:
            parts.append(f"noise={self.noise} rate={self.rate_channels}:{sympy.srepr(self.rate_phi)}:"
                         f"{self.rate_linear}")
        if self.refractory_condition is not None or self.refractory_convention != "nest":
            parts.append(f"refractory {self.refractory_convention}: {sympy.srepr(self.refractory_condition)}")
        if self.after_step or self.random or self.dtypes:
            parts.append(f"after_step={[(k, sympy.srepr(e)) for k, e in self.after_step]} "
                         f"random={[(k, sympy.srepr(m)) for k, m in self.random]} "
                         f"dtypes={sorted(self.dtypes.items())}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:20]

    def recordable(self) -> dict[str, Any]:
        """Names that can be recorded, with their units."""
        out = dict(self.states)
        out.update({k: u for k, (_, u) in self.expressions.items()})
        if self.refractory is not None:
            out["refractory"] = ureg.dimensionless
        return out
