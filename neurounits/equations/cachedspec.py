"""``CachedSpec``: a model's structure read from the declaration cache, without sympy (#16).

It has the plain parts of a :class:`~neurounits.equations.ModelSpec` (names, units, flags, the
structure key) and, as numpy code, the expressions of the parameters that constructing a model and
planning a run evaluate (:class:`Num`).  Any other attribute (the equations, the threshold, the
reset, ...) is that of the full ModelSpec, built on first use by the full path, so code that needs
the symbolic structure (code generation, export, stability analysis) gets the real thing.
"""

from __future__ import annotations

import builtins
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..parameters import Parameter
from ..units import parse_unit, ureg

__all__ = ["CachedReceptor", "CachedSpec", "Num", "compile_numeric", "unit_text"]


def unit_text(unit: Any) -> str:
    """A unit's name, from which :func:`~neurounits.units.parse_unit` gives it back."""
    return str(unit) if unit != ureg.dimensionless else "dimensionless"


def _names(code: Any) -> set[str]:
    out = set(code.co_names)
    for c in code.co_consts:
        if hasattr(c, "co_names"):
            out |= _names(c)
    return out


def compile_numeric(src: str) -> Any:
    """The function of lambdify's numpy source ``src``, in lambdify's numpy namespace
    (``import numpy; from numpy import *; from numpy.linalg import *``, ``I`` = 1j), restricted to
    the names the source uses: a star import would import every lazy submodule of numpy."""
    code = compile(src, "<neurounits cached expression>", "exec")
    ns: dict[str, Any] = {"numpy": np, "I": 1j, "builtins": builtins, "range": range}
    for name in _names(code) - set(ns):
        for mod in (np.linalg, np):
            if name in getattr(mod, "__all__", ()):
                ns[name] = getattr(mod, name)
                break
    exec(code, ns)
    return ns["_lambdifygenerated"]


_LOCK = threading.Lock()  # one full spec built at a time


def _itself(x: Any) -> Any:
    return x


@dataclass(frozen=True)
class Num:
    """An expression of parameters (by name, internal units) as a numpy function of them."""

    args: tuple[str, ...]
    fn: Any
    is_number: bool
    text: str


@dataclass(frozen=True)
class _NumView:
    refractory: Num | None
    initial: dict[str, Num]
    constraints: list[tuple[str, Num]]


def _num(rec: dict[str, Any]) -> Num:
    return Num(tuple(rec["args"]), compile_numeric(rec["src"]), bool(rec["number"]), str(rec["text"]))


class CachedReceptor:
    """A spike port's unit, number and refractory behaviour; its effects come from the full spec."""

    def __init__(self, spec: CachedSpec, name: str, unit: Any, number: int | None, refractory_input: bool):
        self._spec, self._name = spec, name
        self.unit, self.number, self.refractory_input = unit, number, refractory_input

    @property
    def effects(self) -> Any:
        return self._spec.full().receptors[self._name].effects


class CachedSpec:
    """The checked structure of a model, read from the declaration cache (see the module)."""

    def __init__(self, rec: dict[str, Any], decl: dict[str, Any], build: Any) -> None:
        self._build, self._full = build, None
        self.name: str = rec["name"]
        self.options: dict[str, str] = dict(rec["options"])
        self.key: str = rec["key"]
        self.parameters = {k: v for k, v in decl.items() if isinstance(v, Parameter)}
        if list(self.parameters) != rec["parameters"]:
            raise ValueError("the parameters differ from the declaration's")
        self.states = {k: parse_unit(u) for k, u in rec["states"].items()}
        self.inputs = {k: parse_unit(u) for k, u in rec["inputs"].items()}
        self._expr_units = {k: parse_unit(u) for k, u in rec["expressions"].items()}
        self.receptors = {
            k: CachedReceptor(self, k, parse_unit(u), n, bool(ri))
            for k, (u, n, ri) in rec["receptors"].items()
        }
        self.hold = tuple(rec["hold"])
        by_sign = rec["receptor_by_sign"]
        self.receptor_by_sign = None if by_sign is None else (str(by_sign[0]), str(by_sign[1]))
        self.events_in_substeps = bool(rec["events_in_substeps"])
        self.default_method = rec["default_method"]
        self.hold_after_step = bool(rec["hold_after_step"])
        self.expressions_before_events = bool(rec["expressions_before_events"])
        self.noise = tuple(rec["noise"])
        self.rate_channels = tuple(rec["rate_channels"])
        self.rate_linear = bool(rec["rate_linear"])
        self.ports: dict[str, tuple[str, ...]] = {}
        # the newer constructs' fields: a cached model has none of them (speccache._NOT_CACHED)
        self.derived: dict[str, Any] = {}
        self.random: tuple = ()
        self.dtypes: dict[str, str] = {}
        self.after_step: tuple = ()
        self.lower_bounds: tuple = ()
        self.input_effects: tuple = ()
        self.refractory_condition = None
        self.refractory_convention = str(rec.get("refractory_convention", "nest"))
        if not rec["threshold"]:
            self.threshold = None
        if not rec["update"]:
            self.update = ()
        if not rec["odes"]:
            self.odes: dict[str, Any] = {}
        if rec["refractory"] is None:
            self.refractory = None
        self.numeric = _NumView(
            None if rec["refractory"] is None else _num(rec["refractory"]),
            {k: _num(v) for k, v in rec["initial"].items()},
            [(str(text), _num(v)) for text, v in rec["constraints"]],
        )
        if set(self.numeric.initial) != set(self.states):
            raise ValueError("the initial values do not match the states")

    def full(self) -> Any:
        """The full :class:`~neurounits.equations.ModelSpec` (built once, on first use)."""
        with _LOCK:
            if self._full is None:
                self._full = self._build()
            return self._full

    def __reduce__(self) -> tuple:
        """Pickled (and copied) as the full ModelSpec, as before the cache (its builder is a closure)."""
        return _itself, (self.full(),)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.full(), name)

    @property
    def seeded(self) -> bool:
        """True when a run draws random numbers (here: white noise only)."""
        return bool(self.noise)

    def typed(self, name: str, values: Any) -> Any:
        """``values`` of state ``name`` (every state of a cached model is a float)."""
        return values

    def recordable(self) -> dict[str, Any]:
        """Names that can be recorded, with their units."""
        out = dict(self.states)
        out.update(self._expr_units)
        if self.numeric.refractory is not None:
            out["refractory"] = ureg.dimensionless
        return out

    def __repr__(self) -> str:
        return f"<CachedSpec of model {self.name!r}, options {self.options}, key {self.key}>"


def evaluate(num: Num, params: dict[str, np.ndarray], n: int) -> np.ndarray:
    """``num`` for every neuron (internal units), as :meth:`Model.evaluate`."""
    return np.broadcast_to(np.asarray(num.fn(*[params[a] for a in num.args]), dtype=float), (n,)).copy()
