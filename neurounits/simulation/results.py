"""``Results``: what a simulation returns, with units reattached."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .. import storage
from ..errors import did_you_mean
from ..units import Q_, fmt_unit
from .spike_stats import cv_isi, population_rate, require_spikes

__all__ = ["Results", "Spikes"]


class Spikes(NamedTuple):
    """Spike times (Quantity, ms) and the indices of the neurons that fired, in time order."""

    times: Any
    indices: np.ndarray


@dataclass
class Results:
    """The outcome of :func:`neurounits.simulate`.

    ``res["V"]`` is the recorded trace of ``V``, a Quantity of shape
    (n_samples, n), or (n_samples, len(neurons)) when only some neurons are
    recorded (``neurons``: their indices; None: all).  ``spikes_recorded`` is
    False for a network population whose spikes were not recorded (then
    ``spike_counts`` and ``rates`` raise).  ``parameters`` holds the model's parameter values
    (name -> Quantity, scalar or per neuron) at the end of the run.

    ``to_xarray()``, ``to_dataframe()``, ``save(path)`` (read back by ``nu.load``) and ``plot()``
    need the optional packages of ``pip install 'neurounits[io]'`` and ``'neurounits[plot]'``.

    Attributes
    ----------
    t : Quantity, shape (n_samples,)
        Sample times: ``t[0] = 0`` is the initial state, ``t[k]`` the state after
        the step ending at ``t[k]`` (every ``record_every`` steps).
    spikes : Spikes
        ``spikes.times`` (Quantity) and ``spikes.indices`` (int array).
    method : str
        The integrator used (``"none"`` for models without differential equations).
    method_reason : str
        Why it was chosen, when ``method=None``.
    status, message : int, str
        0 and "" on success; 1 and the reason when the run stopped early
        (with ``raise_on_failure=False``).
    """

    model: str
    n: int
    t: Any
    duration: Any
    dt: Any
    method: str
    record_every: int
    spikes: Spikes
    traces: dict[str, Any] = field(default_factory=dict)
    method_reason: str = ""
    status: int = 0
    message: str = ""
    seed: int | None = None
    neurons: np.ndarray | None = None
    spikes_recorded: bool = True
    parameters: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        try:
            return self.traces[name]
        except KeyError:
            tip = did_you_mean(name, self.traces)
            raise KeyError(f"'{name}' was not recorded.{tip} Recorded: {list(self.traces) or 'nothing'}; "
                           f"pass record=('{name}', ...) to simulate()") from None

    def __contains__(self, name: str) -> bool:
        return name in self.traces

    @property
    def recorded(self) -> list[str]:
        return list(self.traces)

    @property
    def spike_counts(self) -> np.ndarray:
        """Number of spikes of each neuron, shape (n,)."""
        require_spikes(self)
        return np.bincount(self.spikes.indices, minlength=self.n)

    @property
    def rates(self) -> Any:
        """Mean firing rate of each neuron over the simulated time, in Hz."""
        simulated = self.t[-1] if self.status else self.duration
        return (Q_(self.spike_counts.astype(float), "") / simulated).to("Hz")

    def population_rate(self, bin: Any = "1 ms", neurons: Any = None) -> tuple[Any, Any]:
        """(t, rate): the population rate in bins of ``bin`` (a whole number of steps of dt), the
        spikes of ``neurons`` (indices or a slice; None: all) per neuron per second, in Hz, and the
        start of each bin in ms.  A spike at t counts in the bin that holds the step ending at t;
        only whole bins are returned (see :mod:`neurounits.simulation.spike_stats`).

        >>> import neurounits as nu
        >>> res = nu.simulate(nu.models.LIF(n=10), "20 ms", inputs={"I": "0.5 nA"})
        >>> t, rate = res.population_rate("5 ms")
        >>> t
        <Quantity([ 0.  5. 10. 15.], 'millisecond')>
        >>> rate.m.tolist(), res.spike_counts.tolist()  # each neuron fires at 3.6, 9.2 and 14.8 ms
        ([200.0, 200.0, 200.0, 0.0], [3, 3, 3, 3, 3, 3, 3, 3, 3, 3])
        """
        return population_rate(self, bin, neurons)

    @property
    def cv_isi(self) -> np.ndarray:
        """Coefficient of variation of each neuron's interspike intervals (std / mean, std with
        ddof 0), shape (n,); NaN for a neuron with fewer than three spikes."""
        return cv_isi(self)

    # -- labelled data, files and plots (neurounits.storage, neurounits.plot) --------------------
    def to_xarray(self) -> Any:
        """An xarray Dataset: dimensions ``time``, ``neuron`` (the recorded neurons' indices) and
        ``spike``; one variable per recorded variable, ``spike_times`` and ``spike_indices``; each
        variable's unit in ``attrs["units"]`` (``ds.pint.quantify()`` works); the run's model,
        parameters (JSON), method, dt, duration, seed, record_every and version in ``ds.attrs``."""
        return storage.results_dataset(self)

    @classmethod
    def from_xarray(cls, ds: Any, *, where: str = "the Dataset") -> Results:
        """The Results of a Dataset made by :meth:`to_xarray` (the inverse, bit for bit); ``where``
        names the Dataset in error messages."""
        fields = storage.results_fields(ds, where)
        fields["spikes"] = Spikes(*fields["spikes"])
        return cls(**fields)

    def to_dataframe(self, form: str = "long") -> Any:
        """A pandas DataFrame of the traces: ``form="long"``, one row per sample and neuron (columns
        time, neuron, then one per variable); ``"wide"``, one row per sample (index time) and one
        column per (variable, neuron); ``"spikes"``, one row per spike (time, neuron).  The units
        are in ``df.attrs["units"]``."""
        return storage.results_dataframe(self, form)

    def save(self, path: str | os.PathLike) -> Path:
        """Write the results to a NetCDF-4 file (``"run.nc"``), atomically; ``nu.load(path)`` reads
        them back identical (values bit for bit, units, spikes, settings)."""
        return storage.write_netcdf(path, self.to_xarray(), feature="Results.save()")

    def plot(self, variables: str | Sequence[str] | None = None, *, neurons: Any = None,
             ax: Any = None) -> Any:
        """Plot the recorded variables against time and the spike raster (all by default), or the
        named variable(s) of some ``neurons``; returns the matplotlib Axes (an array of Axes for
        several panels).  See :mod:`neurounits.plot`."""
        from .. import plot

        return plot.results(self, variables, neurons=neurons, ax=ax)

    def to_neo(self, *, name: str | None = None) -> Any:
        """A ``neo.Block`` (one Segment: a SpikeTrain per neuron, an AnalogSignal per recorded
        variable, units as ``quantities``) for Elephant and other neo tools; needs
        ``pip install 'neurounits[neo]'``.  See :func:`neurounits.interop.to_neo`."""
        from .. import interop

        return interop.to_neo(self, name=name)

    def summary(self) -> str:
        """A few lines describing the run, with units."""
        lines = [f"{self.model}: {self.n} neuron(s), {self.duration:~g} at dt = {self.dt:~g}, "
                 f"method {self.method}" + (f" ({self.method_reason})" if self.method_reason else "")]
        counts = self.spike_counts if self.spikes_recorded else np.zeros(0, np.int64)
        if self.spikes_recorded and (counts.sum() or self.spikes.indices.size == 0):
            r = self.rates.magnitude
            lines.append(f"spikes: {int(counts.sum())} in total, rate {r.mean():.3g} Hz on average "
                         f"(min {r.min():.3g}, max {r.max():.3g} Hz)")
        for k, v in self.traces.items():
            mag = np.asarray(v.magnitude)
            lines.append(f"{k}: {mag.shape[0]} samples, range [{mag.min():.4g}, {mag.max():.4g}] "
                         f"{fmt_unit(v.units)}, final mean {mag[-1].mean():.4g} {fmt_unit(v.units)}")
        if self.status:
            lines.append(f"stopped early: {self.message}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<Results {self.model}: n={self.n}, {len(self.t)} samples, "
                f"{self.spikes.indices.size} spikes, recorded {self.recorded}, method {self.method!r}>")
