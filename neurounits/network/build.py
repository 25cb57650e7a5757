"""Checking ``connect`` calls and building a network: synapses drawn, delays in steps, CSR by source.

Random streams (numpy ``SeedSequence`` of the network's seed): ``[seed, 1, k]`` draws projection
k's synapses, then its weights, then its delays; ``[seed, 2, p]`` population p's initial values;
``[seed, 3]`` the Poisson trains; ``[seed, 4]`` white noise.  Each stream depends only on what it
draws for, so adding a projection does not change the others.

Delays: a scalar delay (or an array of them) must be a whole number of steps >= dt; a delay
drawn from a distribution is rounded to the nearest whole step, and at least one step (the
realised delays can be read back with :meth:`BuiltNetwork.synapses`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..dist import Distribution
from ..errors import ParameterError, Problem, raise_problems
from ..parameters import check_value
from ..simulation import make_plan
from ..simulation.arguments import receptor_names
from ..units import Q_, DimensionError, as_quantity, fmt_unit, internal_unit, to_internal, ureg
from . import connectivity as conn
from .sources import Poisson, Source, SpikeTimes

__all__ = ["BuiltNetwork", "build", "check_connect", "check_receptors"]

_MS = ureg.Unit("ms")
STRUCTURE, INITIAL, POISSON, NOISE = 1, 2, 3, 4


def check_connect(
    net: Any,
    source: Any,
    target: Any,
    rule: Any,
    weight: Any,
    delay: Any,
    where: str,
    problems: list[Problem],
) -> Any:
    """The rule (default all-to-all), after checking source, target, rule, weight and delay."""
    from .network import View

    if not isinstance(target, View):
        problems.append(
            Problem(
                f"{where}: the target must be a view of a population (e.g. P or P[:10]), "
                f"got {type(target).__name__}"
            )
        )
    else:
        net._check_view(target, where + ", target", problems)
    if isinstance(source, Source):
        if rule is not None:
            problems.append(
                Problem(
                    f"{where}: a {type(source).__name__} source reaches every target neuron; "
                    "give no connection rule"
                )
            )
        if (
            isinstance(source, Poisson)
            and delay is not None
            and (isinstance(delay, Distribution) or np.ndim(as_quantity(delay).magnitude))
        ):
            problems.append(Problem(f"{where}: a Poisson source takes one delay, got {delay!r}"))
    elif isinstance(source, View):
        net._check_view(source, where + ", source", problems)
        for p, _ in source.parts:
            if p.model.spec.threshold is None and type(p.model).rate_output:
                problems.append(
                    Problem(
                        f"{where}: population {p.name!r} is a rate model ({p.model.name}); its "
                        "rate can only drive rate models through their rate inputs, not the "
                        "spiking targets of this projection"
                    )
                )
            elif p.model.spec.threshold is None:
                problems.append(
                    Problem(
                        f"{where}: population {p.name!r} (model '{p.model.name}') has no "
                        "threshold, so it emits no spikes to connect"
                    )
                )
    else:
        problems.append(
            Problem(
                f"{where}: the source must be a view of a population or a source from "
                f"nu.sources, got {type(source).__name__}"
            )
        )
    rule = conn.AllToAll() if rule is None and not isinstance(source, Source) else rule
    if rule is not None and not isinstance(rule, conn.Rule):
        problems.append(
            Problem(
                f"{where}: the rule must come from nu.conn (e.g. nu.conn.FixedProbability(0.1)), "
                f"got {type(rule).__name__}"
            )
        )
    elif rule is not None and isinstance(source, View) and isinstance(target, View):
        problems.extend(Problem(f"{where}: {m}") for m in rule.check(source.n, target.n))
    if weight is None and not isinstance(rule, conn.WeightMatrix):
        problems.append(Problem(f"{where}: give the weight of the synapses (weight=...)"))
    _check_delay(delay, where, problems)
    return rule


def _check_delay(delay: Any, where: str, problems: list[Problem]) -> None:
    if delay is None:
        return
    if isinstance(delay, Distribution):
        if delay.dimensionality != _MS.dimensionality:
            problems.append(
                Problem(
                    f"{where}: the delay distribution must be in a unit of time, got {fmt_unit(delay.units)}",
                    dimension=True,
                )
            )
        return
    chk = check_value(f"{where}, delay", delay, _MS, None, nonnegative=True)
    problems.extend(chk.problems)


def is_rate_projection(source: Any, target: Any) -> bool:
    """A projection onto rate models' rate inputs (their populations take no spikes)."""
    from .network import View

    return isinstance(target, View) and any(p.model.spec.rate_channels for p, _ in target.parts)


