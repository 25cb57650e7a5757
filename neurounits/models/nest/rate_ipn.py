r"""NEST's rate neurons with input noise: ``sigmoid_rate_ipn``, ``lin_rate_ipn``, ``tanh_rate_ipn``,
``threshold_lin_rate_ipn`` (NEST 3.10's ``rate_neuron_ipn`` template with each nonlinearity).

.. math::

    \tau\,dX = \left[-\lambda X + \mu + \phi(\cdot)\right] dt + \sqrt{\tau}\,\sigma\,dW

Per step of length h, with N a standard normal number (NEST's propagators, so that
``lambda > 0`` is the stochastic exponential Euler step and ``lambda = 0`` Euler-Maruyama):

.. math::

    P_1 = e^{-\lambda h/\tau},\quad P_2 = \frac{h}{\tau}\,\mathrm{exprel}(-\lambda h/\tau),\quad
    F = \sqrt{\frac{h}{\tau}\,\mathrm{exprel}(-2\lambda h/\tau)}

    \mathrm{noise} = \sigma N,\qquad X \leftarrow P_1 X + P_2 \mu + F\,\mathrm{noise} + P_2\,I

where exprel(z) = (e^z - 1)/z (limit 1 at z = 0).  The input term I, from the rate inputs
(``nu.RateInput``; inputs with weight >= 0 are excitatory, < 0 inhibitory):

- ``linear_summation=True``: I = phi(sum of w r) (phi(0) even without input, as NEST);
  with ``mult_coupling=True``: I = H_ex(X) phi(sum_ex) + H_in(X) phi(sum_in);
- ``linear_summation=False``: I = sum of w phi(r); with ``mult_coupling``:
  H_ex(X) (sum over excitatory) + H_in(X) (sum over inhibitory);

with H evaluated at the rate at the start of the step (H = 1 except for ``lin_rate``:
H_ex = g_ex (theta_ex - X), H_in = g_in (theta_in + X)).  Then, if ``rectify_output``,
X <- max(X, rectify_rate).  ``noise`` records sigma N of the step, as NEST does.

Nonlinearities phi(h): ``sigmoid`` g / (1 + exp(-beta (h - theta))); ``lin`` g h;
``tanh`` tanh(g (h - theta)); ``threshold_lin`` min(max(g (h - theta), 0), alpha).

All parameters except ``tau`` (ms) are dimensionless, as in NEST.  ``lambda`` is a Python keyword:
the parameter is ``lambda_``, and ``lambda`` (as in ``**{"lambda": 0.5}``) is accepted too, as
are NEST's aliases ``mean`` (mu) and ``std`` (sigma).  ``linear_summation``, ``mult_coupling`` and
``rectify_output`` are options (booleans; one value for the population).  The random numbers
are NEST's in distribution, not in value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...equations import Model
from ...parameters import Input, Option, Parameter, State

__all__ = ["lin_rate_ipn", "rate_ipn_model", "sigmoid_rate_ipn", "tanh_rate_ipn", "threshold_lin_rate_ipn"]

_UPDATE = """
    noise = sigma * xi * sqrt(dt)
    P1 = exp(-lambda_*dt/tau)
    P2 = dt/tau * exprel(-lambda_*dt/tau)
    F = sqrt(dt/tau * exprel(-2*lambda_*dt/tau))
    rate = P1*rate + P2*mu + F*noise + P2*({mult_coupling})
    {rectify_output}
"""
_ALIASES = {"lambda": "lambda_", "mean": "mu", "std": "sigma"}


class _RateIPN(Model):
    """Base of the rate_neuron_ipn family: accepts NEST's spellings ``lambda``, ``mean``, ``std``."""

    def __init__(self, n: int = 1, **values: Any) -> None:
        for alias, name in _ALIASES.items():
            if alias in values:
                if name in values:
                    from ...errors import ParameterError

                    raise ParameterError(f"model '{type(self)._model_name}': give {name} or {alias!r}, "
                                         "not both")
                values[name] = values.pop(alias)
        super().__init__(n, **values)


