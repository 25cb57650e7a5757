"""Large published models, transcribed from NESTML's model library (facts and equations, not code).

These are the models whose rkf45 kernels were too big to compile (issue 13, "Large models must
compile"): each has several gating states and a dozen or more rate functions, all as named
expressions.  They live with the tests, not in ``nu.models``: they are NESTML models, not NEST
built-ins, and they are here to exercise code generation and compilation at size.

Conventions common to the transcriptions:

* a NESTML ``inline`` becomes a named expression, a NESTML constant ``inline`` a number in place;
* an alpha kernel ``(e/tau) t exp(-t/tau)`` on a spike input becomes two states ``g``, ``dg``
  (``dg/dt = -dg/tau``, ``dg/dt = dg - g/tau``) and a receptor that adds ``w e/tau`` to ``dg``;
  a beta kernel given as two ODEs (``g' = g$ - g/tau_2``, ``g$' = -g$/tau_1``) the same two states
  with the jump NESTML gives the second one (its initial value);
* NESTML's refractory timer ``refr_t' = -1`` (with ``refr_t <= 0`` in the spike condition) is the
  model's ``refractory`` period; the states NESTML leaves out of ``integrate_odes`` while the timer
  runs are ``refractory_hold`` (none for the Terman-Rubin models, which integrate everything);
* ``V_m_old > V_m`` (V has passed its maximum) is ``prev(V_m) > V_m``.
"""

from __future__ import annotations

from large_models_beta import hill_tononi, traub_cond_multisyn

import neurounits as nu

__all__ = [
    "LARGE_MODELS",
    "hh_moto_5ht",
    "hill_tononi",
    "synthetic",
    "terub_gpe",
    "terub_stn",
    "traub_cond_multisyn",
    "wb_cond_exp",
]

_ALPHA_SYNAPSES = """
    ddg_exc/dt = -dg_exc/tau_syn_exc : 1/ms
    dg_exc/dt = dg_exc - g_exc/tau_syn_exc : 1
    ddg_inh/dt = -dg_inh/tau_syn_inh : 1/ms
    dg_inh/dt = dg_inh - g_inh/tau_syn_inh : 1
"""


class _TerubBase(nu.Model):
    """States, synapses and events shared by the Terman-Rubin GPe and STN models."""

    V_m = nu.State("mV", initial="E_L", doc="membrane potential")
    gate_h = nu.State("1", initial=0.0, doc="sodium inactivation h")
    gate_n = nu.State("1", initial=0.0, doc="potassium activation n")
    gate_r = nu.State("1", initial=0.0, doc="T-current inactivation r")
    Ca_con = nu.State("1", initial=0.0, doc="calcium concentration")
    dg_exc = nu.State("1/ms", doc="excitatory alpha-kernel derivative")
    g_exc = nu.State("1", doc="excitatory conductance (units of unit_psg)")
    dg_inh = nu.State("1/ms", doc="inhibitory alpha-kernel derivative")
    g_inh = nu.State("1", doc="inhibitory conductance (units of unit_psg)")
    I_stim = nu.Input("pA", doc="external current")
    exc = nu.Receptor("1", "dg_exc += w*exp(1)/tau_syn_exc", doc="excitatory spikes")
    inh = nu.Receptor("1", "dg_inh += w*exp(1)/tau_syn_inh", doc="inhibitory spikes")
    refractory_hold = ()
    default_method = "rkf45"


_TERUB_THRESHOLD = "V_m > 0*mV and prev(V_m) > V_m"  # (declared by each model: the base has no equations)