def check_rate_connect(
    net: Any,
    source: Any,
    target: Any,
    rule: Any,
    weight: Any,
    delay: Any,
    receptor: Any,
    where: str,
    problems: list[Problem],
) -> Any:
    """The rule of a rate projection (default all-to-all), after checking its parts."""
    from .network import View

    net._check_view(target, where + ", target", problems)
    for p, _ in target.parts:
        if not p.model.spec.rate_channels:
            problems.append(
                Problem(
                    f"{where}: population {p.name!r} ({p.model.name}) has no rate inputs; a "
                    "rate projection's targets must all be rate models"
                )
            )
    if not isinstance(source, View):
        problems.append(
            Problem(
                f"{where}: rate models take rates from rate populations (e.g. a "
                f"sigmoid_rate_ipn population), not from a {type(source).__name__}"
            )
        )
    else:
        net._check_view(source, where + ", source", problems)
        for p, _ in source.parts:
            if not type(p.model).rate_output:
                problems.append(
                    Problem(
                        f"{where}: population {p.name!r} ({p.model.name}) has no rate output; "
                        "the rate inputs of rate models take rates from rate models only"
                    )
                )
    if receptor is not None:
        problems.append(Problem(f"{where}: a rate projection has no receptor (got receptor={receptor!r})"))
    rule = conn.AllToAll() if rule is None else rule
    if not isinstance(rule, conn.Rule):
        problems.append(Problem(f"{where}: the rule must come from nu.conn, got {type(rule).__name__}"))
    elif isinstance(source, View):
        problems.extend(Problem(f"{where}: {m}") for m in rule.check(source.n, target.n))
    if weight is None and not isinstance(rule, conn.WeightMatrix):
        problems.append(Problem(f"{where}: give the weight of the rate connections (weight=...)"))
    elif isinstance(weight, Distribution):
        if weight.dimensionality != ureg.dimensionless.dimensionality:
            problems.append(
                Problem(
                    f"{where}: rate weights are dimensionless, got a distribution in "
                    f"{fmt_unit(weight.units)}",
                    dimension=True,
                )
            )
    elif weight is not None:
        problems.extend(check_value(f"{where}, weight", weight, ureg.dimensionless, None).problems)
    _check_delay(delay, where, problems)
    return rule


def check_receptors(
    source: Any, target: Any, receptor: Any, weight: Any, where: str, problems: list[Problem]
) -> dict[int, tuple[str, ...]]:
    """Per target population: the receptor name(s) (two: routed by the sign of the weight), after
    checking that the receptor exists, takes these spikes and the weight's unit fits it."""
    from .network import View

    out: dict[int, tuple[str, ...]] = {}
    if not isinstance(target, View):
        return out
    for p, _ in target.parts:
        spec = p.model.spec
        if not spec.receptors:
            problems.append(
                Problem(
                    f"{where}: model '{p.model.name}' of population {p.name!r} has no spike "
                    "receptors, so spikes cannot be connected to it"
                )
            )
            continue
        names = receptor_names(spec, receptor, f"{where}, population {p.name!r}", problems)
        if names is None:
            continue
        payload = type(p.model).spike_payload
        if payload is not None and names[0] in payload.receptors:
            if not _payload_sources(source, names[0], p, where, problems):
                continue
        elif bad := type(p.model).unavailable_receptors.get(names[0]):
            problems.append(
                Problem(
                    f"{where}: receptor '{names[0]}' of population {p.name!r} cannot take these spikes: {bad}"
                )
            )
            continue
        unit = spec.receptors[names[0]].unit
        if isinstance(weight, Distribution):
            if weight.dimensionality != unit.dimensionality:
                problems.append(
                    Problem(
                        f"{where}: the weight distribution is in {fmt_unit(weight.units)}, but "
                        f"receptor '{names[0]}' of population {p.name!r} takes weights in "
                        f"{fmt_unit(unit)}",
                        dimension=True,
                    )
                )
                continue
        elif weight is not None:
            chk = check_value(
                f"{where}, weight (receptor '{names[0]}' of population {p.name!r})", weight, unit, None
            )
            if chk.problems:
                problems.extend(chk.problems)
                continue
        out[p.index] = names
    return out


