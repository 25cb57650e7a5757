"""A network of NEST-compatible models as a standalone PyNEST script, or built in NEST in-process.

:func:`nest` writes ``run_net.py`` (NEST's model names, parameters in NEST's units, receptor
numbers, generators, recorders) and ``run_net_data.npz`` beside it (the realised synapses, per-neuron
values); the script saves what ``net.record`` asked for to ``run_net_results.npz``.  By default every
projection is connected with explicit arrays, the synapses neurounits drew, so that NEST and
neurounits simulate the same network; ``connectivity="rules"`` hands the rules that map onto NEST's
to NEST instead (NEST then draws its own synapses).  :func:`to_nest` runs the same generated code in
this process, with ``import nest``.

What is exported exactly (NEST 3.10): the models of ``nu.models.nest`` with their parameters, the
initial values NEST lets one set, constant inputs ``I`` (added to ``I_e``), spike and rate
projections with their weights, delays and receptors, ``SpikeTimes`` (``spike_generator``, same
timing) and ``Poisson`` sources (``poisson_generator``: independent trains per target, as here, from
NEST's random streams, so the same law but not the same spikes).  Everything else is refused with
:class:`~neurounits.ExportError` before anything is written.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ExportError, MissingDependencyError, Problem, raise_problems
from ..models import nest as nest_models
from ..network import Network
from ..network import connectivity as conn
from ..network.build import STRUCTURE
from ..network.sources import Poisson, Source, SpikeTimes
from ..simulation import TimedArray
from ..units import Q_, as_quantity, from_internal, to_internal, ureg

__all__ = ["NEST_VERSION", "NestNetwork", "exportable_models", "nest", "to_nest"]

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


# ---------------------------------------------------------------------------------------------
# the network in NEST's terms
# ---------------------------------------------------------------------------------------------


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
    values: dict[str, Any] = {}
    params = model.parameters
    for k, q in params.items():
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
    # inputs: constant currents I join I_e; rate-driven inputs are the rate projections
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
        else:
            problems.append(
                Problem(
                    f"{where}: input {k!r} is not zero; NEST's {model.name} has no such input (export "
                    "without it)"
                )
            )
    # initial values (NEST starts every other state at its default, 0 for all of them here)
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


def _receptor(model: Any, names: tuple[str, ...]) -> int:
    """NEST's receptor_type: 0 for the models that route by sign, else the receptor's number."""
    spec = model.spec
    if spec.receptor_by_sign:
        return 0
    number = spec.receptors[names[0]].number
    return int(number) if number is not None else 0


_RULES: dict[type, tuple[str, dict[str, str]]] = {
    conn.OneToOne: ("one_to_one", {}),
    conn.AllToAll: ("all_to_all", {}),
    conn.FixedProbability: ("pairwise_bernoulli", {"p": "p"}),
    conn.FixedInDegree: ("fixed_indegree", {"indegree": "k"}),
    conn.FixedOutDegree: ("fixed_outdegree", {"outdegree": "k"}),
    conn.FixedTotalNumber: ("fixed_total_number", {"N": "n"}),
}


@dataclass
class _Synapses:
    """One projection's synapses: network positions (pre None for a source), weights in internal
    units, delays in steps (0 for an instantaneous rate connection)."""

    pre: np.ndarray | None
    post: np.ndarray
    weight: np.ndarray
    delay: np.ndarray


def _synapses(net: Any, built: Any, k: int) -> _Synapses:
    """Projection k's synapses, through the public API: the rule draws the positions from the
    projection's stream (``[seed, STRUCTURE, k]``, drawn first: see network.build), weights given
    as values are taken as given (the kernel's own numbers), drawn ones and the delays come from
    ``built.synapses(k)``, checked against the positions."""
    proj = net.projections[k]
    post_ids = proj.target.gids()
    pre: np.ndarray | None = None
    if isinstance(proj.source, Source):
        post = post_ids
    else:
        rng = np.random.default_rng(np.random.SeedSequence([net.seed, STRUCTURE, proj.index]))
        pre_ids = proj.source.gids()
        i, j = proj.rule.build(pre_ids, post_ids, rng)
        pre, post = pre_ids[i], post_ids[j]
    m = post.size
    where = proj.describe()
    if proj.kind == "rate":
        if any(hasattr(v, "sample") for v in (proj.weight, proj.delay)):
            raise ExportError(f"{where}: drawn weights or delays of a rate projection do not export yet")
        w = (
            np.asarray(proj.rule.weights()[0], float)
            if proj.weight is None
            else np.asarray(as_quantity(proj.weight).to("").magnitude, float)
        )
        d = 0.0 if proj.delay is None else np.asarray(as_quantity(proj.delay).to("ms").magnitude, float)
        steps = np.rint(np.broadcast_to(d, (m,)) / built.dt_ms).astype(np.int64)
        return _Synapses(pre, post, np.broadcast_to(w, (m,)).astype(float), steps)
    syn = built.synapses(k)
    offs = net.offsets()
    local = post - offs[np.searchsorted(offs, post, side="right") - 1]
    same = np.array_equal(local, syn["post"]) and (
        pre is None or np.array_equal(pre - offs[np.searchsorted(offs, pre, side="right") - 1], syn["pre"])
    )
    if not same:  # pragma: no cover - the build draws otherwise than documented
        raise ExportError(f"{where}: the synapses could not be read back; export with connectivity='rules'")
    if proj.weight is None:  # a weight matrix
        vals, unit = proj.rule.weights()
        w = np.asarray(to_internal(Q_(vals, unit)) if unit is not None else vals, float)
    elif hasattr(proj.weight, "sample"):  # drawn: the values the build reads back
        w = np.asarray(to_internal(syn["weight"]), float)
    else:
        w = np.broadcast_to(np.asarray(to_internal(as_quantity(proj.weight)), float), (m,))
    steps = np.rint(np.asarray(syn["delay"].to("ms").magnitude, float) / built.dt_ms).astype(np.int64)
    return _Synapses(pre, post, np.asarray(w, float), steps)


def _nodes_expr(view: Any) -> str | None:
    """A NodeCollection expression of a view made of contiguous runs of populations in increasing
    network order (as NEST orders a NodeCollection), else None."""
    gids = view.gids()
    if gids.size == 0 or np.any(np.diff(gids) <= 0):
        return None
    terms = []
    for p, idx in view.parts:
        if not np.array_equal(idx, np.arange(idx[0], idx[0] + idx.size)):
            return None
        whole = idx.size == p.n
        terms.append(f'pops["{p.name}"]' + ("" if whole else f"[{int(idx[0])}:{int(idx[-1]) + 1}]"))
    return " + ".join(terms)


def _rule_spec(rule: Any) -> str | None:
    if type(rule) not in _RULES:
        return None
    name, args = _RULES[type(rule)]
    spec = {"rule": name, **{k: getattr(rule, a) for k, a in args.items()}}
    if hasattr(rule, "allow_autapses"):
        spec["allow_autapses"] = rule.allow_autapses
    if hasattr(rule, "allow_multapses"):
        spec["allow_multapses"] = rule.allow_multapses
    return (
        "{"
        + ", ".join(f'"{k}": ' + (f'"{v}"' if isinstance(v, str) else _lit(v)) for k, v in spec.items())
        + "}"
    )


def _projection(
    plan: _Plan, net: Any, built: Any, k: int, connectivity: str, problems: list[Problem]
) -> None:
    proj = net.projections[k]
    try:
        s = _synapses(net, built, k)
    except ExportError as exc:
        problems.append(Problem(exc.msg))
        return
    where = proj.describe()
    m = s.post.size
    offs = net.offsets()
    owner = np.searchsorted(offs, s.post, side="right") - 1
    w_int = s.weight
    weight = np.empty(m)
    receptor = np.zeros(m, np.int64)
    for pi, names in proj.receptors.items():
        sel = owner == pi
        model = net.populations[pi].model
        unit = ureg.dimensionless if proj.kind == "rate" else model.spec.receptors[names[0]].unit
        weight[sel] = np.asarray(from_internal(w_int[sel], unit).magnitude, float)
        if proj.kind == "rate":
            continue
        receptor[sel] = _receptor(model, names)
        by_sign = model.spec.receptor_by_sign
        if by_sign and len(names) == 1:  # a receptor named although the model routes by sign
            bad = weight[sel] < 0 if names[0] == by_sign[0] else weight[sel] > 0
            if bad.any():
                problems.append(
                    Problem(
                        f"{where}: receptor {names[0]!r} of {model.name} with weight "
                        f"{weight[sel][bad][0]:g} {unit:~}; NEST routes spikes by the sign of the weight "
                        f"({by_sign[0]!r}: >= 0, {by_sign[1]!r}: < 0), so this does not export"
                    )
                )
    delay = s.delay * built.dt_ms
    instantaneous = proj.kind == "rate" and not np.any(s.delay)
    if m:
        plan.max_delay = max(plan.max_delay, float(delay.max()))
    syn = (
        '"rate_connection_instantaneous"'
        if instantaneous
        else '"rate_connection_delayed"'
        if proj.kind == "rate"
        else '"static_synapse"'
    )
    head = f"    # {where}: {m} synapses"
    post = f"ids[{plan.array(f'proj{k}.post', s.post, np.int64)}]" if m else None
    if isinstance(proj.source, Source):
        if isinstance(proj.source, SpikeTimes):
            times = np.asarray(proj.source.times.to("ms").magnitude, float)
            gen = (
                f'nest.Create("spike_generator", params={{"spike_times": '
                f"{plan.array(f'proj{k}.spike_times', times)}.tolist()}})"
            )
            what = f"spike_generator, {times.size} spikes"
        else:
            assert isinstance(proj.source, Poisson)
            if isinstance(proj.source.rate, TimedArray):
                problems.append(
                    Problem(
                        f"{where}: a Poisson source with a TimedArray rate does not export yet; give a "
                        "constant rate"
                    )
                )
                return
            rate = float(proj.source.rate.to("Hz").magnitude)
            gen = f'nest.Create("poisson_generator", params={{"rate": {_lit(rate)}}})'
            what = "poisson_generator: an independent train per target, from NEST's random streams"
        plan.lines += [head + f" ({what})", f"    gen = {gen}"]
        target = _nodes_expr(proj.target)
        if connectivity == "rules" and m and target and _uniform(weight, delay, receptor):
            plan.lines.append(
                f'    nest.Connect(gen, {target}, "all_to_all", {{"synapse_model": {syn}, '
                f'"weight": {_lit(weight[0])}, "delay": {_lit(delay[0])}, '
                f'"receptor_type": {int(receptor[0])}}})'
            )
        elif m:
            plan.lines.append(
                f"    _connect(nest, np.full({m}, gen.global_id), {post}, "
                f"{_syn_args(plan, k, weight, delay, receptor, syn, instantaneous)})"
            )
        return
    if (
        connectivity == "rules"
        and proj.kind == "spike"
        and np.ndim(proj.weight) == 0
        and _uniform(weight, delay, receptor)
    ):
        pre_e, post_e, rule = _nodes_expr(proj.source), _nodes_expr(proj.target), _rule_spec(proj.rule)
        if (
            pre_e
            and post_e
            and rule
            and not hasattr(proj.weight, "sample")
            and not hasattr(proj.delay, "sample")
        ):
            w0 = weight[0] if m else float(as_quantity(proj.weight).magnitude)
            d0 = delay[0] if m else built.dt_ms
            plan.lines += [
                head + f" here; NEST draws its own with rule {rule}",
                f'    nest.Connect({pre_e}, {post_e}, {rule}, {{"synapse_model": {syn}, '
                f'"weight": {_lit(w0)}, "delay": {_lit(d0)}, "receptor_type": {int(receptor[0])}}})',
            ]
            return
        head += " (explicit arrays: the rule, weight or delay has no exact NEST rule)"
    if m:
        pre = f"ids[{plan.array(f'proj{k}.pre', s.pre, np.int64)}]"
        plan.lines += [
            head,
            f"    _connect(nest, {pre}, {post}, "
            f"{_syn_args(plan, k, weight, delay, receptor, syn, instantaneous)})",
        ]


def _uniform(*arrays: np.ndarray) -> bool:
    return all(bool(np.all(a == a[:1])) for a in arrays)


def _syn_args(
    plan: _Plan,
    k: int,
    weight: np.ndarray,
    delay: np.ndarray,
    receptor: np.ndarray,
    syn: str,
    instantaneous: bool,
) -> str:
    w = plan.array(f"proj{k}.weight", weight)
    d = "None" if instantaneous else plan.array(f"proj{k}.delay", delay)
    r = (
        _lit(receptor[0])
        if np.all(receptor == receptor[0])
        else plan.array(f"proj{k}.receptor", receptor, np.int64)
    )
    return f"{w}, {d}, {r}, {syn}"


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


def _plan(net: Any, dt: Any, connectivity: str) -> _Plan:
    """Check that ``net`` exports, build it for ``dt``, and translate it (every problem at once)."""
    if not isinstance(net, Network):
        raise ExportError(f"nu.export.nest exports a nu.Network, got {type(net).__name__}")
    if connectivity not in ("explicit", "rules"):
        raise ExportError(f"connectivity must be 'explicit' or 'rules', got {connectivity!r}")
    refused = [
        f"population {p.name!r} is a {p.model.name}" + _HINTS.get(type(p.model).__name__, "")
        for p in net.populations
        if _facts(p.model) is None
    ]
    if refused:
        raise ExportError(
            f"cannot export the network to NEST: {'; '.join(refused)}, which NEST does not have. NEST's "
            f"models that export: {', '.join(exportable_models())} (nu.models.nest.*). A model of your "
            "own runs in NEST through NESTML",
            problems=tuple(refused),
        )
    built = net.build(dt)
    plan = _Plan(dt=built.dt_ms, seed=net.seed % (2**31 - 2) + 1)
    problems: list[Problem] = []
    for pi in range(len(net.populations)):
        _population(plan, net, built, pi, problems)
    plan.lines.append(
        "    ids = np.concatenate([np.asarray(p.tolist(), np.int64) for p in pops.values()])"
        "  # network position -> node id"
    )
    for k in range(len(net.projections)):
        _projection(plan, net, built, k, connectivity, problems)
    _recorders(plan, net, built, problems)
    raise_problems("cannot export the network to NEST", problems, error=ExportError)
    return plan


# ---------------------------------------------------------------------------------------------
# the script
# ---------------------------------------------------------------------------------------------

_RUNTIME = '''

def _connect(nest, pre, post, weight, delay, receptor, synapse_model):
    """Connect pre[s] -> post[s] (node ids) for every s, with explicit arrays (rank-safe under MPI:
    every rank makes the same call and keeps the synapses onto its own neurons)."""
    spec = {"synapse_model": synapse_model, "weight": np.asarray(weight, float)}
    if delay is not None:
        spec["delay"] = np.asarray(delay, float)
    if np.ndim(receptor) == 0:
        if receptor:
            spec["receptor_type"] = int(receptor)
        nest.Connect(np.asarray(pre, np.int64), np.asarray(post, np.int64), "one_to_one", spec)
        return
    for r in np.unique(receptor):  # one call per receptor type, keeping the order of the synapses
        sel = receptor == r
        sub = {k: (v[sel] if np.ndim(v) else v) for k, v in spec.items()}
        if r:
            sub["receptor_type"] = int(r)
        nest.Connect(np.asarray(pre, np.int64)[sel], np.asarray(post, np.int64)[sel], "one_to_one", sub)


def collect(nest, pops, rec):
    """This rank's recorded events: spikes (time, index in the population) and samples (time,
    index, values), only of the neurons on this rank."""
    first = {name: p[0].global_id for name, p in pops.items()}
    out = {}
    for key, dev in rec.items():
        name, kind = key.rsplit(".", 1)
        ev = dev.get("events")
        t = np.asarray(ev["times"], float)
        if kind == "spikes":  # in steps: the spike's step, without iaf_bw_2001's offsets (NMDA jumps)
            t = np.round(t * DT, 10)
        keep = t <= DURATION + 0.5 * DT
        out[f"{key}.times"] = t[keep]
        out[f"{key}.index"] = np.asarray(ev["senders"], np.int64)[keep] - first[name]
        if kind == "traces":
            for v in dev.get("record_from"):
                out[f"{key}.{v}"] = np.asarray(ev[v], float)[keep]
    return out


def finish(parts):
    """Events of all ranks -> results: per population ``<P>.spikes.times`` (ms) and
    ``<P>.spikes.indices`` sorted by time then index; ``<P>.t`` (ms), ``<P>.neurons`` and
    ``<P>.<variable>`` of shape (samples, neurons) for traces (NEST records no sample at t = 0)."""
    keys = sorted({k for part in parts for k in part})
    ev = {k: np.concatenate([part[k] for part in parts if k in part]) for k in keys}
    out = {"dt": np.float64(DT), "duration": np.float64(DURATION), "populations": np.array(POPULATIONS)}
    for name in POPULATIONS:
        if f"{name}.spikes.times" in ev:
            t, i = ev[f"{name}.spikes.times"], ev[f"{name}.spikes.index"]
            order = np.lexsort((i, t))
            out[f"{name}.spikes.times"], out[f"{name}.spikes.indices"] = t[order], i[order]
        if f"{name}.traces.times" in ev:
            t, i = ev[f"{name}.traces.times"], ev[f"{name}.traces.index"]
            times, row = np.unique(np.round(t / DT).astype(np.int64), return_inverse=True)
            neurons, col = np.unique(i, return_inverse=True)
            out[f"{name}.t"], out[f"{name}.neurons"] = times * DT, neurons
            for k in keys:
                if k.startswith(f"{name}.traces.") and k.rsplit(".", 1)[1] not in ("times", "index"):
                    a = np.full((times.size, neurons.size), np.nan)
                    a[row, col] = ev[k]
                    out[f"{name}." + k.rsplit(".", 1)[1]] = a
    return out


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--merge"]:  # the files of a run under MPI without mpi4py
        files = sorted(RESULTS.parent.glob(RESULTS.stem + ".rank*.npz"))
        np.savez_compressed(RESULTS, **finish([dict(np.load(f)) for f in files]))
        print(f"merged {len(files)} files into {RESULTS}")
        return
    import nest

    with np.load(DATA) as z:
        data = dict(z)
    pops, rec = build(nest, data)
    nest.Simulate(DURATION + EXTRA)  # a multimeter hands its last samples over one slice later
    part = collect(nest, pops, rec)
    n, rank = nest.NumProcesses(), nest.Rank()
    if n > 1:
        try:
            from mpi4py import MPI
        except ImportError:
            path = RESULTS.with_name(f"{RESULTS.stem}.rank{rank}.npz")
            np.savez_compressed(path, **part)
            if rank == 0:
                print(f"{n} ranks wrote {RESULTS.stem}.rank*.npz (no mpi4py to gather them); "
                      f"merge them with: python {Path(__file__).name} --merge")
            return
        parts = MPI.COMM_WORLD.gather(part, root=0)
        if rank != 0:
            return
    else:
        parts = [part]
    np.savez_compressed(RESULTS, **finish(parts))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
'''


def _version() -> str:
    try:
        return importlib.metadata.version("neurounits")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a source tree
        return "(source tree)"


def _script(plan: _Plan, net: Any, duration: float | None, data_name: str, results_name: str) -> str:
    pops = [p.name for p in net.populations]
    extra = plan.max_delay + plan.max_interval + plan.dt
    header = f'''#!/usr/bin/env python
"""A neurounits network ({"; ".join(plan.summary)}) for NEST {NEST_VERSION}.

