"""NEST's side of the models for :mod:`.pynest`: what NEST 3.10 knows of each model of
``nu.models.nest`` (settable states, recordables, renamed and fixed parameters), the plan the export
fills (the lines of the script's ``build()`` and the arrays they read), and the populations, receptor
numbers and recorders in NEST's terms."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import Problem
from ..models import nest as nest_models
from ..units import as_quantity, from_internal

#: the NEST version whose models, names and units the export follows
NEST_VERSION = "3.10"


@dataclass(frozen=True)
class _Facts:
    """What NEST knows of one model: the states it lets one set, what a multimeter records, the
    neurounits parameters it lacks (and the value they must have to be NEST's model), renamed
    parameters, options that are NEST's boolean parameters, and whether the input ``I`` (a
    current acting at once, next to ``I_e``) can be added to ``I_e``."""

    settable: tuple[str, ...]
    recordables: tuple[str, ...]
    fixed: Mapping[str, str] = field(default_factory=dict)
    rename: Mapping[str, str] = field(default_factory=dict)
    options: tuple[str, ...] = ()
    current: bool = True


_BW_REC = ("V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_AMPA", "I_GABA", "I_NMDA")
_RATE = _Facts(
    ("rate",),
    ("rate", "noise"),
    rename={"lambda_": "lambda"},
    options=("linear_summation", "mult_coupling", "rectify_output"),
    current=False,
)
_FACTS: dict[str, _Facts] = {
    "iaf_psc_exp": _Facts(("V_m",), ("V_m", "I_syn_ex", "I_syn_in")),
    "iaf_psc_delta": _Facts(("V_m",), ("V_m",)),
    "iaf_cond_exp": _Facts(("V_m", "g_ex", "g_in"), ("V_m", "g_ex", "g_in")),
    "aeif_cond_alpha": _Facts(("V_m", "dg_ex", "g_ex", "dg_in", "g_in", "w"), ("V_m", "g_ex", "g_in", "w")),
    "hh_psc_alpha": _Facts(
        ("V_m", "Act_m", "Inact_h", "Act_n"), ("V_m", "Act_m", "Inact_h", "Act_n", "I_syn_ex", "I_syn_in")
    ),
    "izhikevich": _Facts(
        ("V_m", "U_m"), ("V_m", "U_m"), fixed={"k_I": "1 mV/ms/pA"}, options=("consistent_integration",)
    ),
    "iaf_bw_2001": _Facts(
        ("V_m", "s_AMPA", "s_GABA", "s_NMDA"), _BW_REC, fixed={"I_e": "0 pA"}, current=False
    ),
    "iaf_bw_2001_exact": _Facts(("V_m", "s_AMPA", "s_GABA"), _BW_REC, fixed={"I_e": "0 pA"}, current=False),
    "sigmoid_rate_ipn": _RATE,
    "lin_rate_ipn": _RATE,
    "tanh_rate_ipn": _RATE,
    "threshold_lin_rate_ipn": _RATE,
}


_HINTS = {
    "CobaLIF": " (near NEST's iaf_cond_exp, which bounds V at V_th in its currents, integrates with "
    "RKF45 and routes weights by sign: build the network with nu.models.nest.iaf_cond_exp to export it)",
    "CubaLIF": " (its dynamics are NEST's iaf_psc_exp with weights in pA = w * C_m / tau_m: build the "
    "network with nu.models.nest.iaf_psc_exp to export it)",
    "Izhikevich": " (use nu.models.nest.izhikevich, NEST's numerics)",
}


def exportable_models() -> tuple[str, ...]:
    """The models that export to NEST (``nu.models.nest``), by NEST's names."""
    return tuple(_FACTS)


def _facts(model: Any) -> _Facts | None:
    """The model's NEST facts, if it is exactly one of ``nu.models.nest`` (not a subclass)."""
    name = type(model).__name__
    if name in _FACTS and type(model) is getattr(nest_models, name):
        return _FACTS[name]
    return None