class terub_gpe(_TerubBase):
    """Terman-Rubin globus pallidus externus neuron (Terman et al. 2002, Rubin & Terman 2004), as
    NESTML's ``terub_gpe_neuron`` (NESTML's defaults; its ``g_phi_n`` 0.1, ``g_k_Ca`` 15)."""

    E_L = nu.Parameter("-55 mV", doc="resting potential")
    g_L = nu.Parameter("0.1 nS", doc="leak conductance")
    C_m = nu.Parameter("1 pF", positive=True, doc="membrane capacitance")
    E_Na = nu.Parameter("55 mV", doc="sodium reversal potential")
    g_Na = nu.Parameter("120 nS", doc="sodium peak conductance")
    E_K = nu.Parameter("-80 mV", doc="potassium reversal potential")
    g_K = nu.Parameter("30 nS", doc="potassium peak conductance")
    E_Ca = nu.Parameter("120 mV", doc="calcium reversal potential")
    g_Ca = nu.Parameter("0.15 nS", doc="calcium peak conductance")
    g_T = nu.Parameter("0.5 nS", doc="T-type calcium peak conductance")
    g_ahp = nu.Parameter("30 nS", doc="afterhyperpolarisation peak conductance")
    tau_syn_exc = nu.Parameter("1 ms", positive=True, doc="excitatory alpha time constant")
    tau_syn_inh = nu.Parameter("12.5 ms", positive=True, doc="inhibitory alpha time constant")
    E_gg = nu.Parameter("-100 mV", doc="inhibitory reversal potential (from GPe)")
    refr_T = nu.Parameter("2 ms", nonnegative=True, doc="refractory period (blocks detection only)")
    I_e = nu.Parameter("0 pA", doc="constant input current")
    unit_psg = nu.Parameter("1 nS", doc="unitary postsynaptic conductance")
    threshold = _TERUB_THRESHOLD
    refractory = "refr_T"
    equations = (
        """
        tau_n = 0.05*ms + 0.27*ms/(1 + exp(-(V_m + 40*mV)/(-12*mV))) : ms
        tau_h = 0.05*ms + 0.27*ms/(1 + exp(-(V_m + 40*mV)/(-12*mV))) : ms
        a_inf = 1/(1 + exp(-(V_m + 57*mV)/(2*mV))) : 1
        h_inf = 1/(1 + exp(-(V_m + 58*mV)/(-12*mV))) : 1
        m_inf = 1/(1 + exp(-(V_m + 37*mV)/(10*mV))) : 1
        n_inf = 1/(1 + exp(-(V_m + 50*mV)/(14*mV))) : 1
        r_inf = 1/(1 + exp(-(V_m + 70*mV)/(-2*mV))) : 1
        s_inf = 1/(1 + exp(-(V_m + 35*mV)/(2*mV))) : 1
        I_Na = g_Na*m_inf**3*gate_h*(V_m - E_Na) : pA
        I_K = g_K*gate_n**4*(V_m - E_K) : pA
        I_L = g_L*(V_m - E_L) : pA
        I_T = g_T*a_inf**3*gate_r*(V_m - E_Ca) : pA
        I_Ca = g_Ca*s_inf**2*(V_m - E_Ca) : pA
        I_ahp = g_ahp*Ca_con/(Ca_con + 30)*(V_m - E_K) : pA
        I_exc = -unit_psg*g_exc*V_m : pA
        I_inh = unit_psg*g_inh*(V_m - E_gg) : pA
        dV_m/dt = (-(I_Na + I_K + I_L + I_T + I_Ca + I_ahp) + I_e + I_stim + I_exc + I_inh)/C_m : mV
        dgate_h/dt = 0.05*(h_inf - gate_h)/tau_h : 1
        dgate_n/dt = 0.1*(n_inf - gate_n)/tau_n : 1
        dgate_r/dt = 1.0*(r_inf - gate_r)/(30*ms) : 1
        dCa_con/dt = 0.0001/ms*(-I_Ca/pA - I_T/pA - 15*Ca_con) : 1
    """
        + _ALPHA_SYNAPSES
    )


