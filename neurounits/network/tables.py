"""The tables of a built network: ring columns of the receptors, synapses grouped by source (CSR).

:func:`_layout` gives each receptor of each population its ring columns and :func:`_place` each
synapse of a spiking projection its column (port groups: :func:`_port_numbers`);
:func:`_population_csr` and :func:`_rate_csr` group synapses by source (spikes) or by target
(rates, with :func:`_rate_layout` the columns of the rate history); :func:`_sources` and
:func:`_spike_time_events` lay out the Poisson and spike-time sources.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import Problem
from .drawing import ProjectionSynapses
from .sources import Poisson, Source, SpikeTimes


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


def _place(
    net: Any,
    proj: Any,
    s: ProjectionSynapses,
    offsets: list[np.ndarray],
    specs: list[Any],
    ports: dict[int, np.ndarray],
) -> None:
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


def _delay_dtype(max_delay: int) -> Any:
    return np.uint8 if max_delay < 2**8 else np.uint16 if max_delay < 2**16 else np.int32


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