def _payload_sources(source: Any, receptor: str, target: Any, where: str, problems: list[Problem]) -> bool:
    """A payload receptor takes spikes only from models whose spikes carry a value for it (NEST:
    "For NMDA synapses in iaf_bw_2001, pre-synaptic neuron must also be of type iaf_bw_2001")."""
    from .network import View

    model = target.model.name
    if not isinstance(source, View):
        problems.append(
            Problem(
                f"{where}: receptor '{receptor}' of population {target.name!r} takes spikes only "
                f"from {model} neurons, which send a value with each spike; a "
                f"{type(source).__name__} source has none"
            )
        )
        return False
    ok = True
    for q, _ in source.parts:
        pay = type(q.model).spike_payload
        if pay is None or receptor not in pay.receptors:
            problems.append(
                Problem(
                    f"{where}: receptor '{receptor}' of population {target.name!r} takes spikes "
                    f"only from {model} neurons, which send a value with each spike; population "
                    f"{q.name!r} is {q.model.name}"
                )
            )
            ok = False
    return ok


@dataclass
class ProjectionSynapses:
    """The drawn synapses of one projection (network-wide ids, internal units, steps)."""

    pre: np.ndarray  # source gid (-1 for a source from nu.sources)
    post: np.ndarray  # target gid
    weight: np.ndarray  # one per synapse, or one for all (length 1)
    delay: np.ndarray  # steps, one per synapse or one for all
    column: np.ndarray  # ring column, minus col_shift
    payload: bool = False  # onto a payload receptor: weight times the source's spike value
    col_shift: int = 0  # the ring column of synapse s is column[s] + col_shift

    def columns(self) -> np.ndarray:
        return self.column + self.col_shift if self.col_shift else self.column


@dataclass(frozen=True)
class ProjectionCounts:
    """What a built network keeps of a projection's drawn synapses once they are grouped by source:
    how many, and the range of delays (steps); ``BuiltNetwork.synapses`` draws them again."""

    count: int
    delay_min: int
    delay_max: int

    @classmethod
    def of(cls, s: ProjectionSynapses) -> ProjectionCounts:
        n = int(s.post.size)
        return cls(n, int(s.delay.min()) if n else 0, int(s.delay.max()) if n else 0)


@dataclass
class BuiltNetwork:
    """A network drawn for one dt: plans per population, synapses by source, sources, recording."""

    network: Any
    dt_q: Any
    dt_ms: float
    plans: list[Any]
    offsets: list[np.ndarray]  # per population: ring column of each receptor's first neuron
    n_columns: int
    csr: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]  # PTR, COL, W, DLY per population
    payload_csr: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None]  # payload synapses
    rate_csr: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None]  # by target: history column
    rh_offsets: list[int]  # per population: its first column in the rate history (-1: not a rate source)
    rh_shape: tuple[int, int]  # the rate history: (longest lag + 1, columns)
    projections: list[ProjectionCounts]  # the synapses themselves: csr (and synapses(k))
    poisson: list[tuple[Poisson, int, int]]  # (source, first, last position in PS_COL)
    ps_col: np.ndarray
    ps_w: np.ndarray
    ps_dly: np.ndarray
    events: tuple[np.ndarray, np.ndarray, np.ndarray]  # SpikeTimes: global arrival step, column, weight
    max_delay: int
    record: list[
        tuple[tuple[str, ...], np.ndarray, int]
    ]  # per population: variables, neurons, every (0: none)
    spikes: set[int]
    input_seed: int
    extra: dict[str, Any] = field(default_factory=dict)

    def synapses(self, projection: int) -> dict[str, Any]:
        """The realised synapses of a projection: ``pre`` and ``post`` (indices within their
        populations), ``weight`` (Quantity, the receptor's unit) and ``delay`` (Quantity, ms).

        The network keeps its synapses only grouped by source (13 bytes each); this draws the
        projection again, which gives the same synapses (a pure function of the seed)."""
        net = self.network
        if not 0 <= projection < len(net.projections):
            raise IndexError(f"the network has {len(net.projections)} projection(s); "
                             f"got projection {projection}")
        proj = net.projections[projection]
        problems: list[Problem] = []
        s = _draw(net, proj, self.dt_ms, problems)
        raise_problems("cannot draw the projection again", problems)
        assert s is not None  # drawn once already, without problems
        offs = net.offsets()
        pre = (
            s.pre - offs[np.searchsorted(offs, s.pre, side="right") - 1]
            if s.pre.size and s.pre[0] >= 0
            else s.pre
        )
        post = s.post - offs[np.searchsorted(offs, s.post, side="right") - 1]
        names = next(iter(proj.receptors.values()))
        unit = net.populations[next(iter(proj.receptors))].model.spec.receptors[names[0]].unit
        m = s.post.shape
        return {
            "pre": pre,
            "post": post,
            "weight": Q_(np.broadcast_to(s.weight, m) / _factor(unit), unit),
            "delay": Q_(np.broadcast_to(s.delay, m) * self.dt_ms, "ms"),
        }

    @property
    def n_synapses(self) -> int:
        """Synapses of the projections between populations (spiking and rate), not of sources."""
        return int(
            sum(
                s.count
                for s, proj in zip(self.projections, self.network.projections, strict=True)
                if not isinstance(proj.source, Source)
            )
        )

    def connectivity_bytes(self) -> int:
        tables = self.csr + [c for c in self.payload_csr + self.rate_csr if c]
        return int(sum(sum(a.nbytes for a in c) for c in tables))

    def summary(self) -> str:
        net = self.network
        lines = [
            f"Network: {len(net.populations)} population(s), {net.n} neurons, {self.n_synapses} synapses "
            f"(dt = {self.dt_q:~g})"
        ]
        for p, plan in zip(net.populations, self.plans, strict=True):
            lines.append(f"  {p.name}: {p.n} x {p.model.name}, method {plan.method}")
        for proj, s in zip(net.projections, self.projections, strict=True):
            dtxt = (f"delay {s.delay_min * self.dt_ms:g}-{s.delay_max * self.dt_ms:g} ms" if s.count
                    else "no synapses")
            lines.append(f"  {proj.describe()}: {s.count} synapses, {dtxt}")
        rec_bytes = sum(len(v) * len(idx) * 8 / max(e, 1) for v, idx, e in self.record if e)
        lines.append(
            f"  connectivity: {self.connectivity_bytes() / 2**20:.2f} MiB "
            f"({self.connectivity_bytes() / max(self.n_synapses, 1):.1f} bytes per synapse); "
            f"longest spike delay {self.max_delay * self.dt_ms:g} ms ({self.max_delay} steps)"
            + (f", longest rate delay {(self.rh_shape[0] - 1) * self.dt_ms:g} ms" if self.rh_shape[1] else "")
        )
        lines.append(
            f"  recording: {rec_bytes * 1000 / self.dt_ms / 2**20:.2f} MiB per simulated second of traces, "
            f"spikes of {', '.join(net.populations[i].name for i in sorted(self.spikes)) or 'none'}"
        )
        return "\n".join(lines)


