"""Results for other packages: :func:`to_neo` makes a `neo <https://neo.readthedocs.io>`_ ``Block``,
so that Elephant's analyses (rates, ISIs, correlations, spectra) apply to a neurounits run.

neo carries units with the ``quantities`` package, not pint: each unit is handed over by its
name (``mV``, ``nA``, ``nS``, ``ms``, ...) and checked to mean the same amount in both packages; a
unit that ``quantities`` cannot represent is refused (:class:`UnitConversionError`) rather than
changed.  ``pip install 'neurounits[neo]'``.

Example (tests/test_interop.py runs the same)::

    import elephant.statistics as es
    res = nu.simulate(nu.models.LIF(n=3), "500 ms", "0.1 ms", inputs={"I": "0.4 nA"}, record=("V",))
    segment = res.to_neo().segments[0]
    segment.spiketrains[0].t_stop                 # array(500.) * ms
    segment.analogsignals[0].units                # array(1.) * mV, the trace of V
    es.mean_firing_rate(segment.spiketrains[0])   # Elephant, as for any neo data
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from .errors import MissingDependencyError, NeurounitsError
from .units import Q_, fmt_unit

__all__ = ["UnitConversionError", "quantities_unit", "to_neo"]

_INSTALL = "pip install 'neurounits[neo]'"
#: pint's base dimensions -> the SI base unit of the quantities package
_BASE = {
    "[mass]": "kg",
    "[length]": "m",
    "[time]": "s",
    "[current]": "A",
    "[temperature]": "K",
    "[substance]": "mol",
    "[luminosity]": "cd",
}


class UnitConversionError(NeurounitsError, ValueError):
    """A unit that the ``quantities`` package (neo's units) cannot represent exactly."""


def _require(module: str, feature: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(f"{feature} needs {module}, which is not installed: {_INSTALL}") from exc


def quantities_unit(unit: Any, what: str = "a value") -> Any:
    """The ``quantities`` unit (a ``quantities.Quantity`` of magnitude 1) equal to a pint ``unit``.

    The unit goes over by its short name ("mV", "nS", "1/ms") or pint's long one ("millivolt"),
    and is accepted only if both packages give it the same size in SI base units.

    Raises
    ------
    UnitConversionError
        When ``quantities`` does not know the unit or gives it another size; ``what`` names the
        value in the message.
    MissingDependencyError
        When ``quantities`` is not installed.
    """
    pq = _require("quantities", "converting units for neo")
    unit = getattr(unit, "units", unit)
    base = Q_(1.0, unit).to_base_units()
    dims = dict(base.dimensionality)
    if any(d not in _BASE for d in dims):
        raise UnitConversionError(f"{what} is in {fmt_unit(unit)}, which has no SI base unit in quantities")
    base_text = "*".join(f"{_BASE[d]}**{p:g}" for d, p in dims.items()) or "dimensionless"
    short = fmt_unit(unit)
    candidates = ["dimensionless"] if short == "1" else [short, str(unit)]
    for text in candidates:
        try:
            candidate = pq.Quantity(1.0, text)
            size = float(candidate.rescale(base_text).magnitude)
        except Exception:  # quantities raises LookupError, ValueError, SyntaxError, ...
            continue
        if np.isclose(size, base.magnitude, rtol=1e-9, atol=0.0):
            return candidate
    raise UnitConversionError(
        f"{what} is in {short}, a unit the quantities package (neo's units) cannot represent; "
        "convert it first (e.g. res[name].to(...)) or leave it out"
    )


def _ms(q: Any) -> np.ndarray:
    return np.asarray(q.m_as("ms"), dtype=float)


def to_neo(results: Any, *, name: str | None = None) -> Any:
    """A ``neo.Block`` with one ``Segment`` holding a run's spikes and recorded traces.

    Parameters
    ----------
    results : Results
        What :func:`neurounits.simulate` returned (or one population of a network's results).
    name : str, optional
        The block's name; the model's name by default.

    Returns
    -------
    neo.Block
        Its segment has one ``SpikeTrain`` per neuron (times in ms, ``t_start`` 0 and ``t_stop``
        the simulated duration; annotation ``neuron``), in neuron order, and one ``AnalogSignal``
        per recorded variable (named after it, in its unit, one channel per recorded neuron with
        the neuron indices in the array annotation ``neuron``; an ``IrregularlySampledSignal`` if
        the samples are not evenly spaced).  A population whose spikes were not recorded has no
        spike trains.  The block's annotations hold the model, method, dt, seed and
        record_every.

    Raises
    ------
    MissingDependencyError
        When neo is not installed (``pip install 'neurounits[neo]'``).
    UnitConversionError
        When a recorded variable's unit has no exact equivalent in ``quantities``; nothing is
        converted then.
    """
    neo = _require("neo", "Results.to_neo()")
    pq = _require("quantities", "Results.to_neo()")
    # every unit first, so that a refused unit stops the conversion before anything is built
    units = {
        var: quantities_unit(trace.units, f"the recorded variable {var!r}")
        for var, trace in results.traces.items()
    }
    t_ms = _ms(results.t)
    t_stop = float(t_ms[-1]) if results.status else float(results.duration.m_as("ms"))
    annotations = {
        "model": results.model,
        "method": results.method,
        "dt_ms": float(results.dt.m_as("ms")),
        "duration_ms": t_stop,
        "record_every": int(results.record_every),
        "seed": results.seed,
        "neurounits_status": int(results.status),
    }
    block = neo.Block(name=name or results.model, **annotations)
    segment = neo.Segment(name=name or results.model)
    block.segments.append(segment)
    segment.block = block

    if results.spikes_recorded:
        times = _ms(results.spikes.times)
        indices = np.asarray(results.spikes.indices)
        order = np.argsort(indices, kind="stable")  # neuron by neuron, each in time order
        bounds = np.concatenate([[0], np.cumsum(np.bincount(indices, minlength=results.n))])
        for i in range(results.n):
            spikes = times[order[bounds[i] : bounds[i + 1]]]
            train = neo.SpikeTrain(
                spikes,
                units="ms",
                t_start=0.0 * pq.ms,
                t_stop=t_stop * pq.ms,
                name=f"{results.model}[{i}]",
                neuron=i,
            )
            train.segment = segment
            segment.spiketrains.append(train)

    neurons = np.arange(results.n) if results.neurons is None else np.asarray(results.neurons)
    steps = np.diff(t_ms)
    regular = t_ms.size > 1 and np.allclose(steps, steps[0], rtol=1e-9, atol=0.0)
    for var, trace in results.traces.items():
        values = np.asarray(trace.magnitude, dtype=float)
        if values.ndim == 1:
            values = values[:, None]
        common = {"units": units[var], "name": var, "array_annotations": {"neuron": neurons}}
        if regular:
            period = float(results.dt.m_as("ms")) * results.record_every
            signal = neo.AnalogSignal(values, t_start=0.0 * pq.ms, sampling_period=period * pq.ms, **common)
        else:
            signal = neo.IrregularlySampledSignal(t_ms * pq.ms, values, **common)
        signal.segment = segment
        (segment.analogsignals if regular else segment.irregularlysampledsignals).append(signal)
    return block
