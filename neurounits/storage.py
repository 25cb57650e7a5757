"""Arrays with units <-> labelled data and files: one format for results, network results and sweeps.

A result becomes an :class:`xarray.Dataset` (a sweep can also become a Parquet table): every array a
variable with its unit in ``attrs["units"]`` (pint-xarray's convention, so ``ds.pint.quantify()``
works), everything that is not an array in the attributes, as numbers, text or JSON.  Files are
written atomically (a temporary file in the same folder, then :func:`os.replace`) and read back
bit for bit.  This module knows the fields of the result classes, not the classes: the layers
above build their objects from what :func:`results_fields`, :func:`sweep_fields` and
:func:`read` return.

File layout (format 1): NetCDF-4 through h5netcdf.  The root group's attributes hold
``neurounits_kind`` ("results", "network" or "sweep"), ``neurounits_format`` and
``neurounits_version``; a network result has one group per population, named in the root's
``populations`` attribute (JSON).  A Parquet sweep has the same attributes, as JSON, in the
schema's ``neurounits`` metadata, and each column's unit in its field metadata.
"""

from __future__ import annotations

import builtins
import importlib
import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .errors import FileFormatError, MissingDependencyError, MissingFileError, NeurounitsError
from .units import Q_, fmt_unit, parse_quantity, parse_unit

__all__ = [
    "FORMAT",
    "RESERVED",
    "atomic_write",
    "network_fields",
    "network_meta",
    "quantity_text",
    "read",
    "require",
    "results_dataframe",
    "results_dataset",
    "results_fields",
    "sweep_dataset",
    "sweep_fields",
    "unit_text",
    "write_netcdf",
    "write_parquet",
]

FORMAT = 1
KIND = "neurounits_kind"
#: names of a results Dataset that are not recorded variables
RESERVED = ("time", "neuron", "spike", "spike_times", "spike_indices")
_HDF5 = b"\x89HDF\r\n\x1a\n"
_PARQUET = b"PAR1"
_PIP = {
    "io": "pip install 'neurounits[io]'",
    "parquet": "pip install 'neurounits[parquet]'",
    "plot": "pip install 'neurounits[plot]'",
}


