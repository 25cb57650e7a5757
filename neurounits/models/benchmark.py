r"""The integrate-and-fire neurons of the network benchmarks of Brette et al. (2007).

``CobaLIF`` (benchmark 1, conductance based) and ``CubaLIF`` (benchmark 2, current based): a
leaky membrane with exponentially decaying synaptic inputs, a threshold, a reset and an absolute
refractory period.  The receptors ``ex`` and ``inh`` take spikes from a network's projections and
sources (weights in nS for ``CobaLIF``, in mV for ``CubaLIF``).

.. math::

    C_m \frac{dV}{dt} = g_L (E_L - V) + g_{ex} (E_{ex} - V) + g_{in} (E_{in} - V) + I,
    \qquad \frac{dg_X}{dt} = -\frac{g_X}{\tau_X}

(``CobaLIF``) and :math:`\tau_m \, dV/dt = (E_L - V) + g_e + g_i`,
:math:`dg_X/dt = -g_X/\tau_X` with :math:`g_X` in mV (``CubaLIF``).  Defaults are the benchmark
values: C_m = 200 pF, g_L = 10 nS (tau_m = 20 ms), E_L = -60 mV, E_ex = 0 mV, E_in = -80 mV,
tau_ex = 5 ms, tau_in = 10 ms, V_th = -50 mV, V_reset = -60 mV, t_ref = 5 ms (COBA); ``CubaLIF``
has the same time constants and rests at E_L = -60 mV (the benchmark sets E_L = -49 mV, above
threshold, so that the network drives itself: ``CubaLIF(n=4000, E_L="-49 mV")``).

Reference: Brette et al. (2007), Simulation of networks of spiking neurons: a review of tools
and strategies, J. Comput. Neurosci. 23:349, appendix B.
"""

from __future__ import annotations

from ..equations import Model
from ..parameters import Input, Parameter, Receptor, State

__all__ = ["CobaLIF", "CubaLIF"]


class CobaLIF(Model):
    """Conductance-based LIF of the COBA benchmark (Brette et al. 2007); receptors ``ex``, ``inh`` (nS).

    Examples
    --------
    >>> import neurounits as nu
    >>> m = nu.models.CobaLIF(n=2)
    >>> res = nu.simulate(m, "20 ms", "0.1 ms", spike_inputs=[nu.SpikeInput("5 ms", "6 nS", "ex")])
    >>> float(res["V"].magnitude.max()) > -60.0
    True
    """

    C_m = Parameter("200 pF", positive=True, doc="membrane capacitance")
    g_L = Parameter("10 nS", positive=True, doc="leak conductance")
    E_L = Parameter("-60 mV", doc="leak reversal potential")
    E_ex = Parameter("0 mV", doc="excitatory reversal potential")
    E_in = Parameter("-80 mV", doc="inhibitory reversal potential")
    tau_ex = Parameter("5 ms", positive=True, doc="excitatory conductance decay time")
    tau_in = Parameter("10 ms", positive=True, doc="inhibitory conductance decay time")
    V_th = Parameter("-50 mV", doc="spike threshold")
    V_reset = Parameter("-60 mV", doc="reset potential")
    t_ref = Parameter("5 ms", nonnegative=True, doc="absolute refractory period")
    V = State("mV", initial="E_L", doc="membrane potential")
    g_ex = State("nS", doc="excitatory conductance")
    g_in = State("nS", doc="inhibitory conductance")
    I = Input("pA", doc="external current")
    ex = Receptor("nS", "g_ex += w", doc="excitatory spikes")
    inh = Receptor("nS", "g_in += w", doc="inhibitory spikes")
    equations = """
        dV/dt = (g_L*(E_L - V) + g_ex*(E_ex - V) + g_in*(E_in - V) + I) / C_m : mV (unless refractory)
        dg_ex/dt = -g_ex/tau_ex : nS
        dg_in/dt = -g_in/tau_in : nS
    """
    threshold = "V >= V_th"
    reset = "V = V_reset"
    refractory = "t_ref"
    constraints = ("V_reset < V_th",)


class CubaLIF(Model):
    """Current-based LIF of the CUBA benchmark (Brette et al. 2007); receptors ``ex``, ``inh`` (mV).

    Examples
    --------
    >>> import neurounits as nu
    >>> m = nu.models.CubaLIF(n=1)                                  # rests at E_L = -60 mV
    >>> res = nu.simulate(m, "20 ms", "0.1 ms", spike_inputs=[nu.SpikeInput("5 ms", "1.62 mV", "ex")])
    >>> round(float(res["V"].m_as("mV").max()), 3) > -60.0            # the input depolarises it
    True
    """

    tau_m = Parameter("20 ms", positive=True, doc="membrane time constant")
    E_L = Parameter("-60 mV", doc="resting potential (the CUBA benchmark: -49 mV)")
    tau_ex = Parameter("5 ms", positive=True, doc="excitatory synaptic time constant")
    tau_in = Parameter("10 ms", positive=True, doc="inhibitory synaptic time constant")
    V_th = Parameter("-50 mV", doc="spike threshold")
    V_reset = Parameter("-60 mV", doc="reset potential")
    t_ref = Parameter("5 ms", nonnegative=True, doc="absolute refractory period")
    V = State("mV", initial="V_reset", doc="membrane potential")
    g_e = State("mV", doc="excitatory input (in mV)")
    g_i = State("mV", doc="inhibitory input (in mV)")
    I = Input("mV", doc="external drive, in mV (R times a current)")
    ex = Receptor("mV", "g_e += w", doc="excitatory spikes (weight in mV)")
    inh = Receptor("mV", "g_i += w", doc="inhibitory spikes (weight in mV, negative)")
    equations = """
        dV/dt = (E_L - V + g_e + g_i + I) / tau_m : mV (unless refractory)
        dg_e/dt = -g_e/tau_ex : mV
        dg_i/dt = -g_i/tau_in : mV
    """
    threshold = "V >= V_th"
    reset = "V = V_reset"
    refractory = "t_ref"
    constraints = ("V_reset < V_th",)
