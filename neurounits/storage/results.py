"""Results and network results <-> labelled data for :mod:`neurounits.storage`: a
:class:`~neurounits.Results` as an xarray Dataset (and back) or a pandas DataFrame, and the root
attributes of a saved network result."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ..errors import FileFormatError
from ..units import parse_quantity
from .common import (
    RESERVED,
    _check_kind,
    _header,
    _quantity,
    _quantity_from_json,
    _quantity_json,
    _var,
    _xarray,
    quantity_text,
    require,
    unit_text,
)


# ------------------------------------------------------------------------------------------- results
def results_dataset(res: Any) -> Any:
    """An xarray Dataset of a :class:`~neurounits.Results`: dimensions ``time``, ``neuron`` and
    ``spike``; one variable per recorded state (time, neuron), ``spike_times`` and ``spike_indices``
    (spike); units in ``attrs["units"]``; the run's settings and parameters in ``ds.attrs``."""
    xr = _xarray("Results.to_xarray()")
    clash = [k for k in res.traces if k in RESERVED]
    if clash:
        raise FileFormatError(
            f"cannot store the results of {res.model}: recorded variable(s) {clash} have "
            f"names that the Dataset uses for its own variables ({', '.join(RESERVED)})"
        )
    neurons = np.arange(res.n) if res.neurons is None else np.asarray(res.neurons)
    data = {k: _var(("time", "neuron"), v.magnitude, v.units) for k, v in res.traces.items()}
    data["spike_times"] = _var(("spike",), res.spikes.times.magnitude, res.spikes.times.units)
    data["spike_indices"] = _var(("spike",), np.asarray(res.spikes.indices, np.int64))
    coords = {"time": _var(("time",), res.t.magnitude, res.t.units), "neuron": _var(("neuron",), neurons)}
    attrs = {
        **_header("results"),
        "model": res.model,
        "n": int(res.n),
        "method": res.method,
        "method_reason": res.method_reason,
        "dt": quantity_text(res.dt),
        "duration": quantity_text(res.duration),
        "record_every": int(res.record_every),
        "status": int(res.status),
        "message": res.message,
        "all_neurons": int(res.neurons is None),
        "spikes_recorded": int(res.spikes_recorded),
        "parameters": json.dumps({k: _quantity_json(q) for k, q in res.parameters.items()}),
    }
    if res.seed is not None:
        attrs["seed"] = int(res.seed)
    return xr.Dataset(data, coords=coords, attrs=attrs)


