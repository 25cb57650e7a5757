"""Published models written as they are written, with the constructs of issue 13 items 4-9
(user functions, second-order ODEs, random numbers in resets, after_step, derived parameters, int
states), each compared with a reference: a Brian2 trace (tests/reference/make_brian2_refs_lang_b.py)
or a closed form."""

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import neurounits as nu

REF = Path(__file__).parents[2] / "reference"

# Traub & Miles (1991) rates, as published: removable singularities at u = 13 mV, 40 mV and 15 mV
nu.function("tm_alpha_m(u: mV) -> 1/ms", "0.32/mV/ms*(13*mV - u)/(exp((13*mV - u)/(4*mV)) - 1)")
nu.function("tm_beta_m(u: mV) -> 1/ms", "0.28/mV/ms*(u - 40*mV)/(exp((u - 40*mV)/(5*mV)) - 1)")
nu.function("tm_alpha_n(u: mV) -> 1/ms", "0.032/mV/ms*(15*mV - u)/(exp((15*mV - u)/(5*mV)) - 1)")
nu.function("tm_beta_n(u: mV) -> 1/ms", "0.5/ms*exp((10*mV - u)/(40*mV))")
nu.function("tm_alpha_h(u: mV) -> 1/ms", "0.128/ms*exp((17*mV - u)/(18*mV))")
nu.function("tm_beta_h(u: mV) -> 1/ms", "4/ms/(1 + exp((40*mV - u)/(5*mV)))")


class TraubHH(nu.Model):
    """Brian2's Hodgkin-Huxley example (COBAHH's neuron, Traub & Miles 1991), area 20000 um^2."""

    area = nu.Parameter("20000 um**2")
    C_spec = nu.Parameter("1 uF/cm**2")
    gl_spec = nu.Parameter("5e-5 S/cm**2")
    gna_spec = nu.Parameter("100 mS/cm**2")
    gkd_spec = nu.Parameter("30 mS/cm**2")
    Cm = nu.Derived("C_spec*area", "pF")
    gl = nu.Derived("gl_spec*area", "nS")
    g_na = nu.Derived("gna_spec*area", "uS")
    g_kd = nu.Derived("gkd_spec*area", "uS")
    El = nu.Parameter("-65 mV")
    EK = nu.Parameter("-90 mV")
    ENa = nu.Parameter("50 mV")
    VT = nu.Parameter("-63 mV")
    v = nu.State("mV", initial="El")
    m = nu.State("1")
    n = nu.State("1")
    h = nu.State("1")
    I = nu.Input("nA")
    equations = """
        dv/dt = (gl*(El-v) - g_na*(m*m*m)*h*(v-ENa) - g_kd*(n*n*n*n)*(v-EK) + I)/Cm
        dm/dt = tm_alpha_m(v - VT)*(1 - m) - tm_beta_m(v - VT)*m
        dn/dt = tm_alpha_n(v - VT)*(1 - n) - tm_beta_n(v - VT)*n
        dh/dt = tm_alpha_h(v - VT)*(1 - h) - tm_beta_h(v - VT)*h
    """


def test_traub_hh_rate_functions_match_brian2():
    ref = np.load(REF / "brian2_traub_hh_lang_b.npz")
    m = TraubHH()
    assert m.derived["Cm"].m_as("pF") == pytest.approx(200.0)
    r = nu.simulate(m, duration="50 ms", dt="0.01 ms", inputs={"I": "1 nA"}, record=("v", "m", "h", "n"),
                    method="rk4", record_every=10)
    v = r["v"].m_as("mV")[:, 0]
    assert len(v) == len(ref["v_mV"]) + 1  # Brian2 does not record the state after the last step
    assert np.max(np.abs(v[:-1] - ref["v_mV"])) < 1e-6
    for g in ("m", "h", "n"):
        assert np.max(np.abs(r[g].m[:-1, 0] - ref[g])) < 1e-8
    up = np.flatnonzero((v[1:] > -20) & (v[:-1] <= -20))
    assert len(up) == len(ref["spikes_ms"]) == 7


def test_traub_hh_at_the_singular_voltages():
    """The published rates are 0/0 at u = 13, 40 and 15 mV: held there, the gates relax to their
    closed-form steady state without a NaN."""
    m = TraubHH()
    for u in (13.0, 40.0, 15.0):
        r = nu.simulate(m, duration="30 ms", dt="0.01 ms", method="rk4", record=("m", "n"),
                        initial={"v": f"{-63 + u} mV"}, inputs={"I": "0 nA"})
        assert np.all(np.isfinite(r["m"].m)) and np.all(np.isfinite(r["n"].m))
    am, bm = nu.equations.userfunctions.USER_FUNCTIONS["tm_alpha_m"], \
        nu.equations.userfunctions.USER_FUNCTIONS["tm_beta_m"]
    assert am("13 mV").m_as("1/ms") == pytest.approx(0.32 * 4)
    assert bm("40 mV").m_as("1/ms") == pytest.approx(0.28 * 5)


