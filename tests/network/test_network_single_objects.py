"""Network entry points take one object where they take a list, and a list where they take one view
(#14): ``Network.record``'s variables as names or lists of names, views as a list of views in
``record`` and ``connect``; ``nu.sweep`` over networks takes one value as an axis of one (see
tests/sweeps/test_network_sweep.py); ``nu.simulate(net, ...)`` takes only the network's run
arguments (tested in test_network_errors.py)."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu


def _net(record, connect):
    net = nu.Network(seed=4)
    P = net.add(
        nu.models.nest.iaf_psc_exp(n=8, I_e="390 pA"),
        name="P",
        initial={"V_m": nu.dist.Uniform("-70 mV", "-56 mV")},
    )
    Q = net.add(nu.models.nest.iaf_psc_exp(n=4, I_e="300 pA"), name="Q")
    connect(net, P, Q)
    record(net, P, Q)
    return nu.simulate(net, "40 ms", "0.1 ms")


def _same(a, b):
    for pop in ("P", "Q"):
        for k in ("V_m", "I_syn_ex"):
            np.testing.assert_array_equal(a[pop][k].m, b[pop][k].m)
        np.testing.assert_array_equal(a[pop].spikes.indices, b[pop].spikes.indices)


def _conn(net, P, Q):
    net.connect(P, Q, nu.conn.FixedInDegree(3), weight="40 pA", delay="1 ms")
    net.connect(P[:2] + Q[1:3], P + Q, nu.conn.FixedInDegree(1), weight="30 pA", delay="1 ms")


def _rec(net, P, Q):
    net.record(P, "V_m", "I_syn_ex", spikes=True)
    net.record(Q, "V_m", "I_syn_ex", spikes=True)


def test_record_takes_names_or_lists_of_names_and_lists_of_views():
    ref = _net(_rec, _conn)
    _same(
        ref, _net(lambda net, P, Q: [net.record(v, ["V_m", "I_syn_ex"], spikes=True) for v in (P, Q)], _conn)
    )
    _same(
        ref, _net(lambda net, P, Q: [net.record(v, ("V_m",), "I_syn_ex", spikes=True) for v in (P, Q)], _conn)
    )
    _same(ref, _net(lambda net, P, Q: net.record([P, Q], ["V_m", "I_syn_ex"], spikes=True), _conn))
    assert ref["P"].spikes.indices.size > 0 and ref["Q"]["I_syn_ex"].m.max() > 0


def test_connect_takes_lists_of_views_as_their_join():
    def conn(net, P, Q):
        net.connect([P], [Q], nu.conn.FixedInDegree(3), weight="40 pA", delay="1 ms")
        net.connect([P[:2], Q[1:3]], [P, Q], nu.conn.FixedInDegree(1), weight="30 pA", delay="1 ms")

    _same(_net(_rec, _conn), _net(_rec, conn))


def test_record_and_connect_refuse_what_is_not_a_view_or_a_name():
    net = nu.Network()
    P = net.add(nu.models.nest.iaf_psc_exp(n=2), name="P")
    with pytest.raises(nu.ParameterError, match=r"variables are names \(strings\) or lists of names, got 3"):
        net.record(P, ["V_m", 3])
    with pytest.raises(
        nu.ParameterError, match=r"needs a view of a population .* or a list of views, got list"
    ):
        net.record([P, "Q"], "V_m")
    with pytest.raises(nu.ParameterError, match="has no variable 'V'"):
        net.record(P, ["V"])
    with pytest.raises(nu.NeurounitsError):
        net.connect([], P, weight="1 pA")
