r"""Static and leaky rate units from the teaching notebook, with correct nonlinearities.

- :class:`Perceptron`: :math:`y = H(w x + b)`, with H(z) = 1 for z > 0, else 0.
- :class:`RateNeuron`: :math:`r = f(w x + b)`.
- :class:`LeakyRate`: :math:`\tau\,dx/dt = -x + I`, :math:`r = f(\mathrm{gain}\,x + \mathrm{bias})`.

The nonlinearity ``f`` is an option: ``"relu"`` (max(z, 0)), ``"tanh"``,
``"sigmoid"`` (the logistic 1/(1 + exp(-z)); the notebook's 1/(1 + e^z) has
the wrong sign) or ``"softplus"`` (log(1 + e^z), computed as
max(z, 0) + log1p(exp(-|z|)) so that it does not overflow for large z).

The static units have no differential equations: their output is a named
expression evaluated from the inputs at every recorded sample (record
``"y"`` or ``"r"``).  Several features are combined by passing their weighted
sum as the input ``x`` (with ``w = 1``) or per-neuron weights as arrays.
"""

from __future__ import annotations

from ..equations import Model
from ..parameters import Input, Option, Parameter, State

__all__ = ["NONLINEARITIES", "LeakyRate", "Perceptron", "RateNeuron"]

NONLINEARITIES = ("relu", "tanh", "sigmoid", "softplus")


class Perceptron(Model):
    """Binary threshold unit: ``y = 1 if w*x + b > 0 else 0`` (all dimensionless).

    Examples
    --------
    >>> import neurounits as nu
    >>> p = nu.models.Perceptron(n=2, w=[1.0, -1.0], b=0.1)
    >>> res = nu.simulate(p, "1 ms", "1 ms", inputs={"x": 0.5}, record=("y",))
    >>> res["y"][-1].magnitude.tolist()
    [1.0, 0.0]
    """

    w = Parameter(1.0, doc="weight")
    b = Parameter(0.0, doc="bias")
    x = Input("1", doc="input (feature, or weighted sum of features)")
    equations = "y = heaviside(w*x + b) : 1"


class RateNeuron(Model):
    """Static rate unit: ``r = f(w*x + b)``, f chosen by ``nonlinearity``."""

    w = Parameter(1.0, doc="weight")
    b = Parameter(0.0, doc="bias")
    nonlinearity = Option(NONLINEARITIES, "relu", doc="the static nonlinearity f")
    x = Input("1", doc="input")
    equations = "r = {nonlinearity}(w*x + b) : 1"


class LeakyRate(Model):
    r"""Leaky integrator with a static nonlinearity.

    .. math:: \tau\,dx/dt = -x + I, \qquad r = f(\mathrm{gain}\,x + \mathrm{bias})

    With ``method="euler"`` one step is the notebook's
    ``x <- x + dt/tau * (-x + I)``.
    """

    tau = Parameter("20 ms", doc="leak time constant")
    gain = Parameter(1.0, doc="gain applied to x before f")
    bias = Parameter(0.0, doc="offset added before f")
    nonlinearity = Option(NONLINEARITIES, "relu", doc="the static nonlinearity f")
    x = State("1", initial=0.0, doc="internal state")
    I = Input("1", doc="input drive")
    equations = """
        dx/dt = (-x + I) / tau
        r = {nonlinearity}(gain*x + bias) : 1
    """
