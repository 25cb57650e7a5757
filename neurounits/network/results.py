"""``NetworkResults``: what a network simulation recorded, one :class:`~neurounits.Results` per
population."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import storage
from ..errors import did_you_mean
from ..simulation import Results

__all__ = ["NetworkResults"]


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
    ) -> NetworkResults:
        """The NetworkResults of :meth:`to_xarray`'s Datasets and the network's duration, dt and status;
        ``where`` names them in error messages."""
        results = {
            k: Results.from_xarray(ds, where=f"{where}, population {k!r}") for k, ds in datasets.items()
        }
        return cls(results, duration, dt, status, message)

    def save(self, path: str | os.PathLike) -> Path:
        """Write every population's results to one NetCDF-4 file (a group per population), atomically;
        ``nu.load(path)`` reads them back identical."""
        xr = storage.require("xarray", "NetworkResults.save()")
        root = xr.Dataset(attrs=storage.network_meta(self))
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
