"""Large published models with four beta-kernel conductances (NESTML's ``traub_cond_multisyn`` and
``hill_tononi``), transcribed from NESTML's model library; conventions as in :mod:`large_models`.

A beta kernel given as two ODEs (``g' = g$ - g/tau_2``, ``g$' = -g$/tau_1``) becomes the states ``g``
and ``dg``; a spike of (dimensionless) weight w adds to ``dg`` what NESTML's
``compute_synapse_constant`` gives (a conductance peak of g_peak for w = 1).
"""

from __future__ import annotations

import neurounits as nu

__all__ = ["hill_tononi", "traub_cond_multisyn"]


def _beta_jump(r: str, tau1: str, tau2: str) -> str:
    """NESTML's ``compute_synapse_constant``: the jump of the rise state of a beta kernel (dimensionless
    weight) so that a spike of weight 1 makes a conductance peak of g_peak (in nS), per ms."""
    tp = f"({tau1}*{tau2}*log({tau2}/{tau1})/({tau2} - {tau1}))"
    return f"dg_{r} += w*{r}_g_peak/nS*(1/{tau2} - 1/{tau1})/(exp(-{tp}/{tau1}) - exp(-{tp}/{tau2}))"


def _beta_synapses(taus: dict[str, tuple[str, str]]) -> str:
    return "".join(
        f"""
        ddg_{r}/dt = -dg_{r}/{t1} : 1/ms
        dg_{r}/dt = dg_{r} - g_{r}/{t2} : 1"""
        for r, (t1, t2) in taus.items()
    )


class _BetaSynapses(nu.Model):
    """The four beta-kernel conductances of NESTML's ``hill_tononi`` and ``traub_cond_multisyn``."""

    dg_AMPA = nu.State("1/ms", doc="AMPA rise state")
    g_AMPA = nu.State("1", doc="AMPA conductance (in nS)")
    dg_NMDA = nu.State("1/ms", doc="NMDA rise state")
    g_NMDA = nu.State("1", doc="NMDA conductance (in nS)")
    dg_GABA_A = nu.State("1/ms", doc="GABA_A rise state")
    g_GABA_A = nu.State("1", doc="GABA_A conductance (in nS)")
    dg_GABA_B = nu.State("1/ms", doc="GABA_B rise state")
    g_GABA_B = nu.State("1", doc="GABA_B conductance (in nS)")
    AMPA_g_peak = nu.Parameter("0.1 nS", doc="AMPA peak conductance")
    AMPA_E_rev = nu.Parameter("0 mV", doc="AMPA reversal potential")
    NMDA_g_peak = nu.Parameter("0.075 nS", doc="NMDA peak conductance")
    NMDA_E_rev = nu.Parameter("0 mV", doc="NMDA reversal potential")
    NMDA_Vact = nu.Parameter("-58 mV", doc="NMDA magnesium block: inflection")
    NMDA_Sact = nu.Parameter("2.5 mV", doc="NMDA magnesium block: scale")
    GABA_A_g_peak = nu.Parameter("0.33 nS", doc="GABA_A peak conductance")
    GABA_A_E_rev = nu.Parameter("-70 mV", doc="GABA_A reversal potential")
    GABA_B_g_peak = nu.Parameter("0.0132 nS", doc="GABA_B peak conductance")
    GABA_B_E_rev = nu.Parameter("-90 mV", doc="GABA_B reversal potential")
    I_stim = nu.Input("pA", doc="external current")
    I_e = nu.Parameter("0 pA", doc="constant input current")
    unit_psg = nu.Parameter("1 nS", doc="unitary postsynaptic conductance")


_SYN_CURRENTS = """
        I_syn_ampa = -unit_psg*g_AMPA*(V_m - AMPA_E_rev) : pA
        I_syn_nmda = -unit_psg*g_NMDA*(V_m - NMDA_E_rev)/(1 + exp((NMDA_Vact - V_m)/NMDA_Sact)) : pA
        I_syn_gaba_a = -unit_psg*g_GABA_A*(V_m - GABA_A_E_rev) : pA
        I_syn_gaba_b = -unit_psg*g_GABA_B*(V_m - GABA_B_E_rev) : pA
        I_syn = I_syn_ampa + I_syn_nmda + I_syn_gaba_a + I_syn_gaba_b : pA
"""


