"""Networks against NEST 3.10 (traces made by tests/reference/make_network_refs.py).

NEST's sample m is the state at the end of step m + 1; neurounits' sample 0 is the initial state,
so NEST's sample m is neurounits' sample m + 1.  NEST's spike step k is the step ending at k*dt,
neurounits' spike time is the end of its step: k = t / dt.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neurounits as nu

REF = Path(__file__).parents[1] / "reference"


def _ref(name: str):
    return np.load(REF / f"{name}.npz")


@pytest.mark.parametrize("name", ["net_iaf_psc_exp_delays", "net_iaf_psc_exp_delays_dt005"])
def test_iaf_psc_exp_delays_sign_routing_and_same_step_spikes(name):
    d = _ref(name)
    dt = float(d["dt"])
    M = nu.models.nest.iaf_psc_exp
    net = nu.Network(seed=1)
    src = net.add(M(n=4, I_e=nu.Q_(d["src_I_e"], "pA")), name="src")
    tgt = net.add(M(n=3, I_e=nu.Q_(d["tgt_I_e"], "pA")), name="tgt")
    net.connect(src, tgt, nu.conn.Explicit(d["conn_pre"], d["conn_post"]), weight=nu.Q_(d["conn_weight"], "pA"),
                delay=nu.Q_(d["conn_delay"], "ms"))
    net.connect(nu.sources.SpikeTimes(nu.Q_(d["gen_spike_times"], "ms")), tgt[d["gen_conn_post"]],
                weight=nu.Q_(float(d["gen_conn_weight"][0]), "pA"), delay=nu.Q_(float(d["gen_conn_delay"][0]), "ms"))
    net.record(src, spikes=True)
    net.record(tgt, "V_m", "I_syn_ex", "I_syn_in", spikes=True)
    res = nu.simulate(net, nu.Q_(float(d["duration"]), "ms"), dt=nu.Q_(dt, "ms"))
    for pop, key in (("src", "src"), ("tgt", "tgt")):
        sp = res[pop].spikes
        steps = np.rint(sp.times.to("ms").magnitude / dt).astype(int)
        order = np.lexsort((d[f"{key}_spike_senders"], d[f"{key}_spike_steps"]))
        np.testing.assert_array_equal(steps, d[f"{key}_spike_steps"][order])
        np.testing.assert_array_equal(sp.indices, d[f"{key}_spike_senders"][order])
    for v in ("V_m", "I_syn_ex", "I_syn_in"):
        ours = res["tgt"][v].to("mV" if v == "V_m" else "pA").magnitude[1:].T
        np.testing.assert_allclose(ours, d[v], rtol=1e-9, atol=1e-9, err_msg=v)


def test_iaf_cond_exp_recurrent_network():
    d = _ref("net_iaf_cond_exp_recurrent")
    dt = float(d["dt"])
    net = nu.Network(seed=1)
    P = net.add(nu.models.nest.iaf_cond_exp(n=int(d["n_neurons"]), I_e=nu.Q_(d["I_e"], "pA")), name="P")
    net.connect(P, P, nu.conn.Explicit(d["conn_pre"], d["conn_post"]), weight=nu.Q_(d["conn_weight"], "nS"),
                delay=nu.Q_(d["conn_delay"], "ms"))
    net.record(P, spikes=True)
    net.record(P[d["rec_idx"]], "V_m", "g_ex", "g_in")
    res = nu.simulate(net, nu.Q_(float(d["duration"]), "ms"), dt=nu.Q_(dt, "ms"))
    sp = res["P"].spikes
    steps = np.rint(sp.times.to("ms").magnitude / dt).astype(int)
    order = np.lexsort((d["spike_senders"], d["spike_steps"]))
    np.testing.assert_array_equal(steps, d["spike_steps"][order])
    np.testing.assert_array_equal(sp.indices, d["spike_senders"][order])
    np.testing.assert_allclose(res["P"]["V_m"].to("mV").magnitude[1:].T, d["V_m"], rtol=0, atol=1e-6)
    for g in ("g_ex", "g_in"):
        np.testing.assert_allclose(res["P"][g].to("nS").magnitude[1:].T, d[g], rtol=0, atol=1e-6)


def test_iaf_bw_2001_nmda_payloads():
    """Two coupled iaf_bw_2001 neurons with AMPA, GABA and NMDA connections both ways: the NMDA
    spikes carry the presynaptic jump k0 + k1 s_pre (NEST's spike offset)."""
    d = _ref("net_iaf_bw_2001")
    dt = float(d["dt"])
    n_steps = int(d["n_steps"])
    first = round((float(d["dc_start"]) + dt + float(d["dc_delay"])) / dt) + 1  # NEST's dc_generator timing
    vals = np.zeros((n_steps, 2))
    vals[first - 1:] = d["dc_amplitude"]
    net = nu.Network(seed=1)
    P = net.add(nu.models.nest.iaf_bw_2001(n=2), name="P", inputs={"I": nu.TimedArray(nu.Q_(vals, "pA"), dt=f"{dt} ms")})
    for k in range(d["conn_pre"].size):
        net.connect(P[int(d["conn_pre"][k])], P[int(d["conn_post"][k])], weight=nu.Q_(float(d["conn_weight"][k]), "nS"),
                    receptor=int(d["conn_receptor"][k]), delay=nu.Q_(float(d["conn_delay"][k]), "ms"))
    net.record(P, spikes=True)
    net.record(P, "V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_NMDA")
    res = nu.simulate(net, nu.Q_(float(d["duration"]), "ms"), dt=nu.Q_(dt, "ms"))["P"]
    steps = np.rint(res.spikes.times.to("ms").magnitude / dt).astype(int)
    order = np.lexsort((d["spike_senders"], d["spike_steps"]))
    np.testing.assert_array_equal(steps, d["spike_steps"][order])
    np.testing.assert_array_equal(res.spikes.indices, d["spike_senders"][order])
    units = {"V_m": "mV", "s_AMPA": "nS", "s_GABA": "nS", "s_NMDA": "nS", "I_NMDA": "pA"}
    for k, u in units.items():
        np.testing.assert_allclose(res[k].to(u).magnitude[1:].T, d[k], rtol=0, atol=1e-6, err_msg=k)


def test_payload_receptor_refuses_other_sources():
    net = nu.Network()
    B = net.add(nu.models.nest.iaf_bw_2001(n=2), name="B")
    P = net.add(nu.models.nest.iaf_psc_exp(n=2), name="P")
    with pytest.raises(nu.ParameterError, match=r"projection 0 \(P -> B\): receptor 'NMDA' of population 'B' takes "
                       r"spikes only from iaf_bw_2001 neurons, which send a value with each spike; population 'P' "
                       r"is iaf_psc_exp"):
        net.connect(P, B, weight="1 nS", receptor="NMDA")
    net.connect(B, B, nu.conn.OneToOne(), weight="1 nS", receptor=3)  # accepted
