"""A built network holds its synapses once, grouped by source (13 bytes each with constant weights and
delays); the realised synapses read back by ``synapses(k)`` are drawn again, identical."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import neurounits as nu

pytestmark = pytest.mark.no_jit


def _net(seed=3):
    net = nu.Network(seed=seed)
    P = net.add(nu.models.nest.iaf_psc_delta(n=2000), name="P")
    E, I = P[:1600], P[1600:]
    net.connect(E, P, nu.conn.FixedInDegree(160), weight="0.1 mV", delay="1.5 ms")
    net.connect(I, P, nu.conn.FixedInDegree(40), weight=nu.dist.Normal("-0.5 mV", "0.05 mV"),
                delay=nu.dist.Uniform("1 ms", "2 ms"))
    return net


def test_built_network_holds_its_synapses_once():
    _net().build("0.1 ms")  # the modules a build imports are not part of what it holds
    net = _net()
    tracemalloc.start()
    built = net.build("0.1 ms")
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    n = built.n_synapses
    assert n == 2000 * 200
    csr = built.connectivity_bytes()
    # per synapse: column int32, weight float64 (drawn for one projection: all of the table carry one),
    # delay uint8 (at most 20 steps); per source neuron a row pointer
    assert csr == n * (4 + 8 + 1) + 2001 * 8
    assert held < 1.1 * csr  # not the drawn (pre, post) lists as well: 16 more bytes per synapse


def test_synapses_read_back_are_the_ones_simulated():
    built = _net().build("0.1 ms")
    for k, (count, dmin, dmax) in enumerate([(320000, 1.5, 1.5), (80000, 1.0, 2.0)]):
        syn = built.synapses(k)
        assert syn["post"].size == count == built.projections[k].count
        d = syn["delay"].to("ms").magnitude
        assert d.min() == pytest.approx(dmin) and d.max() == pytest.approx(dmax)
        again = _net().build("0.1 ms").synapses(k)
        for key in ("pre", "post"):
            np.testing.assert_array_equal(syn[key], again[key])
        np.testing.assert_array_equal(syn["weight"].magnitude, again["weight"].magnitude)
    # the CSR of the excitatory projection holds exactly the read-back pairs (targets by ring column)
    syn = built.synapses(0)
    ptr = built.csr[0][0]
    per_source = np.diff(ptr)[:1600]
    np.testing.assert_array_equal(per_source, np.bincount(syn["pre"], minlength=1600))
    with pytest.raises(IndexError, match="the network has 2 projection"):
        built.synapses(2)


def test_memory_predicted_before_the_build_within_ten_percent():
    net = _net()
    P = net.populations[0]
    net.connect(nu.sources.Poisson("1 kHz"), P, weight="0.1 mV", delay="1 ms")
    net.record(P[:100], "V_m", every="1 ms")
    est = net.memory("0.1 ms", duration="200 ms")  # nothing is drawn
    built = net.build("0.1 ms")
    assert est.synapses == pytest.approx(built.connectivity_bytes(), rel=0.10)
    assert est.sources == built.ps_col.nbytes + built.ps_w.nbytes + 16 * built.ps_col.size  # + streams' state
    assert est.ring == (built.max_delay + 1) * built.n_columns * 8  # drawn delays: bounded by 2 ms
    assert est.states == 2000 * 1 * 8 and est.traces == 201 * 100 * 8
    assert str(est).endswith("MiB") and "synapses" in str(est)
    # a random rule: the expected count; FixedProbability(0.05) over 2000 x 2000 draws ~200,000
    net2 = nu.Network(seed=5)
    Q = net2.add(nu.models.nest.iaf_psc_delta(n=2000), name="Q")
    net2.connect(Q, Q, nu.conn.FixedProbability(0.05), weight="0.1 mV", delay="1 ms")
    assert net2.memory().synapses == pytest.approx(net2.build("0.1 ms").connectivity_bytes(), rel=0.10)
    with pytest.raises(nu.ParameterError, match="cannot estimate the network's memory"):
        net2.memory("-1 ms")