def _factor(unit: Any) -> float:
    return float(Q_(1.0, unit).to(internal_unit(unit)).magnitude)


def _values(
    what: str, value: Any, unit: Any, m: int, rng: np.random.Generator, where: str, problems: list[Problem]
) -> np.ndarray | None:
    """m values in internal units: a Quantity (one or m), or drawn from a distribution."""
    if isinstance(value, Distribution):
        try:
            return np.asarray(value.sample(rng, m, internal_unit(unit)), float)
        except (DimensionError, ParameterError) as exc:
            problems.append(Problem(f"{where}: {what}: {exc}"))
            return None
    chk = check_value(f"{where}, {what}", value, unit, None)
    if chk.problems:
        problems.extend(chk.problems)
        return None
    v = np.asarray(to_internal(chk.quantity), float)
    if v.ndim == 0:  # one value for every synapse: kept as one (see ProjectionSynapses)
        return v.reshape(1)
    if v.shape != (m,):
        problems.append(
            Problem(
                f"{where}: {what} has {v.size} values, but the projection has {m} synapses; "
                "give one value, one per synapse, or a distribution"
            )
        )
        return None
    return v


def _delays(
    delay: Any, m: int, dt_ms: float, rng: np.random.Generator, where: str, problems: list[Problem]
) -> np.ndarray | None:
    if delay is None:
        return np.ones(1, np.int64)
    if isinstance(delay, Distribution):
        drawn = np.asarray(delay.sample(rng, m, _MS), float)
        return np.maximum(np.rint(drawn / dt_ms), 1).astype(np.int64)
    d = _values("delay", delay, _MS, m, rng, where, problems)
    if d is None:
        return None
    steps = np.rint(d / dt_ms)
    off = np.abs(steps * dt_ms - d) > 1e-9 * np.maximum(d, 1.0)
    if off.any():
        problems.append(
            Problem(
                f"{where}: delay {d[off][0]:g} ms is not a whole number of steps of dt = "
                f"{dt_ms:g} ms; give a multiple of dt (or a distribution, which is rounded)"
            )
        )
        return None
    if (steps < 1).any():
        problems.append(
            Problem(
                f"{where}: delay {d[steps < 1][0]:g} ms is shorter than one step (dt = "
                f"{dt_ms:g} ms); a spike needs at least one step to arrive"
            )
        )
        return None
    return steps.astype(np.int64)