Written by neurounits {_version()} (nu.export.nest).  Parameters in NEST's units (mV, ms, pA, nS,
pF, Hz); the synapses and per-neuron values are in {data_name}, beside this file.

    python {{script}}                     # writes {results_name}
    mpirun -n 4 python {{script}}         # gathers with mpi4py, or: one file per rank, then
    python {{script}} --merge             # merges {Path(results_name).stem}.rank*.npz

Needs NEST (pip install nest-simulator, or conda install -c conda-forge nest-simulator) and numpy.
"""

import sys
from pathlib import Path

import numpy as np

DT = {_lit(plan.dt)}  # ms
DURATION = {_lit(duration) if duration is not None else "None"}  # ms
EXTRA = {_lit(extra)}  # ms simulated beyond DURATION (dropped): the last samples arrive one slice late
RNG_SEED = {plan.seed}  # NEST's seed (Poisson generators draw from NEST's streams, not neurounits')
POPULATIONS = {pops!r}
HERE = Path(__file__).resolve().parent
DATA = HERE / "{data_name}"
RESULTS = HERE / "{results_name}"


def build(nest, data):
    """Reset NEST's kernel and create the network; returns (populations, recorders) by name."""
    nest.ResetKernel()
    nest.resolution = DT
    nest.rng_seed = RNG_SEED
    pops = {{}}