def rate_ipn_model(name: str, phi: str, parameters: dict[str, Parameter], *, h_ex: str = "1",
                   h_in: str = "1", doc: str = "") -> type[Model]:
    """A model of NEST's ``rate_neuron_ipn`` template with the nonlinearity ``phi`` (of ``h``).

    ``parameters`` are the nonlinearity's own; ``h_ex`` and ``h_in`` the multiplicative-coupling
    factors (expressions of ``rate`` and the parameters; 1 by default).

    Examples
    --------
    >>> import neurounits as nu
    >>> from neurounits.models.nest.rate_ipn import rate_ipn_model
    >>> softplus_rate_ipn = rate_ipn_model("softplus_rate_ipn", "softplus(h)", {})
    >>> softplus_rate_ipn(n=3, sigma=0.0).parameters["tau"]
    <Quantity(10.0, 'millisecond')>
    """
    attrs: dict[str, Any] = {
        "__doc__": doc or f"NEST's ``{name}``: rate neuron with input noise, phi(h) = {phi}.",
        "__module__": __name__,
        "_model_name": name,
        "tau": Parameter("10 ms", positive=True, doc="time constant of the rate dynamics"),
        "lambda_": Parameter(1.0, nonnegative=True, doc="passive decay rate (NEST's lambda)"),
        "sigma": Parameter(1.0, nonnegative=True, doc="input noise (NEST's std)"),
        "mu": Parameter(0.0, doc="mean input (NEST's mean)"),
        **parameters,
        "rectify_rate": Parameter(0.0, nonnegative=True, doc="lower bound of the rate if rectify_output"),
        "linear_summation": Option({True: "linear", False: "nonlinear"}, True,
                                   doc="phi of the summed input (True) or sum of each input's phi (False)"),
        "mult_coupling": Option({False: "R", True: f"({h_ex})*R_ex + ({h_in})*R_in"}, False,
                                doc="multiplicative coupling: excitatory and inhibitory input "
                                    "scaled by H_ex(rate) and H_in(rate)"),
        "rectify_output": Option({False: "", True: "rate = max(rate, rectify_rate)"}, False,
                                 doc="keep the rate >= rectify_rate"),
        "rate": State("1", initial=0.0, doc="the rate"),
        "noise": State("1", initial=0.0, doc="sigma times the standard normal number of the last step"),
        "R": Input("1", doc="the rate-input term (filled from rate_inputs)"),
        "R_ex": Input("1", doc="the excitatory rate-input term (mult_coupling)"),
        "R_in": Input("1", doc="the inhibitory rate-input term (mult_coupling)"),
        "update": _UPDATE,
        "rate_input": "R R_ex R_in",
        "rate_nonlinearity": phi,
        "rate_summation": "{linear_summation}",
        "rate_output": "rate",
    }
    return type(name, (_RateIPN,), attrs)


sigmoid_rate_ipn = rate_ipn_model(
    "sigmoid_rate_ipn", "g / (1 + exp(-beta*(h - theta)))",
    {"g": Parameter(1.0, doc="gain"), "beta": Parameter(1.0, doc="slope"),
     "theta": Parameter(0.0, doc="threshold")},
    doc="""NEST's ``sigmoid_rate_ipn``: phi(h) = g / (1 + exp(-beta (h - theta))).

    See :mod:`neurounits.models.nest.rate_ipn` for the equations and update order.

    Examples
    --------
    >>> import neurounits as nu
    >>> m = nu.models.nest.sigmoid_rate_ipn(n=2, mu=1.0, sigma=0.0)
    >>> res = nu.simulate(m, "100 ms", "0.1 ms")
    >>> round(float(res["rate"][-1, 0]), 4)   # -> mu + phi(0) = 1.5
    1.4999
    """)

lin_rate_ipn = rate_ipn_model(
    "lin_rate_ipn", "g*h",
    {"g": Parameter(1.0, doc="gain"),
     "g_ex": Parameter(1.0, doc="linear factor of the excitatory multiplicative coupling"),
     "g_in": Parameter(1.0, doc="linear factor of the inhibitory multiplicative coupling"),
     "theta_ex": Parameter(0.0, doc="shift of the excitatory multiplicative coupling"),
     "theta_in": Parameter(0.0, doc="shift of the inhibitory multiplicative coupling")},
    h_ex="g_ex*(theta_ex - rate)", h_in="g_in*(theta_in + rate)",
    doc="""NEST's ``lin_rate_ipn``: phi(h) = g h; with ``mult_coupling``, excitatory input is scaled
    by g_ex (theta_ex - rate) and inhibitory input by g_in (theta_in + rate).

    See :mod:`neurounits.models.nest.rate_ipn` for the equations and update order.
    """)

tanh_rate_ipn = rate_ipn_model(
    "tanh_rate_ipn", "tanh(g*(h - theta))",
    {"g": Parameter(1.0, doc="gain"), "theta": Parameter(0.0, doc="threshold")},
    doc="""NEST's ``tanh_rate_ipn``: phi(h) = tanh(g (h - theta)).

    See :mod:`neurounits.models.nest.rate_ipn` for the equations and update order.
    """)

threshold_lin_rate_ipn = rate_ipn_model(
    "threshold_lin_rate_ipn", "min(max(g*(h - theta), 0), alpha)",
    {"g": Parameter(1.0, doc="gain"), "theta": Parameter(0.0, doc="threshold"),
     "alpha": Parameter(float(np.finfo(float).max),
                        doc="upper bound (NEST's default inf; here the largest double)")},
    doc="""NEST's ``threshold_lin_rate_ipn``: phi(h) = min(max(g (h - theta), 0), alpha).

    See :mod:`neurounits.models.nest.rate_ipn` for the equations and update order.
    """)
