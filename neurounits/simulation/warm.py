"""Warm runs: what the simulation layer works out for a model's structure, kept on disk (#16).

With the declaration cache (:mod:`neurounits.equations.speccache`) a warm process has a model's
structure without sympy; this module keeps the rest of what a run works out from the structure
symbolically, so that a warm run needs no sympy at all:

- the method ``method=None`` chooses (and why), and the integrator a named method resolves to;
- the stability polynomial of a method (for :func:`~neurounits.check_dt`);
- the kernel generated for a :class:`~neurounits.simulation.kernels.KernelChoice`: the record holds
  the hash of its source, and the source is read back from the kernel cache and checked against
  that hash (a missing or damaged kernel file: generated again, as on a cold start).

Every record is keyed by the structure (``spec.key`` and the run's structural choices) together
with the sources of the equations, integrators and code generation and the numba and llvmlite
versions: a change to any of them is a miss (the full path).  Errors are never cached: a method
that does not apply raises on the full path every time.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from .. import diskcache

__all__ = ["kernel", "memo"]

_KIND = "run"


@functools.cache
def _salt() -> str:
    from ..codegen.cache import toolchain
    from ..equations.speccache import sources_hash
    from .kernels import SOURCE_HASH

    return diskcache.digest(SOURCE_HASH, sources_hash(), toolchain())


def memo(parts: tuple[str, ...], what: str, compute: Callable[[], Any], valid: Callable[[Any], bool]) -> Any:
    """The value cached under ``parts``, else ``compute()`` (then cached).  A record that is not
    ``valid`` is discarded as damaged (warned) and the value computed again."""
    key = diskcache.digest(_salt(), *parts)
    value = diskcache.read(_KIND, key, what)
    if value is not None:
        try:
            ok = valid(value)
        except (TypeError, ValueError, KeyError, IndexError):
            ok = False
        if ok:
            return value
        diskcache.discard(_KIND, key, what, "not a record of this kind")
    value = compute()
    diskcache.write(_KIND, key, value)
    return value


def _is_digest(v: Any) -> bool:
    return isinstance(v, str) and len(v) == 24 and all(c in "0123456789abcdef" for c in v)


def kernel(choice_key: tuple, what: str, source: Callable[[], str], load: Callable[[str], Any]) -> Any:
    """The kernel module of a choice: its source read back from the kernel cache when a record
    names it (and the file still has that hash), else ``source()`` generated; ``load`` imports it."""
    key = diskcache.digest(_salt(), "kernel", repr(choice_key))
    digest = diskcache.read(_KIND, key, what)
    if digest is not None and not _is_digest(digest):
        diskcache.discard(_KIND, key, what, "not a kernel hash")
        digest = None
    if digest is not None:
        path = diskcache.cache_dir() / f"nu_kernel_{digest}.py"
        try:
            text = path.read_bytes()
        except OSError:
            text = None
        if text is not None and hashlib.sha256(text).hexdigest()[:24] == digest:
            return load(text.decode())
        # missing or damaged kernel file: generated again (load() rewrites a damaged one, warned)
    src = source()
    mod = load(src)
    diskcache.write(_KIND, key, hashlib.sha256(src.encode()).hexdigest()[:24])
    return mod
