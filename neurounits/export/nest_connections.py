"""The projections of a network in NEST's terms, for :mod:`.pynest`: the synapses neurounits draws
(read back through the public API), NEST's connection rules where they map exactly, and the
``nest.Connect`` lines of the script's ``build()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ExportError, Problem
from ..network import connectivity as conn
from ..network.build import STRUCTURE
from ..network.sources import Poisson, Source, SpikeTimes
from ..simulation import TimedArray
from ..units import Q_, as_quantity, from_internal, to_internal, ureg
from .nest_models import _lit, _Plan, _receptor
from .nest_plastic import plastic_model, weight_problems

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


@dataclass
class _Connection:
    """Projection k's synapses in NEST's terms: weights in NEST's units, delays in ms, receptor
    types, the synapse model (as the script names it), and the comment line that heads its lines."""

    k: int
    weight: np.ndarray
    delay: np.ndarray
    receptor: np.ndarray
    syn: str
    instantaneous: bool
    head: str

    def uniform(self) -> bool:
        return _uniform(self.weight, self.delay, self.receptor)

    def args(self, plan: _Plan) -> str:
        """The weight, delay, receptor and synapse-model arguments of ``_connect``."""
        return _syn_args(plan, self.k, self.weight, self.delay, self.receptor, self.syn, self.instantaneous)


def _projection(
    plan: _Plan, net: Any, built: Any, k: int, connectivity: str, problems: list[Problem]
) -> None:
    proj = net.projections[k]
    try:
        s = _synapses(net, built, k)
    except ExportError as exc:
        problems.append(Problem(exc.msg))
        return
    m = s.post.size
    weight, receptor = _weights_and_receptors(net, proj, s, problems)
    delay = s.delay * built.dt_ms
    instantaneous = proj.kind == "rate" and not np.any(s.delay)
    if m:
        plan.max_delay = max(plan.max_delay, float(delay.max()))
    syn = _synapse_model(proj.kind, instantaneous)
    if proj.plastic is not None:  # its own copy of NEST's stdp_synapse / tsodyks2_synapse, explicit arrays
        weight_problems(proj, weight, problems)
        pi, names = next(iter(proj.receptors.items()))
        wunit = net.populations[pi].model.spec.receptors[names[0]].unit
        plastic = plastic_model(plan, net, proj, wunit, k in net.weight_records, problems)
        if plastic is None:
            return
        syn = plastic
    c = _Connection(
        k, weight, delay, receptor, syn, instantaneous, f"    # {proj.describe()}: {m} synapses"
    )
    post = f"ids[{plan.array(f'proj{k}.post', s.post, np.int64)}]" if m else None
    if isinstance(proj.source, Source):
        _source_connection(plan, proj, c, m, post, connectivity, problems)
        return
    rules = connectivity == "rules" and proj.plastic is None  # plastic: the synapses neurounits drew
    if rules and proj.kind == "spike" and np.ndim(proj.weight) == 0 and c.uniform():
        if _rule_connection(plan, proj, c, m, built.dt_ms):
            return
        c.head += " (explicit arrays: the rule, weight or delay has no exact NEST rule)"
    if m:
        pre = f"ids[{plan.array(f'proj{k}.pre', s.pre, np.int64)}]"
        plan.lines += [c.head, f"    _connect(nest, {pre}, {post}, {c.args(plan)})"]


def _weights_and_receptors(
    net: Any, proj: Any, s: _Synapses, problems: list[Problem]
) -> tuple[np.ndarray, np.ndarray]:
    """The weights in the unit of each target's receptor (dimensionless for a rate projection) and
    NEST's receptor types, with a problem for a receptor named against the sign of its weights."""
    m = s.post.size
    offs = net.offsets()
    owner = np.searchsorted(offs, s.post, side="right") - 1
    weight = np.empty(m)
    receptor = np.zeros(m, np.int64)
    for pi, names in proj.receptors.items():
        sel = owner == pi
        model = net.populations[pi].model
        unit = ureg.dimensionless if proj.kind == "rate" else model.spec.receptors[names[0]].unit
        weight[sel] = np.asarray(from_internal(s.weight[sel], unit).magnitude, float)
        if proj.kind == "rate":
            continue
        receptor[sel] = _receptor(model, names)
        by_sign = model.spec.receptor_by_sign
        if by_sign and len(names) == 1:  # a receptor named although the model routes by sign
            bad = weight[sel] < 0 if names[0] == by_sign[0] else weight[sel] > 0
            if bad.any():
                problems.append(
                    Problem(
                        f"{proj.describe()}: receptor {names[0]!r} of {model.name} with weight "
                        f"{weight[sel][bad][0]:g} {unit:~}; NEST routes spikes by the sign of the weight "
                        f"({by_sign[0]!r}: >= 0, {by_sign[1]!r}: < 0), so this does not export"
                    )
                )
    return weight, receptor