def _layout(net: Any, specs: list[Any]) -> tuple[list[np.ndarray], int]:
    """Ring columns: each receptor of each population (of its plan's spec: with ports) n columns."""
    offsets, col = [], 0
    for p, spec in zip(net.populations, specs, strict=True):
        offs = np.arange(len(spec.receptors), dtype=np.int64) * p.n + col
        col += len(spec.receptors) * p.n
        offsets.append(offs)
    return offsets, col


def _columns(
    net: Any, proj: Any, post: np.ndarray, w: np.ndarray, offsets: list[np.ndarray], specs: list[Any]
) -> tuple[np.ndarray, int]:
    """Ring column of each synapse (its target population's receptor, by sign where routed so),
    as (array, shift): column = array + shift."""
    offs = net.offsets()
    if len(proj.receptors) == 1:  # one target population: no search
        pi, names = next(iter(proj.receptors.items()))
        recs = list(specs[pi].receptors)
        first = offsets[pi][recs.index(names[0])] - offs[pi]
        if len(names) == 1 or w.size == 1:
            shift = first if len(names) == 1 or w[0] >= 0 else offsets[pi][recs.index(names[1])] - offs[pi]
            return post, int(shift)
        second = offsets[pi][recs.index(names[1])] - offs[pi]
        return post + np.where(w >= 0, first, second), 0
    owner = np.searchsorted(offs, post, side="right") - 1
    cols = np.empty(post.size, np.int64)
    for pi, names in proj.receptors.items():
        sel = owner == pi
        recs = list(specs[pi].receptors)
        local = post[sel] - offs[pi]
        first = offsets[pi][recs.index(names[0])] + local
        if len(names) == 2:
            second = offsets[pi][recs.index(names[1])] + local
            cols[sel] = np.where((w if w.size == 1 else w[sel]) >= 0, first, second)
        else:
            cols[sel] = first
    return cols, 0


def _ids(ids: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """ids[pos], without a gather when the ids are consecutive (a population or a slice of it)."""
    if (
        ids.size
        and ids[-1] - ids[0] == ids.size - 1
        and (ids.size < 3 or ids[1] - ids[0] == 1)
        and np.array_equal(ids, np.arange(ids[0], ids[0] + ids.size))
    ):
        return pos + ids[0] if ids[0] else pos
    return ids[pos]


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *key]))


def _draw(net: Any, proj: Any, dt_ms: float, problems: list[Problem]) -> ProjectionSynapses | None:
    """A projection's synapses, weights and delays (ring columns come later: :func:`_place`)."""
    where = proj.describe()
    rng = _rng(net.seed, STRUCTURE, proj.index)
    post_ids = proj.target.gids()
    if isinstance(proj.source, Source):
        pre, post = np.full(post_ids.size, -1, np.int64), post_ids
    else:
        pre_ids = proj.source.gids()
        i, k = proj.rule.build(pre_ids, post_ids, rng)
        pre, post = _ids(pre_ids, i), _ids(post_ids, k)
    unit = _weight_unit(net, proj) if proj.kind == "spike" else ureg.dimensionless
    weight = proj.weight
    if weight is None:  # a weight matrix
        vals, wunit = proj.rule.weights()
        weight = Q_(vals, wunit) if wunit is not None else vals
    w = _values("weight", weight, unit, post.size, rng, where, problems)
    if proj.kind == "rate" and (
        proj.delay is None
        or (not isinstance(proj.delay, Distribution) and np.all(as_quantity(proj.delay).magnitude == 0))
    ):
        d: np.ndarray | None = np.zeros(1, np.int64)  # instantaneous
    else:
        d = _delays(proj.delay, post.size, dt_ms, rng, where, problems)
    if w is None or d is None:
        return None
    pi, names = next(iter(proj.receptors.items()))
    pay = type(net.populations[pi].model).spike_payload
    return ProjectionSynapses(pre, post, w, d, np.zeros(0, np.int64),
                              payload=proj.kind == "spike" and pay is not None and names[0] in pay.receptors)


