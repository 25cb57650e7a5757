"""Progress bars of network runs: the same bits as one call, failures, keyboard interrupts that keep
what ran."""

from __future__ import annotations

import os
import signal
import threading

import numpy as np
import pytest
from conftest import FakeBar

import neurounits as nu


@pytest.fixture
def bars(monkeypatch):
    FakeBar.made.clear()
    monkeypatch.setattr("neurounits.simulation.progress.make_bar", FakeBar)
    return FakeBar.made


def _net(seed: int = 3) -> nu.Network:
    net = nu.Network(seed=seed)
    P = net.add(nu.models.nest.iaf_psc_delta(n=200), name="P")
    net.connect(P, P, nu.conn.FixedInDegree(20), weight="0.3 mV", delay="1 ms")
    net.connect(nu.sources.Poisson("15 kHz"), P, weight="0.1 mV")
    net.record(P, spikes=True)
    net.record(P[:4], "V_m", every="0.5 ms")
    return net


def _same(a, b) -> None:
    np.testing.assert_array_equal(a["P"].spikes.times.magnitude, b["P"].spikes.times.magnitude)
    np.testing.assert_array_equal(a["P"].spikes.indices, b["P"].spikes.indices)
    np.testing.assert_array_equal(a["P"]["V_m"].magnitude, b["P"]["V_m"].magnitude)


def test_a_network_run_with_a_bar_gives_the_bits_of_one_without(bars):
    plain = nu.simulate(_net(), "80.3 ms")
    shown = nu.simulate(_net(), "80.3 ms", progress=True)
    (bar,) = bars
    assert bar.desc == "simulate network" and bar.total == 803 and bar.closed
    assert sum(bar.updates) == 803 and len(bar.updates) == 100
    _same(plain, shown)
    assert shown.duration == plain.duration
    sim = nu.Simulation(_net(), "0.1 ms")
    sim.run("5 ms", progress=False)
    sim.run("5 ms")  # the default: stderr is not a terminal in tests
    assert len(bars) == 1


def test_a_failure_ends_a_run_with_a_bar(bars):
    def net():  # neuron 1's current becomes infinite at 8.3 ms
        net = nu.Network(seed=4)
        P = net.add(nu.models.nest.iaf_psc_exp(n=3), name="P")
        net.connect(nu.sources.SpikeTimes(["8 ms", "8 ms"]), P[1], weight="1e308 pA", delay="0.3 ms")
        net.record(P, "V_m")
        return net

    res = nu.simulate(net(), "30 ms", raise_on_failure=False, progress=True)
    (bar,) = bars
    assert res.status != 0 and "neuron 1 became inf at t = 8.3 ms" in res.message
    assert bar.closed and sum(bar.updates) == 83 and len(bar.updates) == 28  # chunks of 3 steps
    assert res.duration.m_as("ms") == pytest.approx(8.3)
    with pytest.raises(nu.SimulationError, match=r"neuron 1 became inf at t = 8\.3 ms"):
        nu.simulate(net(), "30 ms", progress=True)
    assert bars[1].closed


def test_an_interrupt_stops_at_the_end_of_a_chunk_and_keeps_what_ran(bars, monkeypatch):
    calls = []

    def update(self, n):  # the interrupt arrives at the end of the second chunk (8 steps each)
        calls.append(n)
        if len(calls) == 2:
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(FakeBar, "update", update)
    handler = signal.getsignal(signal.SIGINT)
    sim = nu.Simulation(_net(), "0.1 ms")
    msg = r"network run interrupted at t = 1\.6 ms; what ran is kept"
    with pytest.raises(nu.RunInterrupted, match=msg) as err:
        sim.run("80 ms", progress=True)
    assert isinstance(err.value, KeyboardInterrupt) and err.value.t.m_as("ms") == pytest.approx(1.6)
    assert signal.getsignal(signal.SIGINT) is handler  # restored
    assert sim.t.m_as("ms") == pytest.approx(1.6) and bars[0].closed
    ref = nu.Simulation(_net(), "0.1 ms")
    ref.run("1.6 ms")
    _same(sim.results, ref.results)
    assert sim.results["P"].duration == ref.results["P"].duration
    sim.run("78.4 ms")  # and it goes on as one run would
    _same(sim.results, nu.simulate(_net(), "80 ms"))
    calls.clear()
    with pytest.raises(nu.RunInterrupted) as err:  # nu.simulate: what ran goes with the exception
        nu.simulate(_net(), "80 ms", progress=True)
    _same(err.value.results, ref.results)


def test_an_interrupted_single_population_run_keeps_what_ran(monkeypatch):
    calls = []

    def update(self, n):
        calls.append(n)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)

    FakeBar.made.clear()
    monkeypatch.setattr(FakeBar, "update", update)
    monkeypatch.setattr("neurounits.simulation.progress.make_bar", FakeBar)
    lif = nu.models.LIF(n=3, tau_m=nu.Q_([8.0, 10.0, 12.0], "ms"))
    with pytest.raises(nu.RunInterrupted, match=r"run of model 'LIF' interrupted at t = 3 ms") as err:
        nu.simulate(lif, "100 ms", inputs={"I": "0.35 nA"}, progress=True)
    part = err.value.results
    whole = nu.simulate(lif, "3 ms", inputs={"I": "0.35 nA"})
    assert part.duration == whole.duration
    np.testing.assert_array_equal(part["V"].magnitude, whole["V"].magnitude)


def test_outside_the_main_thread_no_handler_is_set(bars, monkeypatch):
    out: list = []
    set_ = []
    monkeypatch.setattr(signal, "signal", lambda *a: set_.append(a))  # (only the main thread may)

    def run():
        out.append(nu.simulate(_net(), "10 ms", progress=True))

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert len(out) == 1 and out[0].duration.m_as("ms") == pytest.approx(10.0) and set_ == []
    assert sum(bars[0].updates) == 100
    nu.simulate(_net(), "1 ms", progress=True)  # in the main thread: set, then restored
    assert len(set_) == 2 and set_[1][0] == signal.SIGINT
