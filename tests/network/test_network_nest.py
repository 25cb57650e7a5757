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
    net.connect(
        src,
        tgt,
        nu.conn.Explicit(d["conn_pre"], d["conn_post"]),
        weight=nu.Q_(d["conn_weight"], "pA"),
        delay=nu.Q_(d["conn_delay"], "ms"),
    )
    net.connect(
        nu.sources.SpikeTimes(nu.Q_(d["gen_spike_times"], "ms")),
        tgt[d["gen_conn_post"]],
        weight=nu.Q_(float(d["gen_conn_weight"][0]), "pA"),
        delay=nu.Q_(float(d["gen_conn_delay"][0]), "ms"),
    )
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
    net.connect(
        P,
        P,
        nu.conn.Explicit(d["conn_pre"], d["conn_post"]),
        weight=nu.Q_(d["conn_weight"], "nS"),
        delay=nu.Q_(d["conn_delay"], "ms"),
    )
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
    vals[first - 1 :] = d["dc_amplitude"]
    net = nu.Network(seed=1)
    P = net.add(
        nu.models.nest.iaf_bw_2001(n=2),
        name="P",
        inputs={"I": nu.TimedArray(nu.Q_(vals, "pA"), dt=f"{dt} ms")},
    )
    for k in range(d["conn_pre"].size):
        net.connect(
            P[int(d["conn_pre"][k])],
            P[int(d["conn_post"][k])],
            weight=nu.Q_(float(d["conn_weight"][k]), "nS"),
            receptor=int(d["conn_receptor"][k]),
            delay=nu.Q_(float(d["conn_delay"][k]), "ms"),
        )
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
    with pytest.raises(
        nu.ParameterError,
        match=r"projection 0 \(P -> B\): receptor 'NMDA' of population 'B' takes "
        r"spikes only from iaf_bw_2001 neurons, which send a value with each spike; population 'P' "
        r"is iaf_psc_exp",
    ):
        net.connect(P, B, weight="1 nS", receptor="NMDA")
    net.connect(B, B, nu.conn.OneToOne(), weight="1 nS", receptor=3)  # accepted


def _rate_network(d, seed=1):
    """NEST's rate network: four sigmoid_rate_ipn neurons, each its own population (options differ)."""
    net = nu.Network(seed=seed)
    pops = []
    for i in range(4):
        m = nu.models.nest.sigmoid_rate_ipn(
            n=1,
            tau=nu.Q_(float(d["param_tau"][i]), "ms"),
            lambda_=float(d["param_lambda"][i]),
            mu=float(d["param_mu"][i]),
            sigma=0.0,
            g=float(d["param_g"][i]),
            beta=float(d["param_beta"][i]),
            theta=float(d["param_theta"][i]),
            rectify_rate=float(d["param_rectify_rate"][i]),
            rectify_output=bool(d["param_rectify_output"][i]),
            linear_summation=bool(d["param_linear_summation"][i]),
        )
        pops.append(net.add(m, name=f"r{i}", initial={"rate": float(d["init_rate"][i])}))
    for pre, post, w, inst, delay in zip(
        d["conn_pre"], d["conn_post"], d["conn_weight"], d["conn_instantaneous"], d["conn_delay"], strict=True
    ):
        net.connect(pops[pre], pops[post], weight=float(w), delay=None if inst else nu.Q_(float(delay), "ms"))
    for p in pops:
        net.record(p, "rate")
    return net


def test_rate_network_instantaneous_delayed_rectified_nonlinear():
    """Instantaneous and delayed rate connections, rectify_output, linear_summation=False: NEST's
    trace with converged waveform relaxation (tight tolerance), to 1e-9."""
    d = _ref("net_rate_ipn")
    res = nu.simulate(_rate_network(d), nu.Q_(float(d["duration"]), "ms"), dt=nu.Q_(float(d["dt"]), "ms"))
    ours = np.array([res[f"r{i}"]["rate"].magnitude[1:, 0] for i in range(4)])
    np.testing.assert_allclose(ours, d["rate_wfr_tight"], rtol=0, atol=1e-9)
    assert ours[1].min() >= 0.1 - 1e-15  # rectified


def test_rate_projections_continue_and_refuse_spiking_ends():
    d = _ref("net_rate_ipn")
    one = nu.simulate(_rate_network(d), "30 ms", dt="0.1 ms")
    sim = nu.Simulation(_rate_network(d), "0.1 ms")
    sim.run("10.3 ms")
    sim.run("19.7 ms")
    for i in range(4):
        np.testing.assert_array_equal(sim.results[f"r{i}"]["rate"].magnitude, one[f"r{i}"]["rate"].magnitude)
    net = nu.Network()
    R = net.add(nu.models.nest.sigmoid_rate_ipn(n=2), name="R")
    P = net.add(nu.models.nest.iaf_psc_exp(n=2), name="P")
    with pytest.raises(
        nu.ParameterError,
        match=r"population 'R' is a rate model \(sigmoid_rate_ipn\); its rate can "
        "only drive rate models through their rate inputs",
    ):
        net.connect(R, P, weight="1 pA")
    with pytest.raises(
        nu.ParameterError,
        match=r"population 'P' \(iaf_psc_exp\) has no rate output; the rate inputs "
        "of rate models take rates from rate models only",
    ):
        net.connect(P, R, weight=1.0)
    with pytest.raises(nu.DimensionError, match="expected a value in 1"):
        net.connect(R, R, weight="1 nS")


def test_iaf_bw_2001_exact_one_nmda_port_per_connection():
    """The same coupled pair with iaf_bw_2001_exact: every NMDA connection its own port (its own
    rise and decay states), as in NEST."""
    d = _ref("net_iaf_bw_2001_exact")
    dt = float(d["dt"])
    n_steps = int(d["n_steps"])
    first = round((float(d["dc_start"]) + dt + float(d["dc_delay"])) / dt) + 1
    vals = np.zeros((n_steps, 2))
    vals[first - 1 :] = d["dc_amplitude"]
    net = nu.Network(seed=1)
    P = net.add(nu.models.nest.iaf_bw_2001_exact(n=2), name="P",
                inputs={"I": nu.TimedArray(nu.Q_(vals, "pA"), dt=f"{dt} ms")})
    for k in range(d["conn_pre"].size):
        net.connect(P[int(d["conn_pre"][k])], P[int(d["conn_post"][k])],
                    weight=nu.Q_(float(d["conn_weight"][k]), "nS"), receptor=int(d["conn_receptor"][k]),
                    delay=nu.Q_(float(d["conn_delay"][k]), "ms"))
    net.record(P, spikes=True)
    net.record(P, "V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_NMDA")
    res = nu.simulate(net, nu.Q_(float(d["duration"]), "ms"), dt=nu.Q_(dt, "ms"))["P"]
    steps = np.rint(res.spikes.times.to("ms").magnitude / dt).astype(int)
    order = np.lexsort((d["spike_senders"], d["spike_steps"]))
    np.testing.assert_array_equal(steps, d["spike_steps"][order])
    units = {"V_m": "mV", "s_AMPA": "nS", "s_GABA": "nS", "s_NMDA": "nS", "I_NMDA": "pA"}
    for k, u in units.items():
        np.testing.assert_allclose(res[k].to(u).magnitude[1:].T, d[k], rtol=0, atol=1e-6, err_msg=k)