class AlphaSynapseLIF(nu.Model):
    """NESTML's iaf_psc_alpha as its model file wrote it before kernels (NESTML 3): the alpha-shaped
    current as the second-order ODE I'' = -2 I'/tau_syn - I/tau_syn**2, a spike adding e/tau_syn*w
    to I'."""

    tau_syn = nu.Parameter("2 ms")
    tau_m = nu.Parameter("10 ms")
    C_m = nu.Parameter("250 pF")
    E_L = nu.Parameter("-70 mV")
    V_m = nu.State("mV", initial="E_L")
    I_syn = nu.State("pA")
    ex = nu.Receptor("pA", "dI_syn_dt += 2.718281828459045/tau_syn*w")
    equations = """
        d2I_syn/dt2 = -2*dI_syn_dt/tau_syn - I_syn/tau_syn**2
        dV_m/dt = -(V_m - E_L)/tau_m + I_syn/C_m
    """


def test_alpha_synapse_second_order_closed_form():
    t0, w, ts, tm, C = 1.0, 100.0, 2.0, 10.0, 250.0
    r = nu.simulate(AlphaSynapseLIF(), duration="20 ms", dt="0.01 ms", method="rk4", record=("I_syn", "V_m"),
                    spike_inputs=[nu.SpikeInput(times=nu.Q_([t0], "ms"), weight=f"{w} pA", receptor="ex")])
    t = r.t.m_as("ms") - t0
    s = np.clip(t, 0, None)
    exact_i = w * np.e / ts * s * np.exp(-s / ts)
    assert np.max(np.abs(r["I_syn"].m[:, 0] - exact_i)) < 1e-6 * w
    # V: the membrane's response to the alpha current (closed form of the linear system), in mV
    a, b = 1 / ts, 1 / tm
    resp = w * np.e / ts / C * (np.exp(-b * s) - np.exp(-a * s) * (1 + (a - b) * s)) / (a - b) ** 2
    assert np.max(np.abs(r["V_m"].m[:, 0] - (-70 + resp))) < 1e-7


class RandomResetLIF(nu.Model):
    """A LIF neuron reset to a uniformly distributed potential (Brian2's ``v = V_r + rand()*dV`` reset,
    as in the stochastic-reset examples of its documentation), counting its spikes in an int state."""

    tau = nu.Parameter("10 ms")
    V_inf = nu.Parameter("20 mV")
    V_th = nu.Parameter("10 mV")
    V_r = nu.Parameter("0 mV")
    dV = nu.Parameter("5 mV")
    v = nu.State("mV", initial="V_r + rand()*dV")
    count = nu.State("1", dtype=int)
    equations = "dv/dt = (V_inf - v)/tau"
    threshold = "v > V_th"
    reset = "v = V_r + rand()*dV; count += 1"


def test_random_reset_isi_law():
    """Each interval starts at u ~ U(V_r, V_r + dV) and lasts T = tau*ln((V_inf - u)/(V_inf - V_th)):
    the intervals' distribution function is known in closed form (KS test), up to the step (0.01 ms)."""
    n = 2000
    r = nu.simulate(RandomResetLIF(n=n), duration="100 ms", dt="0.01 ms", method="exact", seed=11,
                    record=("count",), record_every=10000)
    assert r["count"].m.dtype == np.int64 and np.array_equal(r["count"].m[-1], r.spike_counts)
    isis = np.concatenate([np.diff(r.spikes.times.m_as("ms")[r.spikes.indices == i]) for i in range(n)])

    def cdf(T):  # P(interval <= T): u >= V_inf - (V_inf - V_th) e^{T/tau}
        u = 20 - 10 * np.exp(np.asarray(T) / 10)
        return np.clip((5 - u) / 5, 0, 1)

    t_lo, t_hi = 10 * np.log(1.5), 10 * np.log(2.0)
    assert isis.min() >= t_lo - 0.011 and isis.max() <= t_hi + 0.011
    assert stats.kstest(isis - 0.005, cdf).pvalue > 1e-3  # (a spike is seen at the end of its step)
    again = nu.simulate(RandomResetLIF(n=n), duration="100 ms", dt="0.01 ms", method="exact", seed=11)
    assert np.array_equal(again.spikes.times.m, r.spikes.times.m)


class GillespieOU(nu.Model):
    """The point-conductance model of Destexhe et al. (2001, Neuroscience 107, 13): an excitatory
    Ornstein-Uhlenbeck conductance updated exactly each step (Gillespie 1996, Phys Rev E 54, 2084)."""

    g0 = nu.Parameter("12 nS")
    sigma = nu.Parameter("3 nS")
    tau_e = nu.Parameter("2.7 ms")
    g_L = nu.Parameter("13.4 nS")
    C = nu.Parameter("0.35 nF")
    E_L = nu.Parameter("-80 mV")
    E_e = nu.Parameter("0 mV")
    V = nu.State("mV", initial="E_L")
    g = nu.State("nS", initial="g0 + sigma*randn()")
    equations = "dV/dt = (-g_L*(V - E_L) - g*(V - E_e))/C"
    after_step = "g = g0 + (g - g0)*exp(-dt/tau_e) + sigma*sqrt(1 - exp(-2*dt/tau_e))*randn()"


def test_gillespie_ou_exact_update_statistics():
    r = nu.simulate(GillespieOU(n=5000), duration="5 ms", dt="0.5 ms", seed=3, record=("g",))
    g = r["g"].m
    assert stats.kstest((g[-1] - 12) / 3, "norm").pvalue > 1e-3  # stationary N(g0, sigma^2) at every t
    rho = np.corrcoef(g[-2], g[-1])[0, 1]
    assert rho == pytest.approx(np.exp(-0.5 / 2.7), abs=0.03)  # lag-one correlation exp(-dt/tau)
