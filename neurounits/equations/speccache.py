"""The declaration cache: a model's checked structure, kept on disk so that a warm process needs
no sympy (#16).

When a model class is declared, :meth:`Model._spec_for <neurounits.Model>` looks here first.  The
key is a hash of everything :func:`~neurounits.equations.builder.build_spec` reads: the model's
name, every declaration (parameters, states, inputs, options, receptors: defaults, units, flags),
the class attributes (equations, threshold, reset, refractory, constraints, ...), the option
values, the sources of the declaration layers (``equations/``, ``units``, ``parameters``, ...),
the versions of neurounits, sympy, pint and numpy, and the unit registry's size (a unit defined at
run time changes it).  A record is written only after the full path has built the structure, so
every dimension and equation check passed for exactly this declaration; a hit proves them.  A
changed equation, unit or default is another key (a miss: the full path, which raises the errors
of a bad model as always).  A damaged record is discarded with a
:class:`~neurounits.CacheWarning` and the model is checked again on the full path.

A hit gives a :class:`~neurounits.equations.cachedspec.CachedSpec`: the plain parts of the
structure, and the parameter expressions that constructing a model and planning a run evaluate
(initial values, refractory period, constraints) as numpy code; anything symbolic (equations,
threshold, ...) is built on first use by the full path.  ``NEUROUNITS_SPEC_CACHE=0`` turns the
cache off.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .. import diskcache
from ..units import parse_unit, ureg
from .cachedspec import CachedSpec, Num, compile_numeric, unit_text
from .values import _numeric

__all__ = ["cached_spec", "load", "sources_hash", "store"]

FORMAT = "1"
_KIND = "spec"
_LAYERS = (  # beside equations/ (the package's __init__ holds its version)
    "__init__.py",
    "units.py",
    "parameters.py",
    "value_checks.py",
    "errors.py",
    "checks.py",
    "pyparse.py",
    "diskcache.py",
)


class _Uncacheable(Exception):
    """A declaration (or structure) that the cache cannot represent exactly: always the full path."""


@functools.cache
def sources_hash() -> str:
    """A hash of the declaration layers' sources and of the versions they depend on."""
    here = Path(__file__).parent
    h = hashlib.sha256(FORMAT.encode())
    for p in sorted(here.glob("*.py")) + [here.parent / m for m in _LAYERS]:
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    versions = [np.__version__] + [importlib.metadata.version(p) for p in ("sympy", "pint")]
    h.update(repr(versions).encode())
    return h.hexdigest()[:20]


def _canon(v: Any) -> Any:
    """A JSON value that determines ``v`` exactly (raises _Uncacheable for what it cannot)."""
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, int | float) and type(v) in (int, float):
        return [type(v).__name__, repr(v)]
    if isinstance(v, np.generic):
        return ["np", type(v).__name__, repr(v.item())]
    if isinstance(v, np.ndarray):
        if v.dtype.hasobject:
            raise _Uncacheable("an object array")
        return [
            "a",
            str(v.dtype),
            list(v.shape),
            hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest(),
        ]
    if isinstance(v, ureg.Unit):
        return ["u", str(v)]
    if isinstance(v, ureg.Quantity):
        return ["q", _canon(v.magnitude), str(v.units)]
    if isinstance(v, tuple | list):
        return [type(v).__name__, [_canon(x) for x in v]]
    if isinstance(v, dict):
        return ["d", [[_canon(k), _canon(x)] for k, x in v.items()]]
    cls = type(v)
    if cls.__module__.startswith("neurounits.") and hasattr(v, "__dict__"):  # a declaration object
        return ["o", f"{cls.__module__}.{cls.__qualname__}", _canon(dict(vars(v)))]
    raise _Uncacheable(f"a value of type {cls.__name__}")


def key(model: str, decl: dict[str, Any], attrs: dict[str, Any], options: dict[str, str]) -> str | None:
    """The cache key of a declaration, or None when it cannot be cached (or the cache is off)."""
    if os.environ.get("NEUROUNITS_SPEC_CACHE", "1") == "0":
        return None
    try:
        text = json.dumps(
            [
                sources_hash(),
                len(getattr(ureg, "_units", ())),
                len(getattr(ureg, "_prefixes", ())),
                model,
                _canon(decl),
                _canon(attrs),
                _canon(options),
            ]
        )
    except (_Uncacheable, RecursionError):
        return None
    return diskcache.digest(text)


def load(k: str, model: str, decl: dict[str, Any], build: Any) -> CachedSpec | None:
    """The cached structure of key ``k`` (``build()`` makes the full one on demand), or None."""
    rec = diskcache.read(_KIND, k, f"the structure of model '{model}'")
    if rec is None:
        return None
    try:
        return CachedSpec(rec, decl, build)
    except Exception as exc:  # a record that does not fit (hand-edited, or of another layout)
        diskcache.discard(_KIND, k, f"the structure of model '{model}'", f"{type(exc).__name__}: {exc}")
        return None


def cached_spec(model: str, decl: dict[str, Any], attrs: dict[str, Any], options: dict[str, str]) -> Any:
    """The structure from the declaration cache, else built (and checked) by
    :func:`~neurounits.equations.builder.build_spec` and cached."""
    def build() -> Any:
        from .builder import build_spec

        return build_spec(model, decl, attrs, options)

    k = key(model, decl, attrs, options)
    found = None if k is None else load(k, model, decl, build)
    if found is None:
        found = build()
        if k is not None:
            store(k, found)
    return found


