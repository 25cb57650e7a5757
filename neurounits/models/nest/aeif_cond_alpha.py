r"""NEST's ``aeif_cond_alpha``: adaptive exponential IF with alpha-shaped conductances.

.. math::

    C_m \frac{dV_m}{dt} = -g_L (V - E_L) + g_L \Delta_T e^{(V - V_{th})/\Delta_T}
        - g_{ex} (V - E_{ex}) - g_{in} (V - E_{in}) - w + I_e + I

    \tau_w \frac{dw}{dt} = a (V - E_L) - w, \qquad
    \frac{d\,dg_X}{dt} = -\frac{dg_X}{\tau_{syn,X}}, \quad
    \frac{dg_X}{dt} = dg_X - \frac{g_X}{\tau_{syn,X}}

with V = min(V_m, V_peak) in the right-hand sides (the exponential term is 0
when ``Delta_T`` is 0).  As in NEST: adaptive RKF45 with GSL's "yp" control
(absolute and relative tolerance ``gsl_error_tol``, error scaled by h |dy/dt|),
first sub-step min(0.01 ms, dt), and the spike condition ``V_m >= V_peak``
(``V_th`` if ``Delta_T`` is 0) checked after every accepted sub-step: the
reset (``V_m = V_reset``, ``w += b``) happens at once and integration goes on
for the rest of the step, with dV_m/dt = 0 during ``ceil(t_ref/dt)``
refractory steps.  Spikes arriving at the end of a step add ``w e/tau_syn_ex``
to ``dg_ex`` (weight > 0) or ``|w| e/tau_syn_in`` to ``dg_in``.

Not implemented: NEST's NumericalInstability exception (V_m < -1 V or
|w| > 1 uA); a blow-up here raises :class:`~neurounits.SimulationError` when a
state becomes NaN or infinite.

Agreement with NEST 3.10: the RKF45 sub-steps follow GSL's stepper and
controller; the reference traces in ``tests/reference`` are reproduced to about
1e-11 mV (1e-10 nS for the conductances) with identical spike times (the remainder
is floating-point rounding: operations in a different order, neurounits' own exp, and
fused multiply-adds).

Reference: Brette & Gerstner (2005), J. Neurophysiol. 94:3637.
"""

from __future__ import annotations

from ...equations import Model
from ...parameters import Input, Parameter, Receptor, State

__all__ = ["aeif_cond_alpha"]


class aeif_cond_alpha(Model):
    """NEST's aeif_cond_alpha (RKF45; recordables V_m, g_ex, g_in, w)."""

    C_m = Parameter("281 pF", positive=True, doc="membrane capacitance")
    g_L = Parameter("30 nS", positive=True, doc="leak conductance")
    E_L = Parameter("-70.6 mV", doc="leak reversal potential")
    V_reset = Parameter("-60 mV", doc="reset potential")
    t_ref = Parameter("0 ms", nonnegative=True, doc="refractory period")
    I_e = Parameter("0 pA", doc="constant input current")
    a = Parameter("4 nS", doc="subthreshold adaptation")
    b = Parameter("80.5 pA", doc="spike-triggered adaptation")
    Delta_T = Parameter("2 mV", nonnegative=True, doc="slope factor")
    tau_w = Parameter("144 ms", doc="adaptation time constant")
    V_th = Parameter("-50.4 mV", doc="spike initiation threshold")
    V_peak = Parameter("0 mV", doc="spike detection threshold")
    E_ex = Parameter("0 mV", doc="excitatory reversal potential")
    E_in = Parameter("-85 mV", doc="inhibitory reversal potential")
    tau_syn_ex = Parameter("0.2 ms", doc="excitatory synaptic time constant")
    tau_syn_in = Parameter("2 ms", doc="inhibitory synaptic time constant")
    gsl_error_tol = Parameter(1e-6, positive=True, doc="RKF45 tolerance (absolute and relative)")
    V_m = State("mV", initial="E_L", doc="membrane potential")
    dg_ex = State("nS/ms", doc="excitatory conductance derivative")
    g_ex = State("nS", doc="excitatory conductance")
    dg_in = State("nS/ms", doc="inhibitory conductance derivative")
    g_in = State("nS", doc="inhibitory conductance")
    w = State("pA", doc="adaptation current")
    I = Input("pA", doc="external current (acts at once)")
    ex = Receptor("nS", "dg_ex += w*exp(1)/tau_syn_ex", doc="excitatory spikes (weight > 0)")
    in_ = Receptor("nS", "dg_in -= w*exp(1)/tau_syn_in", doc="inhibitory spikes (weight <= 0)")
    receptor_by_sign = ("ex", "in_")
    equations = """
        V = min(V_m, V_peak) : mV
        I_spike = (g_L*Delta_T*exp((V - V_th)/Delta_T) if Delta_T > 0*mV else 0*pA) : pA
        I_syn = g_ex*(V - E_ex) + g_in*(V - E_in) : pA
        dV_m/dt = (-g_L*(V - E_L) + I_spike - I_syn - w + I_e + I) / C_m : mV (unless refractory)
        ddg_ex/dt = -dg_ex/tau_syn_ex : nS/ms
        dg_ex/dt = dg_ex - g_ex/tau_syn_ex : nS
        ddg_in/dt = -dg_in/tau_syn_in : nS/ms
        dg_in/dt = dg_in - g_in/tau_syn_in : nS
        dw/dt = (a*(V - E_L) - w)/tau_w : pA
    """
    threshold = "V_m >= (V_peak if Delta_T > 0*mV else V_th)"
    reset = "V_m = V_reset; w += b"
    refractory = "t_ref"
    threshold_in_substeps = True
    constraints = ("V_reset < V_peak", "V_peak >= V_th")
    default_method = "rkf45"
    # values may be names and strings, as in simulate's method_options
    integrator_options = {"atol": "gsl_error_tol", "rtol": "gsl_error_tol", "control": "yp",  # noqa: RUF012
                          "h0": "0.01 ms"}