class terub_stn(_TerubBase):
    """Terman-Rubin subthalamic nucleus neuron (Terman et al. 2002, Rubin & Terman 2004, with Guo
    et al. 2008's values), as NESTML's ``terub_stn_neuron``."""

    E_L = nu.Parameter("-60 mV", doc="resting potential")
    g_L = nu.Parameter("2.25 nS", doc="leak conductance")
    C_m = nu.Parameter("1 pF", positive=True, doc="membrane capacitance")
    E_Na = nu.Parameter("55 mV", doc="sodium reversal potential")
    g_Na = nu.Parameter("37.5 nS", doc="sodium peak conductance")
    E_K = nu.Parameter("-80 mV", doc="potassium reversal potential")
    g_K = nu.Parameter("45 nS", doc="potassium peak conductance")
    E_Ca = nu.Parameter("140 mV", doc="calcium reversal potential")
    g_Ca = nu.Parameter("0.5 nS", doc="calcium peak conductance")
    g_T = nu.Parameter("0.5 nS", doc="T-type calcium peak conductance")
    g_ahp = nu.Parameter("9 nS", doc="afterhyperpolarisation peak conductance")
    tau_syn_exc = nu.Parameter("1 ms", positive=True, doc="excitatory alpha time constant")
    tau_syn_inh = nu.Parameter("0.08 ms", positive=True, doc="inhibitory alpha time constant")
    E_gs = nu.Parameter("-85 mV", doc="inhibitory reversal potential (from GPe)")
    refr_T = nu.Parameter("2 ms", nonnegative=True, doc="refractory period (blocks detection only)")
    I_e = nu.Parameter("0 pA", doc="constant input current")
    unit_psg = nu.Parameter("1 nS", doc="unitary postsynaptic conductance")
    threshold = _TERUB_THRESHOLD
    refractory = "refr_T"
    equations = (
        """
        tau_n = 1*ms + 100*ms/(1 + exp(-(V_m + 80*mV)/(-26*mV))) : ms
        tau_h = 1*ms + 500*ms/(1 + exp(-(V_m + 57*mV)/(-3*mV))) : ms
        tau_r = 7.1*ms + 17.5*ms/(1 + exp(-(V_m - 68*mV)/(-2.2*mV))) : ms
        a_inf = 1/(1 + exp(-(V_m + 63*mV)/(7.8*mV))) : 1
        h_inf = 1/(1 + exp(-(V_m + 39*mV)/(-3.1*mV))) : 1
        m_inf = 1/(1 + exp(-(V_m + 30*mV)/(15*mV))) : 1
        n_inf = 1/(1 + exp(-(V_m + 32*mV)/(8*mV))) : 1
        r_inf = 1/(1 + exp(-(V_m + 67*mV)/(-2*mV))) : 1
        s_inf = 1/(1 + exp(-(V_m + 39*mV)/(8*mV))) : 1
        b_inf = 1/(1 + exp((gate_r - 0.25)/0.07)) - 1/(1 + exp(-0.25/0.07)) : 1
        I_Na = g_Na*m_inf**3*gate_h*(V_m - E_Na) : pA
        I_K = g_K*gate_n**4*(V_m - E_K) : pA
        I_L = g_L*(V_m - E_L) : pA
        I_T = g_T*a_inf**3*b_inf**2*(V_m - E_Ca) : pA
        I_Ca = g_Ca*s_inf**2*(V_m - E_Ca) : pA
        I_ahp = g_ahp*Ca_con/(Ca_con + 15)*(V_m - E_K) : pA
        I_exc = -unit_psg*g_exc*V_m : pA
        I_inh = unit_psg*g_inh*(V_m - E_gs) : pA
        dV_m/dt = (-(I_Na + I_K + I_L + I_T + I_Ca + I_ahp) + I_e + I_stim + I_exc + I_inh)/C_m : mV
        dgate_h/dt = 0.75*(h_inf - gate_h)/tau_h : 1
        dgate_n/dt = 0.75*(n_inf - gate_n)/tau_n : 1
        dgate_r/dt = 0.5*(r_inf - gate_r)/tau_r : 1
        dCa_con/dt = 0.00005/ms*((-I_Ca - I_T)/pA - 22.5*Ca_con) : 1
    """
        + _ALPHA_SYNAPSES
    )


