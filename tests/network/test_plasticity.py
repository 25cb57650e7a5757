"""Plastic projections: declared synapse types, equivalences, continuation, recording, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu

M = nu.models.nest.iaf_psc_exp

ADDITIVE = nu.synapses.SynapseType(  # NEST's stdp_synapse with mu = 0, written out
    "my_stdp",
    weight="pA",
    parameters={"tau_p": "20 ms", "tau_m": "30 ms", "A_p": "0.05", "A_m": "0.06", "w_max": "80 pA"},
    pre="dxp/dt = -xp/tau_p : 1",
    post="dxm/dt = -xm/tau_m : 1",
    on_pre="w = w_max*max(w/w_max - A_m*xm, 0)",
    after_pre="xp += 1",
    on_post="w = w_max*min(w/w_max + A_p*xp, 1); xm += 1",
)


def _net(synapse, seed=4, record=None):
    net = nu.Network(seed=seed)
    P = net.add(M(n=60, I_e=nu.Q_(np.linspace(360, 420, 60), "pA")), name="P")
    pr = net.connect(
        P[:45],
        P,
        nu.conn.FixedInDegree(8),
        weight=nu.dist.Uniform("20 pA", "60 pA"),
        receptor="ex",
        delay="1.5 ms",
        synapse=synapse,
    )
    net.connect(P[45:], P, nu.conn.FixedInDegree(3), weight="-60 pA", delay="1 ms")
    net.connect(nu.sources.Poisson("300 Hz"), P, weight="40 pA", receptor="ex")
    net.record(P, spikes=True)
    if pr is not None and record is not None:
        net.record_weights(pr, record, every="5 ms")
    return net, pr


def test_declared_rule_equals_the_built_in_one():
    """A user-declared additive STDP gives the weights of nu.synapses.STDP with mu = 0."""
    built_in = nu.synapses.STDP(
        tau_plus="20 ms", tau_minus="30 ms", lambda_=0.05, alpha=1.2, mu_plus=0, mu_minus=0, Wmax="80 pA"
    )
    a_net, a = _net(ADDITIVE())
    b_net, b = _net(built_in)
    ra, rb = nu.simulate(a_net, "300 ms"), nu.simulate(b_net, "300 ms")
    wa, wb = ra.final_weights(a).m_as("pA"), rb.final_weights(b).m_as("pA")
    w0 = a_net.build().synapses(a.index)["weight"].m_as("pA")
    assert np.abs(wa - w0).max() > 5  # the weights did change
    assert ((wa == 0) | (wa == 80)).any()  # and met a bound
    np.testing.assert_allclose(wa, wb, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(ra["P"].spikes.indices, rb["P"].spikes.indices)


def test_a_synapse_that_changes_nothing_gives_the_static_network_bits():
    still = nu.synapses.SynapseType("still", parameters={})
    ra = nu.simulate(_net(still())[0], "200 ms")
    rb = nu.simulate(_net(None)[0], "200 ms")
    np.testing.assert_array_equal(ra["P"].spikes.times.m, rb["P"].spikes.times.m)
    np.testing.assert_array_equal(ra["P"].spikes.indices, rb["P"].spikes.indices)
    assert ra["P"].spikes.indices.size > 100


def test_two_runs_give_the_weights_of_one_and_recording():
    net, pr = _net(ADDITIVE(), record=[0, 5, 7])
    one = nu.simulate(net, "200 ms")
    sim = nu.Simulation(net, "0.1 ms")
    sim.run("80 ms")
    sim.run("120 ms")
    two = sim.results
    np.testing.assert_array_equal(one.final_weights(pr).m, two.final_weights(pr).m)
    t, w = two.weights(pr)
    np.testing.assert_allclose(t.m_as("ms"), np.arange(41) * 5.0)
    assert w.shape == (41, 3) and str(w.units) == "picoampere"
    np.testing.assert_array_equal(w.m, one.weights(pr)[1].m)
    np.testing.assert_array_equal(w[-1].m, one.final_weights(pr)[[0, 5, 7]].m)
    w0 = net.build().synapses(pr.index)["weight"][[0, 5, 7]]
    np.testing.assert_array_equal(w[0].m, w0.m)


def test_bad_synapse_input():
    net = nu.Network(seed=1)
    P = net.add(M(n=10), name="P")
    with pytest.raises(nu.ParameterError, match=r"has no parameter 'lamda'\. Did you mean 'lambda_'\?"):
        nu.synapses.STDP(lamda=0.1)
    with pytest.raises(
        nu.DimensionError, match=r"parameter 'tau_plus': expected a value in ms \(time\), got 20 mV"
    ):
        nu.synapses.STDP(tau_plus="20 mV")
    with pytest.raises(
        nu.DimensionError,
        match=r"^cannot connect: projection 0 \(P -> P\), synapse stdp_synapse, "
        r"parameter 'Wmax': expected a value in pA \(current\), got 10 nS",
    ):
        net.connect(P, P, weight="1 pA", receptor="ex", synapse=nu.synapses.STDP(Wmax="10 nS"))
    with pytest.raises(nu.ParameterError, match="a Poisson source cannot have plastic synapses"):
        net.connect(nu.sources.Poisson("10 Hz"), P, weight="1 pA", receptor="ex", synapse=nu.synapses.STDP())
    with pytest.raises(
        nu.ParameterError, match=r"name the receptor of a plastic projection \(receptor=\.\.\.\)"
    ):
        net.connect(P, P, weight="1 pA", synapse=nu.synapses.STDP())
    with pytest.raises(nu.ParameterError, match=r"a plastic projection takes one delay \(a duration\)"):
        net.connect(
            P,
            P,
            weight="1 pA",
            receptor="ex",
            delay=nu.dist.Uniform("1 ms", "2 ms"),
            synapse=nu.synapses.STDP(),
        )
    with pytest.raises(nu.ParameterError, match=r"synapse must come from nu\.synapses"):
        net.connect(P, P, weight="1 pA", receptor="ex", synapse="stdp")
    net.connect(P, P, weight="1 pA", receptor="ex")
    with pytest.raises(nu.ParameterError, match=r"projection 0 \(P -> P \(AllToAll\)\) is not plastic"):
        net.record_weights(0)
    assert len(net.projections) == 1
    R = net.add(nu.models.nest.sigmoid_rate_ipn(n=3), name="R")
    with pytest.raises(
        nu.ParameterError, match="a rate projection carries no spikes, so it cannot be plastic"
    ):
        net.connect(R, R, weight=0.5, synapse=nu.synapses.STDP())
    pr = net.connect(P, P, weight="1 pA", receptor="ex", synapse=ADDITIVE())
    net.record_weights(pr, [100])
    with pytest.raises(nu.ParameterError, match=r"synapses must be positions in \[0, 100\)"):
        net.build()
    net2 = nu.Network()
    Q = net2.add(nu.models.CobaLIF(n=3), name="Q")
    with pytest.raises(
        nu.DimensionError, match="synapse my_stdp takes weights in pA, but the receptor's weights are in nS"
    ):
        net2.connect(Q, Q, weight="1 nS", receptor="ex", synapse=ADDITIVE())


@pytest.mark.parametrize(
    ("kw", "error", "message"),
    [
        (
            dict(weight="nS", parameters={"eta": "1 ms"}, pre="dx/dt = -x/(10 ms) : 1", on_pre="w += eta*x"),
            nu.DimensionError,
            r"on_pre statement 'w \+= eta\*x': expected the expression in nS \(conductance\), got ms",
        ),
        (
            dict(parameters={"tau": "1 ms"}, pre="dx/dt = -x**2/tau : 1"),
            nu.EquationError,
            r"presynaptic trace 'x': dx/dt = -x\*\*2/tau is not of the form \(X_inf - x\)/tau",
        ),
        (dict(parameters={"tau": "1 ms"}, pre="dx/dt = 1/tau : 1"), nu.EquationError, "grows without bound"),
        (
            dict(
                parameters={"tau": "1 ms"},
                pre="dx/dt = -x/tau : 1",
                post="dy/dt = -y/tau : 1",
                on_pre="y += 1",
            ),
            nu.EquationError,
            r"'y' cannot be assigned here; on_pre assigns the weight w or the presynaptic traces \(x\)",
        ),
        (
            dict(parameters={"tau": "1 ms"}, pre="dx/dt = -x/tau : 1", on_pre="x += w/nS"),
            nu.EquationError,
            "a statement that assigns a trace of one neuron cannot read the weight",
        ),
        (
            dict(parameters={"tau": "1 ms"}, transmit="w*tau", weight="pA"),
            nu.DimensionError,
            r"transmit: expected the expression in pA \(current\), got ms pA",
        ),
        (dict(parameters={"tau": "1 ms"}, on_pre="w ++ 1"), nu.EquationError, "cannot read 'w \\+\\+ 1'"),
        (dict(parameters={"w": "1 ms"}), nu.EquationError, r"names used twice: w \(w is the weight\)"),
    ],
)
def test_bad_synapse_declarations(kw, error, message):
    with pytest.raises(error, match=message):
        nu.synapses.SynapseType("bad", **kw)


TRIPLET = nu.synapses.SynapseType(  # Pfister & Gerstner (2006), all-to-all, hard bounds
    "triplet",
    weight="pA",
    parameters={
        "tau_p": "16.8 ms",
        "tau_x": "101 ms",
        "tau_m": "33.7 ms",
        "tau_y": "125 ms",
        "A2p": "0.5 pA",
        "A3p": "0.62 pA",
        "A2m": "0.7 pA",
        "A3m": "0.023 pA",
        "w_max": "60 pA",
    },
    pre="dr1/dt = -r1/tau_p : 1\ndr2/dt = -r2/tau_x : 1",
    post="do1/dt = -o1/tau_m : 1\ndo2/dt = -o2/tau_y : 1",
    on_pre="w = clip(w - o1*(A2m + A3m*r2), 0 pA, w_max)",
    after_pre="r1 += 1; r2 += 1",
    on_post="w = clip(w + r1*(A2p + A3p*o2), 0 pA, w_max); o1 += 1; o2 += 1",
)


def _triplet_reference(t_pre, t_post, d, w):
    """The triplet rule event by event, in the order events reach the synapse (post at t + d,
    before pre at the same time; each reads the traces of spikes strictly before it)."""
    import math

    def tr(times, t, tau):
        return sum(math.exp(-(t - s) / tau) for s in times if s < t - 1e-9)

    events = sorted([(t + d, 0) for t in t_post] + [(t, 1) for t in t_pre])
    out = []
    for t, kind in events:
        if kind == 0:
            w = min(max(w + tr(t_pre, t, 16.8) * (0.5 + 0.62 * tr([s + d for s in t_post], t, 125.0)), 0), 60)
        else:
            post = [s + d for s in t_post]
            w = min(max(w - tr(post, t, 33.7) * (0.7 + 0.023 * tr(t_pre, t, 101.0)), 0), 60)
            out.append(w)
    return np.array(out)


def test_triplet_rule_against_an_event_by_event_reference():
    from test_plasticity_nest import Parrot, _parrots

    rng = np.random.default_rng(5)
    t_pre = np.unique(np.round(np.cumsum(rng.exponential(15.0, 40)) + 1, 1))
    t_post = np.unique(np.round(np.cumsum(rng.exponential(12.0, 50)) + 1, 1))
    t_post = np.union1d(t_post, np.round(t_pre[[3, 8]] - 2.0, 1))  # post spikes meeting pre spikes
    net = nu.Network()
    A, B = _parrots(net, "pre", t_pre), _parrots(net, "post", t_post)
    assert isinstance(B.model, Parrot)
    pr = net.connect(A, B, weight="30 pA", receptor="plastic", delay="2 ms", synapse=TRIPLET())
    net.record_weights(pr)
    res = nu.simulate(net, f"{max(t_pre.max(), t_post.max()) + 5} ms")
    got = res.weights(pr)[1].m_as("pA")[np.rint(t_pre / 0.1).astype(int), 0]
    want = _triplet_reference(t_pre, t_post, 2.0, 30.0)
    assert np.ptp(want) > 10
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-10)


def test_only_nest_synapse_types_export_to_nest(tmp_path):
    net = nu.Network()
    P = net.add(M(n=3), name="P")
    net.connect(P, P, weight="1 pA", receptor="ex", synapse=nu.synapses.STDP())
    assert nu.export.nest(net, tmp_path / "run.py", "10 ms").exists()  # NEST's stdp_synapse
    net.connect(P, P, weight="30 pA", receptor="ex", delay="2 ms", synapse=TRIPLET())
    with pytest.raises(
        nu.ExportError,
        match=r"projection 1 \(P -> P \(AllToAll\)\): synapse type 'triplet' is declared in neurounits",
    ):
        nu.export.nest(net, tmp_path / "run2.py", "10 ms")


def test_stdp_weights_must_have_the_sign_of_wmax():
    net = nu.Network()
    P = net.add(M(n=4), name="P")
    w = nu.Q_([10.0, -5.0, 3.0, -1.0], "pA")
    net.connect(P, P, nu.conn.OneToOne(), weight=w, receptor="ex", synapse=nu.synapses.STDP(Wmax="50 pA"))
    with pytest.raises(
        nu.ParameterError,
        match=r"projection 0 \(P -> P \(OneToOne\)\): synapse stdp_synapse "
        r"needs w/Wmax >= 0; 2 of 4 synapses do not meet it \(e\.g\. w = -5 pA\)",
    ):
        net.build()
    with pytest.raises(nu.EquationError, match="constraint 'w': write a condition on the weight w"):
        nu.synapses.SynapseType("bad", constraints=("w",), weight="pA")


@pytest.mark.slow
def test_sources_that_spike_several_times_in_a_step_deliver_every_spike():
    """aeif_cond_alpha (rkf45, events inside the step) counts its spikes per step; a plastic
    projection that changes nothing delivers them as a static one does (the same bits)."""

    def run(syn):
        net = nu.Network(seed=2)
        A = net.add(
            nu.models.nest.aeif_cond_alpha(n=10, I_e=nu.Q_(np.linspace(600, 900, 10), "pA")), name="A"
        )
        B = net.add(M(n=5), name="B")
        net.connect(A, B, nu.conn.FixedInDegree(4), weight="30 pA", receptor="ex", delay="1 ms", synapse=syn)
        net.record(B, "V_m", every="1 ms")
        assert nu.Simulation(net)._runner.spec.populations[0].multi
        return nu.simulate(net, "200 ms")["B"]["V_m"].m

    a, b = run(None), run(nu.synapses.SynapseType("still")())
    assert np.ptp(a) > 0.5  # the spikes arrived
    np.testing.assert_array_equal(a, b)


def test_weight_parameters_take_the_receptor_unit_only_by_default():
    net = nu.Network()
    P = net.add(M(n=2), name="P")
    with pytest.raises(
        nu.DimensionError,
        match=r"parameter 'Wmax': expected a value in pA \(current\), got the "
        r"plain number 50",
    ):
        net.connect(P, P, weight="1 pA", receptor="ex", synapse=nu.synapses.STDP(Wmax=50))
    net.connect(P, P, weight="1 pA", receptor="ex", synapse=nu.synapses.STDP())  # NEST's default: 100 pA here
    assert net.projections[0].plastic[1][-1] == 100.0