@dataclass
class _Plan:
    """The network in NEST's terms: the lines of ``build()`` and the arrays they read."""

    dt: float
    seed: int
    lines: list[str] = field(default_factory=list)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    max_delay: float = 0.0
    max_interval: float = 0.0
    summary: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)  # lines after the recorders (those of plastic synapses)
    neuron_params: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)  # tau_minus

    def array(self, key: str, value: Any, dtype: Any = float) -> str:
        self.arrays[key] = np.ascontiguousarray(value, dtype=dtype)
        return f'data["{key}"]'


def _lit(v: Any) -> str:
    """A Python literal of a number or bool (floats exactly: repr round-trips)."""
    if isinstance(v, bool | np.bool_):
        return repr(bool(v))
    if isinstance(v, int | np.integer):
        return repr(int(v))
    return repr(float(v))


def _params(plan: _Plan, key: str, values: Mapping[str, np.ndarray | float | bool]) -> str:
    """``{name: literal, ...}`` for uniform values; per-neuron values as lists from the data file."""
    items = []
    for k, v in values.items():
        a = np.asarray(v)
        if a.ndim == 0 or a.dtype == bool:
            items.append(f'"{k}": {_lit(a.reshape(-1)[0])}')
        elif np.all(a == a[0]):
            items.append(f'"{k}": {_lit(a[0])}')
        else:
            items.append(f'"{k}": {plan.array(f"{key}.{k}", a)}.tolist()')
    return "{" + ", ".join(items) + "}"


def _population(plan: _Plan, net: Any, built: Any, pi: int, problems: list[Problem]) -> None:
    p = net.populations[pi]
    model, bplan = p.model, built.plans[pi]
    facts = _facts(model)
    assert facts is not None
    where = f"population {p.name!r} ({model.name})"
    values = _parameter_values(p, facts, where, problems)
    _add_inputs(values, p, bplan, facts, where, problems)
    init = _initial_values(model, bplan, facts, where, problems)
    if bplan.method != (model.spec.default_method or bplan.method):
        warnings.warn(
            f"{where} runs with method {bplan.method!r} here; NEST integrates {model.name} its own way",
            stacklevel=3,
        )
    plan.lines.append(
        f"    # population {p.name!r}: {p.n} x {model.name} (network positions "
        f"{p.offset}..{p.offset + p.n - 1})"
    )
    plan.lines.append(
        f'    pops["{p.name}"] = nest.Create("{model.name}", {p.n}, '
        f"params={_params(plan, f'pop{pi}', values)})"
    )
    if init:
        plan.lines.append(f'    pops["{p.name}"].set({_params(plan, f"pop{pi}.init", init)})')
    plan.summary.append(f"{p.name}: {p.n} x {model.name}")


def _parameter_values(p: Any, facts: _Facts, where: str, problems: list[Problem]) -> dict[str, Any]:
    """NEST's parameters of population ``p``, one value per neuron, by NEST's names, and its
    options as booleans; a problem for each parameter NEST lacks that differs from NEST's value."""
    model = p.model
    values: dict[str, Any] = {}
    for k, q in model.parameters.items():
        unit = model.spec.parameters[k].unit
        mag = np.broadcast_to(np.asarray(q.to(unit).magnitude, float), (p.n,))
        if k in facts.fixed:
            need = as_quantity(facts.fixed[k]).to(unit).magnitude
            if np.any(mag != need):
                problems.append(
                    Problem(
                        f"{where}: parameter {k} = {q:~g} has no counterpart in NEST's {model.name}, which "
                        f"behaves as {k} = {facts.fixed[k]}; export with {k} = {facts.fixed[k]}"
                        + (" (drive the neurons with spikes or sources instead)" if k == "I_e" else "")
                    )
                )
            continue
        values[facts.rename.get(k, k)] = mag
    for k in facts.options:
        v = model.options[k]
        values[k] = v if isinstance(v, bool) else str(v) == "True"
    return values


