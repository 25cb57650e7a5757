"""Method choice and kernel lookup: the simulation layer's one way to get a compiled kernel.

Public to the layers above (sweeps ship kernel sources to Dask workers with :func:`kernel_source`
and install them there with :func:`install`).  A kernel is identified by :class:`KernelChoice`,
the structural choices of a run; values never enter it.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ParameterError
from ..parameters import check_value
from ..units import Q_, to_internal
from . import warm
from .arguments import MS

__all__ = ["DEFAULT_OPTIONS", "SOURCE_HASH", "KernelChoice", "check_options", "choose_method", "get",
           "install", "kernel_source", "n_loaded"]

log = logging.getLogger("neurounits")
_KERNELS: dict[tuple, Any] = {}
_LOCK = threading.Lock()
_SPEC_KEYS: dict[int, tuple[Any, str]] = {}
_ROOT = Path(__file__).resolve().parents[1]  # codegen and integrators import sympy: read, not imported
SOURCE_HASH = hashlib.sha256(b"".join(
    p.read_bytes() for p in sorted((_ROOT / "codegen").glob("*.py"))
    + sorted((_ROOT / "integrators").glob("*.py")))).hexdigest()[:12]

#: the methods with an adaptive step (HSTEP, ATOL, ... arguments): the integrators' registry says the
#: same (tested), but importing it imports sympy, which a warm run avoids
ADAPTIVE_METHODS = ("rkf45",)

DEFAULT_OPTIONS: dict[str, Any] = {"atol": 1e-6, "rtol": 1e-6, "control": "y", "h0": None,
                                   "max_substeps": 100_000}


@dataclass(frozen=True)
class KernelChoice:
    """The structure of one kernel: model spec, method, what is recorded, which inputs have a neuron
    axis, the rkf45 error control, count-only accumulators and parameters read once."""

    spec: Any
    method: str
    record: tuple[str, ...]
    per_neuron: tuple[str, ...] = ()
    control: str = "y"
    counts: tuple[str, ...] = ()
    uniform: tuple[str, ...] = ()

    def key(self) -> tuple:
        """Cache key: the spec's structure (not the object) and every choice."""
        known = _SPEC_KEYS.get(id(self.spec))  # spec.key prints every expression: once per spec object
        if known is None or known[0] is not self.spec:
            known = _SPEC_KEYS[id(self.spec)] = (self.spec, self.spec.key)
        return (known[1], self.method, self.record, self.per_neuron, self.control, SOURCE_HASH,
                self.counts, self.uniform)

    def kernel_spec(self) -> Any:
        from .. import codegen, integrators

        spec = full_spec(self.spec)
        step = integrators.step_for(self.method, spec) if self.method != "none" else None
        return codegen.KernelSpec(spec, step, self.record, self.per_neuron, self.control,
                                  counts=self.counts, uniform=self.uniform)


def full_spec(spec: Any) -> Any:
    """The full (symbolic) ModelSpec of a structure read from the declaration cache."""
    full = getattr(type(spec), "full", None)
    return full(spec) if full is not None else spec


def _is_str_pair(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v)


def choose_method(spec: Any, method: str | None) -> tuple[str, str]:
    """(method name, why it was chosen): ``method`` checked, or chosen when None (and logged).
    Worked out once per structure (kept in the warm-run cache, :mod:`.warm`)."""
    what = f"the method of model '{spec.name}'"
    if method is None:
        def choose() -> list[str]:
            from .. import integrators

            return list(integrators.choose(full_spec(spec)))

        name, reason = warm.memo(("choose", spec.key, repr(spec.default_method)), what, choose, _is_str_pair)
        log.info("model '%s': using method '%s' (%s)", spec.name, name, reason)
        return name, reason

    def resolve() -> list[str]:
        from .. import integrators

        integ = integrators.get(method, full_spec(spec))
        return [integ.name if integ is not None else "none", ""]

    if not isinstance(method, str):
        return resolve()[0], ""
    name, _ = warm.memo(("get", spec.key, method), what, resolve, _is_str_pair)
    return name, ""


def n_loaded() -> int:
    """How many kernels this process has loaded (a changed value never adds one)."""
    return len(_KERNELS)


def kernel_source(choice: KernelChoice) -> str:
    """The generated source of the kernel module for ``choice``."""
    from .. import codegen

    return codegen.generate(choice.kernel_spec())


def get(choice: KernelChoice) -> Any:
    """The loaded kernel module for ``choice`` (generated, written and imported on first use)."""
    key = choice.key()
    fn = _KERNELS.get(key)
    if fn is None:
        from .. import codegen

        fn = warm.kernel(key, f"the kernel of model '{choice.spec.name}'", lambda: kernel_source(choice),
                         codegen.load)
        with _LOCK:
            _KERNELS.setdefault(key, fn)
    return fn


def install(key: tuple, source: str, digest: str) -> None:
    """Install a kernel shipped as source (e.g. to a Dask worker) under its key, checking its hash."""
    if key in _KERNELS:
        return
    if hashlib.sha256(source.encode()).hexdigest() != digest:
        raise RuntimeError(f"the kernel source shipped to this worker does not match its hash {digest[:12]}")
    from .. import codegen

    mod = codegen.load(source)
    with _LOCK:
        _KERNELS.setdefault(key, mod)


def check_options(model: Any, method: str, options: Mapping[str, Any] | None, dt_ms: float,
                  params: dict[str, np.ndarray]) -> dict[str, Any]:
    """rkf45 options: per-neuron atol/rtol arrays, h_min and the first step (ms), the control."""
    opts = dict(DEFAULT_OPTIONS)
    opts.update(type(model).integrator_options)
    opts["h_min"] = Q_(0.0, "ms")
    given = dict(options or {})
    if given and method != "rkf45":
        raise ParameterError(f"method_options {sorted(given)} apply to method='rkf45' only; "
                             f"the method is '{method}'")
    unknown = set(given) - {"atol", "rtol", "h_min", "h0", "control", "max_substeps"}
    if unknown:
        raise ParameterError(f"unknown method option(s) {sorted(unknown)}; rkf45 takes atol, rtol, h_min, "
                             "h0 (first step), max_substeps and control ('y' or 'yp')")
    opts.update(given)
    if opts["control"] not in ("y", "yp"):
        raise ParameterError(f"method option control must be 'y' or 'yp', got {opts['control']!r}")
    out: dict[str, Any] = {"control": opts["control"]}
    maxsub = opts["max_substeps"]
    if isinstance(maxsub, bool) or not isinstance(maxsub, int | np.integer) or maxsub < 1:
        raise ParameterError(f"method option max_substeps must be a positive integer, got {maxsub!r}")
    out["max_substeps"] = int(maxsub)
    for k in ("atol", "rtol"):
        v = opts[k]
        arr = params[v] if isinstance(v, str) and v in params else np.asarray(v, dtype=float)
        arr = np.broadcast_to(arr, (model.n,)).astype(float)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ParameterError(f"method option {k} must be finite and >= 0, got {v!r}")
        out[k] = arr
    if np.any((out["atol"] == 0) & (out["rtol"] == 0)):
        raise ParameterError("method options atol and rtol cannot both be 0")
    for k in ("h_min", "h0"):
        v = opts[k]
        if v is None:
            out[k] = dt_ms
            continue
        chk = check_value(f"method option {k}", v, MS, 1, nonnegative=True)
        if chk.problems:
            raise ParameterError(chk.problems[0].message)
        out[k] = float(to_internal(chk.quantity))
    out["h0"] = min(out["h0"], dt_ms)
    return out
