"""A constructed model's parameter values: in internal units, expressions of them evaluated per neuron,
and the checks of the refractory period and the constraints on them (part of :class:`.model.Model`)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..errors import Problem, raise_problems
from ..units import fmt_unit, to_internal
from .cachedspec import evaluate as _evaluate_num

if TYPE_CHECKING:
    import sympy

    from .spec import ModelSpec


class _ParameterValues:
    """The methods of :class:`~neurounits.Model` that compute with its parameter values."""

    n: int
    spec: ModelSpec
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
    # -- values for simulation (internal units, one array per neuron) --------------------
    def internal_parameters(self) -> dict[str, np.ndarray]:
        """Every parameter as a float64 array of length n in internal units."""
        return {k: np.broadcast_to(np.asarray(to_internal(q), dtype=float), (self.n,)).copy()
                for k, q in self._parameters.items()}

    def evaluate(self, expr: sympy.Expr, params: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Evaluate an expression of the parameters for every neuron (internal units)."""
        params = self.internal_parameters() if params is None else params
        syms, f = _numeric(expr)
        return np.broadcast_to(np.asarray(f(*[params[s.name[2:]] for s in syms]), dtype=float),
                               (self.n,)).copy()


@functools.lru_cache(maxsize=1024)
def _numeric(expr: Any) -> tuple[list, Any]:
    """An expression's symbols (sorted by name) and a numpy function of them; cached, because
    lambdify costs ~1 ms and models are constructed often (every chunk of a sweep)."""
    import sympy

    syms = sorted(expr.free_symbols, key=lambda s: s.name)
    return syms, sympy.lambdify(syms, expr, modules="numpy")


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
