"""The memory a team of threads holds beyond a one-thread run (``MemoryEstimate.team``), predicted
before anything is drawn, from what :class:`~neurounits.network.team.Team` allocates:

- the spike buffers ``SB_I``, ``SB_C`` (and ``SB_V``, ``SB_T`` when a population's spikes carry
  a value): per member and parity, room for every spike of one slice of ``K`` steps (``K`` the
  shortest spike or Poisson delay), int64 or float64 each; the slice offsets ``SBO``;
- the owner of every ring column (int32) and each member's runs of synapses: a row pointer per
  source neuron (int64; twice for a population whose spikes carry a value) and two int64 per source
  neuron whose synapses reach the member's neurons (for a rule drawing d targets per source at
  random, a member of ``T`` gets at least one with probability ``1 - (1 - 1/T)**d``); the runs of the
  Poisson targets;
- each member's work arrays of the step modules (a spike count per neuron, two spike lists);
- the members' own copies of the recorded traces while they run (merged into one array after);
- per plastic projection: each member's run of synapses onto its targets of each source neuron
  (two int64: a source's synapses are sorted by target), the positions of the recorded synapses,
  and every member but the first its own copy of the traces (with the steps of their last
  updates, the pending post traces) and of the post spikes in flight to the synapses.

The spike lists and the neuron index lists (``SPKOUT``) of the members are parts of the one-thread
run's arrays (no copies); spike-time sources' arrivals are split between members (not counted).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .sources import Poisson, Source

__all__ = ["team_bytes"]

_WORK_PER_MEMBER = 2 * 16 * 8  # a step module's two spike lists (16 entries each), per member
_WORK_PER_NEURON = 4  # its spike count (int32)


def _teamable(net: Any) -> bool:
    """As ``NetworkKernelSpec.teamable``: no rate projections, no rate populations."""
    if any(p.kind != "spike" for p in net.projections):
        return False
    return not any(type(q.model).rate_output or q.model.spec.rate_channels for q in net.populations)


def _slice_steps(net: Any, dt_ms: float, size: int, max_delay: int) -> int:
    """``K``, the steps of one slice (:class:`~neurounits.network.team.Team`)."""
    from .memory import _delay_steps
    from .team import _MAX_BUFFER

    delays = [
        _delay_steps(p.delay, dt_ms, np.min)
        for p in net.projections
        if not isinstance(p.source, Source) or isinstance(p.source, Poisson)
    ]
    spiking = max(1, sum(q.n for q in net.populations if q.model.spec.threshold is not None))
    return max(1, min([*delays, max_delay, max(1, _MAX_BUFFER * size // spiking)]))


def _runs(net: Any, size: int) -> float:
    """Bytes of the members' runs of synapses and of Poisson targets, and their row pointers."""
    total = 0.0
    for q in net.populations:
        tables = 2 if type(q.model).spike_payload is not None else 1
        total += size * (q.n + 1) * 8 * tables
    for p in net.projections:
        if isinstance(p.source, Source) or getattr(p, "plastic", None) is not None:
            continue
        d = p.rule.expected_count(p.source.n, p.target.n) / max(p.source.n, 1)
        total += 16 * p.source.n * size * (1.0 - (1.0 - 1.0 / size) ** d)
    n_ps = sum(isinstance(p.source, Poisson) for p in net.projections)
    return total + size * ((n_ps + 1) * 8 + n_ps * 16)


def _plastic(net: Any, dt_ms: float, size: int) -> float:
    """Bytes of the members' parts of the plastic projections: each member's run of synapses of
    each source neuron (two int64), the copies of the traces and of the post
    spikes in flight of every member but the first, and the positions of the recorded synapses."""
    from .memory import _delay_steps

    total = 0.0
    for p in net.projections:
        if getattr(p, "plastic", None) is None:
            continue
        code = p.plastic[0]
        n_pre, n_post = p.source.parts[0][0].n, p.target.parts[0][0].n
        m = p.rule.expected_count(p.source.n, p.target.n)
        d = _delay_steps(p.delay, dt_ms, np.min)
        total += size * n_pre * 16
        traces = (len(code.pre) + 1) * n_pre * 8 + (2 * len(code.post) + 1) * n_post * 8
        total += (size - 1) * (traces + (d + 1) * (n_post + 1) * 8)
        if p.index in net.weight_records:
            which = net.weight_records[p.index][0]
            total += 16 * (m if which is None else np.size(which))
    return total


def team_bytes(net: Any, dt_ms: float, threads: int | None, max_delay: int, traces: int) -> int:
    """Bytes a run of ``net`` on at most ``threads`` threads holds for its team (0 when it runs on
    one thread); ``traces``: the bytes of the recorded traces (the members' copies)."""
    from .threads import team_size

    pops = net.populations
    size = team_size(threads, _teamable(net), net.n)
    if size == 1:
        return 0
    k = _slice_steps(net, dt_ms, size, max_delay)
    part = sum(int(np.diff(np.linspace(0, q.n, size + 1).round()).max()) for q in pops)
    pay = any(type(q.model).spike_payload is not None for q in pops)
    buffers = (4 if pay else 2) * size * 2 * k * (part + 1) * 8
    buffers += size * 2 * (k * len(pops) + 1) * 8 + size * 2 * 5 * 8 + 512  # SBO, FAIL, the barrier
    owner = 4 * sum(q.n * len(q.model.spec.receptors) for q in pops)
    work = size * len(pops) * _WORK_PER_MEMBER + _WORK_PER_NEURON * net.n
    return int(buffers + owner + _runs(net, size) + _plastic(net, dt_ms, size) + work + traces)