def _place(net: Any, proj: Any, s: ProjectionSynapses, offsets: list[np.ndarray], specs: list[Any],
           ports: dict[int, np.ndarray]) -> None:
    """The ring column of each synapse of a spiking projection.  A synapse onto a port group (e.g.
    NMDA of iaf_bw_2001_exact) goes to its own port's receptor with weight 1 (a spike count; the
    port's weight is a parameter of the target neuron)."""
    if proj.kind != "spike":
        return
    if proj.index in ports:
        pi, names = next(iter(proj.receptors.items()))
        recs = list(specs[pi].receptors)
        port = ports[proj.index]
        first = offsets[pi][[recs.index(f"{names[0]}_{k}") for k in range(int(port.max()) + 1)]]
        s.column = first[port] + (s.post - net.populations[pi].offset)
        s.weight = np.ones(1)
        return
    s.column, s.col_shift = _columns(net, proj, s.post, s.weight, offsets, specs)


def _port_numbers(net: Any, built: list[ProjectionSynapses | None]):
    """Ports of the port groups (NEST's iaf_bw_2001_exact: one NMDA port per connection, in the
    order connections were made): per projection onto a group, each synapse's port; per
    population, the number of ports of each group and each port's weight per neuron."""
    ports: dict[int, np.ndarray] = {}
    groups: dict[int, tuple[dict[str, int], dict[str, np.ndarray]]] = {}
    for p in net.populations:
        spec = p.model.spec
        if not spec.ports:
            continue
        counts: dict[str, int] = dict.fromkeys(spec.ports, 0)
        weights: dict[str, np.ndarray] = {}
        for r in spec.ports:
            cnt = np.zeros(p.n, np.int64)
            for proj, s in zip(net.projections, built, strict=True):
                if s is None or proj.receptors.get(p.index, ("",))[0] != r:
                    continue
                local = s.post - p.offset
                order = np.argsort(local, kind="stable")
                srt = local[order]
                rank = np.empty(local.size, np.int64)
                rank[order] = np.arange(local.size) - np.searchsorted(srt, srt, side="left") + cnt[srt]
                cnt += np.bincount(local, minlength=p.n)
                ports[proj.index] = rank
                w = np.broadcast_to(s.weight, local.shape)
                for k in range(int(rank.max()) + 1 if rank.size else 0):
                    key = f"w_{r}_{k}"
                    weights.setdefault(key, np.zeros(p.n))
                    weights[key][local[rank == k]] = w[rank == k]
            counts[r] = int(cnt.max()) if cnt.size else 0
        groups[p.index] = (counts, weights)
    return ports, groups


def _weight_unit(net: Any, proj: Any) -> Any:
    pi, names = next(iter(proj.receptors.items()))
    return net.populations[pi].model.spec.receptors[names[0]].unit


def _delay_dtype(max_delay: int) -> Any:
    return np.uint8 if max_delay < 2**8 else np.uint16 if max_delay < 2**16 else np.int32


def _record(net: Any, dt_ms: float, problems: list[Problem]) -> list[tuple[tuple[str, ...], np.ndarray, int]]:
    out: list[tuple[tuple[str, ...], np.ndarray, int]] = [
        ((), np.zeros(0, np.int64), 0) for _ in net.populations
    ]
    for r in net.records:
        every = 1
        if r.every is not None:
            chk = check_value(
                f"Network.record, every (population {net.populations[r.population].name!r})",
                r.every,
                _MS,
                1,
                positive=True,
            )
            if chk.problems:
                problems.extend(chk.problems)
                continue
            e_ms = float(to_internal(chk.quantity))
            every = round(e_ms / dt_ms)
            if abs(every * dt_ms - e_ms) > 1e-9 * e_ms or every < 1:
                problems.append(
                    Problem(
                        f"Network.record: every = {e_ms:g} ms is not a whole number of steps "
                        f"of dt = {dt_ms:g} ms"
                    )
                )
                continue
        vars_, idx, _ = out[r.population]
        vars_ = tuple(dict.fromkeys(vars_ + r.variables))
        idx = np.unique(np.concatenate([idx, r.neurons]))
        out[r.population] = (vars_, idx, every)
    return out


def _with_ports(plan: Any, model: Any, counts: dict[str, int], weights: dict[str, np.ndarray]) -> Any:
    """``plan`` for the model with ``counts`` ports per group, each port's weight per neuron."""
    spec = type(model)._spec_for(model.options, counts)
    params = {**plan.params, **weights}
    init = dict(plan.init)
    for k in spec.states:  # port states start at their declared initial value
        if k not in init:
            init[k] = model.evaluate(spec.initial[k], params)
    none = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    events = {r: plan.events.get(r, none) for r in spec.receptors}
    return dataclasses.replace(plan, spec=spec, params=params, init=init, port_weights=weights, uniform=(),
                               events=events)