def store(k: str, spec: Any) -> None:
    """Write the record of ``spec`` (just built and checked) under key ``k``, if it can be cached."""
    try:
        rec = _record(spec)
    except _Uncacheable:
        return
    diskcache.write(_KIND, k, rec)


def _numeric_record(expr: Any, check: bool = True) -> dict[str, Any]:
    """An expression of the parameters as lambdify's numpy source, verified to give the same values."""
    import inspect

    syms, f = _numeric(expr)
    args = [s.name[2:] for s in syms]
    if any(not s.name.startswith("p_") for s in syms):
        raise _Uncacheable("an expression of something other than parameters")
    try:
        src = inspect.getsource(f)
    except (OSError, TypeError) as exc:
        raise _Uncacheable("no source") from exc
    mine = compile_numeric(src)
    base = np.array([0.5, 1.7, -2.3, 10.0, 1e-3, -0.01, 0.0, 3.0])
    points = [np.roll(base, i) for i in range(len(args))]
    with np.errstate(all="ignore"):
        try:
            want = np.asarray(f(*points))
            got = np.asarray(mine(*points))
        except Exception as exc:
            raise _Uncacheable("not evaluable") from exc
    if want.dtype != got.dtype or not np.array_equal(want, got, equal_nan=want.dtype.kind in "fc"):
        raise _Uncacheable("numpy source differs from lambdify")
    return {"args": args, "src": src, "number": bool(getattr(expr, "is_number", False)), "text": str(expr)}


#: ModelSpec fields of the newer constructs (issues 13, 14) whose models always take the full path:
#: (field, the value of a model without them)
_NOT_CACHED: tuple[tuple[str, Any], ...] = (
    ("derived", {}), ("random", ()), ("dtypes", {}), ("after_step", ()), ("lower_bounds", ()),
    ("input_effects", ()), ("refractory_condition", None))


def _record(spec: Any) -> dict[str, Any]:
    if spec.ports:
        raise _Uncacheable("port groups")
    for name, plain in _NOT_CACHED:
        if getattr(spec, name, plain) != plain:
            raise _Uncacheable(name)
    units = {**spec.states, **spec.inputs, **{k: u for k, (_, u) in spec.expressions.items()}}
    units.update({f"receptor {k}": r.unit for k, r in spec.receptors.items()})
    for u in units.values():
        if parse_unit(unit_text(u)) != u:
            raise _Uncacheable("a unit that does not survive its name")
    return {
        "name": spec.name,
        "options": dict(spec.options),
        "key": spec.key,
        "parameters": list(spec.parameters),
        "states": {k: unit_text(u) for k, u in spec.states.items()},
        "inputs": {k: unit_text(u) for k, u in spec.inputs.items()},
        "expressions": {k: unit_text(u) for k, (_, u) in spec.expressions.items()},
        "receptors": {
            k: [unit_text(r.unit), r.number, r.refractory_input] for k, r in spec.receptors.items()
        },
        "hold": list(spec.hold),
        "refractory_convention": spec.refractory_convention,
        "receptor_by_sign": spec.receptor_by_sign,
        "events_in_substeps": spec.events_in_substeps,
        "default_method": spec.default_method,
        "hold_after_step": spec.hold_after_step,
        "expressions_before_events": spec.expressions_before_events,
        "noise": list(spec.noise),
        "rate_channels": list(spec.rate_channels),
        "rate_linear": spec.rate_linear,
        "threshold": spec.threshold is not None,
        "update": bool(spec.update),
        "odes": bool(spec.odes),
        "initial": {k: _numeric_record(e) for k, e in spec.initial.items()},
        "refractory": None if spec.refractory is None else _numeric_record(spec.refractory),
        "constraints": [[text, _numeric_record(rel)] for text, rel in spec.constraints],
    }


def numeric_of(spec: Any) -> Any:
    """The parameter expressions of ``spec`` as :class:`Num` (initial, refractory, constraints)."""
    if isinstance(spec, CachedSpec):
        return spec.numeric
    return _view(spec)


_VIEWS: dict[int, tuple[Any, Any]] = {}


def _view(spec: Any) -> Any:
    known = _VIEWS.get(id(spec))
    if known is None or known[0] is not spec:
        known = _VIEWS[id(spec)] = (spec, _SympyView(spec))
    return known[1]


class _SympyView:
    """:class:`Num` views of a full ModelSpec's expressions (lambdify, as before the cache)."""

    def __init__(self, spec: Any) -> None:
        self._spec = spec

    @functools.cached_property
    def refractory(self) -> Num | None:
        ref = self._spec.refractory
        return None if ref is None else _num(ref)

    @functools.cached_property
    def initial(self) -> dict[str, Num]:
        return {k: _num(e) for k, e in self._spec.initial.items()}

    @functools.cached_property
    def constraints(self) -> list[tuple[str, Num]]:
        return [(text, _num(rel)) for text, rel in self._spec.constraints]


def _num(expr: Any) -> Num:
    syms, f = _numeric(expr)
    return Num(tuple(s.name[2:] for s in syms), f, bool(expr.is_number), str(expr))
