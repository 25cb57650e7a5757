r"""NEST's ``hh_psc_alpha``: Hodgkin-Huxley neuron with alpha-shaped synaptic currents.

.. math::

    C_m \frac{dV_m}{dt} = -g_{Na} m^3 h (V_m - E_{Na}) - g_K n^4 (V_m - E_K) - g_L (V_m - E_L)
        + I_{syn,ex} + I_{syn,in} + I_e + I

    \frac{dx}{dt} = \alpha_x (1 - x) - \beta_x x \quad (x = m, h, n)

with (V in mV, rates in 1/ms) alpha_n = 0.01 (V + 55)/(1 - exp(-(V + 55)/10)),
beta_n = 0.125 exp(-(V + 65)/80), alpha_m = 0.1 (V + 40)/(1 - exp(-(V + 40)/10)),
beta_m = 4 exp(-(V + 65)/18), alpha_h = 0.07 exp(-(V + 65)/20),
beta_h = 1/(1 + exp(-(V + 35)/10)); each written here with explicit units, and with
exp(-(V + c)/k) = exp(-c/k) exp(-V/k) so that one exponential serves five of the six:
exp(-V/20) = sqrt(exp(-V/10)) and exp(-V/80) = exp(-V/20)^(1/4) (2 exponentials and 3
square roots per right-hand side instead of 6 exponentials; the rounding differs from NEST's
by a few ulp).  ``max(exp(-V/10), 1e-300)`` is exp(-V/10) for any V below 6.9 V; the max keeps
sympy from folding the square roots back into exponentials.
The gates are called ``Act_m``, ``Inact_h`` and ``Act_n`` as in NEST.
Synaptic currents are alpha functions (a spike of weight w adds w e/tau_syn to
dI_syn), routed by the sign of the weight.  Adaptive RKF45 with absolute
tolerance 1e-3 (as NEST).  A spike is detected when V_m >= 0 mV and V_m has
fallen during the step (the maximum has passed); nothing is reset and the
refractory period ``t_ref`` only blocks detection.

As in NEST, the removable singularities of alpha_n and alpha_m at -55 mV and
-40 mV are not treated specially, and the initial gates are the steady state
at -65 mV (they are not recomputed when V_m is set).

Agreement with NEST 3.10: the RKF45 sub-steps follow GSL's stepper and
controller; the reference traces in ``tests/reference`` are reproduced to about
1e-10 mV with identical spike times (the remainder is floating-point rounding:
operations in a different order, neurounits' own exp, and fused multiply-adds).

Reference: Hodgkin & Huxley (1952), J. Physiol. 117:500; Gerstner & Kistler
(2002), Spiking Neuron Models.
"""

from __future__ import annotations

from ...equations import Model
from ...parameters import Input, Parameter, Receptor, State

__all__ = ["hh_psc_alpha"]


class hh_psc_alpha(Model):
    """NEST's hh_psc_alpha (RKF45; recordables V_m, Act_m, Inact_h, Act_n, I_syn_ex, I_syn_in)."""

    C_m = Parameter("100 pF", positive=True, doc="membrane capacitance")
    E_L = Parameter("-54.402 mV", doc="leak reversal potential")
    g_L = Parameter("30 nS", nonnegative=True, doc="leak conductance")
    E_Na = Parameter("50 mV", doc="sodium reversal potential")
    g_Na = Parameter("12000 nS", nonnegative=True, doc="sodium peak conductance")
    E_K = Parameter("-77 mV", doc="potassium reversal potential")
    g_K = Parameter("3600 nS", nonnegative=True, doc="potassium peak conductance")
    t_ref = Parameter("2 ms", nonnegative=True, doc="refractory period (blocks spike detection only)")
    tau_syn_ex = Parameter("0.2 ms", doc="excitatory synaptic time constant")
    tau_syn_in = Parameter("2 ms", doc="inhibitory synaptic time constant")
    I_e = Parameter("0 pA", doc="constant input current")
    V_m = State("mV", initial="-65 mV", doc="membrane potential")
    Act_m = State("1", initial=0.05293248525724958, doc="sodium activation")
    Inact_h = State("1", initial=0.5961207535084603, doc="sodium inactivation")
    Act_n = State("1", initial=0.3176769140606974, doc="potassium activation")
    dI_ex = State("pA/ms", doc="excitatory current derivative")
    I_syn_ex = State("pA", doc="excitatory synaptic current")
    dI_in = State("pA/ms", doc="inhibitory current derivative")
    I_syn_in = State("pA", doc="inhibitory synaptic current")
    I = Input("pA", doc="external current (acts at once)")
    ex = Receptor("pA", "dI_ex += w*exp(1)/tau_syn_ex", doc="excitatory spikes (weight > 0)")
    in_ = Receptor("pA", "dI_in += w*exp(1)/tau_syn_in", doc="inhibitory spikes (weight <= 0)")
    receptor_by_sign = ("ex", "in_")
    equations = """
        e10 = max(exp(-V_m/(10*mV)), 1e-300) : 1
        e20 = sqrt(e10) : 1
        e80 = sqrt(sqrt(e20)) : 1
        alpha_n = 0.01/ms*(V_m + 55*mV)/mV / (1 - exp(-5.5)*e10) : 1/ms
        beta_n = 0.125/ms*exp(-0.8125)*e80 : 1/ms
        alpha_m = 0.1/ms*(V_m + 40*mV)/mV / (1 - exp(-4.0)*e10) : 1/ms
        beta_m = 4/ms*exp(-(V_m + 65*mV)/(18*mV)) : 1/ms
        alpha_h = 0.07/ms*exp(-3.25)*e20 : 1/ms
        beta_h = 1/ms / (1 + exp(-3.5)*e10) : 1/ms
        I_Na = g_Na*Act_m**3*Inact_h*(V_m - E_Na) : pA
        I_K = g_K*Act_n**4*(V_m - E_K) : pA
        I_L = g_L*(V_m - E_L) : pA
        dV_m/dt = (-(I_Na + I_K + I_L) + I_syn_ex + I_syn_in + I_e + I) / C_m : mV
        dAct_m/dt = alpha_m*(1 - Act_m) - beta_m*Act_m : 1
        dInact_h/dt = alpha_h*(1 - Inact_h) - beta_h*Inact_h : 1
        dAct_n/dt = alpha_n*(1 - Act_n) - beta_n*Act_n : 1
        ddI_ex/dt = -dI_ex/tau_syn_ex : pA/ms
        dI_syn_ex/dt = dI_ex - I_syn_ex/tau_syn_ex : pA
        ddI_in/dt = -dI_in/tau_syn_in : pA/ms
        dI_syn_in/dt = dI_in - I_syn_in/tau_syn_in : pA
    """
    threshold = "V_m >= 0*mV and prev(V_m) > V_m"
    refractory = "t_ref"
    refractory_hold = ()
    default_method = "rkf45"
    # values may be names and strings, as in simulate's method_options
    integrator_options = {"atol": 1e-3, "rtol": 0.0, "control": "y"}  # noqa: RUF012
