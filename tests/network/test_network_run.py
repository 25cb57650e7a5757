"""Networks: delivery against spike inputs, continuation, sources' statistics, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import neurounits as nu
from neurounits.codegen import cache

M = nu.models.nest.iaf_psc_exp


class Counter(nu.Model):
    """Adds up the weights it receives (no dynamics, no threshold)."""

    x = nu.State("mV", doc="sum of the weights received")
    r = nu.Receptor("mV", "x += w")
    equations = "dx/dt = 0 mV/ms : mV"


def _feedforward(seed: int = 3):
    net = nu.Network(seed=seed)
    S = net.add(M(n=4, I_e=nu.Q_([380.0, 400.0, 400.0, 450.0], "pA")), name="S")
    T = net.add(M(n=3, I_e="100 pA"), name="T")
    pre, post = np.array([0, 1, 2, 3, 0, 1]), np.array([0, 0, 0, 1, 2, 2])
    w = nu.Q_([300.0, 200.0, 200.0, -400.0, 150.0, -150.0], "pA")
    d = nu.Q_([0.1, 1.0, 1.0, 2.3, 1.5, 0.1], "ms")
    net.connect(S, T, nu.conn.Explicit(pre, post), weight=w, delay=d)
    net.connect(nu.sources.SpikeTimes(["5 ms", "5 ms", "12.3 ms"]), T[1:2], weight="250 pA", delay="1 ms")
    net.record(S, spikes=True)
    net.record(T, "V_m", "I_syn_ex", "I_syn_in", spikes=True)
    return net, (pre, post, w, d)


def test_delivery_is_spike_inputs_at_emission_plus_delay():
    """A projection delivers exactly what SpikeInputs at (emission time + delay) deliver: the same
    bits, with delays of one and several steps, sign routing, and two spikes in one step."""
    net, (pre, post, w, d) = _feedforward()
    res = nu.simulate(net, "100 ms", dt="0.1 ms")
    sp = res["S"].spikes
    assert np.sum(sp.indices == 1) >= 3 and np.array_equal(
        sp.times.magnitude[sp.indices == 1], sp.times.magnitude[sp.indices == 2]
    )
    inputs = []
    for s, k, ww, dd in zip(pre, post, w.magnitude, d.magnitude, strict=True):
        t = sp.times.to("ms").magnitude[sp.indices == s] + dd
        inputs.append(nu.SpikeInput(nu.Q_(t, "ms"), nu.Q_(ww, "pA"), neurons=[k]))
    inputs.append(nu.SpikeInput(nu.Q_([6.0, 6.0, 13.3], "ms"), "250 pA", neurons=[1]))
    ref = nu.simulate(
        M(n=3, I_e="100 pA"), "100 ms", "0.1 ms", spike_inputs=inputs, record=("V_m", "I_syn_ex", "I_syn_in")
    )
    for v in ("V_m", "I_syn_ex", "I_syn_in"):
        np.testing.assert_array_equal(res["T"][v].magnitude, ref[v].magnitude)
    np.testing.assert_array_equal(res["T"].spikes.times.magnitude, ref.spikes.times.magnitude)
    assert res["T"]["I_syn_in"].magnitude.min() < 0  # negative weights went to the inhibitory current


def _coba(seed=5, n=400, w_ex="6 nS"):
    net = nu.Network(seed=seed)
    P = net.add(nu.models.CobaLIF(n=n), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")})
    ne = n * 4 // 5
    net.connect(P[:ne], P, nu.conn.FixedProbability(0.05), weight=w_ex, receptor="ex", delay="0.2 ms")
    net.connect(
        P[ne:],
        P,
        nu.conn.FixedProbability(0.05),
        weight="67 nS",
        receptor="inh",
        delay=nu.dist.Uniform("0.1 ms", "1 ms"),
    )
    net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS", receptor="ex")
    net.record(P, spikes=True)
    net.record(P[::40], "V", "g_ex", every="0.3 ms")
    return net


def test_two_runs_give_the_bits_of_one():
    net = _coba()
    one = nu.simulate(net, "60 ms", dt="0.1 ms")["P"]
    sim = nu.Simulation(net, "0.1 ms")
    sim.run("17.3 ms")
    sim.run("42.7 ms")
    two = sim.results["P"]
    assert one.spikes.indices.size > 50
    np.testing.assert_array_equal(two.spikes.times.magnitude, one.spikes.times.magnitude)
    np.testing.assert_array_equal(two.spikes.indices, one.spikes.indices)
    for v in ("V", "g_ex"):
        assert two[v].shape == one[v].shape == (201, 10)
        np.testing.assert_array_equal(two[v].magnitude, one[v].magnitude)
    np.testing.assert_array_equal(two.t.magnitude, one.t.magnitude)


def test_same_seed_same_network_other_seed_other_network():
    a, b, c = _coba(seed=5), _coba(seed=5), _coba(seed=6)
    ra, rb, rc = (nu.simulate(x, "30 ms", dt="0.1 ms")["P"] for x in (a, b, c))
    np.testing.assert_array_equal(ra.spikes.indices, rb.spikes.indices)
    sa, sc = a.build("0.1 ms").synapses(0), c.build("0.1 ms").synapses(0)
    assert not (sa["pre"].size == sc["pre"].size and np.array_equal(sa["pre"], sc["pre"]))
    assert not np.array_equal(ra.spikes.indices, rc.spikes.indices)


def test_new_weights_rates_sizes_and_seeds_do_not_recompile():
    nu.simulate(_coba(seed=1, n=200), "5 ms", dt="0.1 ms")
    before = cache.loaded()
    nu.simulate(_coba(seed=9, n=300, w_ex="3 nS"), "5 ms", dt="0.1 ms")
    assert cache.loaded() == before


def test_delay_distribution_is_rounded_to_steps_and_can_be_read_back():
    net = _coba()
    s = net.build("0.1 ms").synapses(1)
    steps = s["delay"].to("ms").magnitude / 0.1
    np.testing.assert_allclose(steps, np.rint(steps), atol=1e-9)
    assert steps.min() >= 1 and steps.max() <= 10
    assert set(np.rint(steps).astype(int)) >= {2, 5, 9}


def test_poisson_counts_follow_the_poisson_law():
    """Each target's count over T is Poisson(rate T) (mean, variance), targets are independent,
    and the per-step counts follow Poisson(rate dt) (chi-squared)."""
    n, rate, T = 2000, 2400.0, 0.05
    net = nu.Network(seed=11)
    C = net.add(Counter(n=n), name="C")
    net.connect(nu.sources.Poisson(f"{rate} Hz"), C, weight="1 mV")
    net.record(C, "x")
    x = nu.simulate(net, f"{T * 1000} ms", dt="0.1 ms")["C"]["x"].to("mV").magnitude
    total = x[-1]
    lam = rate * T
    z_mean = (total.mean() - lam) / np.sqrt(lam / n)
    assert abs(z_mean) < 4
    # variance of a Poisson sample: Var(s^2) ~ (lam + 2 lam^2/(n-1)) / n
    z_var = (total.var(ddof=1) - lam) / np.sqrt((lam + 2 * lam**2) / n)
    assert abs(z_var) < 4
    per_step = np.diff(x, axis=0).ravel().astype(int)
    k = np.arange(4)
    expected = stats.poisson.pmf(k, rate * 1e-4) * per_step.size
    observed = np.array([np.sum(per_step == v) for v in k[:-1]] + [np.sum(per_step >= 3)])
    expected[-1] = stats.poisson.sf(2, rate * 1e-4) * per_step.size
    assert stats.chisquare(observed, expected).pvalue > 1e-4
    # targets are independent: the correlations of neighbouring targets' per-step counts (each with
    # standard deviation 1/sqrt(steps)) average 0, within 4 standard errors
    d = np.diff(x, axis=0)
    z = (d - d.mean(axis=0)) / d.std(axis=0)
    r = (z[:, :-1] * z[:, 1:]).mean(axis=0)
    assert abs(r.mean()) < 4 / np.sqrt(d.shape[0] * r.size)


def test_poisson_with_a_large_mean_and_a_timed_rate():
    net = nu.Network(seed=2)
    C = net.add(Counter(n=3000), name="C")
    rates = nu.TimedArray(nu.Q_([0.0, 300000.0], "Hz"), dt="1 ms")  # 30 per step from 1 ms on
    net.connect(nu.sources.Poisson(rates), C, weight="1 mV", delay="0.5 ms")
    net.record(C, "x")
    x = nu.simulate(net, "2 ms", dt="0.1 ms")["C"]["x"].to("mV").magnitude
    assert np.all(x[:16] == 0)  # emitted from 1 ms on, arriving 0.5 ms later
    total = x[-1]  # 5 steps of mean 30
    assert abs(total.mean() - 150) < 4 * np.sqrt(150 / 3000)
    assert abs(total.var(ddof=1) / 150 - 1) < 0.1


def test_state_and_views():
    net, _ = _feedforward()
    S = net.population("S")
    v = S[1:3] + S[[0]]
    assert v.n == 3 and v.describe() == "S[1:3] + S[0:1]"
    with pytest.raises(
        IndexError, match=r"index 7 is out of range for the view of 4 neurons \(valid: 0 to 3\)"
    ):
        S[[1, 7]]
    sim = nu.Simulation(net, "0.1 ms")
    sim.run("2 ms")
    assert sim.state["T"]["V_m"].units == nu.ureg.mV and sim.state["T"]["V_m"].shape == (3,)
    assert str(sim.t) == "2.0 millisecond"


def test_set_parameter_and_input_between_runs():
    """A new parameter value compiles nothing; an input that becomes one value per neuron is a new
    structure (its population's step module is compiled for it), as for one population."""
    net, _ = _feedforward()
    a = nu.Simulation(net, "0.1 ms")
    a.run("20 ms")
    before = cache.loaded()
    a.set_parameter("T", "tau_m", "5 ms")
    a.run("10 ms")
    assert cache.loaded() == before
    a.set_input("S", "I", nu.Q_([0.0, 0.0, 0.0, 2000.0], "pA"))
    a.run("20 ms")
    b = nu.Simulation(net, "0.1 ms")
    b.run("50 ms")
    va, vb = a.results["T"]["V_m"].magnitude, b.results["T"]["V_m"].magnitude
    np.testing.assert_array_equal(va[:201], vb[:201])
    assert not np.array_equal(va[201:], vb[201:])
    late = a.results["S"].spikes.times.m_as("ms") > 30.0
    assert np.sum(a.results["S"].spikes.indices[late] == 3) >= 3
    with pytest.raises(nu.ParameterError, match="model 'iaf_psc_exp' has no parameter 'tau'"):
        a.set_parameter("T", "tau", "5 ms")
    with pytest.raises(KeyError, match="no population named 'X'"):
        a.set_parameter("X", "tau_m", "5 ms")
