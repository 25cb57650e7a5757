"""Plastic synapses against NEST 3.10 (references made by tests/reference/make_plasticity_refs.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neurounits as nu

REF = Path(__file__).resolve().parents[1] / "reference"


class Parrot(nu.Model):
    """Fires in the step a spike reaches ``go`` (NEST's parrot_neuron); ``plastic`` adds up what it gets."""

    s = nu.State("1", doc="spikes received in this step")
    z = nu.State("pA", doc="sum of the weights received on `plastic`")
    go = nu.Receptor("1", "s += w")
    plastic = nu.Receptor("pA", "z += w")
    equations = """
        ds/dt = 0/ms : 1
        dz/dt = 0 pA/ms : pA
    """
    threshold = "s > 0.5"
    reset = "s = 0"


def _parrots(net, name, times):
    P = net.add(Parrot(), name=name)
    net.connect(nu.sources.SpikeTimes(nu.Q_(times - 0.1, "ms")), P, weight=1.0, receptor="go", delay="0.1 ms")
    net.record(P, spikes=True)
    return P


@pytest.mark.parametrize("case", ["add", "mult", "clip"])
def test_stdp_weights_after_every_pre_spike_match_nest(case):
    ref = np.load(REF / "plasticity_stdp.npz")
    c = {k: float(ref[f"{case}_{k}"]) for k in ("mu_plus", "mu_minus", "lambda_", "alpha", "Wmax", "w0")}
    net = nu.Network(seed=0)
    A = _parrots(net, "pre", ref["t_pre"])
    B = _parrots(net, "post", ref["t_post"])
    syn = nu.synapses.STDP(
        tau_plus=nu.Q_(float(ref["tau_plus"]), "ms"),
        tau_minus=nu.Q_(float(ref["tau_minus"]), "ms"),
        lambda_=c["lambda_"],
        alpha=c["alpha"],
        mu_plus=c["mu_plus"],
        mu_minus=c["mu_minus"],
        Wmax=nu.Q_(c["Wmax"], "pA"),
    )
    pr = net.connect(A, B, weight=nu.Q_(c["w0"], "pA"), receptor="plastic", delay="1 ms", synapse=syn)
    net.record(B, "z")
    net.record_weights(pr, every="0.1 ms")
    res = nu.simulate(net, "1600 ms", dt="0.1 ms")
    np.testing.assert_allclose(res["pre"].spikes.times.m_as("ms"), ref["t_pre"], atol=1e-9)
    np.testing.assert_allclose(res["post"].spikes.times.m_as("ms"), ref["t_post"], atol=1e-9)
    _, w = res.weights(pr)
    steps = np.rint(ref["t_pre"] / 0.1).astype(int)  # the sample after the step of each pre spike
    got = w.m_as("pA")[steps, 0]
    assert np.max(np.abs(got - ref[f"{case}_weights"])) < 1e-12
    # what the target received: the weights sent, 1 ms after each pre spike
    z = res["post"]["z"].m_as("pA")[:, 0]
    np.testing.assert_allclose(np.diff(z)[steps + 9], ref[f"{case}_weights"], rtol=0, atol=1e-12)
    if case == "clip":  # both bounds were hit
        assert ref["clip_weights"].min() == 0.0 and w.m_as("pA").max() == c["Wmax"]
    # NEST's final weight lacks the facilitation by post spikes after the last pre spike, applied here
    last = ref["t_pre"][-1]
    if not np.any(ref["t_post"] + 1.0 > last):
        assert abs(res.final_weights(pr).m_as("pA")[0] - float(ref[f"{case}_final"])) < 1e-12


@pytest.mark.parametrize("case", ["dep", "fac"])
def test_tsodyks2_amplitudes_and_membrane_match_nest(case):
    ref = np.load(REF / "plasticity_tsodyks2.npz")
    c = {k: float(ref[f"{case}_{k}"]) for k in ("U", "u", "x", "tau_rec", "tau_fac", "weight")}
    syn = nu.synapses.Tsodyks2(
        U=c["U"], u=c["u"], x=c["x"], tau_rec=nu.Q_(c["tau_rec"], "ms"), tau_fac=nu.Q_(c["tau_fac"], "ms")
    )
    net = nu.Network(seed=0)
    A = _parrots(net, "pre", ref["t_spikes"])
    B = net.add(Parrot(), name="sum")
    T = net.add(nu.models.nest.iaf_psc_exp(), name="T")
    w = nu.Q_(c["weight"], "pA")
    net.connect(A, B, weight=w, receptor="plastic", delay="1 ms", synapse=syn)
    net.connect(A, T, weight=w, receptor="ex", delay="1 ms", synapse=syn)
    net.record(B, "z")
    net.record(T, "V_m")
    res = nu.simulate(net, "600 ms", dt="0.1 ms")
    steps = np.rint(ref["t_spikes"] / 0.1).astype(int)
    amp = np.diff(res["sum"]["z"].m_as("pA")[:, 0])[steps + 9]
    want = ref[f"{case}_amplitudes"]
    assert np.max(np.abs(amp - want)) < 1e-12 * np.max(np.abs(want))
    assert np.ptp(want) > 0.2 * np.max(want)  # the amplitudes do change
    np.testing.assert_allclose(res["T"]["V_m"].m_as("mV")[1:, 0], ref[f"{case}_V_m"], rtol=1e-9, atol=0)
