"""Plastic projections in NEST's terms, for :mod:`.nest_connections`: ``nu.synapses.STDP`` as NEST's
``stdp_synapse`` and ``nu.synapses.Tsodyks2`` as ``tsodyks2_synapse``, each projection a copy of the
NEST model (``nest.CopyModel``) holding its parameters in NEST's units and, when the weights are
recorded, its own ``weight_recorder``; ``tau_minus`` (a parameter of the synapse here, of the
postsynaptic neuron in NEST) set on the target population; the script reads every synapse's weight
back after the run (``GetConnections``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import Problem
from ..network.synapses import STDP, SynapseType, Tsodyks2
from ..units import from_internal, ureg
from .nest_models import _lit, _Plan

#: neurounits' synapse type -> (NEST's synapse model, renamed parameters, parameters NEST keeps on
#: the postsynaptic neuron)
_NEST_SYNAPSES: dict[int, tuple[str, dict[str, str], tuple[str, ...]]] = {
    id(STDP): ("stdp_synapse", {"lambda_": "lambda"}, ("tau_minus",)),
    id(Tsodyks2): ("tsodyks2_synapse", {}, ()),
}


def synapse_type(proj: Any) -> SynapseType:
    """The synapse type of plastic projection ``proj`` (given as a type or a :class:`Synapse`)."""
    syn = proj.synapse
    return syn if isinstance(syn, SynapseType) else syn.type


def _parameters(proj: Any, st: SynapseType, wunit: Any) -> dict[str, float]:
    """The synapse's parameters by neurounits' names, in NEST's units: durations in ms, weight
    parameters (``Wmax``) in the receptor's unit (that of the exported weights), numbers as they are."""
    code, values, _ = proj.plastic
    out = {}
    for name, v in zip(code.params, values, strict=True):
        q = from_internal(float(v), wunit if name in st.weight_parameters else st.defaults[name].units)
        out[name] = float((q.to("ms") if q.dimensionality == ureg.ms.dimensionality else q).magnitude)
    return out


def plastic_model(
    plan: _Plan, net: Any, proj: Any, wunit: Any, recorded: bool, problems: list[Problem]
) -> str | None:
    """Add the lines that make projection ``proj``'s NEST synapse model (and set ``tau_minus`` on its
    target, and register its recorders), and return the model's name as a literal of the script; None,
    with a problem, for a synapse type NEST lacks or a ``tau_minus`` NEST cannot hold."""
    st = synapse_type(proj)
    where = proj.describe()
    if id(st) not in _NEST_SYNAPSES:
        problems.append(
            Problem(
                f"{where}: synapse type {st.name!r} is declared in neurounits (nu.synapses.SynapseType) and "
                "has no NEST counterpart; the plastic synapses that export are nu.synapses.STDP (NEST's "
                "stdp_synapse) and nu.synapses.Tsodyks2 (NEST's tsodyks2_synapse). Export the network "
                "without this projection, or write the rule as a NESTML synapse"
            )
        )
        return None
    nest_name, rename, on_neuron = _NEST_SYNAPSES[id(st)]
    values = _parameters(proj, st, wunit)
    target = proj.target.parts[0][0].name
    for k in on_neuron:
        seen = plan.neuron_params.setdefault((target, k), (values[k], proj.index))
        if seen[0] != values[k]:
            problems.append(
                Problem(
                    f"{where}: {k} = {values[k]:g} ms, but projection {seen[1]} onto population {target!r} "
                    f"has {k} = {seen[0]:g} ms; NEST keeps {k} on the postsynaptic neuron (one value per "
                    f"neuron, for all its {nest_name} synapses), so it cannot express both: give the "
                    f"{st.name} projections onto {target!r} the same {k}"
                )
            )
            return None
    model = f"nu_proj{proj.index}_{nest_name}"
    params = {rename.get(k, k): v for k, v in values.items() if k not in on_neuron}
    spec = ", ".join(f'"{k}": {_lit(v)}' for k, v in params.items())
    source = proj.source.parts[0][0].name
    plan.lines.append(f"    # {where}: NEST's {nest_name}, copied as {model!r} with its parameters")
    if recorded:
        plan.lines.append(f'    wr{proj.index} = nest.Create("weight_recorder")')
        spec += f', "weight_recorder": wr{proj.index}'
        plan.late.append(f'    rec["proj{proj.index}.weights"] = (wr{proj.index}, "{source}", "{target}")')
    plan.lines.append(f'    nest.CopyModel("{nest_name}", "{model}", {{{spec}}})')
    for k in on_neuron:
        plan.lines.append(
            f'    pops["{target}"].set({{"{k}": {_lit(values[k])}}})  # NEST keeps {k} on the neuron'
        )
    plan.late.append(f'    rec["proj{proj.index}.final"] = ("{model}", "{source}", "{target}")')
    plan.summary.append(f"projection {proj.index}: {nest_name}")
    return f'"{model}"'


def weight_problems(proj: Any, weight: np.ndarray, problems: list[Problem]) -> None:
    """NEST's ``stdp_synapse`` wants every weight of the sign of ``Wmax`` (0 counts as positive)."""
    if id(synapse_type(proj)) != id(STDP) or not weight.size:
        return
    code, values, _ = proj.plastic
    wmax = float(values[list(code.params).index("Wmax")])
    bad = (weight >= 0) != (wmax >= 0)
    if bad.any():
        problems.append(
            Problem(
                f"{proj.describe()}: {int(bad.sum())} initial weight(s) of sign other than Wmax's (e.g. "
                f"{weight[bad][0]:g}); NEST's stdp_synapse wants weight and Wmax of one sign (0 counts as "
                "positive): start those synapses at a small weight of Wmax's sign"
            )
        )
