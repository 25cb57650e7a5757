r"""NEST's Brunel-Wang neurons: ``iaf_bw_2001_exact`` and ``iaf_bw_2001``.

Conductance-based leaky integrate-and-fire neurons with AMPA, GABA and NMDA
synapses, the NMDA current blocked by Mg2+ depending on the voltage (Wang 1999;
Brunel & Wang 2001; Wang 2002), under NEST's names, units and defaults:

.. math::

    C_m \frac{dV_m}{dt} = -g_L (V_m - E_L) - I_{AMPA} - I_{GABA} - I_{NMDA} + I_e + I

    I_{AMPA} = (V_m - E_{ex})\, s_{AMPA}, \qquad I_{GABA} = (V_m - E_{in})\, s_{GABA}

    I_{NMDA} = \frac{V_m - E_{ex}}{1 + [\mathrm{Mg^{2+}}]\, e^{-0.062 V_m/\mathrm{mV}} / 3.57\,\mathrm{mM}}
               \, s_{NMDA}

    \frac{ds_{AMPA}}{dt} = -\frac{s_{AMPA}}{\tau_{AMPA}}, \qquad
    \frac{ds_{GABA}}{dt} = -\frac{s_{GABA}}{\tau_{GABA}}

``s_AMPA``, ``s_GABA`` (and ``s_NMDA``) carry the weights, in nS: a spike of
weight w on receptor AMPA (NEST's receptor 1) adds w to ``s_AMPA``, on GABA
(2) to ``s_GABA``.  The two models differ in NMDA (receptor 3), see each class.

Both integrate with adaptive RKF45 as NEST does (GSL's stepper and ``y``
control: absolute tolerance ``gsl_error_tol``, no relative tolerance, the last
sub-step carried over to the next step).  V_m is *not* clamped in the
right-hand side during the refractory period: it is integrated like the
other states and set back to ``V_reset`` after each refractory step
(``refractory_integrates``).  Per step: integrate; add the spikes arriving at
the end of the step; if refractory count down and clamp V_m, else if ``V_m >=
V_th`` spike, ``V_m = V_reset`` and ``ceil(t_ref/dt)`` refractory steps.
The recordables ``I_AMPA``, ``I_GABA``, ``I_NMDA`` (and ``s_NMDA`` of the exact
model) are, as in NEST, the values of the integrated end state of each step,
before that step's spike jumps and the reset (NEST records what its right-hand
side stored last); V_m and the gating states are recorded after them.

Differences from NEST: ``I_e`` (a constant current, default 0 pA) and the
time-varying input ``I`` (``nu.TimedArray``, acting at once) replace NEST's
current generators (a ``dc_generator`` current in NEST acts from the step
after its arrival, so shift a TimedArray by that delay to reproduce it).

References: Wang (1999), J. Neurosci. 19:9587; Brunel & Wang (2001),
J. Comput. Neurosci. 11:63; Wang (2002), Neuron 36:955.
"""

from __future__ import annotations

from ...equations import Model
from ...parameters import Input, Parameter, PortGroup, Receptor, SpikePayload, State

__all__ = ["iaf_bw_2001", "iaf_bw_2001_exact"]

_CURRENTS = """
    I_AMPA = (V_m - E_ex)*s_AMPA : pA
    I_GABA = (V_m - E_in)*s_GABA : pA
    I_NMDA = (V_m - E_ex)/(1 + conc_Mg2/(3.57*mM)*exp(-0.062*V_m/mV))*s_NMDA : pA
    dV_m/dt = (-g_L*(V_m - E_L) - (I_AMPA + I_GABA + I_NMDA) + I_e + I)/C_m : mV
    ds_AMPA/dt = -s_AMPA/tau_AMPA : nS
    ds_GABA/dt = -s_GABA/tau_GABA : nS
"""


def _nmda_jump(p):
    """NEST's NMDA jump coefficients: k0 = (alpha tau_r)^(tau_r/tau_d) gamma_lower(1 - tau_r/tau_d,
    alpha tau_r) (the lower incomplete gamma function, not normalised) and k1 = expm1(-alpha tau_r)."""
    import numpy as np
    from scipy.special import gamma, gammainc

    ar = np.asarray(p["alpha"] * p["tau_rise_NMDA"], float)
    s = 1.0 - np.asarray(p["tau_rise_NMDA"] / p["tau_decay_NMDA"], float)
    k0 = ar ** (1.0 - s) * gammainc(s, ar) * gamma(s)
    return k0, np.expm1(-ar)