'''
    body = "\n".join(plan.lines) + "\n    return pops, rec\n"
    return header + body + _RUNTIME


def _duration_ms(duration: Any, dt_ms: float) -> float:
    q = as_quantity(duration)
    if q.dimensionality != ureg.ms.dimensionality or not np.ndim(q.magnitude) == 0 or q.magnitude <= 0:
        raise ExportError(f"duration must be a positive duration (e.g. '300 ms'), got {duration!r}")
    ms = float(q.to("ms").magnitude)
    if abs(round(ms / dt_ms) * dt_ms - ms) > 1e-9 * ms:
        raise ExportError(f"duration {ms:g} ms is not a whole number of steps of dt = {dt_ms:g} ms")
    return ms


def nest(
    net: Any, path: str | os.PathLike, duration: Any, dt: Any = "0.1 ms", *, connectivity: str = "explicit"
) -> Path:
    """Write ``net`` as a standalone PyNEST script ``path`` and its data beside it; return the path.

    ``path`` (``run_net.py``) gets ``run_net_data.npz`` beside it (synapses as network positions,
    weights in NEST's units, delays in ms; per-neuron parameters and initial values); running the
    script writes ``run_net_results.npz``: per population ``<P>.spikes.times`` (ms) and
    ``<P>.spikes.indices``, and for traces ``<P>.t``, ``<P>.neurons``, ``<P>.<variable>``.

    ``connectivity="explicit"`` (default) connects the synapses neurounits draws for ``dt`` (the
    same network in both); ``"rules"`` gives NEST the rules that map exactly (``one_to_one``,
    ``all_to_all``, ``pairwise_bernoulli``, ``fixed_indegree``, ``fixed_outdegree``,
    ``fixed_total_number``, for a uniform weight and delay between whole populations or contiguous
    slices of them) and NEST draws its own synapses; the others stay explicit.

    Raises :class:`~neurounits.ExportError`, listing every problem and writing nothing, for a model
    NEST lacks or a feature with no exact NEST counterpart.

    Examples
    --------
    >>> import neurounits as nu, tempfile, pathlib
    >>> net = nu.Network(seed=1)
    >>> P = net.add(nu.models.nest.iaf_psc_exp(n=20, I_e="380 pA"), name="P")
    >>> net.connect(P, P, nu.conn.FixedInDegree(4), weight="20 pA", delay="1 ms")
    >>> net.record(P, spikes=True)
    >>> out = nu.export.nest(net, pathlib.Path(tempfile.mkdtemp()) / "run_net.py", duration="100 ms")
    >>> sorted(p.name for p in out.parent.iterdir())
    ['run_net.py', 'run_net_data.npz']
    """
    path = Path(path)
    plan = _plan(net, dt, connectivity)
    ms = _duration_ms(duration, plan.dt)
    data_name, results_name = f"{path.stem}_data.npz", f"{path.stem}_results.npz"
    text = _script(plan, net, ms, data_name, results_name).replace("{script}", path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = plan.arrays
    np.savez_compressed(path.with_name(data_name), **arrays)
    path.write_text(text)
    return path


@dataclass
class NestNetwork:
    """A network built in NEST in this process (:func:`to_nest`): ``populations`` (name ->
    NodeCollection), ``recorders`` (``"<P>.spikes"``, ``"<P>.traces"`` -> device), ``nest`` (the
    module).  :meth:`run` simulates and returns the recordings as the exported script saves them."""

    nest: Any
    populations: dict[str, Any]
    recorders: dict[str, Any]
    _namespace: dict[str, Any]

    def run(self, duration: Any) -> dict[str, np.ndarray]:
        """Simulate ``duration`` (from the start) and return this process's recordings."""
        ns = self._namespace
        ns["DURATION"] = _duration_ms(duration, ns["DT"])
        self.nest.Simulate(ns["DURATION"] + ns["EXTRA"])
        return dict(ns["finish"]([ns["collect"](self.nest, self.populations, self.recorders)]))


def to_nest(net: Any, dt: Any = "0.1 ms", *, connectivity: str = "explicit") -> NestNetwork:
    """Build ``net`` in NEST in this process (NEST's kernel is reset), with the code that
    :func:`nest` writes; needs ``import nest`` to work."""
    plan = _plan(net, dt, connectivity)
    try:
        nest_module = importlib.import_module("nest")
    except ImportError as exc:
        raise MissingDependencyError(
            f"net.to_nest() needs NEST {NEST_VERSION} in this Python environment (import nest failed: "
            f"{exc}); install it with `pip install nest-simulator` or `conda install -c conda-forge "
            "nest-simulator`, or write a script to run where NEST is: nu.export.nest(net, 'run_net.py', "
            "duration=...)"
        ) from exc
    ns: dict[str, Any] = {"__name__": "neurounits_nest_export", "__file__": "<in-process>"}
    exec(compile(_script(plan, net, None, "data.npz", "results.npz"), "<nu.export.nest>", "exec"), ns)
    pops, rec = ns["build"](nest_module, plan.arrays)
    return NestNetwork(nest_module, pops, rec, ns)
