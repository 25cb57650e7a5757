r"""Exponential integrate-and-fire neurons: ExpIF and the adaptive AdEx (Brette & Gerstner 2005).

.. math::

    C \frac{dV}{dt} &= -g_L (V_c - E_L) + g_L \Delta_T \exp\!\left(\frac{V_c - V_T}{\Delta_T}\right)
                       - w + I \\
    \tau_w \frac{dw}{dt} &= a (V_c - E_L) - w, \qquad V_c = \min(V, V_\mathrm{peak})

(:class:`ExpIF` has no adaptation current :math:`w`).  When
:math:`V > V_\mathrm{peak}` the neuron spikes, :math:`V \leftarrow V_\mathrm{reset}`
and :math:`w \leftarrow w + b`; V is then clamped at :math:`V_\mathrm{reset}`
for ``ceil(t_ref/dt)`` steps while w keeps evolving (as in NEST's
``aeif_*`` models).  With the default ``t_ref = 0 ms`` there is no clamp.

Departure from the textbook equations: the right-hand sides use
:math:`V_c = \min(V, V_\mathrm{peak})` instead of V, as NEST's ``aeif`` models
do.  Below :math:`V_\mathrm{peak}` this changes nothing; during the upswing of
a spike an intermediate RK4 stage can land far above :math:`V_\mathrm{peak}`,
where the exponential overflows (inf - inf = NaN) or kicks w far away.  With
the clamp the overshoot within one step is bounded.

Defaults are Brette & Gerstner (2005), Table 1 (tonic spiking).  The spike
cut-off :math:`V_\mathrm{peak}` is 20 mV as in that paper (and in Brian2's
AdEx examples); NEST's ``aeif`` models use 0 mV.  The exact value hardly
changes spike times, because V diverges within a fraction of a millisecond
once it is above :math:`V_T`.  The equation is nonlinear, so
``method=None`` picks ``rk4``; use dt <= 0.05 ms for accurate spike times.

References
----------
N. Fourcaud-Trocmé, D. Hansel, C. van Vreeswijk & N. Brunel, "How spike
generation mechanisms determine the neuronal response to fluctuating inputs",
J. Neurosci. 23, 11628-11640 (2003).
R. Brette & W. Gerstner, "Adaptive exponential integrate-and-fire model as an
effective description of neuronal activity", J. Neurophysiol. 94, 3637-3642
(2005).
"""

from __future__ import annotations

from ..equations import Model
from ..parameters import Input, Parameter, State

__all__ = ["AdEx", "ExpIF"]


class ExpIF(Model):
    r"""Exponential integrate-and-fire neuron (Fourcaud-Trocmé et al. 2003).

    .. math::

        C\,dV/dt = -g_L (V_c - E_L) + g_L \Delta_T \exp((V_c - V_T)/\Delta_T) + I,
        \qquad V_c = \min(V, V_{peak})

    Spike when :math:`V > V_{peak}`: ``V = V_reset``, then V is held for
    ``ceil(t_ref/dt)`` steps.

    ==========  ========  =========  ==========================================
    parameter   unit      default    meaning
    ==========  ========  =========  ==========================================
    C           pF        281 pF     membrane capacitance
    g_L         nS        30 nS      leak conductance
    E_L         mV        -70.6 mV   leak reversal potential
    V_T         mV        -50.4 mV   threshold of the exponential term
    Delta_T     mV        2 mV       slope factor (sharpness of spike onset)
    V_reset     mV        -70.6 mV   potential after a spike
    V_peak      mV        20 mV      spike cut-off (V > V_peak)
    t_ref       ms        0 ms       absolute refractory period (>= 0)
    ==========  ========  =========  ==========================================

    State ``V`` (mV, starts at ``E_L``); input ``I`` (pA); named expressions
    ``V_c`` and ``I_exp`` (the exponential spike current) can be recorded.
    Constraints: ``V_reset < V_peak``, ``V_T < V_peak``.

    Examples
    --------
    >>> import neurounits as nu
    >>> res = nu.simulate(nu.models.ExpIF(), "100 ms", "0.05 ms", inputs={"I": "1 nA"}, record=())
    >>> int(res.spike_counts[0]) > 3
    True
    """

    C = Parameter("281 pF", positive=True, doc="membrane capacitance")
    g_L = Parameter("30 nS", positive=True, doc="leak conductance")
    E_L = Parameter("-70.6 mV", doc="leak reversal potential")
    V_T = Parameter("-50.4 mV", doc="threshold of the exponential term")
    Delta_T = Parameter("2 mV", positive=True, doc="slope factor")
    V_reset = Parameter("-70.6 mV", doc="potential after a spike")
    V_peak = Parameter("20 mV", doc="spike cut-off (V > V_peak)")
    t_ref = Parameter("0 ms", nonnegative=True, doc="absolute refractory period")
    V = State("mV", initial="E_L", doc="membrane potential")
    I = Input("pA", doc="input current")
    equations = """
        V_c = min(V, V_peak) : mV
        I_exp = g_L*Delta_T*exp((V_c - V_T)/Delta_T) : pA
        dV/dt = (-g_L*(V_c - E_L) + I_exp + I) / C
    """
    threshold = "V > V_peak"
    reset = "V = V_reset"
    refractory = "t_ref"
    constraints = ("V_reset < V_peak", "V_T < V_peak")