class hh_moto_5ht(nu.Model):
    """Motoneuron with serotonergic modulation of the calcium-activated potassium current (Booth et al.
    1997, Rubin et al.), as NESTML's ``hh_moto_5ht_neuron``; the rate functions with a removable
    singularity (alpha_m, beta_m) are written with ``exprel``, calcium in mM."""

    refr_T = nu.Parameter("2 ms", nonnegative=True, doc="refractory period (blocks detection only)")
    g_Na = nu.Parameter("5000 nS", doc="sodium peak conductance")
    g_L = nu.Parameter("200 nS", doc="leak conductance")
    g_K_rect = nu.Parameter("30000 nS", doc="delayed-rectifier potassium peak conductance")
    g_Ca_N = nu.Parameter("5000 nS", doc="N-type calcium peak conductance")
    g_Ca_L = nu.Parameter("10 nS", doc="L-type calcium peak conductance")
    g_K_Ca = nu.Parameter("30000 nS", doc="calcium-activated potassium peak conductance")
    g_K_Ca_5ht = nu.Parameter("0.6", doc="modulation of K-Ca by 5HT (1: none)")
    Ca_in_init = nu.Parameter("0.0001 mM", doc="initial inside calcium concentration")
    Ca_out = nu.Parameter("2 mM", positive=True, doc="outside calcium concentration (constant)")
    C_m = nu.Parameter("200 pF", positive=True, doc="membrane capacitance")
    E_Na = nu.Parameter("50 mV", doc="sodium reversal potential")
    E_K = nu.Parameter("-80 mV", doc="potassium reversal potential")
    E_L = nu.Parameter("-70 mV", doc="leak reversal potential")
    R_const = nu.Parameter("8.314472", doc="gas constant (J/(mol K), as a number)")
    F_const = nu.Parameter("96485.34", doc="Faraday constant (C/mol, as a number)")
    T_current = nu.Parameter("309.15", doc="temperature (K, as a number)")
    tau_syn_ex = nu.Parameter("0.2 ms", positive=True, doc="excitatory alpha time constant")
    tau_syn_in = nu.Parameter("2 ms", positive=True, doc="inhibitory alpha time constant")
    I_e = nu.Parameter("0 pA", doc="constant input current")
    V_m_init = nu.Parameter("-65 mV", doc="initial membrane potential")
    hc_tau = nu.Parameter("50 ms", positive=True, doc="N-type calcium inactivation time constant")
    mc_tau = nu.Parameter("15 ms", positive=True, doc="N-type calcium activation time constant")
    p_tau = nu.Parameter("400 ms", positive=True, doc="L-type calcium activation time constant")
    alpha = nu.Parameter("1e-5 mM/pA", doc="calcium influx per current")
    V_m = nu.State("mV", initial="V_m_init", doc="membrane potential")
    Ca_in = nu.State("mM", initial="Ca_in_init", doc="inside calcium concentration")
    Act_m = nu.State(
        "1",
        initial="1/(1 + 0.4*(-(V_m_init/mV + 32))/(1 - exp((V_m_init/mV + 32)/5))"
        "*(1 - exp(-(V_m_init/mV + 66)/5))/(0.4*(V_m_init/mV + 66)))",
        doc="sodium activation",
    )
    Act_h = nu.State("1", initial="1/(1 + exp((V_m_init/mV + 65)/7))", doc="sodium inactivation")
    Inact_n = nu.State("1", initial="1/(1 + exp(-(V_m_init/mV + 38)/15))", doc="potassium activation")
    Act_p = nu.State("1", initial="1/(1 + exp(-(V_m_init/mV + 55.8)/3.7))", doc="L-type calcium activation")
    Act_mc = nu.State("1", initial="1/(1 + exp(-(V_m_init/mV + 32)/5))", doc="N-type calcium activation")
    Act_hc = nu.State("1", initial="1/(1 + exp((V_m_init/mV + 50)/5))", doc="N-type calcium inactivation")
    dI_ex = nu.State("pA/ms", doc="excitatory alpha-kernel derivative")
    I_syn_ex = nu.State("pA", doc="excitatory synaptic current")
    dI_in = nu.State("pA/ms", doc="inhibitory alpha-kernel derivative")
    I_syn_in = nu.State("pA", doc="inhibitory synaptic current")
    I_stim = nu.Input("pA", doc="external current")
    exc = nu.Receptor("pA", "dI_ex += w*exp(1)/tau_syn_ex", doc="excitatory spikes")
    inh = nu.Receptor("pA", "dI_in += w*exp(1)/tau_syn_in", doc="inhibitory spikes")
    equations = """
        v = V_m/mV : 1
        E_Ca = 1000*R_const*T_current/(2*F_const)*log10(Ca_out/Ca_in)*mV : mV
        h_inf = 1/(1 + exp((v + 65)/7)) : 1
        h_tau = 30*ms/(exp((v + 60)/15) + exp(-(v + 60)/16)) : ms
        p_inf = 1/(1 + exp(-(v + 55.8)/3.7)) : 1
        mc_inf = 1/(1 + exp(-(v + 32)/5)) : 1
        hc_inf = 1/(1 + exp((v + 50)/5)) : 1
        n_inf = 1/(1 + exp(-(v + 38)/15)) : 1
        n_tau = 5*ms/(exp((v + 50)/40) + exp(-(v + 50)/50)) : ms
        alpha_m = 2/ms/exprel(-(v + 66)/5) : 1/ms
        beta_m = 2/ms/exprel((v + 32)/5) : 1/ms
        I_Na = g_Na*Act_m**3*Act_h*(V_m - E_Na) : pA
        I_K = g_K_rect*Inact_n**4*(V_m - E_K) : pA
        I_L = g_L*(V_m - E_L) : pA
        I_Ca_N = g_Ca_N*Act_mc**2*Act_hc*(V_m - E_Ca) : pA
        I_Ca_L = g_Ca_L*Act_p*(V_m - E_Ca) : pA
        I_K_Ca = g_K_Ca_5ht*g_K_Ca*Ca_in**2/(Ca_in**2 + (0.014*mM)**2)*(V_m - E_K) : pA
        I_ion = I_Na + I_K + I_L + I_Ca_N + I_Ca_L + I_K_Ca : pA
        dV_m/dt = (-I_ion + I_stim + I_e + I_syn_in + I_syn_ex)/C_m : mV
        dInact_n/dt = (n_inf - Inact_n)/n_tau : 1
        dAct_m/dt = alpha_m*(1 - Act_m) - beta_m*Act_m : 1
        dAct_h/dt = (h_inf - Act_h)/h_tau : 1
        dAct_p/dt = (p_inf - Act_p)/p_tau : 1
        dAct_mc/dt = (mc_inf - Act_mc)/mc_tau : 1
        dAct_hc/dt = (hc_inf - Act_hc)/hc_tau : 1
        dCa_in/dt = 0.01/second*(-alpha*(I_Ca_N + I_Ca_L) - 4*Ca_in) : mM
        ddI_ex/dt = -dI_ex/tau_syn_ex : pA/ms
        dI_syn_ex/dt = dI_ex - I_syn_ex/tau_syn_ex : pA
        ddI_in/dt = -dI_in/tau_syn_in : pA/ms
        dI_syn_in/dt = dI_in - I_syn_in/tau_syn_in : pA
    """
    threshold = "V_m > 0*mV and prev(V_m) > V_m"
    refractory = "refr_T"
    refractory_hold = ()
    default_method = "rkf45"


