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
``euler_maruyama``   1/2   stochastic systems (white noise ``xi``), any drift
``stochastic_exponential_euler``
                     1     stochastic systems with conditionally linear drift
                           and additive noise (exact for Ornstein-Uhlenbeck)
==================== ===== ====================================================

``method=None`` picks ``exact`` for linear systems, ``exponential_euler`` for
conditionally linear ones, else ``rk4`` (:func:`choose`); for models with noise,
``stochastic_exponential_euler`` where it applies, else ``euler_maruyama``.
The deterministic methods refuse a model with noise.
"""

from __future__ import annotations

from ..equations import ModelSpec, classify
from ..errors import IntegratorError
from .base import Integrator, Step, add_input_effects
from .exact import Exact
from .explicit import EULER, RK2, RK4
from .exponential_euler import ExponentialEuler
from .rkf45 import RKF45
from .stochastic import EULER_MARUYAMA, StochasticExponentialEuler
from .update import Update

__all__ = ["INTEGRATORS", "Integrator", "Step", "choose", "get", "step_for"]

INTEGRATORS: dict[str, Integrator] = {
    "euler": EULER,
    "rk2": RK2,
    "rk4": RK4,
    "exponential_euler": ExponentialEuler(),
    "exact": Exact(),
    "rkf45": RKF45(),
    "update": Update(),
    "euler_maruyama": EULER_MARUYAMA,
    "stochastic_exponential_euler": StochasticExponentialEuler(),
}
_ALIASES = {"heun": "rk2", "rk45": "rkf45", "forward_euler": "euler", "exponential": "exponential_euler",
            "linear": "exact", "exact_linear": "exact", "em": "euler_maruyama",
            "exponential_euler_maruyama": "stochastic_exponential_euler"}
_STOCHASTIC = ("euler_maruyama", "stochastic_exponential_euler")


def choose(spec: ModelSpec) -> tuple[str, str]:
    """The method ``method=None`` picks, and why."""
    if spec.update:
        return "update", "the model defines its own update statements"
    if spec.default_method:
        return spec.default_method, "the model's own default"
    if spec.noise and spec.odes:
        if INTEGRATORS["stochastic_exponential_euler"].check_applicable(spec) is None:
            return ("stochastic_exponential_euler",
                    "the equations have additive noise and a drift linear in each state")
        return "euler_maruyama", "the equations have noise terms"
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
    if spec.noise and spec.odes and not getattr(integ, "stochastic", False):
        raise IntegratorError(f"model '{spec.name}' has white noise ({', '.join(spec.noise)}); method "
                              f"'{name}' is deterministic. Use one of "
                              + ", ".join(repr(k) for k in _STOCHASTIC) + " (or None to choose)")
    reason = integ.check_applicable(spec)
    if reason:
        raise IntegratorError(f"model '{spec.name}': method '{name}' does not apply: {reason}")
    return integ


def step_for(method: str, spec: ModelSpec) -> Step:
    """The step of the registered integrator ``method`` for ``spec``, with the inputs' ``on_step``
    effects (:func:`~neurounits.integrators.base.add_input_effects`)."""
    return add_input_effects(spec, INTEGRATORS[method].step(spec))