class traub_cond_multisyn(_BetaSynapses):
    """Traub-Miles Hodgkin-Huxley neuron (Brette et al. 2007's benchmark 3) with four beta-kernel
    conductances (AMPA, NMDA with magnesium block, GABA_A, GABA_B), as NESTML's
    ``traub_cond_multisyn_neuron``; rate functions with a removable singularity use ``exprel``."""

    C_m = nu.Parameter("100 pF", positive=True, doc="membrane capacitance")
    g_Na = nu.Parameter("10000 nS", doc="sodium peak conductance")
    g_K = nu.Parameter("8000 nS", doc="potassium peak conductance")
    g_L = nu.Parameter("10 nS", doc="leak conductance")
    E_Na = nu.Parameter("50 mV", doc="sodium reversal potential")
    E_K = nu.Parameter("-100 mV", doc="potassium reversal potential")
    E_L = nu.Parameter("-67 mV", doc="leak reversal potential")
    V_Tr = nu.Parameter("-20 mV", doc="spike threshold")
    refr_T = nu.Parameter("2 ms", nonnegative=True, doc="refractory period (blocks detection only)")
    tau_AMPA_1 = nu.Parameter("0.5 ms", positive=True, doc="AMPA rise time")
    tau_AMPA_2 = nu.Parameter("2.4 ms", positive=True, doc="AMPA decay time")
    tau_NMDA_1 = nu.Parameter("4 ms", positive=True, doc="NMDA rise time")
    tau_NMDA_2 = nu.Parameter("40 ms", positive=True, doc="NMDA decay time")
    tau_GABAA_1 = nu.Parameter("1 ms", positive=True, doc="GABA_A rise time")
    tau_GABAA_2 = nu.Parameter("7 ms", positive=True, doc="GABA_A decay time")
    tau_GABAB_1 = nu.Parameter("60 ms", positive=True, doc="GABA_B rise time")
    tau_GABAB_2 = nu.Parameter("200 ms", positive=True, doc="GABA_B decay time")
    V_m = nu.State("mV", initial="-70 mV", doc="membrane potential")
    Act_m = nu.State("1", initial=0.00787013592322398, doc="sodium activation (steady state at -70 mV)")
    Inact_h = nu.State("1", initial=0.9981099795551048, doc="sodium inactivation (steady state at -70 mV)")
    Act_n = nu.State("1", initial=0.02284760152971809, doc="potassium activation (steady state at -70 mV)")
    AMPA = nu.Receptor("1", _beta_jump("AMPA", "tau_AMPA_1", "tau_AMPA_2"), doc="AMPA spikes")
    NMDA = nu.Receptor("1", _beta_jump("NMDA", "tau_NMDA_1", "tau_NMDA_2"), doc="NMDA spikes")
    GABA_A = nu.Receptor("1", _beta_jump("GABA_A", "tau_GABAA_1", "tau_GABAA_2"), doc="GABA_A spikes")
    GABA_B = nu.Receptor("1", _beta_jump("GABA_B", "tau_GABAB_1", "tau_GABAB_2"), doc="GABA_B spikes")
    equations = (
        _SYN_CURRENTS
        + """
        v = V_m/mV : 1
        I_Na = g_Na*Act_m**3*Inact_h*(V_m - E_Na) : pA
        I_K = g_K*Act_n**4*(V_m - E_K) : pA
        I_L = g_L*(V_m - E_L) : pA
        dV_m/dt = (-(I_Na + I_K + I_L) + I_e + I_stim + I_syn)/C_m : mV
        alpha_n = 0.16/exprel(-(v + 52)/5) : 1
        beta_n = 0.5*exp(-(v + 57)/40) : 1
        alpha_m = 1.28/exprel(-(v + 54)/4) : 1
        beta_m = 1.4/exprel((v + 27)/5) : 1
        alpha_h = 0.128*exp(-(v + 50)/18) : 1
        beta_h = 4/(1 + exp(-(v + 27)/5)) : 1
        dAct_n/dt = (alpha_n*(1 - Act_n) - beta_n*Act_n)/ms : 1
        dAct_m/dt = (alpha_m*(1 - Act_m) - beta_m*Act_m)/ms : 1
        dInact_h/dt = (alpha_h*(1 - Inact_h) - beta_h*Inact_h)/ms : 1
    """
        + _beta_synapses(
            {
                "AMPA": ("tau_AMPA_1", "tau_AMPA_2"),
                "NMDA": ("tau_NMDA_1", "tau_NMDA_2"),
                "GABA_A": ("tau_GABAA_1", "tau_GABAA_2"),
                "GABA_B": ("tau_GABAB_1", "tau_GABAB_2"),
            }
        )
    )
    threshold = "V_m > V_Tr and prev(V_m) > V_m"
    refractory = "refr_T"
    refractory_hold = ()
    default_method = "rkf45"