def results_fields(ds: Any, where: str = "the Dataset") -> dict[str, Any]:
    """The fields of a Results from :func:`results_dataset`'s Dataset (``spikes`` as a (times, indices)
    pair)."""
    _check_kind(ds.attrs, "results", where)
    a = ds.attrs
    try:
        traces = {k: _quantity(ds[k]) for k in ds.data_vars if k not in RESERVED}
        spikes = (_quantity(ds["spike_times"]), np.asarray(ds["spike_indices"].values, np.int64))
        params = {k: _quantity_from_json(v) for k, v in json.loads(a["parameters"]).items()}
        return dict(
            model=str(a["model"]),
            n=int(a["n"]),
            t=_quantity(ds["time"]),
            duration=parse_quantity(str(a["duration"])),
            dt=parse_quantity(str(a["dt"])),
            method=str(a["method"]),
            record_every=int(a["record_every"]),
            spikes=spikes,
            traces=traces,
            method_reason=str(a["method_reason"]),
            status=int(a["status"]),
            message=str(a["message"]),
            seed=int(a["seed"]) if "seed" in a else None,
            neurons=None if int(a["all_neurons"]) else np.asarray(ds["neuron"].values),
            spikes_recorded=bool(int(a["spikes_recorded"])),
            parameters=params,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise FileFormatError(
            f"{where}: neurounits results with a missing or unreadable field ({type(exc).__name__}: {exc})"
        ) from exc


def results_dataframe(res: Any, form: str = "long") -> Any:
    """A pandas DataFrame of a Results' traces (``form="long"``: one row per sample and neuron, one
    column per variable; ``"wide"``: one row per sample, columns (variable, neuron)) or of its spikes
    (``form="spikes"``: columns time, neuron).  Units in ``df.attrs["units"]``."""
    pd = require("pandas", "Results.to_dataframe()")
    t = res.t.magnitude
    units = {"time": unit_text(res.t.units), **{k: unit_text(v.units) for k, v in res.traces.items()}}
    neurons = np.arange(res.n) if res.neurons is None else np.asarray(res.neurons)
    if form == "spikes":
        df = pd.DataFrame({"time": res.spikes.times.magnitude, "neuron": res.spikes.indices})
        units = {"time": unit_text(res.spikes.times.units)}
    elif form == "long":
        cols = {"time": np.repeat(t, neurons.size), "neuron": np.tile(neurons, t.size)}
        df = pd.DataFrame({**cols, **{k: np.asarray(v.magnitude).reshape(-1) for k, v in res.traces.items()}})
    elif form == "wide":
        cols = pd.MultiIndex.from_tuples(
            [(k, int(i)) for k in res.traces for i in neurons], names=["variable", "neuron"]
        )
        values = [np.asarray(v.magnitude) for v in res.traces.values()]
        df = pd.DataFrame(
            np.concatenate(values, axis=1) if values else np.zeros((t.size, 0)),
            index=pd.Index(t, name="time"),
            columns=cols,
        )
    else:
        raise ValueError(f"to_dataframe: form must be 'long', 'wide' or 'spikes', got {form!r}")
    df.attrs["units"] = units
    return df


# ------------------------------------------------------------------------------------------- networks
def network_meta(net: Any) -> dict[str, Any]:
    """The root attributes of a saved network result."""
    return {
        **_header("network"),
        "duration": quantity_text(net.duration),
        "dt": quantity_text(net.dt),
        "status": int(net.status),
        "message": net.message,
        "populations": json.dumps(list(net.populations)),
        "plastic": json.dumps(sorted(int(k) for k in getattr(net, "plastic", {}))),
    }


def plastic_variables(plastic: dict[int, tuple[Any, Any, Any]]) -> dict[str, tuple]:
    """The root variables of a saved network result that hold its plastic projections' weights: per
    projection k ``proj<k>.weight_times`` (``proj<k>.sample``), ``proj<k>.weights`` (``proj<k>.sample``,
    ``proj<k>.recorded``) and ``proj<k>.final_weights`` (``proj<k>.synapse``), each with its unit."""
    out = {}
    for k, (t, w, final) in plastic.items():
        s, r, m = f"proj{k}.sample", f"proj{k}.recorded", f"proj{k}.synapse"
        out[f"proj{k}.weight_times"] = _var((s,), t.magnitude, t.units)
        out[f"proj{k}.weights"] = _var((s, r), w.magnitude, w.units)
        out[f"proj{k}.final_weights"] = _var((m,), final.magnitude, final.units)
    return out


def plastic_fields(root: Any, where: str) -> dict[int, tuple[Any, Any, Any]]:
    """Projection -> (times, recorded weights, final weights) as Quantities, from the root Dataset of
    a saved network result (none in a file written before weights were saved)."""
    try:
        names = [int(k) for k in json.loads(root.attrs.get("plastic", "[]"))]
        return {
            k: tuple(_quantity(root[f"proj{k}.{v}"]) for v in ("weight_times", "weights", "final_weights"))
            for k in names
        }
    except (KeyError, ValueError, TypeError) as exc:
        raise FileFormatError(
            f"{where}: a neurounits network result whose plastic weights cannot be read "
            f"({type(exc).__name__}: {exc})"
        ) from exc


def network_fields(meta: dict[str, Any], where: str) -> dict[str, Any]:
    """duration, dt, status, message and the population names of :func:`network_meta`'s attributes."""
    try:
        return dict(
            duration=parse_quantity(str(meta["duration"])),
            dt=parse_quantity(str(meta["dt"])),
            status=int(meta["status"]),
            message=str(meta["message"]),
            populations=list(json.loads(meta["populations"])),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise FileFormatError(
            f"{where}: a neurounits network result with a missing or unreadable field "
            f"({type(exc).__name__}: {exc})"
        ) from exc
