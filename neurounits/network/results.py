"""``NetworkResults``: what a network simulation recorded, one :class:`~neurounits.Results` per
population."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .. import storage
from ..errors import did_you_mean
from ..simulation import Results, Spikes
from ..units import Q_, from_internal

__all__ = ["NetworkResults", "assemble"]


class NetworkResults:
    """What a network simulation recorded: ``res["P"]`` is population P's
    :class:`~neurounits.Results` (spikes, traces, rates), as for one population.

    ``to_xarray()`` gives one Dataset per population; ``save(path)`` writes them to one NetCDF-4
    file (one group per population), read back by ``nu.load(path)``."""

    def __init__(
        self, results: dict[str, Results], duration: Any, dt: Any, status: int = 0, message: str = "",
        *, plastic: Mapping[int, tuple[Any, Any, Any]] | None = None,
    ) -> None:
        self.populations = results
        self.plastic = dict(plastic or {})  # projection -> (times, recorded weights, final weights)
        self.duration = duration
        self.dt = dt
        self.status = status
        self.message = message

    def __getitem__(self, name: str) -> Results:
        try:
            return self.populations[name]
        except KeyError:
            raise KeyError(
                f"no population named {name!r}.{did_you_mean(name, list(self.populations))} "
                f"Populations: {', '.join(self.populations)}"
            ) from None

    def _plastic(self, projection: Any, what: str) -> tuple[Any, Any, Any]:
        k = getattr(projection, "index", projection)
        if k not in self.plastic:
            raise KeyError(f"NetworkResults.{what}: projection {k!r} is not a plastic projection of this "
                           f"run; plastic projections: {', '.join(map(str, self.plastic)) or 'none'}")
        return self.plastic[k]

    def weights(self, projection: Any) -> tuple[Any, Any]:
        """(times, weights) recorded of a plastic projection (its :class:`Projection` or index) by
        ``Network.record_weights``: Quantities of shape (samples,) and (samples, synapses); sample 0
        holds the initial weights, sample k those after the step ending at times[k]."""
        t, w, _ = self._plastic(projection, "weights")
        return t, w

    def final_weights(self, projection: Any) -> Any:
        """Every synapse's weight at the end of the run (Quantity), in the order the synapses were
        drawn (that of ``BuiltNetwork.synapses``)."""
        return self._plastic(projection, "final_weights")[2]

    def __iter__(self):
        return iter(self.populations)

    def to_xarray(self) -> dict[str, Any]:
        """Population name -> its :meth:`Results.to_xarray` Dataset (the network's duration, dt and
        status are each Results' own)."""
        return {name: r.to_xarray() for name, r in self.populations.items()}

    @classmethod
    def from_xarray(
        cls,
        datasets: Mapping[str, Any],
        duration: Any,
        dt: Any,
        status: int = 0,
        message: str = "",
        *,
        where: str = "the Datasets",
        plastic: Mapping[int, tuple[Any, Any, Any]] | None = None,
    ) -> NetworkResults:
        """The NetworkResults of :meth:`to_xarray`'s Datasets and the network's duration, dt and status
        (and ``plastic``: projection -> (times, recorded weights, final weights)); ``where`` names
        them in error messages."""
        results = {
            k: Results.from_xarray(ds, where=f"{where}, population {k!r}") for k, ds in datasets.items()
        }
        return cls(results, duration, dt, status, message, plastic=plastic)

    def save(self, path: str | os.PathLike) -> Path:
        """Write every population's results to one NetCDF-4 file (a group per population), and the
        weights of plastic projections (recorded and final, with their units), atomically;
        ``nu.load(path)`` reads them back identical (``weights`` and ``final_weights`` work on it)."""
        xr = storage.require("xarray", "NetworkResults.save()")
        root = xr.Dataset(storage.plastic_variables(self.plastic), attrs=storage.network_meta(self))
        return storage.write_netcdf(path, root, self.to_xarray(), feature="NetworkResults.save()")

    def plot(self, *, ax: Any = None) -> Any:
        """The spike raster of every population whose spikes were recorded, one colour each, the
        populations one above the other; returns the matplotlib Axes."""
        from .. import plot

        return plot.raster(self, ax=ax)

    def summary(self) -> str:
        lines = [f"Network run: {self.duration:~g} at dt = {self.dt:~g}"]
        for name, r in self.populations.items():
            lines += [f"[{name}] " + r.summary().replace("\n", "\n    ")]
        if self.status:
            lines.append(f"stopped early: {self.message}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<NetworkResults: {', '.join(self.populations)}; {self.duration:~g}>"


def assemble(network: Any, b: Any, r: Any, duration_ms: float, message: str) -> NetworkResults:
    """The results of a network simulation so far: each population's spikes and traces, with units
    (``b``: the built network, ``r``: its runner)."""
    dt_ms = b.dt_ms
    steps = np.concatenate(r.spike_steps) if r.spike_steps else np.zeros(0, np.int64)
    gids = np.concatenate(r.spike_gids) if r.spike_gids else np.zeros(0, np.int64)
    out = {}
    for p, pop in enumerate(network.populations):
        plan = b.plans[p]
        mine = (gids >= pop.offset) & (gids < pop.offset + pop.n)
        st, idx = steps[mine], gids[mine] - pop.offset
        order = np.lexsort((idx, st))
        spikes = Spikes(Q_((st[order] + 1) * dt_ms, "ms"), idx[order])
        vars_, ridx, every = b.record[p]
        traces = {}
        t = Q_(np.zeros(0), "ms")
        if every:
            rec = (
                np.concatenate(r.traces[p], axis=1)
                if r.traces[p]
                else np.zeros((len(vars_), 0, len(ridx)))
            )
            recorded = plan.spec.recordable()
            traces = {k: from_internal(plan.spec.typed(k, rec[i]), recorded[k])
                      for i, k in enumerate(vars_)}
            t = Q_(np.arange(rec.shape[1]) * every * dt_ms, "ms")
        failed = r.failed is not None and r.failed[0] == p
        out[pop.name] = Results(
            model=pop.model.name,
            n=pop.n,
            t=t,
            duration=Q_(duration_ms, "ms"),
            dt=Q_(dt_ms, "ms"),
            method=plan.method,
            record_every=every or 1,
            spikes=spikes,
            traces=traces,
            method_reason=plan.method_reason,
            status=1 if failed else 0,
            message=message if failed else "",
            seed=network.seed,
            neurons=None if ridx.size == pop.n else ridx,
            spikes_recorded=p in b.spikes,
            parameters=pop.model.parameters,
        )
    plastic = {st.tables.projection: (*st.recorded(dt_ms), st.weights()) for st in r.plastic}
    return NetworkResults(
        out, Q_(duration_ms, "ms"), Q_(dt_ms, "ms"), 1 if r.failed else 0, message,
        plastic=plastic,
    )

