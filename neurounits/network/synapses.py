"""Synapse types for plastic projections (``nu.synapses``): STDP, Tsodyks-Markram, your own.

A synapse type declares parameters (with units), traces kept per presynaptic neuron (``pre``)
and per postsynaptic neuron (``post``), each relaxing exponentially between spikes, and what
happens at a spike: ``on_pre`` (a presynaptic spike reaches the synapse; then the spike is
transmitted with the value ``transmit``, by default the weight ``w``; then ``after_pre``) and
``on_post`` (a postsynaptic spike reaches the synapse).  A statement that assigns ``w`` runs for
each synapse of the neuron; one that assigns a trace runs once for the neuron.  Everything is
dimension-checked: at declaration when ``weight`` (the weight's unit) is given, and at
``connect`` against the receptor's unit.

Timing (NEST's, for ``stdp_synapse``): the whole delay d of the projection is dendritic; a pre
spike emitted at t reaches the synapse at t (its effect reaches the target at t + d), a post
spike emitted at t reaches the synapse at t + d.  Events are handled in the order they reach the
synapse; at one time, post spikes change the weight before pre spikes do, and neither sees the
other's trace increment (a pre and a post spike that reach the synapse together do not pair).
The weights are changed as the spikes happen, so the final weights include the effect of post
spikes after the last pre spike (NEST applies those at the next pre spike).

The built-in types :data:`STDP` (NEST's ``stdp_synapse``) and :data:`Tsodyks2` (NEST's
``tsodyks2_synapse``) are declared with the same machinery.

Examples
--------
>>> import neurounits as nu
>>> stdp = nu.synapses.STDP(tau_plus="16.8 ms", tau_minus="33.7 ms", mu_plus=0, mu_minus=0, Wmax="10 nS")
>>> stdp.values["tau_minus"], stdp.values["mu_plus"]
(<Quantity(33.7, 'millisecond')>, <Quantity(0.0, 'dimensionless')>)
>>> vs = nu.synapses.SynapseType(
...     "vogels_sprekeler", weight="nS",
...     parameters={"tau": "20 ms", "eta": "0.5 nS", "rho0": "5 Hz", "w_max": "50 nS"},
...     pre="dx/dt = -x/tau : 1", post="dy/dt = -y/tau : 1",
...     on_pre="w = clip(w + eta*(y - 2*rho0*tau), 0 nS, w_max); x += 1",
...     on_post="w = clip(w + eta*x, 0 nS, w_max); y += 1")
>>> vs(eta="1 nS").values["eta"]
<Quantity(1.0, 'nanosiemens')>
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..equations.names import name_problem
from ..equations.text import parse_equations, statements
from ..errors import EquationError, Problem, did_you_mean, raise_problems
from ..parameters import check_value
from ..units import DimensionError, as_quantity, fmt_unit, parse_unit, to_internal

__all__ = ["STDP", "Synapse", "SynapseType", "Tsodyks2"]


@dataclass(frozen=True)
class Trace:
    """A trace of one neuron: ``dname/dt = rhs`` in ``unit``, starting at ``initial``."""

    name: str
    unit: Any
    rhs: str
    initial: str


class SynapseType:
    """A synapse type: parameters, traces and event statements (see the module); calling it with
    parameter values (checked here: units, signs) gives a :class:`Synapse` for ``connect``.

    ``parameters`` maps names to defaults with units; the names in ``weight_parameters`` take the
    unit of the weight (their default, a plain number, is in the receptor's unit, as NEST's
    ``Wmax``; a value given must have the unit); ``positive`` and ``nonnegative`` name parameters
    that must be > 0 or >= 0;
    ``initial`` maps traces to their initial values (default 0); ``constraints`` are conditions on
    the weight and the parameters that every synapse's initial weight must meet (checked when the
    network is built); ``weight`` (a unit), when given, is the only weight unit the type accepts,
    and its statements are checked at once.
    """

    def __init__(
        self,
        name: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        pre: str = "",
        post: str = "",
        on_pre: str = "",
        after_pre: str = "",
        on_post: str = "",
        transmit: str = "w",
        initial: Mapping[str, Any] | None = None,
        weight: str | None = None,
        weight_parameters: tuple[str, ...] = (),
        positive: tuple[str, ...] = (),
        nonnegative: tuple[str, ...] = (),
        constraints: tuple[str, ...] = (),
        doc: str = "",
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise EquationError(f"a synapse type's name must be a non-empty string, got {name!r}")
        self.name, self.transmit, self.doc, self.constraints = name, transmit, doc, tuple(constraints)
        self.events = {"on_pre": on_pre, "after_pre": after_pre, "on_post": on_post}
        self.weight_parameters, self.positive, self.nonnegative = (
            tuple(weight_parameters),
            tuple(positive),
            tuple(nonnegative),
        )
        problems: list[Problem] = []
        self.defaults: dict[str, Any] = {}
        for k, v in (parameters or {}).items():
            msg = name_problem("parameter", k)
            if msg:
                problems.append(Problem(msg))
            elif k in self.weight_parameters:
                self.defaults[k] = v
            else:
                try:
                    self.defaults[k] = as_quantity(v)
                except Exception as exc:  # pint's parse errors come in many types
                    problems.append(Problem(f"parameter {k!r}: cannot read {v!r} as a quantity ({exc})"))
        for k in (*self.weight_parameters, *self.positive, *self.nonnegative):
            if k not in (parameters or {}):
                problems.append(Problem(f"{k!r} is named as a parameter but not declared in `parameters`"))
        raise_problems(f"cannot declare synapse type {name!r}", problems, EquationError)
        self.pre = self._traces(pre, "pre", dict(initial or {}))
        self.post = self._traces(post, "post", dict(initial or {}))
        names = [*self.defaults, *(t.name for t in (*self.pre, *self.post)), "w"]
        dup = sorted({n for n in names if names.count(n) > 1})
        unknown = sorted(set(initial or {}) - {t.name for t in (*self.pre, *self.post)})
        if dup or unknown:
            raise EquationError(
                f"synapse type {name!r}: "
                + (f"names used twice: {', '.join(dup)} (w is the weight); " if dup else "")
                + (f"initial values of undeclared traces: {', '.join(unknown)}" if unknown else "")
            )
        for ev in self.events:
            self.statements(ev)  # syntax now
        self.weight = parse_unit(weight) if weight is not None else None
        self._code: dict[str, Any] = {}
        if self.weight is not None:
            self.code(self.weight, {k: self.weight for k in self.weight_parameters}, "declaration")
        else:  # the form of traces and statements now; their dimensions with the receptor's unit at connect
            from .synapse_code import translate_type

            one = parse_unit("1")
            translate_type(
                self,
                {k: (one if k in self.weight_parameters else q.units) for k, q in self.defaults.items()},
                one,
            )

    def _traces(self, text: str, side: str, initial: dict[str, Any]) -> tuple[Trace, ...]:
        out = []
        for ln in parse_equations(f"synapse {self.name}", text or ""):
            if ln.kind != "ode" or ln.unit is None:
                raise EquationError(
                    f"synapse type {self.name!r}, {side}: '{ln.text}' is not a trace; write "
                    "'dX/dt = -X/tau : unit' (one line per trace)"
                )
            msg = name_problem("state", ln.name)
            if msg:
                raise EquationError(f"synapse type {self.name!r}: {msg}")
            out.append(Trace(ln.name, parse_unit(ln.unit), ln.expr, str(initial.get(ln.name, 0))))
        return tuple(out)

    def statements(self, event: str) -> list[tuple[str, str, str, str]]:
        return statements(f"synapse {self.name}", event, self.events[event], "w += A*x")

    def code(self, wunit: Any, units: Mapping[str, Any], where: str) -> tuple[Any, Any]:
        """(PlasticCode, initial values as sympy) for weights in ``wunit``; dimension problems raise
        a DimensionError that names ``where``."""
        from .synapse_code import translate_type

        key = str(wunit)
        if key not in self._code:
            allu = {k: (units[k] if k in units else q.units) for k, q in self.defaults.items()}
            code, problems, initial = translate_type(self, allu, wunit)
            raise_problems(
                f"synapse type {self.name!r} with weights in {fmt_unit(wunit)} ({where})",
                problems,
                EquationError,
            )
            self._code[key] = (code, initial)
        return self._code[key]

    def __call__(self, **values: Any) -> Synapse:
        problems: list[Problem] = []
        out: dict[str, Any] = {}
        for k, v in values.items():
            if k not in self.defaults:
                problems.append(
                    Problem(
                        f"synapse type {self.name!r} has no parameter {k!r}."
                        f"{did_you_mean(k, list(self.defaults))} Parameters: "
                        f"{', '.join(self.defaults)}"
                    )
                )
            elif k in self.weight_parameters:
                out[k] = v
            else:
                chk = check_value(
                    f"synapse {self.name}, parameter {k!r}",
                    v,
                    self.defaults[k].units,
                    1,
                    positive=k in self.positive,
                    nonnegative=k in self.nonnegative,
                )
                problems.extend(chk.problems)
                out[k] = chk.quantity
        raise_problems(f"cannot make a {self.name} synapse", problems)
        return Synapse(self, {**self.defaults, **out}, set(out))

    def __repr__(self) -> str:
        return f"<SynapseType {self.name}: parameters {', '.join(self.defaults) or 'none'}>"


class Synapse:
    """A synapse type with parameter values, for ``Network.connect(..., synapse=...)``."""

    def __init__(self, type_: SynapseType, values: dict[str, Any], given: set[str] | None = None) -> None:
        self.type, self.values, self.given = type_, values, set(values if given is None else given)

    def resolve(self, wunit: Any, where: str, problems: list[Problem]) -> tuple[Any, np.ndarray, Any] | None:
        """(PlasticCode, parameter values in internal units, initial trace values) for weights in
        ``wunit``; problems (units of weight parameters, dimensions) are appended."""
        st = self.type
        if st.weight is not None and st.weight.dimensionality != wunit.dimensionality:
            problems.append(
                Problem(
                    f"{where}: synapse {st.name} takes weights in {fmt_unit(st.weight)}, but the "
                    f"receptor's weights are in {fmt_unit(wunit)}",
                    dimension=True,
                )
            )
            return None
        vals = {}
        for k, v in self.values.items():
            if k in st.weight_parameters and k not in self.given and not hasattr(v, "units"):
                v = f"{v} {wunit}"  # a default without a unit: the receptor's unit (as NEST's Wmax)
            unit = wunit if k in st.weight_parameters else st.defaults[k].units
            chk = check_value(
                f"{where}, synapse {st.name}, parameter {k!r}",
                v,
                unit,
                1,
                positive=k in st.positive,
                nonnegative=k in st.nonnegative,
            )
            problems.extend(chk.problems)
            vals[k] = chk.quantity
        if len(problems):
            return None
        try:
            code, initial = st.code(wunit, {k: wunit for k in st.weight_parameters}, where)
        except (EquationError, DimensionError) as exc:
            problems.append(Problem(str(exc), dimension=isinstance(exc, DimensionError)))
            return None
        p = np.array([float(to_internal(vals[k])) for k in code.params], float)
        return code, p, initial

    def __repr__(self) -> str:
        def show(v: Any) -> str:
            return f"{v:~g}".replace(" dimensionless", "") if hasattr(v, "units") else str(v)

        vals = ", ".join(f"{k}={show(v)}" for k, v in self.values.items())
        return f"<Synapse {self.type.name}: {vals}>"


STDP = SynapseType(
    "stdp_synapse",
    parameters={
        "tau_plus": "20 ms",
        "tau_minus": "20 ms",
        "lambda_": "0.01",
        "alpha": "1",
        "mu_plus": "1",
        "mu_minus": "1",
        "Wmax": 100,
    },
    pre="dK_plus/dt = -K_plus/tau_plus : 1",
    post="dK_minus/dt = -K_minus/tau_minus : 1",
    on_pre="w = Wmax*max(w/Wmax - alpha*lambda_*(w/Wmax)**mu_minus*K_minus, 0)",
    after_pre="K_plus += 1",
    on_post="w = Wmax*min(w/Wmax + lambda_*(1 - w/Wmax)**mu_plus*K_plus, 1); K_minus += 1",
    weight_parameters=("Wmax",),
    constraints=("w/Wmax >= 0",),
    positive=("tau_plus", "tau_minus"),
    nonnegative=("lambda_", "alpha", "mu_plus", "mu_minus"),
    doc="NEST's stdp_synapse: pair-based STDP, all-to-all pairing, weight dependence mu_plus/mu_minus "
    "(0 additive, 1 multiplicative), hard bounds 0 and Wmax (default 100 in the receptor's unit). NEST keeps "
    "tau_minus on the postsynaptic neuron (default 20 ms); here it is a parameter of the synapse.",
)
"""NEST's ``stdp_synapse`` (pair-based STDP; see :mod:`neurounits.network.synapses`)."""

Tsodyks2 = SynapseType(
    "tsodyks2_synapse",
    parameters={"U": "0.5", "u": "0.5", "x": "1", "tau_rec": "800 ms", "tau_fac": "0 ms"},
    pre="""
        dxs/dt = (1 - xs)/tau_rec : 1
        dus/dt = -us/tau_fac : 1
        dn/dt = 0/ms : 1
    """,
    on_pre="us = U + us*(1 - U) if n > 0 else u; xs = xs if n > 0 else x",
    transmit="w*xs*us",
    after_pre="xs = xs - xs*us; n = 1",
    positive=("tau_rec",),
    nonnegative=("U", "u", "x", "tau_fac"),
    doc="NEST's tsodyks2_synapse: short-term depression (tau_rec) and facilitation (tau_fac; 0: none); each "
    "spike is transmitted with w*x*u, u and x (the initial values) updated from the second spike on.",
)
"""NEST's ``tsodyks2_synapse`` (Tsodyks-Markram short-term plasticity)."""
