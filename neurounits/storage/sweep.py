"""Sweeps <-> labelled data for :mod:`neurounits.storage`: a sweep's attributes (its columns, units
and failed sets, errors included), its Dataset, and its fields read back."""

from __future__ import annotations

import builtins
import json
from typing import Any

import numpy as np

from ..errors import FileFormatError, NeurounitsError
from .common import _check_kind, _header, _quantity_from_json, _quantity_json, _xarray


# ------------------------------------------------------------------------------------------- sweeps
def _error_json(exc: Exception) -> dict[str, str]:
    return {"type": type(exc).__name__, "message": str(exc)}


def _error_from_json(d: dict[str, str]) -> Exception:
    from .. import errors

    cls = getattr(errors, d["type"], None)
    if isinstance(cls, type) and issubclass(cls, NeurounitsError):
        return cls(d["message"])
    if d["type"] == "DimensionError":
        from ..units import DimensionError

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
