r"""NEST's ``iaf_cond_exp``: LIF with exponentially decaying synaptic conductances.

.. math::

    C_m \frac{dV_m}{dt} = -g_L (V - E_L) - g_{ex} (V - E_{ex}) - g_{in} (V - E_{in}) + I_e + I,
    \qquad \frac{dg_X}{dt} = -\frac{g_X}{\tau_{syn,X}}

where V = min(V_m, V_th) in the currents (NEST bounds it at threshold).  As in
NEST, the equations are integrated with adaptive RKF45 (``method="rkf45"``,
absolute tolerance 1e-3, no relative tolerance, the last sub-step carried
over); during the refractory period dV_m/dt = 0 and V_m stays at V_reset while
the conductances decay.  After each step the spikes arriving at its end are
added (weight > 0 to ``g_ex``, otherwise ``-weight`` to ``g_in``), then
``V_m >= V_th`` emits a spike, sets ``V_m = V_reset`` and starts
``ceil(t_ref/dt)`` refractory steps.  ``I_e`` acts from the first step.

Agreement with NEST 3.10: the RKF45 sub-steps follow GSL's stepper and
controller, and the reference traces in ``tests/reference`` are reproduced to
about 1e-14 mV with identical spike times (tests require 1e-6; the remainder is
floating-point rounding: neurounits' own exp, and fused multiply-adds).

Reference: Meffin, Burkitt & Grayden (2004), J. Comput. Neurosci. 16:159.
"""

from __future__ import annotations

from ...equations import Model
from ...parameters import Input, Parameter, Receptor, State

__all__ = ["iaf_cond_exp"]


class iaf_cond_exp(Model):
    """NEST's iaf_cond_exp (RKF45; recordables V_m, g_ex, g_in)."""

    V_th = Parameter("-55 mV", doc="spike threshold")
    V_reset = Parameter("-60 mV", doc="reset potential")
    t_ref = Parameter("2 ms", nonnegative=True, doc="refractory period")
    g_L = Parameter("16.6667 nS", positive=True, doc="leak conductance")
    C_m = Parameter("250 pF", positive=True, doc="membrane capacitance")
    E_ex = Parameter("0 mV", doc="excitatory reversal potential")
    E_in = Parameter("-85 mV", doc="inhibitory reversal potential")
    E_L = Parameter("-70 mV", doc="leak reversal potential")
    tau_syn_ex = Parameter("0.2 ms", doc="excitatory synaptic time constant")
    tau_syn_in = Parameter("2 ms", doc="inhibitory synaptic time constant")
    I_e = Parameter("0 pA", doc="constant input current")
    V_m = State("mV", initial="E_L", doc="membrane potential")
    g_ex = State("nS", doc="excitatory conductance")
    g_in = State("nS", doc="inhibitory conductance")
    I = Input("pA", doc="external current (acts at once)")
    ex = Receptor("nS", "g_ex += w", doc="excitatory spikes (weight > 0)")
    in_ = Receptor("nS", "g_in -= w", doc="inhibitory spikes (weight <= 0; adds |w|)")
    receptor_by_sign = ("ex", "in_")
    equations = """
        V = min(V_m, V_th) : mV
        I_syn = g_ex*(V - E_ex) + g_in*(V - E_in) : pA
        dV_m/dt = (-g_L*(V - E_L) - I_syn + I_e + I) / C_m : mV (unless refractory)
        dg_ex/dt = -g_ex/tau_syn_ex : nS
        dg_in/dt = -g_in/tau_syn_in : nS
    """
    threshold = "V_m >= V_th"
    reset = "V_m = V_reset"
    refractory = "t_ref"
    constraints = ("V_reset < V_th",)
    default_method = "rkf45"
    # values may be names and strings, as in simulate's method_options
    integrator_options = {"atol": 1e-3, "rtol": 0.0, "control": "y"}  # noqa: RUF012
