"""Sweep checkpoints: every finished chunk on disk, so that a rerun computes only the missing sets.

Nothing here unpickles: measures are plain arrays (``np.load(allow_pickle=False)``) and the errors of
failed sets are JSON records (type name, message, fields), so a checkpoint folder from elsewhere
cannot run code when a sweep resumes from it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .. import errors
from ..units import Q_, DimensionError
from .chunks import Settings

_BUILTIN_ERRORS: dict[str, type[Exception]] = {
    e.__name__: e for e in (ValueError, KeyError, IndexError, ArithmeticError, ZeroDivisionError,
                            OverflowError, FloatingPointError)}

__all__ = ["Checkpoint", "callable_name", "decode_failures", "digest", "encode_failures", "write_atomic"]


class Checkpoint:
    """Finished chunks on disk: ``folder/<definition hash>/chunk-<ids hash>.npz`` and a manifest.

    Each file names the sets it covers (their numbers in the sweep); a rerun loads every file and runs
    only the sets no file covers, so it may use another chunk size (or backend) than the first run.

    The definition hash covers the model class, its structure key, every set's values, the shared
    values, duration, dt, inputs, measures and what is recorded; a sweep with another definition
    writes to another subfolder and reuses nothing.
    """

    def __init__(self, folder: str | os.PathLike, run: Settings, spec: Any, columns: dict[str, tuple]):
        definition = {
            "model": f"{run.model_cls.__module__}.{run.model_cls.__qualname__}", "structure": spec.key,
            "columns": columns, "fixed": run.fixed, "duration": run.duration, "dt": run.dt,
            "inputs": run.inputs, "measures": run.measures, "record": run.record,
            "record_every": run.record_every, "method": run.method, "noise_seed": run.noise_seed,
        }
        self.open(folder, definition, {
            "model": definition["model"], "structure": spec.key,
            "n_sets": int(next(iter(columns.values()))[0].size), "columns": list(columns),
            "duration": str(run.duration), "dt": str(run.dt),
            "measures": [m if isinstance(m, str) else callable_name(m) for m in run.measures],
        })

    def open(self, folder: str | os.PathLike, definition: dict[str, Any], manifest: dict[str, Any]) -> None:
        """Use the subfolder of ``folder`` named by the hash of ``definition``; write ``manifest``
        (with the hash as ``key``) there if it has none."""
        h = hashlib.sha256()
        digest(h, definition)
        self.key = h.hexdigest()[:24]
        self.dir = Path(folder) / self.key
        self.dir.mkdir(parents=True, exist_ok=True)
        self.manifest = self.dir / "manifest.json"
        if not self.manifest.exists():
            write_atomic(self.manifest, json.dumps({"key": self.key, **manifest}, indent=1).encode())

    def _path(self, ids: np.ndarray) -> Path:
        return self.dir / f"chunk-{hashlib.sha256(np.asarray(ids, np.int64).tobytes()).hexdigest()[:20]}.npz"

    def load_all(self, wanted: np.ndarray):
        """The saved outcomes of the sets among ``wanted``, each set once (chunks of runs with other
        chunk sizes may overlap: a set already taken from one file is dropped from the next), and
        the sets they cover."""
        outs, covered = [], np.zeros(0, np.int64)
        for path in sorted(self.dir.glob("chunk-*.npz")):
            got = self._load(path)
            if got is None:
                continue
            ids, (ran, meas, failed) = got
            new = np.isin(ids, wanted) & ~np.isin(ids, covered)
            if not new.any():
                continue
            if not new.all():
                keep = np.isin(ran, ids[new])
                ran, meas = ran[keep], {k: (v[keep], u) for k, (v, u) in meas.items()}
                failed = [(i, e) for i, e in failed if i in set(ids[new].tolist())]
            outs.append((ran, meas, failed))
            covered = np.concatenate([covered, ids[new]])
        return outs, covered

    def _load(self, path: Path):
        """(ids, outcome) of one saved chunk, or None (missing or damaged: computed again)."""
        if not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                ids = np.asarray(z["ids"], np.int64)
                units = json.loads(str(z["units"]))
                meas = {k: (z[f"m{j}"], u) for j, (k, u) in enumerate(units)}
                failed = decode_failures(str(z["failures"]))
                return ids, (z["ran"], meas, failed)
        except Exception:  # a damaged file is computed again
            return None

    def save(self, ids: np.ndarray, out) -> None:
        ran, meas, failed = out
        arrays = {f"m{j}": np.asarray(v) for j, (v, _) in enumerate(meas.values())}
        tmp = self._path(ids).with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fields: dict[str, Any] = {
                "ids": np.asarray(ids, np.int64), "ran": np.asarray(ran),
                "units": np.array(json.dumps([[k, u] for k, (_, u) in meas.items()])),
                "failures": np.array(encode_failures(failed)), **arrays}
            np.savez(fh, **fields)
        os.replace(tmp, self._path(ids))


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file (a reader never sees half a file)."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def callable_name(f: Any) -> str:
    """``module.qualname`` of a function or callable object."""
    return f"{getattr(f, '__module__', '?')}.{getattr(f, '__qualname__', type(f).__qualname__)}"


def digest(h: Any, x: Any) -> None:
    """Feed a stable description of ``x`` (values, Quantities, arrays, containers, functions) to ``h``."""
    if hasattr(x, "magnitude") and hasattr(x, "units"):
        h.update(b"Q")
        digest(h, np.asarray(x.magnitude))
        h.update(str(x.units).encode())
    elif isinstance(x, np.ndarray):
        if x.dtype == object:
            h.update(b"O")
            for v in x.ravel():
                digest(h, v)
        else:
            h.update(f"A{x.dtype.str}{x.shape}".encode())
            h.update(np.ascontiguousarray(x).tobytes())
    elif isinstance(x, dict):
        h.update(f"D{len(x)}".encode())
        for k in sorted(x, key=str):
            digest(h, str(k))
            digest(h, x[k])
    elif isinstance(x, list | tuple):
        h.update(f"L{len(x)}".encode())
        for v in x:
            digest(h, v)
    elif x is None or isinstance(x, str | bool | int | float | np.generic):
        h.update(f"{type(x).__name__}:{x!r};".encode())
    elif isinstance(x, type):
        h.update(f"T{x.__module__}.{x.__qualname__};".encode())
    elif callable(x):
        code = getattr(x, "__code__", None)
        h.update(f"F{callable_name(x)};".encode())
        if code is not None:
            h.update(code.co_code)
            digest(h, [c for c in code.co_consts if isinstance(c, str | int | float | bytes | type(None))])
    elif hasattr(x, "__dict__"):
        h.update(f"O{type(x).__module__}.{type(x).__qualname__}".encode())
        digest(h, vars(x))
    else:
        h.update(repr(x).encode())


def encode_failures(failed: list[tuple[int, Exception]]) -> str:
    """The failed sets of a chunk [(set, error)] as JSON: each error's type name, message and fields
    (problems; variable, neuron and time of a SimulationError)."""
    out = []
    for i, e in failed:
        message = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
        rec: dict[str, Any] = {"type": type(e).__name__, "message": message,
                               "problems": list(getattr(e, "problems", ()))}
        if isinstance(e, errors.SimulationError):
            t: Any = e.time
            rec.update(variable=e.variable, neuron=None if e.neuron is None else int(e.neuron),
                       time=None if t is None else [float(t.magnitude), str(t.units)])
        out.append([int(i), rec])
    return json.dumps(out)


def decode_failures(text: str) -> list[tuple[int, Exception]]:
    """The failed sets written by :func:`encode_failures`: neurounits errors and the builtin errors of
    values (ValueError, KeyError, IndexError, ArithmeticError and its kinds) as their own type, any
    other error as a RuntimeError with its message."""
    out: list[tuple[int, Exception]] = []
    for i, rec in json.loads(text):
        msg, problems = str(rec["message"]), tuple(str(p) for p in rec.get("problems", ()))
        kind = rec["type"]
        err: Exception
        if kind == "SimulationError":
            t = rec.get("time")
            err = errors.SimulationError(msg, problems=problems, variable=rec.get("variable"),
                                         neuron=rec.get("neuron"), time=None if t is None else Q_(t[0], t[1]))
        elif kind in ("ParameterError", "EquationError", "IntegratorError"):
            err = getattr(errors, kind)(msg, problems=problems)
        elif kind == "DimensionError":
            err = DimensionError(msg, problems=problems)
        elif kind in _BUILTIN_ERRORS:
            err = _BUILTIN_ERRORS[kind](msg)
        else:
            err = RuntimeError(msg)
        out.append((int(i), err))
    return out
