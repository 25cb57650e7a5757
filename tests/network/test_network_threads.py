"""Networks on several threads: the same bits as one thread (spikes, traces, states), continued runs,
payloads and several spikes per step, the choice between a team and one thread, bad ``threads``."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from conftest import FakeBar, assert_same_network_runs

import neurounits as nu
from neurounits.network.team import Team
from neurounits.network.threads import Chooser, team_size


def _coba(n: int = 400, seed: int = 5) -> nu.Network:
    """COBA (Brette et al. 2007) scaled down: one-step delays, Poisson drive onto excitation."""
    net = nu.Network(seed=seed)
    P = net.add(nu.models.CobaLIF(n=n), name="P", initial={"V": nu.dist.Uniform("-60 mV", "-50 mV")})
    ne = n * 4 // 5
    net.connect(P[:ne], P, nu.conn.FixedProbability(0.05), weight="6 nS", receptor="ex", delay="0.1 ms")
    net.connect(P[ne:], P, nu.conn.FixedProbability(0.05), weight="67 nS", receptor="inh", delay="0.1 ms")
    net.connect(nu.sources.Poisson("2.4 kHz"), P, weight="2.1 nS", receptor="ex")
    net.record(P, spikes=True)
    net.record(P[::37], "V", "g_ex")
    return net


class NoisyLIF(nu.Model):
    """A leaky integrate-and-fire neuron driven by white noise (its draws keyed by neuron and step)."""

    tau = nu.Parameter("10 ms")
    sigma = nu.Parameter("3 mV/ms**0.5")
    V = nu.State("mV", initial="0 mV")
    syn = nu.Receptor("mV", "V += w")
    equations = "dV/dt = -V/tau + sigma*xi"
    threshold = "V >= 10 mV"
    reset = "V = 0 mV"


def _brunel(n: int = 500, seed: int = 2) -> nu.Network:
    """Brunel (2000) model A scaled down: two populations, D = 1.5 ms, delayed Poisson drive,
    spike-time arrivals, recording every 0.5 ms; and a third of noisy neurons."""
    net = nu.Network(seed=seed)
    E = net.add(
        nu.models.nest.iaf_psc_delta(n=n * 4 // 5),
        name="E",
        initial={"V_m": nu.dist.Uniform("0 mV", "20 mV")},
    )
    I_ = net.add(
        nu.models.nest.iaf_psc_delta(n=n // 5), name="I", initial={"V_m": nu.dist.Uniform("0 mV", "20 mV")}
    )
    for src, w in ((E, "0.1 mV"), (I_, "-0.5 mV")):
        for tgt in (E, I_):
            net.connect(src, tgt, nu.conn.FixedInDegree(src.n // 10), weight=w, delay="1.5 ms")
    for tgt in (E, I_):
        net.connect(nu.sources.Poisson("20 kHz"), tgt, weight="0.1 mV", delay="1.5 ms")
    net.connect(nu.sources.SpikeTimes(["3 ms", "7.5 ms", "7.5 ms"]), E[:50], weight="5 mV", delay="2 ms")
    N = net.add(NoisyLIF(n=41), name="N")
    net.connect(E, N, nu.conn.FixedInDegree(20), weight="0.2 mV", delay="1.5 ms")
    net.connect(N, I_, nu.conn.FixedProbability(0.2), weight="0.3 mV", delay="2 ms")
    net.record(E, spikes=True)
    net.record(I_, spikes=True)
    net.record(N, "V", spikes=True)
    net.record(E[3:40:3], "V_m", every="0.5 ms")
    net.record(I_[:5], "V_m")
    return net


def _run(net: nu.Network, threads: int, durations=("60 ms",), adaptive: bool = False):
    sim = nu.Simulation(net, "0.1 ms", threads=threads)
    sim._runner.adaptive = adaptive
    for d in durations:
        sim.run(d)
    return sim


def _assert_same(a, b) -> None:
    """Every spike, trace and state of two simulations: the same bits."""
    assert_same_network_runs(a, b)


def test_coba_two_threads_same_bits_as_one():
    """One-step delays (a barrier every step) and Poisson drive: two threads give the same spikes,
    traces and states as one; the network spikes enough for this to mean something."""
    one = _run(_coba(), 1)
    two = _run(_coba(), 2)
    assert two._runner.team is not None and two._runner.team.K == 1
    assert one._runner.team is None
    assert one.results["P"].spikes.indices.size > 200
    _assert_same(one, two)


def test_brunel_two_and_three_threads_same_bits_as_one_and_continue():
    """D = 1.5 ms (slices of 15 steps), three populations (one with white noise), uneven splits
    (three threads), spike-time sources and recording every 5 steps; runs of 7.3 ms + 22.9 ms +
    0.1 ms (slices cut anywhere) continue to the bits of one 30.3 ms run on one thread."""
    one = _run(_brunel(), 1, ("30.3 ms",))
    assert one.results["E"].spikes.indices.size > 100 and one.results["N"].spikes.indices.size > 10
    two = _run(_brunel(), 2, ("7.3 ms", "22.9 ms", "0.1 ms"))
    assert two._runner.team is not None and two._runner.team.K == 15
    _assert_same(one, two)
    _assert_same(one, _run(_brunel(), 3, ("30.3 ms",)))


def test_payloads_and_several_spikes_per_step_same_bits():
    """iaf_bw_2001's NMDA spikes carry a value (trace kept by the owner, recomputed by every
    member) and aeif_cond_alpha (rkf45, threshold in sub-steps) may spike more than once a step."""

    def net():
        net = nu.Network(seed=9)
        B = net.add(
            nu.models.nest.iaf_bw_2001(n=30), name="B", initial={"V_m": nu.dist.Uniform("-70 mV", "-55 mV")}
        )
        A = net.add(nu.models.nest.aeif_cond_alpha(n=20, t_ref="0 ms", I_e="900 pA"), name="A")
        for receptor in ("AMPA", "NMDA"):
            net.connect(
                B[:24], B, nu.conn.FixedProbability(0.3), weight="0.5 nS", receptor=receptor, delay="0.5 ms"
            )
        net.connect(B[24:], B, nu.conn.FixedProbability(0.3), weight="1 nS", receptor="GABA", delay="0.5 ms")
        net.connect(A, B, nu.conn.FixedProbability(0.3), weight="0.4 nS", receptor="AMPA", delay="0.3 ms")
        net.connect(B, A, nu.conn.FixedProbability(0.3), weight="1 nS", delay="0.2 ms")
        net.connect(nu.sources.Poisson("3 kHz"), B, weight="2 nS", receptor="AMPA")
        net.record(B, "V_m", "s_NMDA", spikes=True)
        net.record(A, "V_m", spikes=True)
        return net

    one = _run(net(), 1, ("40 ms",))
    assert one.results["B"].spikes.indices.size > 20 and one.results["A"].spikes.indices.size > 20
    two = _run(net(), 2, ("40 ms",))
    assert two._runner.team is not None and two._runner.team.K == 1
    _assert_same(one, two)


def test_adaptive_runs_mix_team_and_one_thread_to_the_same_bits(monkeypatch):
    """The runner switches between the team and one thread between chunks (here every few steps):
    still the same bits."""
    monkeypatch.setattr(Chooser, "FIRST", 3)
    monkeypatch.setattr(Chooser, "RECHECK_S", 0.0)
    monkeypatch.setattr(Chooser, "RECHECK_MAX_S", 0.0)
    monkeypatch.setattr(Chooser, "PROBE_S", 1e-9)
    monkeypatch.setattr(Chooser, "WORK_S", 1e-9)
    one = _run(_brunel(), 1, ("20 ms",))
    mixed = _run(_brunel(), 2, ("20 ms",), adaptive=True)
    chooser = mixed._runner.chooser
    assert chooser is not None and set(chooser.cost) == {1, 2} and chooser.count > 10
    _assert_same(one, mixed)


def _feed(c: Chooser, left: int, size: int, per_step: float) -> tuple[int, int]:
    """The chunk the chooser hands out, after checking its size, timed at ``per_step``."""
    steps, got = c.next(left)
    assert got == size, (steps, got, size)
    c.record(size, per_step, steps * per_step)
    return steps, got


def test_chooser_compares_neighbouring_chunks_then_works_and_checks_again(monkeypatch):
    # checks at least 4 chunks of work apart, so that a slowdown can bring one forward
    monkeypatch.setattr(Chooser, "RECHECK_S", 4 * Chooser.WORK_S + 0.5)
    c = Chooser(2)
    assert _feed(c, 1000, 2, 1e-3) == (16, 2)  # first chunks: short (they may compile), size the next
    assert _feed(c, 1000, 1, 4e-4) == (16, 1)
    # a comparison: the team on both sides of one thread, about PROBE_S each
    assert _feed(c, 10**6, 2, 1e-3) == (int(Chooser.PROBE_S / 1e-3), 2)
    assert _feed(c, 10**6, 1, 4e-4) == (int(Chooser.PROBE_S / 4e-4), 1)
    assert _feed(c, 10**6, 2, 2e-3) == (int(Chooser.PROBE_S / 1e-3), 2)
    assert c.best == 1 and c.cost == {2: 1.5e-3, 1: 4e-4} and c.count == 1
    work = (int(Chooser.WORK_S / 4e-4), 1)
    chunks = [_feed(c, 10**6, 1, 4e-4) for _ in range(math.ceil(Chooser.RECHECK_S / Chooser.WORK_S))]
    assert chunks == [work] * len(chunks)  # the faster, until RECHECK_S seconds of work
    _feed(c, 10**6, 2, 0.95 * 4e-4)  # then the other, between two chunks of the chosen one
    # sized by its last timing (2e-3 s per step), that chunk ran far faster, far shorter than
    # PROBE_S: it does not count, and runs again, sized by what it took
    assert c.count == 1 and c.plan == [2, 1]
    assert _feed(c, 10**6, 2, 0.95 * 4e-4) == (int(Chooser.PROBE_S / (0.95 * 4e-4)), 2)
    _feed(c, 10**6, 1, 4e-4)
    assert c.best == 1 and c.count == 2  # the team only a little faster: not enough
    assert c.recheck == 2 * Chooser.RECHECK_S  # confirmed: the next check comes later
    for _ in range(math.ceil(2 * Chooser.RECHECK_S / Chooser.WORK_S)):
        _feed(c, 10**6, 1, 4e-4)
    _feed(c, 10**6, 2, 1e-4)  # (too short again: sized by 3.8e-4)
    _feed(c, 10**6, 2, 1e-4)
    _feed(c, 10**6, 1, 4e-4)
    assert c.best == 2 and c.recheck == Chooser.RECHECK_S  # reversed: checks come often again
    for _ in range(4):
        assert _feed(c, 10**6, 2, 1e-4) == (int(Chooser.WORK_S / 1e-4), 2)
    _feed(c, 10**6, 2, 2e-4)  # the team slowed down (other work took a core): compare now
    assert c.next(10**6) == (int(Chooser.PROBE_S / 4e-4), 1)


def test_chooser_without_threads_tries_a_team_only_when_it_pays_off():
    auto = Chooser(2, eager=False)
    assert _feed(auto, 4000, 1, 1e-3) == (16, 1)
    assert auto.next(4000) == (int(Chooser.WORK_S / 1e-3), 1)  # 4 s left on one thread: a team would not pay
    assert auto.next(6000) == (16, 2)
    ready = Chooser(2, eager=False, auto_s=Chooser.AUTO_READY_S)  # the team's loop compiled already
    _feed(ready, 1000, 1, 1e-3)
    assert ready.next(1000) == (16, 2)  # 1 s left: worth a team that starts at once
    piece = Chooser(2, eager=False)  # a run with a progress bar comes in pieces: the whole run counts
    _feed(piece, 100, 1, 1e-3)
    assert piece.next(100)[1] == 1
    piece.ahead = 6000
    assert piece.next(100) == (16, 2)


def test_a_long_run_with_a_progress_bar_still_tries_a_team(monkeypatch):
    """threads=None weighs the whole run, not each 1 % piece of a run with a progress bar."""
    monkeypatch.setattr(Chooser, "AUTO_S", 0.02)
    monkeypatch.setattr(Chooser, "AUTO_READY_S", 0.02)
    monkeypatch.setattr("neurounits.network.threads._cores", lambda: 2)
    monkeypatch.setattr("neurounits.simulation.progress.make_bar", FakeBar)
    sim = nu.Simulation(_coba(n=1000), "0.1 ms")
    sim.run("100 ms", progress=True)  # pieces of 1 ms: each far below AUTO_S on one thread
    chooser = sim._runner.chooser
    assert chooser is not None and 2 in chooser.rough


def test_team_size_and_tiny_or_rate_networks_run_on_one_thread():
    assert team_size(2, True, 500) == 2
    assert team_size(8, True, 3) == 3
    assert team_size(None, True, 500) == 1  # automatic: small networks on one thread
    assert team_size(4, False, 10**6) == 1  # rate projections
    net = nu.Network(seed=1)
    r = net.add(nu.models.nest.sigmoid_rate_ipn(n=3, sigma=0.0), name="r", initial={"rate": 0.3})
    net.connect(r, r, nu.conn.AllToAll(), weight=0.1, delay="1 ms")
    net.record(r, "rate")
    sim = _run(net, 2, ("5 ms",))
    assert sim._runner.team is None
    one = _run(net, 1, ("5 ms",))
    _assert_same(one, sim)


def test_team_sorts_synapses_once_and_splits_the_columns():
    sim = nu.Simulation(_brunel(), "0.1 ms", threads=2)
    built = sim.built
    ptr, col = built.csr[0][0], built.csr[0][1]
    team = Team(sim._runner, 2)
    assert built.extra["sorted_by_column"]
    assert all((np.diff(col[a:b]) >= 0).all() for a, b in itertools.pairwise(ptr))
    counts = np.bincount(team.owner, minlength=2)
    own = [sum(len(offs) * int(np.diff(bd)[t]) for offs, bd in zip(built.offsets, team.bounds, strict=True))
           for t in range(2)]
    assert counts.tolist() == own == [270, 271]  # each member owns its neurons' columns (N: 20 + 21)
    for t in range(2):  # every synapse in exactly one member's runs, onto that member's columns
        _, ra, rb = team.runs[t][0]
        mine = np.concatenate([np.arange(a, b) for a, b in zip(ra, rb, strict=True)])
        assert (team.owner[col[mine]] == t).all()
        assert mine.size == int((team.owner[col] == t).sum())


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_bad_threads_refused_before_building(bad):
    net = _coba(n=20)
    got = re.escape(repr(bad))
    msg = rf"NetworkSimulation: threads must be a positive integer .* got {got}; e\.g\. threads=2"
    with pytest.raises(nu.ParameterError, match=msg):
        nu.simulate(net, "1 ms", threads=bad)
    with pytest.raises(nu.ParameterError, match=msg):
        nu.Simulation(net, "0.1 ms", threads=bad)


def test_failure_reported_as_on_one_thread():
    """A state that becomes infinite in the second member's neurons, mid-slice (K = 10): the same
    error (neuron, variable, time) as one thread, and the same spikes and traces up to it."""

    def net():
        net = nu.Network(seed=4)
        P = net.add(nu.models.nest.iaf_psc_exp(n=60, I_e="2 nA"), name="P",
                    initial={"V_m": nu.dist.Uniform("-70 mV", "-56 mV")})
        net.connect(P, P, nu.conn.FixedProbability(0.2), weight="30 pA", delay="1 ms")
        net.connect(nu.sources.SpikeTimes(["8 ms", "8 ms"]), P[41], weight="1e308 pA", delay="0.3 ms")
        net.record(P, spikes=True)
        net.record(P, "V_m", "I_syn_ex")
        return net

    results, errors = [], []
    for threads in (1, 2):
        sim = _run(net(), threads, ())
        msg = r"neuron 41 became inf at t = 8.3 ms \(step 83\)"
        with pytest.raises(nu.SimulationError, match=msg) as err:
            sim.run("12 ms")
        errors.append((err.value.neuron, err.value.variable, err.value.time))
        sim = nu.Simulation(net(), "0.1 ms", threads=threads, raise_on_failure=False)
        sim._runner.adaptive = False
        sim.run("12 ms")
        results.append(sim.results)
    assert errors[0] == errors[1] == (41, "I_syn_ex", nu.Q_(8.3, "ms"))
    a, b = results[0]["P"], results[1]["P"]
    assert a.spikes.indices.size > 20 and results[1].status == 1
    np.testing.assert_array_equal(a.spikes.times.magnitude, b.spikes.times.magnitude)
    np.testing.assert_array_equal(a.spikes.indices, b.spikes.indices)
    for k in ("V_m", "I_syn_ex"):
        np.testing.assert_array_equal(a[k].magnitude, b[k].magnitude)
