r"""Leaky integrate-and-fire neuron (current based) with an absolute refractory period.

.. math::

    \tau_m \frac{dV}{dt} = -(V - V_\mathrm{rest}) + R\,I

When :math:`V \ge V_\mathrm{th}` the neuron spikes, :math:`V \leftarrow V_\mathrm{reset}`,
and V is held for ``t_ref`` (``ceil(t_ref/dt)`` steps).  With ``method="euler"``
one step is the teaching notebook's update
``v <- v + dt/tau_m * (-(v - v_rest) + R*I)`` followed by threshold, reset and
refractory steps.  By default the equation is solved exactly (it is linear).

References: Lapicque (1907); Gerstner, Kistler, Naud & Paninski, *Neuronal
Dynamics* (2014), ch. 1.3.
"""

from __future__ import annotations

from ..equations import Model
from ..parameters import Input, Parameter, State

__all__ = ["LIF"]


class LIF(Model):
    r"""Leaky integrate-and-fire neuron with refractory period.

    .. math:: \tau_m \, dV/dt = -(V - V_{rest}) + R I

    ==========  ========  =========  ================================
    parameter   unit      default    meaning
    ==========  ========  =========  ================================
    tau_m       ms        10 ms      membrane time constant
    V_rest      mV        -65 mV     resting potential
    V_reset     mV        -65 mV     potential after a spike
    V_th        mV        -50 mV     spike threshold (V >= V_th)
    R           MOhm      100 MOhm   membrane resistance
    t_ref       ms        2 ms       absolute refractory period
    ==========  ========  =========  ================================

    State ``V`` (mV, starts at ``V_rest``); input ``I`` (pA).  Constraint:
    ``V_reset < V_th``.

    Examples
    --------
    >>> import neurounits as nu
    >>> lif = nu.models.LIF(n=100, tau_m="10 ms", R=nu.Q_(100, "Mohm"))
    >>> res = nu.simulate(lif, "100 ms", "0.1 ms", inputs={"I": "0.2 nA"}, record=())
    >>> int(res.spike_counts[0])  # interval 2 ms + 10 ms * ln(20 mV / 5 mV) = 15.9 ms
    6
    """

    tau_m = Parameter("10 ms", doc="membrane time constant")
    V_rest = Parameter("-65 mV", doc="resting potential")
    V_reset = Parameter("-65 mV", doc="reset potential")
    V_th = Parameter("-50 mV", doc="spike threshold")
    R = Parameter("100 MOhm", positive=True, doc="membrane resistance")
    t_ref = Parameter("2 ms", nonnegative=True, doc="absolute refractory period")
    V = State("mV", initial="V_rest", doc="membrane potential")
    I = Input("pA", doc="input current")
    equations = "dV/dt = (-(V - V_rest) + R*I) / tau_m"
    threshold = "V >= V_th"
    reset = "V = V_reset"
    refractory = "t_ref"
    constraints = ("V_reset < V_th",)