# ------------------------------------------------------------------------------------------- helpers
def require(module: str, feature: str, extra: str = "io") -> Any:
    """Import the optional ``module`` that ``feature`` needs, or raise a MissingDependencyError that
    says what to install.

    >>> require("no_such_module_xyz", "Results.save()")
    Traceback (most recent call last):
    ...
    neurounits.errors.MissingDependencyError: Results.save() needs no_such_module_xyz, which is not \
installed: pip install 'neurounits[io]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{feature} needs {module.split('.')[0]}, which is not installed: {_PIP[extra]}"
        ) from exc


def unit_text(unit: Any) -> str:
    """A unit as text that parses back to the same unit: short ("mV", "1/ms") where that round-trips,
    pint's long name otherwise; ``""`` for dimensionless.

    >>> unit_text(Q_(1, "mV/ms").units), unit_text(Q_(1, "").units), unit_text(Q_(1, "mV**2").units)
    ('mV/ms', '', 'millivolt ** 2')
    """
    if isinstance(unit, str):
        unit = parse_unit(unit)
    text = fmt_unit(unit)
    if text == "1":
        return ""
    try:
        if parse_unit(text) == unit:
            return text
    except Exception:  # pint's parse errors come in many types
        pass
    return str(unit)


def quantity_text(q: Any) -> str:
    """A scalar Quantity as text that reads back exactly: ``"0.1 ms"``.

    >>> quantity_text(Q_(0.1, "ms")), bool(parse_quantity(quantity_text(Q_(0.1, "ms"))) == Q_(0.1, "ms"))
    ('0.1 ms', True)
    """
    return f"{float(q.magnitude)!r} {unit_text(q.units)}".strip()


def _quantity_json(q: Any) -> dict[str, Any]:
    return {"value": np.asarray(q.magnitude).tolist(), "units": unit_text(q.units)}


def _quantity_from_json(d: dict[str, Any]) -> Any:
    v = d["value"]
    return Q_(np.asarray(v) if isinstance(v, list) else v, d["units"] or "")


def _xarray(feature: str) -> Any:
    """xarray.  pint-xarray (for ``ds.pint.quantify()``) is not imported here: importing it turns on
    ``force_ndarray_like`` in the application registry (neurounits' own, when neurounits took its
    place), after which every scalar Quantity holds a 0-d array; a user who imports it opts in."""
    return require("xarray", feature)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("neurounits")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _header(kind: str) -> dict[str, Any]:
    return {KIND: kind, "neurounits_format": FORMAT, "neurounits_version": _version()}


def _var(dims: tuple[str, ...], values: Any, unit: Any = None) -> tuple:
    attrs = {} if unit is None else {"units": unit_text(unit)}
    return dims, np.asarray(values), attrs


def _quantity(da: Any) -> Any:
    return Q_(da.values, da.attrs.get("units", "") or "")


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


def _check_kind(attrs: Any, kind: str, where: str) -> None:
    got = attrs.get(KIND)
    if got is None:
        raise FileFormatError(f"{where} is not a neurounits result (no '{KIND}' attribute)")
    if got != kind:
        raise FileFormatError(f"{where} holds neurounits {got!r}, not {kind!r}")
    fmt = int(attrs.get("neurounits_format", 0))
    if fmt > FORMAT:
        raise FileFormatError(
            f"{where} was written in format {fmt} by neurounits "
            f"{attrs.get('neurounits_version')}; this version reads format {FORMAT} "
            "and older: upgrade neurounits"
        )


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
    }


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


# ------------------------------------------------------------------------------------------- sweeps
def _error_json(exc: Exception) -> dict[str, str]:
    return {"type": type(exc).__name__, "message": str(exc)}


def _error_from_json(d: dict[str, str]) -> Exception:
    from . import errors

    cls = getattr(errors, d["type"], None)
    if isinstance(cls, type) and issubclass(cls, NeurounitsError):
        return cls(d["message"])
    if d["type"] == "DimensionError":
        from .units import DimensionError

        return DimensionError(d["message"])
    builtin = getattr(builtins, d["type"], None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        return builtin(d["message"])
    return NeurounitsError(f"{d['type']}: {d['message']}")


def sweep_meta(sw: Any) -> dict[str, Any]:
    """The attributes of a saved sweep (its columns in order, with their units)."""
    failed = [
        {"values": {k: _quantity_json(q) for k, q in v.items()}, "error": _error_json(e)}
        for v, e in sw.failed
    ]
    meta = {
        **_header("sweep"),
        "model": sw.model,
        "n_sets": int(sw.n_sets),
        "dims": json.dumps(list(sw.dims)),
        "columns": json.dumps(list(sw.columns)),
        "units": json.dumps(dict(sw.units)),
        "failed": json.dumps(failed),
    }
    if sw.noise_seed is not None:
        meta["noise_seed"] = int(sw.noise_seed)
    return meta


def sweep_dataset(sw: Any) -> Any:
    """The sweep as a Dataset over ``set`` (the sets that ran, in order): one variable per column."""
    xr = _xarray("Sweep.save()")
    data = {k: (("set",), np.asarray(v), {"units": sw.units[k]}) for k, v in sw.columns.items()}
    return xr.Dataset(data, coords={"set": np.asarray(sw.index, np.int64)}, attrs=sweep_meta(sw))


def sweep_fields(
    meta: dict[str, Any], columns: dict[str, np.ndarray], index: np.ndarray, where: str
) -> dict[str, Any]:
    """The fields of a Sweep from its attributes, columns and index."""
    _check_kind(meta, "sweep", where)
    try:
        order = json.loads(meta["columns"])
        failed = [
            ({k: _quantity_from_json(q) for k, q in f["values"].items()}, _error_from_json(f["error"]))
            for f in json.loads(meta["failed"])
        ]
        return dict(
            model=str(meta["model"]),
            columns={k: columns[k] for k in order},
            units=dict(json.loads(meta["units"])),
            index=np.asarray(index, np.int64),
            failed=failed,
            dims=tuple(json.loads(meta["dims"])),
            n_sets=int(meta["n_sets"]),
            noise_seed=int(meta["noise_seed"]) if "noise_seed" in meta else None,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise FileFormatError(
            f"{where}: a neurounits sweep with a missing or unreadable field ({type(exc).__name__}: {exc})"
        ) from exc


# ------------------------------------------------------------------------------------------- files
def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> Path:
    """Call ``write(tmp)`` on a new path in ``path``'s folder, then move it onto ``path`` in one step
    (a reader never sees half a file; a failed write leaves ``path`` as it was)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise MissingFileError(f"cannot save to {path}: the folder {path.parent} does not exist")
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        write(str(tmp))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_netcdf(
    path: str | os.PathLike, root: Any, groups: dict[str, Any] | None = None, feature: str = "save()"
) -> Path:
    """Write the Dataset ``root`` (and one group per Dataset of ``groups``) to a NetCDF-4 file."""
    require("xarray", feature)
    require("h5netcdf", feature)
    require("h5py", feature)

    def write(tmp: str) -> None:
        _to_netcdf(root, tmp, "w", None)
        for name, ds in (groups or {}).items():
            _to_netcdf(ds, tmp, "a", name)

    return atomic_write(path, write)