class _BrunelWang(Model):
    """Parameters, currents and update order shared by both models (not a model itself)."""

    E_L = Parameter("-70 mV", doc="leak reversal potential")
    E_ex = Parameter("0 mV", doc="excitatory reversal potential")
    E_in = Parameter("-70 mV", doc="inhibitory reversal potential")
    V_th = Parameter("-55 mV", doc="spike threshold")
    V_reset = Parameter("-60 mV", doc="reset potential")
    C_m = Parameter("500 pF", positive=True, doc="membrane capacitance")
    g_L = Parameter("25 nS", positive=True, doc="leak conductance")
    t_ref = Parameter("2 ms", nonnegative=True, doc="refractory period")
    tau_AMPA = Parameter("2 ms", doc="decay time constant of AMPA")
    tau_GABA = Parameter("5 ms", doc="decay time constant of GABA")
    tau_rise_NMDA = Parameter("2 ms", doc="rise time constant of NMDA")
    tau_decay_NMDA = Parameter("100 ms", doc="decay time constant of NMDA")
    alpha = Parameter("0.5 1/ms", positive=True, doc="NMDA rise coupling strength")
    conc_Mg2 = Parameter("1 mM", positive=True, doc="extracellular Mg2+ concentration")
    gsl_error_tol = Parameter(1e-3, positive=True, doc="RKF45 absolute error tolerance")
    I_e = Parameter("0 pA", doc="constant input current (not in NEST)")
    V_m = State("mV", initial="E_L", doc="membrane potential")
    s_AMPA = State("nS", doc="AMPA conductance (gating times weight)")
    s_GABA = State("nS", doc="GABA conductance (gating times weight)")
    I = Input("pA", doc="external current (acts at once)")
    AMPA = Receptor("nS", "s_AMPA += w", number=1, doc="AMPA spikes (NEST receptor 1)")
    GABA = Receptor("nS", "s_GABA += w", number=2, doc="GABA spikes (NEST receptor 2)")
    threshold = "V_m >= V_th"
    reset = "V_m = V_reset"
    refractory = "t_ref"
    refractory_hold = ("V_m",)
    refractory_integrates = True
    record_expressions_before_events = True
    constraints = ("V_reset < V_th",)
    default_method = "rkf45"
    # values may be names and strings, as in simulate's method_options
    integrator_options = {"atol": "gsl_error_tol", "rtol": 0.0, "control": "y"}  # noqa: RUF012


class iaf_bw_2001_exact(_BrunelWang):
    r"""NEST's ``iaf_bw_2001_exact``: one NMDA rise/decay pair per input port.

    Every spike input on receptor NMDA (NEST's 3) is a *port* j with its own
    states and its own weight :math:`w_j` (nS):

    .. math::

        \frac{dx_j}{dt} = -\frac{x_j}{\tau_{rise,NMDA}}, \qquad
        \frac{ds_j}{dt} = -\frac{s_j}{\tau_{decay,NMDA}} + \alpha\, x_j (1 - s_j), \qquad
        s_{NMDA} = \sum_j w_j s_j

    A spike through port j adds its multiplicity (1 per spike; spikes arriving
    together add up) to :math:`x_j`; the weight only scales :math:`s_j` in the
    sum, so all spikes of a port must have the same weight.  The states are
    ``x_NMDA_<j>`` and ``s_NMDA_<j>`` (dimensionless) and the weights are the
    parameters ``w_NMDA_<j>``; the recordable ``s_NMDA`` is the weighted sum
    (nS), not a gating variable in [0, 1].

    Ports (NEST: one per connection, all made before the first ``Simulate``):
    each ``nu.SpikeInput`` on NMDA opens the next port (0, 1, ...) unless it
    names one with ``port=k``: ``k`` joins port k if an earlier input opened
    it (same weight required, else ParameterError), opens it if it is the next
    number, and a larger k is refused as a port added late (numbers may not
    skip).  A ``neurons=`` selection makes a port carry spikes to those
    neurons only; the others' copy of that port stays at zero.  The kernel is
    generated for the number of ports (states unrolled over ports, vectorised
    over neurons) and cached on disk per number; the first run with a new
    number compiles (measured on 2 cores: about 15 s for 2 ports, 50 s for
    10).  Port states start at 0 and, as in NEST, cannot be given initial
    values.

    Agreement with NEST 3.10: the reference trace in ``tests/reference``
    (DC, AMPA, GABA and two NMDA ports) is reproduced to about 1e-12 with the
    same spike times.

    Examples
    --------
    >>> import neurounits as nu
    >>> m = nu.models.nest.iaf_bw_2001_exact(n=100, C_m="250 pF")
    >>> {k: r.number for k, r in m.spec.receptors.items()}
    {'AMPA': 1, 'GABA': 2, 'NMDA': 3}

    Two NMDA ports (three inputs), AMPA by NEST's receptor number, a 400 pA drive::

        spikes = [nu.SpikeInput(times=nu.Q_([5, 40], "ms"), weight="1 nS", receptor="NMDA"),
                  nu.SpikeInput(times="20 ms", weight="0.5 nS", receptor="NMDA"),
                  nu.SpikeInput(times="30 ms", weight="0.5 nS", receptor="NMDA", port=1),
                  nu.SpikeInput(times="10 ms", weight="5 nS", receptor=1)]
        res = nu.simulate(m, "100 ms", spike_inputs=spikes, inputs={"I": "400 pA"},
                          record=("V_m", "s_NMDA", "I_NMDA", "s_NMDA_0", "s_NMDA_1"))
    """

    NMDA = PortGroup(
        "nS", number=3,
        equations="""
            dx_NMDA_j/dt = -x_NMDA_j/tau_rise_NMDA : 1
            ds_NMDA_j/dt = -s_NMDA_j/tau_decay_NMDA + alpha*x_NMDA_j*(1 - s_NMDA_j) : 1
        """,
        on_spike="x_NMDA_j += w",
        sums="s_NMDA = w_j*s_NMDA_j : nS",
        doc="NMDA spikes (NEST receptor 3); every input is its own port")
    equations = _CURRENTS