def _synapse_model(kind: str, instantaneous: bool) -> str:
    """NEST's synapse model of a projection, as a string literal of the script."""
    if instantaneous:
        return '"rate_connection_instantaneous"'
    return '"rate_connection_delayed"' if kind == "rate" else '"static_synapse"'


def _generator(plan: _Plan, proj: Any, k: int, problems: list[Problem]) -> tuple[str, str] | None:
    """The ``nest.Create`` expression of a source's generator and what it is (for the comment), or
    None, with a problem, for a source that does not export."""
    if isinstance(proj.source, SpikeTimes):
        times = np.asarray(proj.source.times.to("ms").magnitude, float)
        gen = (
            f'nest.Create("spike_generator", params={{"spike_times": '
            f"{plan.array(f'proj{k}.spike_times', times)}.tolist()}})"
        )
        return gen, f"spike_generator, {times.size} spikes"
    assert isinstance(proj.source, Poisson)
    if isinstance(proj.source.rate, TimedArray):
        problems.append(
            Problem(
                f"{proj.describe()}: a Poisson source with a TimedArray rate does not export yet; give a "
                "constant rate"
            )
        )
        return None
    rate = float(proj.source.rate.to("Hz").magnitude)
    gen = f'nest.Create("poisson_generator", params={{"rate": {_lit(rate)}}})'
    return gen, "poisson_generator: an independent train per target, from NEST's random streams"


def _source_connection(
    plan: _Plan,
    proj: Any,
    c: _Connection,
    m: int,
    post: str | None,
    connectivity: str,
    problems: list[Problem],
) -> None:
    """The lines of a projection from a source: its generator, connected ``all_to_all`` to the
    targets where the rules map exactly, else synapse by synapse."""
    generator = _generator(plan, proj, c.k, problems)
    if generator is None:
        return
    gen, what = generator
    plan.lines += [c.head + f" ({what})", f"    gen = {gen}"]
    target = _nodes_expr(proj.target)
    if connectivity == "rules" and m and target and c.uniform():
        plan.lines.append(
            f'    nest.Connect(gen, {target}, "all_to_all", {{"synapse_model": {c.syn}, '
            f'"weight": {_lit(c.weight[0])}, "delay": {_lit(c.delay[0])}, '
            f'"receptor_type": {int(c.receptor[0])}}})'
        )
    elif m:
        plan.lines.append(f"    _connect(nest, np.full({m}, gen.global_id), {post}, {c.args(plan)})")


def _rule_connection(plan: _Plan, proj: Any, c: _Connection, m: int, dt_ms: float) -> bool:
    """The ``nest.Connect`` line of a spike projection with a uniform weight and delay whose rule
    and populations NEST has exactly (NEST draws its own synapses); False where it has not."""
    pre_e, post_e, rule = _nodes_expr(proj.source), _nodes_expr(proj.target), _rule_spec(proj.rule)
    if not (
        pre_e and post_e and rule and not hasattr(proj.weight, "sample") and not hasattr(proj.delay, "sample")
    ):
        return False
    if m == 0:  # none drawn here (e.g. probability 0): connected as the (empty) explicit arrays
        return False
    w0, d0 = c.weight[0], c.delay[0]
    plan.lines += [
        c.head + f" here; NEST draws its own with rule {rule}",
        f'    nest.Connect({pre_e}, {post_e}, {rule}, {{"synapse_model": {c.syn}, '
        f'"weight": {_lit(w0)}, "delay": {_lit(d0)}, "receptor_type": {int(c.receptor[0])}}})',
    ]
    return True


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
