"""Building a network: synapses drawn, delays in steps, CSR by source (:func:`build`, :class:`BuiltNetwork`).

Random streams (numpy ``SeedSequence`` of the network's seed): ``[seed, 1, k]`` draws projection
k's synapses, then its weights, then its delays; ``[seed, 2, p]`` population p's initial values;
``[seed, 3]`` the Poisson trains; ``[seed, 4]`` white noise.  Each stream depends only on what it
draws for, so adding a projection does not change the others.

Delays: a scalar delay (or an array of them) must be a whole number of steps >= dt; a delay
drawn from a distribution is rounded to the nearest whole step, and at least one step (the
realised delays can be read back with :meth:`BuiltNetwork.synapses`).

This module holds :func:`build`, :class:`BuiltNetwork` and the plans of the populations; the
parts are in ``checks`` (checking ``connect`` calls: :func:`check_connect`,
:func:`check_receptors`), ``drawing`` (one projection's synapses, weights and delays; the stream
numbers) and ``tables`` (ring columns, CSR by source, sources), all re-exported here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..dist import Distribution
from ..errors import ParameterError, Problem, raise_problems
from ..parameters import check_value
from ..simulation import make_plan
from ..units import Q_, DimensionError, to_internal
from .checks import _MS as _MS
from .checks import _check_delay as _check_delay
from .checks import _payload_sources as _payload_sources
from .checks import check_connect, check_receptors
from .checks import check_rate_connect as check_rate_connect
from .checks import is_rate_projection as is_rate_projection
from .drawing import INITIAL as INITIAL
from .drawing import NOISE as NOISE
from .drawing import POISSON as POISSON
from .drawing import STRUCTURE as STRUCTURE
from .drawing import ProjectionSynapses as ProjectionSynapses
from .drawing import _delays as _delays
from .drawing import _draw as _draw
from .drawing import _factor as _factor
from .drawing import _ids as _ids
from .drawing import _rng as _rng
from .drawing import _values as _values
from .drawing import _weight_unit as _weight_unit
from .plastic import check_constraints, plastic_tables
from .plastic import weight_records as _weight_records
from .sources import Poisson, Source
from .tables import _columns as _columns
from .tables import _delay_dtype as _delay_dtype
from .tables import _layout as _layout
from .tables import _place as _place
from .tables import _population_csr as _population_csr
from .tables import _port_numbers as _port_numbers
from .tables import _rate_csr as _rate_csr
from .tables import _rate_layout as _rate_layout
from .tables import _sources as _sources
from .tables import _spike_time_events as _spike_time_events

__all__ = ["BuiltNetwork", "build", "check_connect", "check_receptors"]


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
    plastic: list[Any] = field(default_factory=list)  # PlasticTables of the plastic projections
    # plastic projection -> (recorded synapses, every so many steps)
    weight_records: dict[int, tuple[np.ndarray, int]] = field(default_factory=dict)

    def kernel_sources(self) -> Any:
        """The generated code of this network's kernels, to install where no code is to be generated
        (a sweep's Dask workers): a :class:`~neurounits.network.compiled.KernelSources`.

        Examples
        --------
        >>> import neurounits as nu
        >>> net = nu.Network(seed=1)
        >>> P = net.add(nu.models.nest.iaf_psc_delta(n=2), name="P")
        >>> code = net.build("0.1 ms").kernel_sources()
        >>> print(code.steps[0][1].splitlines()[0])
        # neurounits step module for model 'iaf_psc_delta', method exact, record: -
        >>> print(code.loop[1].splitlines()[0])
        # neurounits network loop, 1 population(s)
        """
        from ..codegen.plastic import PlasticProjectionCode
        from .compiled import kernel_sources

        plastic = tuple(PlasticProjectionCode(t.code, t.source, t.target) for t in self.plastic)
        return kernel_sources(self.plans, plastic)

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
        plastic = sum(a.nbytes for t in self.plastic for a in (*t.arrays.values(), t.order))
        return int(sum(sum(a.nbytes for a in c) for c in tables) + plastic)

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
            plastic = f", plastic ({proj.synapse.type.name})" if proj.plastic is not None else ""
            lines.append(f"  {proj.describe()}: {s.count} synapses, {dtxt}{plastic}")
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


def _tables(net: Any, built: list, syn: list) -> dict[str, Any]:
    """The synapses grouped by source (spikes, payloads) and by target (rates), the longest spike
    delay and the rate history's layout: the BuiltNetwork fields of the connectivity."""
    spiking = [s for s, proj in zip(syn, net.projections, strict=True) if proj.kind == "spike"]
    max_delay = max([1] + [int(s.delay.max()) for s in spiking if s.delay.size])
    parts = [
        s
        for s, proj in zip(built, net.projections, strict=True)
        if s is not None
        and not isinstance(proj.source, Source)
        and proj.kind == "spike"
        and proj.plastic is None  # plastic projections have tables of their own
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
    return {"csr": csr, "payload_csr": payload_csr, "rate_csr": rate_csr, "rh_offsets": rh_offsets,
            "rh_shape": (rh_len, n_rh), "max_delay": max_delay}


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
    for proj, s in zip(net.projections, built, strict=True):
        if proj.plastic is not None:
            check_constraints(proj, s, problems)
    raise_problems("cannot build the network", problems)
    syn = [s for s in built if s is not None]
    tables = _tables(net, built, syn)
    poisson, cols, ws, dl, _ = _sources(net, built)
    plastic = [
        plastic_tables(net, proj, s) for proj, s in zip(net.projections, syn, strict=True) if proj.plastic
    ]
    weight_records = _weight_records(net, syn, dt_ms)
    return BuiltNetwork(
        network=net,
        dt_q=chk.quantity,
        dt_ms=dt_ms,
        plans=plans,
        offsets=offsets,
        n_columns=n_cols,
        **tables,
        projections=[ProjectionCounts.of(x) for x in syn],
        poisson=poisson,
        ps_col=np.concatenate([*cols, np.zeros(0, np.int64)]).astype(np.int32),
        ps_w=np.concatenate([*ws, np.zeros(0)]),
        ps_dly=np.array(dl, np.int64),
        events=events,
        plastic=plastic,
        weight_records=weight_records,
        record=record,
        spikes=set(net.spike_records),
        input_seed=int(
            np.random.SeedSequence([net.seed, POISSON]).generate_state(1, np.uint64)[0] >> np.uint64(1)
        ),
    )