def _plans(net: Any, dt_q: Any, record, groups: dict, problems: list[Problem]) -> list[Any]:
    plans = []
    noise_seed = int(
        np.random.SeedSequence([net.seed, NOISE]).generate_state(1, np.uint64)[0] >> np.uint64(1)
    )
    for p, opts in zip(net.populations, net._options, strict=True):
        rng = _rng(net.seed, INITIAL, p.index)
        initial = {}
        for k, v in opts.initial.items():
            unit = p.model.spec.states[k]
            if isinstance(v, Distribution):
                try:
                    initial[k] = Q_(v.sample(rng, p.n, unit), unit)
                except (DimensionError, ParameterError) as exc:
                    problems.append(Problem(f"population {p.name!r}, initial value of {k!r}: {exc}"))
            else:
                initial[k] = v
        try:
            plan, _, _ = make_plan(
                p.model,
                dt_q,
                inputs=opts.inputs,
                record=record[p.index][0],
                method=opts.method,
                seed=noise_seed,
                initial=initial,
                record_every=record[p.index][2] or 1,
                method_options=opts.method_options,
                noise_ids=p.offset + np.arange(p.n, dtype=np.int64),
                where=f"population {p.name!r}",
            )
        except (ParameterError, DimensionError) as exc:
            problems.append(Problem(str(exc)))
            continue
        if p.index in groups and any(groups[p.index][0].values()):
            plan = _with_ports(plan, p.model, *groups[p.index])
        plans.append(plan)
    return plans


def _sources(net: Any, built: list[ProjectionSynapses | None]):
    poisson, cols, ws, dl = [], [], [], []
    ev: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    pos = 0
    for proj, s in zip(net.projections, built, strict=True):
        if s is None or not isinstance(proj.source, Source):
            continue
        if isinstance(proj.source, Poisson):
            poisson.append((proj.source, pos, pos + s.column.size))
            pos += s.column.size
            cols.append(s.columns())
            ws.append(np.broadcast_to(s.weight, s.column.shape))
            dl.append(int(s.delay[0]) if s.delay.size else 1)
    return poisson, cols, ws, dl, ev


def build(net: Any, dt_q: Any) -> BuiltNetwork:
    """Draw everything of ``net`` for time step ``dt_q``; every problem is reported together."""
    problems: list[Problem] = []
    chk = check_value("dt", dt_q, _MS, 1, positive=True)
    raise_problems("cannot build the network", chk.problems)
    dt_ms = float(to_internal(chk.quantity))
    if not net.populations:
        raise ParameterError("the network has no populations; add one with net.add(model)")
    built = [_draw(net, proj, dt_ms, problems) for proj in net.projections]
    record = _record(net, dt_ms, problems)
    ports, groups = _port_numbers(net, built)
    plans = _plans(net, dt_q, record, groups, problems)
    raise_problems("cannot build the network", problems)
    offsets, n_cols = _layout(net, [plan.spec for plan in plans])
    for proj, s in zip(net.projections, built, strict=True):
        assert s is not None  # a projection that was not drawn added a problem, raised above
        _place(net, proj, s, offsets, [plan.spec for plan in plans], ports)
    events = _spike_time_events(net, built, dt_ms, problems)
    raise_problems("cannot build the network", problems)
    syn = [s for s in built if s is not None]
    spiking = [s for s, proj in zip(syn, net.projections, strict=True) if proj.kind == "spike"]
    max_delay = max([1] + [int(s.delay.max()) for s in spiking if s.delay.size])
    parts = [
        s
        for s, proj in zip(built, net.projections, strict=True)
        if s is not None and not isinstance(proj.source, Source) and proj.kind == "spike"
    ]
    rates = [(s, proj) for s, proj in zip(syn, net.projections, strict=True) if proj.kind == "rate"]
    rh_offsets, n_rh = _rate_layout(net)
    rh_len = max([0] + [int(s.delay.max()) for s, _ in rates if s.delay.size]) + 1
    rate_csr = [
        _rate_csr(net, p, rates, rh_offsets, rh_len) if p.model.spec.rate_channels else None
        for p in net.populations
    ]
    csr = [_population_csr(p, [s for s in parts if not s.payload], max_delay) for p in net.populations]
    payload_csr = [
        _population_csr(p, [s for s in parts if s.payload], max_delay)
        if type(p.model).spike_payload is not None
        else None
        for p in net.populations
    ]
    poisson, cols, ws, dl, _ = _sources(net, built)
    return BuiltNetwork(
        network=net,
        dt_q=chk.quantity,
        dt_ms=dt_ms,
        plans=plans,
        offsets=offsets,
        n_columns=n_cols,
        csr=csr,
        payload_csr=payload_csr,
        rate_csr=rate_csr,
        rh_offsets=rh_offsets,
        rh_shape=(rh_len, n_rh),
        projections=[ProjectionCounts.of(x) for x in syn],
        poisson=poisson,
        ps_col=np.concatenate([*cols, np.zeros(0, np.int64)]).astype(np.int32),
        ps_w=np.concatenate([*ws, np.zeros(0)]),
        ps_dly=np.array(dl, np.int64),
        events=events,
        max_delay=max_delay,
        record=record,
        spikes=set(net.spike_records),
        input_seed=int(
            np.random.SeedSequence([net.seed, POISSON]).generate_state(1, np.uint64)[0] >> np.uint64(1)
        ),
    )