def _add_inputs(
    values: dict[str, Any], p: Any, bplan: Any, facts: _Facts, where: str, problems: list[Problem]
) -> None:
    """Add population ``p``'s constant current ``I`` to ``values["I_e"]``; a problem for any other
    nonzero input and for a TimedArray (rate-driven inputs are the rate projections)."""
    model = p.model
    for k, src in bplan.inputs.items():
        if k in model.spec.rate_channels:
            continue
        unit = model.spec.inputs[k]
        if src.step_ms is not None:
            problems.append(
                Problem(
                    f"{where}: input {k!r} is a TimedArray; NEST's current generators act one step later "
                    "than neurounits' inputs, so it does not export exactly; give a constant input or "
                    "drive the neurons with SpikeTimes"
                )
            )
            continue
        vals = np.broadcast_to(from_internal(np.asarray(src.values[0], float), unit).magnitude, (p.n,))
        if not np.any(vals):
            continue
        if facts.current and k == "I" and "I_e" in values:
            values["I_e"] = values["I_e"] + from_internal(vals, unit).to("pA").magnitude
        elif any(e.has(model.spec.symbols[k]) for _, e in model.spec.input_effects):
            problems.append(
                Problem(
                    f"{where}: input {k!r} is not zero; the export does not carry it (in NEST it is a "
                    "current generator on its own receptor, e.g. receptor_type 1 of iaf_psc_exp, acting one "
                    "step later); export without it and connect a dc_generator in NEST"
                )
            )
        else:
            problems.append(
                Problem(
                    f"{where}: input {k!r} is not zero; NEST's {model.name} has no such input (export "
                    "without it)"
                )
            )


def _initial_values(
    model: Any, bplan: Any, facts: _Facts, where: str, problems: list[Problem]
) -> dict[str, Any]:
    """The initial values NEST sets; a problem for a nonzero one it cannot set (NEST starts every
    other state at its default, 0 for all of them here)."""
    init: dict[str, Any] = {}
    for k, unit in model.spec.states.items():
        if k not in bplan.init:
            continue  # port states, which start at 0 in both
        vals = from_internal(np.asarray(bplan.init[k], float), unit).magnitude
        if k in facts.settable:
            init[k] = vals
        elif np.any(vals != 0):
            problems.append(
                Problem(
                    f"{where}: state {k!r} starts at {vals[np.flatnonzero(vals)[0]]:g} {unit:~}; NEST's "
                    f"{model.name} starts it at 0 and cannot set it (NEST sets {', '.join(facts.settable)})"
                )
            )
    return init


def _receptor(model: Any, names: tuple[str, ...]) -> int:
    """NEST's receptor_type: 0 for the models that route by sign, else the receptor's number."""
    spec = model.spec
    if spec.receptor_by_sign:
        return 0
    number = spec.receptors[names[0]].number
    return int(number) if number is not None else 0


def _recorders(plan: _Plan, net: Any, built: Any, problems: list[Problem]) -> None:
    plan.lines.append("    rec = {}")
    for pi, p in enumerate(net.populations):
        vars_, idx, every = built.record[pi]
        if pi in built.spikes:
            plan.lines += [
                f'    rec["{p.name}.spikes"] = nest.Create("spike_recorder", '
                'params={"time_in_steps": True})',
                f'    nest.Connect(pops["{p.name}"], rec["{p.name}.spikes"])',
            ]
        if not vars_:
            continue
        facts = _facts(p.model)
        assert facts is not None
        bad = [v for v in vars_ if v not in facts.recordables]
        if bad:
            problems.append(
                Problem(
                    f"Network.record: NEST's {p.model.name} (population {p.name!r}) does not record "
                    f"{', '.join(map(repr, bad))}; it records {', '.join(facts.recordables)}"
                )
            )
            continue
        interval = every * built.dt_ms
        plan.max_interval = max(plan.max_interval, interval)
        nodes = (
            f'pops["{p.name}"]'
            if idx.size == p.n
            else f"nest.NodeCollection(ids[{plan.array(f'rec.{p.name}.neurons', idx + p.offset, np.int64)}]"
            ".tolist())"
        )
        plan.lines += [
            f'    rec["{p.name}.traces"] = nest.Create("multimeter", params={{"interval": '
            f'{_lit(interval)}, "record_from": {list(vars_)!r}}})',
            f'    nest.Connect(rec["{p.name}.traces"], {nodes})',
        ]
