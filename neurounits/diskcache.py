"""Small JSON records kept next to the kernel cache, so that a warm process skips work (#16).

A record is one file, ``<folder>/nu_<kind>_<key>.json``, in the kernel cache folder
(:func:`cache_dir`: ``$NEUROUNITS_CACHE_DIR`` or ``~/.cache/neurounits``).  It is written whole
(atomically) and never rewritten with other contents; its key is a hash of everything its contents
depend on, so a record is either the right one or missing.  A record that cannot be read (a
truncated, garbled or hand-edited file) is deleted with a :class:`~neurounits.CacheWarning` and
the caller does the work again and writes it anew.  A folder that cannot be written only costs
the warm start (the kernel cache says so once, with its own warning).

Used by the declaration cache (:mod:`neurounits.equations.speccache`: the checked structure of a
model) and by the simulation layer (:mod:`neurounits.simulation.warm`: the method chosen and the
kernel generated for a structure).

>>> key = digest("a declaration", "its units")
>>> len(key), read("demo", key, "a demo record") is None   # never written: a miss
(24, True)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from .errors import CacheWarning

__all__ = ["cache_dir", "digest", "read", "write"]


def cache_dir() -> Path:
    """Where kernels and records are written: ``$NEUROUNITS_CACHE_DIR`` or ``~/.cache/neurounits``."""
    env = os.environ.get("NEUROUNITS_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "neurounits"


def digest(*parts: str) -> str:
    """A short hash (24 hex digits) of ``parts``."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:24]


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _path(kind: str, key: str) -> Path:
    return cache_dir() / f"nu_{kind}_{key}.json"


def read(kind: str, key: str, what: str) -> dict[str, Any] | None:
    """The record ``kind``/``key``, or None when there is none (or it was damaged: then it is
    deleted, with a CacheWarning naming ``what`` it held, and the caller does the work again)."""
    path = _path(kind, key)
    try:
        data = path.read_bytes()
    except OSError:  # missing (the usual miss) or unreadable: either way, do the work
        return None
    try:
        out = json.loads(data)
        if not isinstance(out, dict) or out.get("key") != key:
            raise ValueError("not a record of this key")
        if out.get("sha") != _sha(json.dumps(out["value"])):
            raise ValueError("its contents do not match their checksum")
        return out["value"]
    except (ValueError, KeyError, UnicodeDecodeError) as exc:
        discard(kind, key, what, f"{type(exc).__name__}: {exc}")
        return None


def discard(kind: str, key: str, what: str, why: str) -> None:
    """Delete a damaged record (warned: it is worked out again and written anew)."""
    path = _path(kind, key)
    with contextlib.suppress(OSError):
        path.unlink()
    warnings.warn(
        f"neurounits: discarded the damaged cache record {path} ({why}); {what} is worked "
        "out again and cached anew",
        CacheWarning,
        stacklevel=4,
    )


def write(kind: str, key: str, value: Any) -> None:
    """Write the record ``kind``/``key`` (atomically; a folder that cannot be written is skipped)."""
    path = _path(kind, key)
    text = json.dumps(value)  # (key order kept: states are ordered)
    data = json.dumps({"key": key, "sha": _sha(text), "value": value}).encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