class iaf_bw_2001(_BrunelWang):
    r"""NEST's ``iaf_bw_2001``: the approximate NMDA model (one state, no rise).

    .. math::

        \frac{ds_{NMDA}}{dt} = -\frac{s_{NMDA}}{\tau_{decay,NMDA}}

    In NEST the NMDA coupling needs an ``iaf_bw_2001`` *presynaptic* neuron:
    it sends, with each spike, the jump :math:`k_0 + k_1 s_{pre}` of its own
    presynaptic gating :math:`s_{pre}` (which decays with
    :math:`\tau_{decay,NMDA}` between its spikes), with
    :math:`k_1 = e^{-\alpha \tau_{rise}} - 1` and :math:`k_0` from the
    incomplete gamma function, and the receiver adds weight times that jump to
    ``s_NMDA``.  That coupling arrives with networks; for now the model takes
    AMPA and GABA spikes and currents (``I_e``, ``I``), a spike input on NMDA
    raises ParameterError, and ``s_NMDA`` can be given an initial value (it then
    decays and drives ``I_NMDA``).  ``tau_rise_NMDA`` and ``alpha`` are kept for
    NEST compatibility; they only enter the presynaptic jump.

    Examples
    --------
    >>> import neurounits as nu
    >>> m = nu.models.nest.iaf_bw_2001(n=10, g_L="20 nS")
    >>> m.parameters["tau_decay_NMDA"]
    <Quantity(100.0, 'millisecond')>

    AMPA and GABA spikes, a decaying initial NMDA conductance and a drive::

        spikes = [nu.SpikeInput(times=nu.Q_([10, 12], "ms"), weight="5 nS", receptor="AMPA"),
                  nu.SpikeInput(times="30 ms", weight="10 nS", receptor="GABA")]
        res = nu.simulate(m, "100 ms", spike_inputs=spikes, inputs={"I": "400 pA"},
                          initial={"s_NMDA": "2 nS"})
    """

    s_NMDA = State("nS", doc="NMDA conductance (gating times weight)")
    NMDA = Receptor("nS", "s_NMDA += w", number=3,
                    doc="NMDA spikes (NEST receptor 3), from iaf_bw_2001 neurons of a network only")
    unavailable_receptors = {  # noqa: RUF012
        "NMDA": "in iaf_bw_2001 an NMDA spike carries the presynaptic neuron's NMDA jump "
                "(k_0 + k_1 s_pre, computed by a presynaptic iaf_bw_2001), which a spike input does not "
                "have; connect iaf_bw_2001 populations in a nu.Network, or use iaf_bw_2001_exact for "
                "NMDA spike inputs"}
    spike_payload = SpikePayload(("NMDA",), "tau_decay_NMDA", _nmda_jump,
                                 doc="the NMDA jump k0 + k1 s_pre of each spike (NEST's spike offset)")
    equations = _CURRENTS + """
        ds_NMDA/dt = -s_NMDA/tau_decay_NMDA : nS
    """