def _to_netcdf(ds: Any, path: str, mode: str, group: str | None) -> None:
    # no fill values: NaN stays NaN and every value reads back bit for bit
    encoding = {k: {"_FillValue": None} for k in ds.variables if ds[k].dtype.kind == "f"}
    ds.to_netcdf(path, mode=mode, group=group, engine="h5netcdf", encoding=encoding)


def write_parquet(path: str | os.PathLike, sw: Any) -> Path:
    """Write a sweep's table to a Parquet file: a ``set`` column, then one column per sweep column, each
    with its unit in the field metadata; the sweep's attributes in the schema metadata."""
    pa = require("pyarrow", "Sweep.save() to Parquet", "parquet")
    pq = require("pyarrow.parquet", "Sweep.save() to Parquet", "parquet")
    fields = [pa.field("set", pa.int64())]
    arrays = [pa.array(np.asarray(sw.index, np.int64))]
    for k, v in sw.columns.items():
        arr = pa.array(np.asarray(v))
        fields.append(pa.field(k, arr.type, metadata={"units": sw.units[k]}))
        arrays.append(arr)
    schema = pa.schema(fields, metadata={"neurounits": json.dumps(sweep_meta(sw))})
    table = pa.Table.from_arrays(arrays, schema=schema)
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def _open(path: str | os.PathLike, feature: str) -> tuple[Path, bytes]:
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"cannot load {path}: no such file")
    if path.is_dir():
        raise FileFormatError(f"cannot load {path}: it is a folder, not a file")
    with open(path, "rb") as f:
        return path, f.read(8)


def read(path: str | os.PathLike, feature: str = "nu.load()") -> tuple[str, dict[str, Any], Any]:
    """Read a file written by this module: (kind, root attributes, content).  The content is, by
    kind: "results": the Dataset; "network": population name -> Dataset; "sweep": (columns, index)."""
    path, head = _open(path, feature)
    if head.startswith(_PARQUET):
        return _read_parquet(path, feature)
    if not head.startswith(_HDF5):
        raise FileFormatError(f"{path} is not a neurounits result: neither a NetCDF-4 nor a Parquet file")
    xr = _xarray(feature)
    require("h5netcdf", feature)
    require("h5py", feature)
    try:
        root = _load_dataset(xr, path, None)
    except (OSError, ValueError) as exc:
        raise FileFormatError(
            f"{path} is not a neurounits result: it cannot be read as NetCDF-4 ({exc})"
        ) from exc
    kind = root.attrs.get(KIND)
    if kind is None:
        raise FileFormatError(f"{path} is not a neurounits result (no '{KIND}' attribute)")
    _check_kind(root.attrs, str(kind), str(path))
    if kind == "network":
        names = network_fields(root.attrs, str(path))["populations"]
        return "network", dict(root.attrs), {k: _load_dataset(xr, path, k) for k in names}
    if kind == "sweep":
        cols = {k: root[k].values for k in root.data_vars}
        return "sweep", dict(root.attrs), (cols, root["set"].values)
    return str(kind), dict(root.attrs), root


def _load_dataset(xr: Any, path: Path, group: str | None) -> Any:
    with xr.open_dataset(path, engine="h5netcdf", group=group, decode_cf=False) as ds:
        return ds.load()


def _read_parquet(path: Path, feature: str) -> tuple[str, dict[str, Any], Any]:
    pq = require("pyarrow.parquet", feature, "parquet")
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow's errors come in many types
        raise FileFormatError(
            f"{path} is not a neurounits result: it cannot be read as Parquet ({exc})"
        ) from exc
    raw = (table.schema.metadata or {}).get(b"neurounits")
    if raw is None:
        raise FileFormatError(
            f"{path} is not a neurounits result (a Parquet file without 'neurounits' metadata)"
        )
    meta = json.loads(raw)
    _check_kind(meta, "sweep", str(path))
    cols = {k: table.column(k).to_numpy() for k in table.column_names if k != "set"}
    return "sweep", meta, (cols, table.column("set").to_numpy())
