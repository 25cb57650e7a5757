"""Plastic projections on a team of threads: the same bits as one thread (spikes, traces, states,
recorded and final weights) for STDP (additive and multiplicative, bounds, a dendritic delay),
Tsodyks2 and a rule of one's own, in continued runs and in runs that switch between the team and
one thread; slices no longer than the shortest plastic delay."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import assert_same_network_runs

import neurounits as nu
from neurounits.network.threads import Chooser, team_size

M = nu.models.nest.iaf_psc_exp

VOGELS_SPREKELER = nu.synapses.SynapseType(  # examples/network_inhibitory_plasticity.py
    "vogels_sprekeler",
    weight="nS",
    parameters={"tau": "20 ms", "eta": "0.5 nS", "rho0": "5 Hz", "w_max": "100 nS"},
    pre="dx/dt = -x/tau : 1",
    post="dy/dt = -y/tau : 1",
    on_pre="w = clip(w + eta*(y - 2*rho0*tau), 0 nS, w_max)",
    after_pre="x += 1",
    on_post="w = clip(w + eta*x, 0 nS, w_max); y += 1",
)


def _stdp(mu: float) -> nu.synapses.Synapse:
    return nu.synapses.STDP(
        tau_plus="16.8 ms", tau_minus="33.7 ms", lambda_=0.1, alpha=1.1, mu_plus=mu, mu_minus=mu, Wmax="70 pA"
    )


def _lif(synapse, delay: str = "1.5 ms", n: int = 300, seed: int = 4):
    """LIF neurons, 4/5 of them with plastic synapses onto all (in-degree 20, delay ``delay``),
    static inhibition (1 ms), Poisson drive (1 ms: slices of min(10 steps, the plastic delay))."""
    net = nu.Network(seed=seed)
    P = net.add(M(n=n, I_e=nu.Q_(np.linspace(330, 400, n), "pA")), name="P")
    ne = n * 4 // 5
    pr = net.connect(
        P[:ne],
        P,
        nu.conn.FixedInDegree(20),
        weight=nu.dist.Uniform("20 pA", "60 pA"),
        receptor="ex",
        delay=delay,
        synapse=synapse,
    )
    net.connect(P[ne:], P, nu.conn.FixedInDegree(5), weight="-50 pA", delay="1 ms")
    net.connect(nu.sources.Poisson("400 Hz"), P, weight="40 pA", receptor="ex", delay="1 ms")
    net.record(P, spikes=True)
    net.record(P[::23], "V_m", "I_syn_ex")
    net.record_weights(pr, np.arange(3, 20 * n, 17), every="0.5 ms")
    return net, pr


def _coba(n: int = 400, seed: int = 3):
    """The inhibitory plasticity example scaled down: CobaLIF, I -> E plastic (Vogels-Sprekeler)."""
    net = nu.Network(seed=seed)
    P = net.add(nu.models.CobaLIF(n=n), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")})
    ne = n * 4 // 5
    E, I_ = P[:ne], P[ne:]
    net.connect(E, P, nu.conn.FixedProbability(0.05), weight="2 nS", receptor="ex", delay="0.5 ms")
    net.connect(I_, I_, nu.conn.FixedProbability(0.05), weight="20 nS", receptor="inh", delay="0.5 ms")
    pr = net.connect(
        I_,
        E,
        nu.conn.FixedInDegree(10),
        weight="1 nS",
        receptor="inh",
        delay="0.5 ms",
        synapse=VOGELS_SPREKELER(),
    )
    net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS", receptor="ex", delay="0.5 ms")
    net.record(P, spikes=True)
    net.record(P[::31], "V", "g_in")
    net.record_weights(pr, np.arange(0, 10 * (n - ne), 7), every="1 ms")
    return net, pr


CASES = {
    "stdp_additive": lambda: _lif(_stdp(0.0)),
    "stdp_multiplicative_short_delay": lambda: _lif(_stdp(1.0), delay="0.5 ms"),
    "tsodyks2": lambda: _lif(nu.synapses.Tsodyks2(U=0.3, u=0.3, x=1.0, tau_rec="100 ms", tau_fac="50 ms")),
    "vogels_sprekeler": _coba,
}
K = {"stdp_additive": 10, "stdp_multiplicative_short_delay": 5, "tsodyks2": 10, "vogels_sprekeler": 5}


def _run(make, threads: int, durations=("60 ms",), adaptive: bool = False):
    net, pr = make()
    sim = nu.Simulation(net, "0.1 ms", threads=threads)
    sim._runner.adaptive = adaptive
    for d in durations:
        sim.run(d)
    return sim, pr


def _assert_same(a, b, pr) -> None:
    """Spikes, traces, states, recorded and final weights of two simulations: the same bits."""
    assert_same_network_runs(a, b)
    ra, rb = a.results, b.results
    np.testing.assert_array_equal(ra.final_weights(pr).magnitude, rb.final_weights(pr).magnitude)
    (ta, wa), (tb, wb) = ra.weights(pr), rb.weights(pr)
    np.testing.assert_array_equal(ta.magnitude, tb.magnitude)
    np.testing.assert_array_equal(wa.magnitude, wb.magnitude)
    for x, y in zip(a._runner.plastic, b._runner.plastic, strict=True):  # traces and post spikes in flight
        for k in ("xpre", "tpr", "xpost", "tpo", "pring", "prn"):
            np.testing.assert_array_equal(getattr(x, k), getattr(y, k), err_msg=k)


@pytest.mark.parametrize("case", sorted(CASES))
def test_team_gives_the_bits_of_one_thread_also_continued(case):
    make = CASES[case]
    one, pr = _run(make, 1, ("60 ms",))
    res = one.results
    assert res["P"].spikes.indices.size > 300  # the network spikes enough for this to mean something
    w0 = make()[0].build("0.1 ms").synapses(pr.index)["weight"].magnitude
    w = res.final_weights(pr).magnitude
    if case != "tsodyks2":
        assert np.abs(w - w0).max() > 0.05 * np.abs(w0).max()  # the weights did change
    if case == "stdp_additive":
        assert (w == 0).any() or (w == 70).any()  # and met a bound
    two, _ = _run(make, 2, ("60 ms",))
    team = two._runner.team
    assert team is not None and team.size == 2 and team.K == K[case]  # K: at most the plastic delay
    _assert_same(one, two, pr)
    cut, _ = _run(make, 2, ("23.7 ms", "36.2 ms", "0.1 ms"))  # slices cut anywhere
    _assert_same(one, cut, pr)


@pytest.mark.parametrize("case", ["stdp_additive", "vogels_sprekeler"])
def test_runs_that_mix_team_and_one_thread_give_the_same_bits(monkeypatch, case):
    """The adaptive chooser switches between the team and one thread every few steps."""
    monkeypatch.setattr(Chooser, "FIRST", 3)
    monkeypatch.setattr(Chooser, "RECHECK_S", 0.0)
    monkeypatch.setattr(Chooser, "RECHECK_MAX_S", 0.0)
    monkeypatch.setattr(Chooser, "PROBE_S", 1e-9)
    monkeypatch.setattr(Chooser, "WORK_S", 1e-9)
    one, pr = _run(CASES[case], 1, ("40 ms",))
    mixed, _ = _run(CASES[case], 2, ("40 ms",), adaptive=True)
    chooser = mixed._runner.chooser
    assert chooser is not None and set(chooser.cost) == {1, 2} and chooser.count > 10
    _assert_same(one, mixed, pr)


def test_three_threads_several_plastic_projections_several_spikes_per_step_and_payloads():
    """Three plastic projections on three threads (uneven splits): one from a population that
    spikes several times in a step (aeif_cond_alpha, rkf45, no refractory time), one from a
    population whose spikes carry a value (iaf_bw_2001), into other populations."""

    def make():
        net, pr = _lif(_stdp(0.5), n=200)
        P = net.populations[0]
        A = net.add(
            nu.models.nest.aeif_cond_alpha(n=31, t_ref="0 ms", I_e=nu.Q_(np.linspace(2e4, 1.2e5, 31), "pA")),
            name="A",
        )
        B = net.add(
            nu.models.nest.iaf_bw_2001(n=40), name="B", initial={"V_m": nu.dist.Uniform("-70 mV", "-55 mV")}
        )
        net.connect(nu.sources.Poisson("2 kHz"), A, weight="3 nS", receptor="ex", delay="1 ms")
        net.connect(nu.sources.Poisson("3 kHz"), B, weight="2 nS", receptor="AMPA", delay="1 ms")
        net.connect(B, B, nu.conn.FixedProbability(0.3), weight="0.5 nS", receptor="NMDA", delay="1 ms")
        tso = nu.synapses.Tsodyks2(U=0.4, u=0.4, x=1.0, tau_rec="50 ms", tau_fac="20 ms")
        net.connect(A, P, nu.conn.FixedInDegree(4), weight="30 pA", receptor="ex", delay="2 ms", synapse=tso)
        stdp = nu.synapses.STDP(lambda_=0.05, mu_plus=0.0, mu_minus=0.0, Wmax="5 nS")
        net.connect(
            B, A, nu.conn.FixedInDegree(6), weight="2 nS", receptor="ex", delay="1.2 ms", synapse=stdp
        )
        net.connect(P, A, nu.conn.FixedInDegree(5), weight="1 nS", receptor="ex", delay="1 ms")
        net.record(A, spikes=True)
        net.record(B, "s_NMDA", spikes=True)
        return net, pr

    one, pr = _run(make, 1, ("40 ms",))
    sp = one.results["A"].spikes
    pairs = np.stack([np.rint(sp.times.m_as("ms") * 10).astype(int), sp.indices])
    assert np.unique(pairs, axis=1).shape[1] < pairs.shape[1]  # some neuron spiked twice in a step
    assert one.results["B"].spikes.indices.size > 20
    assert one._runner.spec.populations[1].multi and one._runner.spec.populations[2].payload
    three, _ = _run(make, 3, ("17.3 ms", "22.7 ms"))
    assert three._runner.team is not None and three._runner.team.size == 3
    _assert_same(one, three, pr)
    for k in (1, 2):
        np.testing.assert_array_equal(one._runner.plastic[k].w, three._runner.plastic[k].w)
    assert not np.array_equal(one._runner.plastic[2].w, one._runner.plastic[2].tables.arrays["W"])


def test_plastic_networks_may_run_on_a_team():
    net, _ = _lif(_stdp(1.0))
    sim = nu.Simulation(net, "0.1 ms", threads=2)
    assert sim._runner.spec.teamable and team_size(2, sim._runner.spec.teamable, net.n) == 2
    assert net.memory("0.1 ms", threads=2).team > 0
    assert net.memory("0.1 ms", threads=1).team == 0


class Blow(nu.Model):
    """Grows exponentially: its state is not finite after 7 ms (step 70, the last of a slice of 10)."""

    tau = nu.Parameter("0.1 ms")
    X = nu.State("1", initial="1")
    equations = "dX/dt = X/tau"


def test_a_failure_inside_a_slice_leaves_the_weights_of_one_thread():
    """The team delivers the steps of the slice before the failure, as the one-thread loop did."""

    def make():
        net, pr = _lif(_stdp(1.0))
        net.add(Blow(n=3), name="B")
        return net, pr

    sims = []
    for threads in (1, 2):
        net, pr = make()
        sim = nu.Simulation(net, "0.1 ms", threads=threads, raise_on_failure=False)
        sim._runner.adaptive = False
        sim.run("60 ms")
        assert sim._runner.failed is not None and sim.t.m_as("ms") == pytest.approx(7.0)
        sims.append(sim)
    assert sims[1]._runner.team is not None and sims[1]._runner.team.K == 10
    ra, rb = sims[0].results, sims[1].results
    np.testing.assert_array_equal(ra.final_weights(pr).magnitude, rb.final_weights(pr).magnitude)
    np.testing.assert_array_equal(ra.weights(pr)[1].magnitude, rb.weights(pr)[1].magnitude)
    np.testing.assert_array_equal(ra["P"].spikes.indices, rb["P"].spikes.indices)


def test_a_members_synapses_of_a_source_are_one_run():
    """Each source's plastic synapses are sorted by target (in the drawn order for one target), so
    a member's are one run of the CSR; ``order`` still maps the drawn synapses to their places."""
    net, pr = _lif(_stdp(1.0))
    built = net.build("0.1 ms")
    tab = built.plastic[0]
    ptr, post = tab.arrays["PTR"], tab.arrays["POST"]
    for a, b in itertools.pairwise(ptr):
        assert (np.diff(post[a:b]) >= 0).all()
    drawn = built.synapses(pr.index)
    src = np.repeat(np.arange(ptr.size - 1), np.diff(ptr))
    np.testing.assert_array_equal(src[tab.order], drawn["pre"])
    np.testing.assert_array_equal(post[tab.order], drawn["post"])
    w0 = nu.Simulation(net, "0.1 ms", threads=1)._runner.plastic[0].weights()
    np.testing.assert_array_equal(w0.m_as("pA"), drawn["weight"].m_as("pA"))
    assert np.ptp(w0.m_as("pA")) > 10


def test_shipped_code_of_a_plastic_network_is_the_loop_it_runs():
    """``kernel_sources()`` (what a sweep ships to Dask workers) names the plastic projections, so
    a worker installs the loop it runs instead of generating one."""
    net, _ = _lif(_stdp(0.0), n=60)
    built = net.build("0.1 ms")
    nks = built.kernel_sources().loop[0]
    sim = nu.Simulation(net, "0.1 ms", threads=1)
    assert len(nks.plastic) == 1 and nks == sim._runner.spec