class hill_tononi(_BetaSynapses):
    """Hill & Tononi (2005) thalamocortical neuron, as NESTML's ``hill_tononi_neuron``: leak, persistent
    sodium, depolarisation-activated potassium, T-type calcium and h currents, a dynamic threshold, and
    four beta-kernel conductances.

    A spike sets V_m and Theta to E_Na; for ``t_spike`` the intrinsic states are held (NESTML
    integrates only its timer then) while the synapses go on.  NESTML's spike current ``I_spike`` acts
    only while its ``g_spike`` flag is set, that is only while V_m is held, so it never acts and is
    left out.  As written (in NESTML as here), V_m = Theta = E_Na when the hold ends, so the neuron
    fires again at once: once it has fired, every t_spike + dt (NEST's built-in ``ht_neuron``
    integrates V_m with the spike current instead)."""

    E_Na = nu.Parameter("30 mV", doc="sodium reversal potential")
    E_K = nu.Parameter("-90 mV", doc="potassium reversal potential")
    g_NaL = nu.Parameter("0.2 nS", doc="sodium leak conductance")
    g_KL = nu.Parameter("1 nS", doc="potassium leak conductance")
    Tau_m = nu.Parameter("16 ms", positive=True, doc="membrane time constant")
    Theta_eq = nu.Parameter("-51 mV", doc="equilibrium threshold")
    Tau_theta = nu.Parameter("2 ms", positive=True, doc="threshold time constant")
    t_spike = nu.Parameter("2 ms", nonnegative=True, doc="duration of the re-polarising potassium current")
    AMPA_Tau_1 = nu.Parameter("0.5 ms", positive=True, doc="AMPA rise time")
    AMPA_Tau_2 = nu.Parameter("2.4 ms", positive=True, doc="AMPA decay time")
    NMDA_Tau_1 = nu.Parameter("4 ms", positive=True, doc="NMDA rise time")
    NMDA_Tau_2 = nu.Parameter("40 ms", positive=True, doc="NMDA decay time")
    GABA_A_Tau_1 = nu.Parameter("1 ms", positive=True, doc="GABA_A rise time")
    GABA_A_Tau_2 = nu.Parameter("7 ms", positive=True, doc="GABA_A decay time")
    GABA_B_Tau_1 = nu.Parameter("60 ms", positive=True, doc="GABA_B rise time")
    GABA_B_Tau_2 = nu.Parameter("200 ms", positive=True, doc="GABA_B decay time")
    NaP_g_peak = nu.Parameter("1 nS", doc="persistent sodium peak conductance")
    NaP_E_rev = nu.Parameter("30 mV", doc="persistent sodium reversal potential")
    KNa_g_peak = nu.Parameter("1 nS", doc="depolarisation-activated potassium peak conductance")
    KNa_E_rev = nu.Parameter("-90 mV", doc="depolarisation-activated potassium reversal potential")
    T_g_peak = nu.Parameter("1 nS", doc="T-type calcium peak conductance")
    T_E_rev = nu.Parameter("0 mV", doc="T-type calcium reversal potential")
    h_g_peak = nu.Parameter("1 nS", doc="h-current peak conductance")
    h_E_rev = nu.Parameter("-40 mV", doc="h-current reversal potential")
    KNa_D_EQ = nu.Parameter("0.001 pA", doc="equilibrium of D (NESTML's value, used as pA/mV)")
    V_m = nu.State("mV", initial="(g_NaL*E_Na + g_KL*E_K)/(g_NaL + g_KL)", doc="membrane potential")
    Theta = nu.State("mV", initial="Theta_eq", doc="threshold")
    IKNa_D = nu.State("nS", doc="sodium-dependent potassium activation D")
    IT_m = nu.State("nS", doc="T-current activation")
    IT_h = nu.State("nS", doc="T-current inactivation")
    Ih_m = nu.State("nS", doc="h-current activation")
    AMPA = nu.Receptor("1", _beta_jump("AMPA", "AMPA_Tau_1", "AMPA_Tau_2"), doc="AMPA spikes")
    NMDA = nu.Receptor("1", _beta_jump("NMDA", "NMDA_Tau_1", "NMDA_Tau_2"), doc="NMDA spikes")
    GABA_A = nu.Receptor("1", _beta_jump("GABA_A", "GABA_A_Tau_1", "GABA_A_Tau_2"), doc="GABA_A spikes")
    GABA_B = nu.Receptor("1", _beta_jump("GABA_B", "GABA_B_Tau_1", "GABA_B_Tau_2"), doc="GABA_B spikes")
    equations = (
        _SYN_CURRENTS
        + """
        v = V_m/mV : 1
        I_Na = -g_NaL*(V_m - E_Na) : pA
        I_K = -g_KL*(V_m - E_K) : pA
        m_inf_NaP = 1/(1 + exp(-(V_m + 55.7*mV)/(7.7*mV))) : 1
        I_NaP = -NaP_g_peak*m_inf_NaP**3*(V_m - NaP_E_rev) : pA
        m_inf_KNa = 1/(1 + (0.25*nS/IKNa_D)**3.5) : 1
        I_KNa = -KNa_g_peak*m_inf_KNa*(V_m - KNa_E_rev) : pA
        I_T = -T_g_peak/nS*IT_m/nS*IT_m/nS*IT_h*(V_m - T_E_rev) : pA
        I_h = -h_g_peak/nS*Ih_m*(V_m - h_E_rev) : pA
        dV_m/dt = (I_Na + I_K + I_syn + I_NaP + I_KNa + I_T + I_h + I_e + I_stim)/Tau_m*second/nF : mV
        m_inf_T = 1/(1 + exp(-(v + 59)/6.2)) : 1
        h_inf_T = 1/(1 + exp((v + 83)/4)) : 1
        tau_m_h = 1/(exp(-14.59 - 0.086*v) + exp(-1.87 + 0.0701*v)) : 1
        D_influx = 1/(1 + exp(-(V_m + 10*mV)/(5*mV))) : 1
        dTheta/dt = -(Theta - Theta_eq)/Tau_theta : mV
        dIKNa_D/dt = (0.025*D_influx*nS - (IKNa_D - KNa_D_EQ/mV)/1250)/ms : nS
        tau_m_T = 0.22/(exp(-(v + 132)/16.7) + exp((v + 16.8)/18.2)) + 0.13 : 1
        tau_h_T = 8.2 + (56.6 + 0.27*exp((v + 115.2)/5))/(1 + exp((v + 86)/3.2)) : 1
        m_inf_h = 1/(1 + exp((v + 75)/5.5)) : 1
        dIT_m/dt = (m_inf_T*nS - IT_m)/tau_m_T/ms : nS
        dIT_h/dt = (h_inf_T*nS - IT_h)/tau_h_T/ms : nS
        dIh_m/dt = (m_inf_h*nS - Ih_m)/tau_m_h/ms : nS
    """
        + _beta_synapses(
            {
                "AMPA": ("AMPA_Tau_1", "AMPA_Tau_2"),
                "NMDA": ("NMDA_Tau_1", "NMDA_Tau_2"),
                "GABA_A": ("GABA_A_Tau_1", "GABA_A_Tau_2"),
                "GABA_B": ("GABA_B_Tau_1", "GABA_B_Tau_2"),
            }
        )
    )
    threshold = "V_m >= Theta"
    reset = "V_m = E_Na; Theta = E_Na"
    refractory = "t_spike"
    refractory_hold = ("V_m", "Theta", "IKNa_D", "IT_m", "IT_h", "Ih_m")
    default_method = "rkf45"