class wb_cond_exp(nu.Model):
    """Wang & Buzsaki (1996) interneuron with exponential conductances, as NESTML's
    ``wb_cond_exp_neuron`` (the rate functions with the temperature factor 5 folded in; the sodium
    activation at its steady state; alpha_m's exponent read as -0.1/mV (V + 35 mV), as in the paper)."""

    C_m = nu.Parameter("100 pF", positive=True, doc="membrane capacitance")
    g_Na = nu.Parameter("3500 nS", doc="sodium peak conductance")
    g_K = nu.Parameter("900 nS", doc="potassium peak conductance")
    g_L = nu.Parameter("10 nS", doc="leak conductance")
    E_Na = nu.Parameter("55 mV", doc="sodium reversal potential")
    E_K = nu.Parameter("-90 mV", doc="potassium reversal potential")
    E_L = nu.Parameter("-65 mV", doc="leak reversal potential")
    refr_T = nu.Parameter("2 ms", nonnegative=True, doc="refractory period (blocks detection only)")
    tau_syn_exc = nu.Parameter("0.2 ms", positive=True, doc="excitatory conductance time constant")
    tau_syn_inh = nu.Parameter("10 ms", positive=True, doc="inhibitory conductance time constant")
    E_exc = nu.Parameter("0 mV", doc="excitatory reversal potential")
    E_inh = nu.Parameter("-75 mV", doc="inhibitory reversal potential")
    I_e = nu.Parameter("0 pA", doc="constant input current")
    unit_psg = nu.Parameter("1 nS", doc="unitary postsynaptic conductance")
    V_m = nu.State("mV", initial="E_L", doc="membrane potential")
    Inact_h = nu.State(
        "1",
        initial="0.35*exp(-(E_L/mV + 58)/20)/(0.35*exp(-(E_L/mV + 58)/20) + 5/(exp(-0.1*(E_L/mV + 28)) + 1))",
        doc="sodium inactivation",
    )
    Act_n = nu.State(
        "1",
        initial="1/(1 + 0.625*exp(-(E_L/mV + 44)/80)*(exp(-0.1*(E_L/mV + 34)) - 1)/(-0.05*(E_L/mV + 34)))",
        doc="potassium activation",
    )
    g_exc = nu.State("1", doc="excitatory conductance (in nS)")
    g_inh = nu.State("1", doc="inhibitory conductance (in nS)")
    I_stim = nu.Input("pA", doc="external current")
    exc = nu.Receptor("1", "g_exc += w", doc="excitatory spikes")
    inh = nu.Receptor("1", "g_inh += w", doc="inhibitory spikes")
    equations = """
        v = V_m/mV : 1
        alpha_m = 1/ms/exprel(-0.1*(v + 35)) : 1/ms
        beta_m = 4/ms*exp(-(v + 60)/18) : 1/ms
        alpha_n = 0.5/ms/exprel(-0.1*(v + 34)) : 1/ms
        beta_n = 0.625/ms*exp(-(v + 44)/80) : 1/ms
        alpha_h = 0.35/ms*exp(-(v + 58)/20) : 1/ms
        beta_h = 5/ms/(exp(-0.1*(v + 28)) + 1) : 1/ms
        m_inf = alpha_m/(alpha_m + beta_m) : 1
        I_syn_exc = unit_psg*g_exc*(E_exc - V_m) : pA
        I_syn_inh = unit_psg*g_inh*(E_inh - V_m) : pA
        I_Na = g_Na*m_inf**3*Inact_h*(V_m - E_Na) : pA
        I_K = g_K*Act_n**4*(V_m - E_K) : pA
        I_L = g_L*(V_m - E_L) : pA
        dV_m/dt = (-(I_Na + I_K + I_L) + I_e + I_stim + I_syn_exc + I_syn_inh)/C_m : mV
        dAct_n/dt = alpha_n*(1 - Act_n) - beta_n*Act_n : 1
        dInact_h/dt = alpha_h*(1 - Inact_h) - beta_h*Inact_h : 1
        dg_exc/dt = -g_exc/tau_syn_exc : 1
        dg_inh/dt = -g_inh/tau_syn_inh : 1
    """
    threshold = "V_m > 0*mV and prev(V_m) > V_m"
    refractory = "refr_T"
    refractory_hold = ()
    default_method = "rkf45"


