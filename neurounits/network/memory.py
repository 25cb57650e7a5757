"""The memory a network will hold, predicted before anything is drawn (:meth:`Network.memory`).

Per synapse between populations the built network keeps a ring column (int32), a weight (float64)
and a delay (the smallest unsigned type that holds the longest delay in steps), grouped by source
with one int64 row pointer per source neuron; per target of a source from :mod:`nu.sources` a
column and a weight; per ring slot (longest delay + 1) one float64 per receptor of every neuron;
per neuron its states.  Synapse counts are the rules' expected counts; delays drawn from a
distribution are bounded by the largest of 10,000 draws.  Recorded traces are counted when a
duration is given; recorded spikes are not (their number depends on the rates).

A run that may use a team of threads (``threads``, :mod:`.team`) holds more (``team``): the
buffers of the spikes of one slice of steps (each member's, twice: two slices alternate), the
members' runs of synapses (two int64 per source neuron and member whose synapses reach that
member's neurons, the expected number for a random rule), their work arrays, and their own copies
of the recorded traces while they run (merged after).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dist import Distribution
from ..units import as_quantity, to_internal
from .sources import Poisson, Source
from .tables import _delay_dtype

__all__ = ["MemoryEstimate", "estimate"]

_MS = "ms"


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a network will hold: synapses (grouped by source), source targets (and the state of
    their Poisson streams), the spike ring, neuron states, recorded traces (0 without a duration),
    and their sum."""

    synapses: int
    sources: int
    ring: int
    states: int
    traces: int
    team: int = 0  # a team of threads' buffers (0 when the run uses one thread)

    @property
    def total(self) -> int:
        return self.synapses + self.sources + self.ring + self.states + self.traces + self.team

    def __str__(self) -> str:
        mib = 2**20
        return (
            f"{self.total / mib:.1f} MiB: synapses {self.synapses / mib:.1f}, sources "
            f"{self.sources / mib:.1f}, spike ring {self.ring / mib:.1f}, states {self.states / mib:.1f}, "
            f"traces {self.traces / mib:.1f}"
            + (f", team of threads {self.team / mib:.1f}" if self.team else "")
            + " MiB"
        )


def _delay_steps(delay: Any, dt_ms: float, reduce: Any = np.max) -> int:
    """The longest (``reduce``: shortest) delay of a projection in steps (at least one)."""
    if delay is None:
        return 1
    if isinstance(delay, Distribution):
        drawn = delay.sample(np.random.default_rng(0), 10_000, _MS)
        return max(1, int(np.rint(reduce(drawn) / dt_ms)))
    d = np.asarray(to_internal(as_quantity(delay)), float)
    return max(1, int(np.rint(reduce(d) / dt_ms))) if d.size else 1


def estimate(
    net: Any, dt_ms: float, n_steps: int | None = None, threads: int | None = 1
) -> MemoryEstimate:
    """Predicted bytes of ``net`` built for step ``dt_ms`` (and run ``n_steps`` steps, for traces) on
    at most ``threads`` threads."""
    spiking = [p for p in net.projections if p.kind == "spike" and not isinstance(p.source, Source)]
    max_delay = max([1] + [_delay_steps(p.delay, dt_ms) for p in spiking])
    per_synapse = 4 + 8 + np.dtype(_delay_dtype(max_delay)).itemsize
    n_syn = sum(
        p.rule.expected_count(p.source.n, p.target.n)
        for p in net.projections
        if not isinstance(p.source, Source)
    )
    # a plastic synapse (nu.synapses): its own CSR by source and index by target, the weights of the
    # tables and of the run, the order as drawn: 44 bytes instead of per_synapse
    n_syn += sum(
        p.rule.expected_count(p.source.n, p.target.n) * (44 - per_synapse) / per_synapse
        for p in net.projections
        if getattr(p, "plastic", None) is not None
    )
    pointers = sum(
        (q.n + 1) * 8 * (2 if type(q.model).spike_payload is not None else 1) for q in net.populations
    )
    # per target: ring column and weight (12 bytes); a Poisson stream's state too (16: see run.py)
    sources = sum(p.target.n * (28 if isinstance(p.source, Poisson) else 12)
                  for p in net.projections if isinstance(p.source, Source))
    columns = sum(q.n * len(q.model.spec.receptors) for q in net.populations)
    states = sum(q.n * len(q.model.spec.states) * 8 for q in net.populations)
    traces = 0
    if n_steps is not None:
        for r in net.records:
            every = 1 if r.every is None else max(1, round(float(to_internal(as_quantity(r.every))) / dt_ms))
            traces += (n_steps // every + 1) * len(r.neurons) * len(r.variables) * 8
    from .team_memory import team_bytes

    return MemoryEstimate(
        int(n_syn * per_synapse + pointers),
        int(sources),
        int((max_delay + 1) * columns * 8),
        int(states),
        int(traces),
        team_bytes(net, dt_ms, threads, max_delay, traces),
    )