def _rate_layout(net: Any) -> tuple[list[int], int]:
    out, col = [], 0
    for p in net.populations:
        if type(p.model).rate_output:
            out.append(col)
            col += p.n
        else:
            out.append(-1)
    return out, col


def _rate_csr(net: Any, p: Any, rates: list, rh_offsets: list[int], rh_len: int):
    """Rate synapses onto population ``p`` by target neuron: (RPTR, RCOL = history column * 4 +
    channel, RW, RLAG).  Channels as for RateInputs: one (all), two (weight >= 0, < 0) or three
    (all, >= 0, < 0; a synapse then enters two)."""
    from ..codegen.csr import group_by_source

    offs = net.offsets()
    n_chan = len(p.model.spec.rate_channels)
    pieces = []
    for s, _ in rates:
        m = (s.post >= p.offset) & (s.post < p.offset + p.n)
        if not m.any():
            continue
        pre, post = s.pre[m], s.post[m]
        w = np.broadcast_to(s.weight, s.post.shape)[m]
        lag = np.broadcast_to(s.delay, s.post.shape)[m]
        owner = np.searchsorted(offs, pre, side="right") - 1
        col = np.asarray(rh_offsets, np.int64)[owner] + (pre - offs[owner])
        chans = {
            1: [np.zeros(w.shape, np.int64)],
            2: [np.where(w >= 0, 0, 1)],
            3: [np.zeros(w.shape, np.int64), np.where(w >= 0, 1, 2)],
        }[n_chan]
        for ch in chans:
            pieces.append((post, col * 4 + ch, 0, w, lag))
    return group_by_source(p.n, p.offset, pieces, _delay_dtype(rh_len))


def _population_csr(p: Any, parts: list[ProjectionSynapses], max_delay: int):
    """The synapses of ``parts`` whose source is in population ``p``, by source neuron (CSR)."""
    from ..codegen.csr import group_by_source

    pieces = []
    for s in parts:
        lo, hi = int(s.pre.min()) if s.pre.size else 0, int(s.pre.max()) if s.pre.size else -1
        if hi < p.offset or lo >= p.offset + p.n:
            continue
        if lo >= p.offset and hi < p.offset + p.n:  # all from p
            pieces.append((s.pre, s.column, s.col_shift, s.weight, s.delay))
            continue
        m = (s.pre >= p.offset) & (s.pre < p.offset + p.n)
        pieces.append(
            (
                s.pre[m],
                s.column[m],
                s.col_shift,
                s.weight if s.weight.size == 1 else s.weight[m],
                s.delay if s.delay.size == 1 else s.delay[m],
            )
        )
    return group_by_source(p.n, p.offset, pieces, _delay_dtype(max_delay))


def _spike_time_events(
    net: Any, built: Sequence[ProjectionSynapses | None], dt_ms: float, problems: list[Problem]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrivals of the SpikeTimes sources: (global step, ring column, weight), sorted by step."""
    st, co, ww = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    for proj, s in zip(net.projections, built, strict=True):
        if s is None or not isinstance(proj.source, SpikeTimes):
            continue
        emit, probs = proj.source.steps(dt_ms)
        problems.extend(Problem(f"{proj.describe()}: {m}") for m in probs)
        columns = s.columns()
        for m in range(s.column.size):
            st.append(emit + s.delay[m if s.delay.size > 1 else 0])
            co.append(np.full(emit.size, columns[m], np.int64))
            ww.append(np.full(emit.size, s.weight[m if s.weight.size > 1 else 0]))
    steps, cols, w = np.concatenate(st), np.concatenate(co), np.concatenate(ww)
    order = np.argsort(steps, kind="stable")
    return steps[order], cols[order], w[order]
