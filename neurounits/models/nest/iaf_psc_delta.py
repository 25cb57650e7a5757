r"""NEST's ``iaf_psc_delta``: LIF whose input spikes make the membrane potential jump.

.. math::

    \frac{dV_m}{dt} = -\frac{V_m - E_L}{\tau_m} + \frac{I_e + I}{C_m}

Solved exactly.  Update order of one step, as in NEST: unless refractory, V_m is propagated and
the weights of the spikes arriving at the end of the step (in mV) are added to it; while
refractory V_m is held at V_reset and arriving spikes are discarded (NEST's default
``refractory_input = False``); then ``V_m >= V_th`` emits a spike, sets ``V_m = V_reset`` and
starts ``ceil(t_ref/dt)`` refractory steps.  Unless refractory, V_m is bounded below by ``V_min``
after the spikes are added (none by default).  This is the neuron of Brunel's (2000) model A.

NEST's ``refractory_input = True`` (weights arriving while refractory, discounted by
exp(-r dt/tau_m) for the r refractory steps left, added when the period ends) is not implemented.

Reference: Brunel (2000), J. Comput. Neurosci. 8:183.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ...equations import Model
from ...parameters import Input, Parameter, Receptor, State
from ...units import Q_

__all__ = ["iaf_psc_delta"]


class iaf_psc_delta(Model):
    """NEST's iaf_psc_delta (exact integration; spikes add their weight, in mV, to V_m).

    Examples
    --------
    >>> import neurounits as nu
    >>> m = nu.models.nest.iaf_psc_delta(n=1)
    >>> res = nu.simulate(m, "5 ms", "0.1 ms", spike_inputs=[nu.SpikeInput("1 ms", "2 mV")])
    >>> round(float(res["V_m"][10, 0].m_as("mV")), 6)
    -68.0
    """

    E_L = Parameter("-70 mV", doc="resting membrane potential")
    C_m = Parameter("250 pF", positive=True, doc="membrane capacitance")
    tau_m = Parameter("10 ms", positive=True, doc="membrane time constant")
    t_ref = Parameter("2 ms", nonnegative=True, doc="refractory period")
    V_th = Parameter("-55 mV", doc="spike threshold")
    V_reset = Parameter("-70 mV", doc="reset potential")
    I_e = Parameter("0 pA", doc="constant input current")
    V_min = Parameter(Q_(np.finfo(float).min, "mV"), doc="lower bound of V_m (none by default)")
    V_m = State("mV", initial="E_L", doc="membrane potential")
    I = Input("pA", doc="external current (acts at once)")
    spikes = Receptor("mV", "V_m += w", refractory_input=False,
                      doc="spike weights in mV, added to V_m (discarded while refractory)")
    equations = """
        dV_m/dt = -(V_m - E_L)/tau_m + (I_e + I)/C_m : mV (unless refractory)
    """
    threshold = "V_m >= V_th"
    reset = "V_m = V_reset"
    refractory = "t_ref"
    lower_bounds: ClassVar[dict[str, str]] = {"V_m": "V_min"}
    constraints = ("V_reset < V_th",)
