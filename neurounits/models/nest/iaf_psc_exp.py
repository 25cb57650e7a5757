r"""NEST's ``iaf_psc_exp``: LIF with exponentially decaying post-synaptic currents.

.. math::

    \frac{dV_m}{dt} = -\frac{V_m - E_L}{\tau_m} + \frac{I_{syn,ex} + I_{syn,in} + I_e + I}{C_m},
    \qquad \frac{dI_{syn,X}}{dt} = -\frac{I_{syn,X}}{\tau_{syn,X}}

Solved exactly (the system is linear; neurounits computes the propagators
with the matrix exponential, so ``tau_syn == tau_m`` needs no special case).
Update order of one step, as in NEST: V_m is propagated unless refractory
(then held), the synaptic currents are propagated, the spikes arriving at the
end of the step are added (weight >= 0 to ``I_syn_ex``, < 0 to ``I_syn_in``),
then ``V_m >= V_th`` emits a spike, sets ``V_m = V_reset`` and starts
``ceil(t_ref/dt)`` refractory steps.  ``I_e`` acts from the first step.  The
input ``I`` (NEST's current receptor 0) also acts at once; NEST's current generators arrive
one step later.  The input ``I_1`` is NEST's current receptor 1: at the end of each step,
after V_m and the currents are propagated, ``I_syn_ex += (1 - exp(-dt/tau_syn_ex)) I_1``,
so it reaches V_m only through ``I_syn_ex``, from the next step on (as in NEST).

NEST's stochastic threshold (``rho``, ``delta``) is not implemented.

Reference: Tsodyks, Uziel & Markram (2000); Rotter & Diesmann (1999).
"""

from __future__ import annotations

from ...equations import Model
from ...parameters import Input, Parameter, Receptor, State

__all__ = ["iaf_psc_exp"]


class iaf_psc_exp(Model):
    """NEST's iaf_psc_exp (exact integration; recordables V_m, I_syn_ex, I_syn_in; currents I, I_1)."""

    E_L = Parameter("-70 mV", doc="resting membrane potential")
    C_m = Parameter("250 pF", positive=True, doc="membrane capacitance")
    tau_m = Parameter("10 ms", doc="membrane time constant")
    t_ref = Parameter("2 ms", nonnegative=True, doc="refractory period")
    V_th = Parameter("-55 mV", doc="spike threshold")
    V_reset = Parameter("-70 mV", doc="reset potential")
    tau_syn_ex = Parameter("2 ms", doc="excitatory synaptic time constant")
    tau_syn_in = Parameter("2 ms", doc="inhibitory synaptic time constant")
    I_e = Parameter("0 pA", doc="constant input current")
    V_m = State("mV", initial="E_L", doc="membrane potential")
    I_syn_ex = State("pA", doc="excitatory synaptic current")
    I_syn_in = State("pA", doc="inhibitory synaptic current")
    I = Input("pA", doc="external current (acts at once)")
    I_1 = Input("pA", on_step="I_syn_ex += (1 - exp(-dt/tau_syn_ex))*I_1",
                doc="NEST's current receptor 1: a current filtered by the excitatory synapse")
    ex = Receptor("pA", "I_syn_ex += w", doc="excitatory spikes (weight >= 0)")
    in_ = Receptor("pA", "I_syn_in += w", doc="inhibitory spikes (weight < 0)")
    receptor_by_sign = ("ex", "in_")
    equations = """
        dV_m/dt = -(V_m - E_L)/tau_m + (I_syn_ex + I_syn_in + I_e + I)/C_m : mV (unless refractory)
        dI_syn_ex/dt = -I_syn_ex/tau_syn_ex : pA
        dI_syn_in/dt = -I_syn_in/tau_syn_in : pA
    """
    threshold = "V_m >= V_th"
    reset = "V_m = V_reset"
    refractory = "t_ref"
    constraints = ("V_reset < V_th",)
