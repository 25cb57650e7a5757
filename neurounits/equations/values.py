"""A constructed model's parameter values: in internal units, expressions of them evaluated per neuron,
and the checks of the refractory period and the constraints on them (part of :class:`.model.Model`)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..errors import Problem, did_you_mean, raise_problems
from ..parameters import check_value
from ..units import fmt_unit, to_internal
from .cachedspec import evaluate as _evaluate_num

if TYPE_CHECKING:
    import sympy

    from .spec import ModelSpec


class _ParameterValues:
    """The methods of :class:`~neurounits.Model` that compute with its parameter values."""

    n: int
    spec: ModelSpec
    name: Any  # (Model.name, a property)
    _parameters: dict[str, Any]
    refractory: ClassVar[Any]
    _model_name: ClassVar[str]

    def _check_refractory(self) -> list[Problem]:
        """A refractory period given by parameters must not be negative."""
        from .speccache import numeric_of

        ref = numeric_of(self.spec).refractory
        if ref is None or ref.is_number:  # a constant is checked when the model is declared
            return []
        vals = _evaluate_num(ref, self.internal_parameters(), self.n)
        bad = ~(vals >= 0)
        if not bad.any():
            return []
        i = int(np.flatnonzero(bad)[0])
        text = type(self).refractory if isinstance(type(self).refractory, str) else ref.text
        at = f" at neuron {i}" if self.n > 1 else ""
        return [Problem(f"model '{type(self)._model_name}': the refractory period ({text}) must be >= 0, "
                        f"got {vals[i]:g} ms{at}")]

    def _check_constraints(self) -> list[Problem]:
        problems = []
        internal = self.internal_parameters()
        from .speccache import numeric_of

        for text, rel in numeric_of(self.spec).constraints:
            ok = np.broadcast_to(np.asarray(rel.fn(*[internal[a] for a in rel.args])), (self.n,))
            if ok.all():
                continue
            i = int(np.flatnonzero(~ok)[0])
            vals = ", ".join(f"{a} = {_fmt_at(self._parameters[a], i)}" for a in rel.args)
            at = f" (neuron {i})" if self.n > 1 else ""
            problems.append(Problem(f"model '{type(self)._model_name}': constraint '{text}' is violated"
                                    f"{at}: {vals}"))
        return problems

    # -- public accessors --------------------------------------------------------
    @property
    def derived(self) -> dict[str, Any]:
        """Derived parameters' values as Quantities (see :class:`~neurounits.Derived`)."""
        return dict(self.__dict__.get("_derived", {}))

    def _set_derived(self, problems: list[Problem]) -> None:
        """Compute the derived parameters (once the parameters are valid)."""
        self._derived: dict[str, Any] = {}
        self._derived_internal: dict[str, np.ndarray] = {}
        if not problems and self.spec.derived:
            from .derived import derived_values

            self._derived, self._derived_internal, more = derived_values(
                type(self)._model_name, self.spec, self.evaluate, self._base_internal(), self._parameters)
            problems.extend(more)

    # -- values for simulation (internal units, one array per neuron) --------------------
    def _base_internal(self) -> dict[str, np.ndarray]:
        return {k: np.broadcast_to(np.asarray(to_internal(q), dtype=float), (self.n,)).copy()
                for k, q in self._parameters.items()}

    def internal_parameters(self) -> dict[str, np.ndarray]:
        """Every parameter (derived ones included) as a float64 array of length n in internal units."""
        out = self._base_internal()
        out.update({k: v.copy() for k, v in self.__dict__.get("_derived_internal", {}).items()})
        return out

    def evaluate(self, expr: sympy.Expr, params: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Evaluate an expression of the parameters for every neuron (internal units)."""
        params = self.internal_parameters() if params is None else params
        syms, f = _numeric(expr)
        args = [params[s.name if s.name.startswith("_") else s.name[2:]] for s in syms]  # _rnd<k>: draws
        return np.broadcast_to(np.asarray(f(*args), dtype=float),
                               (self.n,)).copy()

    def initial_values(self, overrides: Mapping[str, Any] | None = None, *, seed: int | None = None,
                       ids: Any = None) -> dict[str, np.ndarray]:
        """Initial state per neuron, internal units; ``overrides`` maps state -> value.  Random
        numbers in initial values (``rand()``, ...) are keyed by ``seed`` and the neurons' global
        indices ``ids`` (default: 0, 1, ...)."""
        typed_problems = _typed_problems if self.spec.dtypes else _no_problems

        overrides = dict(overrides or {})
        params = self.internal_parameters()
        num = None  # random draws in initial values: sympy's path; else numpy code (speccache)
        if self.spec.random:
            from .randomness import initial_random

            params.update(initial_random(self.spec, self.evaluate, params, seed,
                                         np.arange(self.n) if ids is None else ids))
        else:
            from .speccache import numeric_of

            num = numeric_of(self.spec).initial
        out, problems = {}, []
        for k, unit in self.spec.states.items():
            if k in overrides:
                chk = check_value(f"model '{self.name}', initial value of '{k}'", overrides.pop(k),
                                  unit, self.n)
                problems.extend(chk.problems)
                if chk.quantity is not None:
                    out[k] = np.broadcast_to(np.asarray(to_internal(chk.quantity), float),
                                             (self.n,)).copy()
                    problems.extend(typed_problems(self.name, k, self.spec.dtypes.get(k), out[k]))
                continue
            out[k] = (self.evaluate(self.spec.initial[k], params) if num is None
                      else _evaluate_num(num[k], params, self.n))
            if k in self.spec.dtypes:
                problems.extend(typed_problems(self.name, k, self.spec.dtypes[k], out[k]))
        for k in overrides:
            tip = did_you_mean(k, self.spec.states)
            problems.append(Problem(f"model '{self.name}' has no state '{k}' to set an initial value "
                                    f"for.{tip} States: {', '.join(self.spec.states)}"))
        _raise_value_problems(self.name, problems)
        return out



@functools.lru_cache(maxsize=1024)
def _numeric(expr: Any) -> tuple[list, Any]:
    """An expression's symbols (sorted by name) and a numpy function of them; cached, because
    lambdify costs ~1 ms and models are constructed often (every chunk of a sweep)."""
    import sympy

    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    return syms, sympy.lambdify(syms, expr, modules="numpy")


def _typed_problems(model: str, state: str, kind: str | None, values: np.ndarray) -> list[Any]:
    from .randomness import typed_problems  # (imports sympy: only for models with int/bool states)

    return typed_problems(model, state, kind, values)


def _no_problems(model: str, state: str, kind: str | None, values: np.ndarray) -> list[Any]:
    return []  # every state is a float


def _raise_value_problems(model: str, problems: list[Problem]) -> None:
    raise_problems(f"invalid values for model '{model}'", problems)


def _fmt_q(q: Any) -> str:
    mag = np.asarray(q.magnitude)
    if mag.ndim == 0:
        return f"{mag.item():g} {fmt_unit(q.units)}"
    return f"[{mag.size} values] {fmt_unit(q.units)}"


def _fmt_at(q: Any, i: int) -> str:
    mag = np.asarray(q.magnitude)
    v = mag.item() if mag.ndim == 0 else mag[i]
    return f"{v:g} {fmt_unit(q.units)}"
