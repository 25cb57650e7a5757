"""Integrators, registered under short lower-case names (the one list of names).

==================== ===== ====================================================
name                 order applies to
==================== ===== ====================================================
``euler``            1     any system
``rk2`` (``heun``)   2     any system
``rk4``              4     any system
``exponential_euler`` 1    conditionally linear systems (exact if linear)
``exact``            exact linear systems with constant coefficients
``update``           -     models that give their own ``update`` statements
``rkf45``            4(5)  any system; adaptive sub-steps inside each dt, with
                           ``atol``, ``rtol`` and ``h_min`` (``method_options``)
==================== ===== ====================================================

``method=None`` picks ``exact`` for linear systems, ``exponential_euler`` for
conditionally linear ones, else ``rk4`` (:func:`choose`).
"""

from __future__ import annotations

from ..equations import ModelSpec, classify
from ..errors import IntegratorError
from .base import Integrator, Step
from .exact import Exact
from .explicit import EULER, RK2, RK4
from .exponential_euler import ExponentialEuler
from .rkf45 import RKF45
from .update import Update

__all__ = ["INTEGRATORS", "Integrator", "Step", "choose", "get"]

INTEGRATORS: dict[str, Integrator] = {
    "euler": EULER,
    "rk2": RK2,
    "rk4": RK4,
    "exponential_euler": ExponentialEuler(),
    "exact": Exact(),
    "rkf45": RKF45(),
    "update": Update(),
}
_ALIASES = {"heun": "rk2", "rk45": "rkf45", "forward_euler": "euler", "exponential": "exponential_euler",
            "linear": "exact", "exact_linear": "exact"}


def choose(spec: ModelSpec) -> tuple[str, str]:
    """The method ``method=None`` picks, and why."""
    if spec.update:
        return "update", "the model defines its own update statements"
    if spec.default_method:
        return spec.default_method, "the model's own default"
    kind = classify(spec)
    if kind == "static":
        return "none", "the model has no differential equations"
    if kind == "linear":
        return "exact", "the equations are linear with constant coefficients"
    if kind == "conditionally_linear":
        return "exponential_euler", "each equation is linear in its own state"
    return "rk4", "the equations are nonlinear"


def get(method: str, spec: ModelSpec) -> Integrator | None:
    """The integrator called ``method``, checked to apply to ``spec`` (None for static models)."""
    if not isinstance(method, str):
        raise IntegratorError(f"method must be a string such as 'rk4', got {method!r}")
    name = _ALIASES.get(method.lower(), method.lower())
    if spec.update and name != "update":
        raise IntegratorError(f"model '{spec.name}' defines its own update statements; use method=None "
                              f"or 'update', not {method!r}")
    if not spec.odes and not spec.update:
        return None
    if name not in INTEGRATORS:
        raise IntegratorError(f"unknown integration method {method!r}. Available options are: "
                              + ", ".join(repr(k) for k in INTEGRATORS) + " (or None to choose)")
    integ = INTEGRATORS[name]
    reason = integ.check_applicable(spec)
    if reason:
        raise IntegratorError(f"model '{spec.name}': method '{name}' does not apply: {reason}")
    return integ