#: name -> model class, smallest first
LARGE_MODELS = {
    "wb_cond_exp": wb_cond_exp,
    "terub_gpe": terub_gpe,
    "terub_stn": terub_stn,
    "traub_cond_multisyn": traub_cond_multisyn,
    "hh_moto_5ht": hh_moto_5ht,
    "hill_tononi": hill_tononi,
}


def synthetic(n_gates: int) -> type[nu.Model]:
    """A Hodgkin-Huxley-like neuron of ``n_gates + 1`` states and ``2 n_gates`` rate functions, to
    measure how compilation grows with size: V_m and gates x_0, x_1, ... with
    ``dx_g/dt = al_g (1 - x_g) - be_g x_g`` (each rate an exponential or a sigmoid of V_m with its own
    constants) and a current g_g x_g^(1 + g mod 3) (V_m - E_g) each."""
    eqs, cur = [], []
    for g in range(n_gates):
        eqs.append(f"al_{g} = 0.1/ms*exp(-(V_m + {40 + g}*mV)/({10 + g % 5}*mV)) : 1/ms")
        eqs.append(f"be_{g} = 1/ms/(1 + exp(-(V_m + {60 - g / 2}*mV)/({5 + g % 3}*mV))) : 1/ms")
        eqs.append(f"dx_{g}/dt = al_{g}*(1 - x_{g}) - be_{g}*x_{g} : 1")
        cur.append(f"g_{g}*x_{g}**{1 + g % 3}*(V_m - E_{g})")
    eqs.append("dV_m/dt = (-g_L*(V_m - E_L) - (" + " + ".join(cur) + ") + I_e)/C_m : mV")
    params = {"g_L": "10 nS", "E_L": "-65 mV", "C_m": "100 pF", "I_e": "100 pA"}
    for g in range(n_gates):
        params[f"g_{g}"] = "1 nS"
        params[f"E_{g}"] = f"{-80 + 10 * (g % 3)} mV"
    initial = {"V_m": "-65 mV", **{f"x_{g}": "0.1" for g in range(n_gates)}}
    return nu.Model.from_equations(
        "\n".join(eqs), parameters=params, initial=initial, name=f"synthetic_{n_gates}"
    )