class AdEx(ExpIF):
    r"""Adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005).

    .. math::

        C\,dV/dt &= -g_L (V_c - E_L) + g_L \Delta_T \exp((V_c - V_T)/\Delta_T) - w + I \\
        \tau_w\,dw/dt &= a (V_c - E_L) - w, \qquad V_c = \min(V, V_{peak})

    Spike when :math:`V > V_{peak}`: ``V = V_reset; w += b``.  During the
    ``ceil(t_ref/dt)`` refractory steps V is clamped at ``V_reset`` and w
    keeps evolving (NEST's ``aeif`` convention).

    ==========  ========  =========  ==========================================
    parameter   unit      default    meaning
    ==========  ========  =========  ==========================================
    C           pF        281 pF     membrane capacitance
    g_L         nS        30 nS      leak conductance
    E_L         mV        -70.6 mV   leak reversal potential
    V_T         mV        -50.4 mV   threshold of the exponential term
    Delta_T     mV        2 mV       slope factor (sharpness of spike onset)
    a           nS        4 nS       subthreshold adaptation
    tau_w       ms        144 ms     adaptation time constant
    b           pA        80.5 pA    spike-triggered adaptation increment
    V_reset     mV        -70.6 mV   potential after a spike
    V_peak      mV        20 mV      spike cut-off (V > V_peak)
    t_ref       ms        0 ms       absolute refractory period (>= 0)
    ==========  ========  =========  ==========================================

    States ``V`` (mV, starts at ``E_L``) and ``w`` (pA, starts at 0 pA);
    input ``I`` (pA).  Constraints: ``V_reset < V_peak``, ``V_T < V_peak``.

    Examples
    --------
    >>> import neurounits as nu
    >>> res = nu.simulate(nu.models.AdEx(), "300 ms", "0.05 ms", inputs={"I": "1 nA"}, record=())
    >>> isi = (res.spikes.times[1:] - res.spikes.times[:-1]).to("ms").magnitude
    >>> bool(isi[-1] > 2 * isi[0])  # spike-frequency adaptation
    True
    """

    a = Parameter("4 nS", doc="subthreshold adaptation")
    tau_w = Parameter("144 ms", doc="adaptation time constant")
    b = Parameter("80.5 pA", doc="spike-triggered adaptation increment")
    w = State("pA", initial="0 pA", doc="adaptation current")
    equations = """
        V_c = min(V, V_peak) : mV
        I_exp = g_L*Delta_T*exp((V_c - V_T)/Delta_T) : pA
        dV/dt = (-g_L*(V_c - E_L) + I_exp - w + I) / C : mV (unless refractory)
        dw/dt = (a*(V_c - E_L) - w) / tau_w
    """
    reset = "V = V_reset; w += b"
