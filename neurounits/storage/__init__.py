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
``populations`` attribute (JSON), and the weights of its plastic projections as root variables
(``proj<k>.weights`` ..., the projections in the ``plastic`` attribute).  A Parquet sweep has the
same attributes, as JSON, in the schema's ``neurounits`` metadata, and each column's unit in its
field metadata.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError, MissingFileError
from .common import (
    FORMAT,
    KIND,
    RESERVED,
    _check_kind,
    _xarray,
    quantity_text,
    require,
    unit_text,
)
from .results import (
    network_fields,
    network_meta,
    plastic_fields,
    plastic_variables,
    results_dataframe,
    results_dataset,
    results_fields,
)
from .sweep import sweep_dataset, sweep_fields, sweep_meta

__all__ = [
    "FORMAT",
    "RESERVED",
    "atomic_write",
    "network_fields",
    "network_meta",
    "plastic_fields",
    "plastic_variables",
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

# The format's shared pieces live in .common, Results and network results <-> xarray/pandas in
# .results, sweeps in .sweep; this module writes and reads the files.  Every name stays importable
# from here.
_HDF5 = b"\x89HDF\r\n\x1a\n"
_PARQUET = b"PAR1"


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
    kind: "results": the Dataset; "network": (population name -> Dataset, the root Dataset, which
    holds the weights of plastic projections); "sweep": (columns, index)."""
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
        return "network", dict(root.attrs), ({k: _load_dataset(xr, path, k) for k in names}, root)
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
