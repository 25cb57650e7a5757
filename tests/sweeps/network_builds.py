"""Importable network builders and measures for the network-sweep tests (spawned worker processes
and Dask workers import them from here)."""

from __future__ import annotations

import threading

import numpy as np

import neurounits as nu

BUILDS: list[dict] = []  # the values of every build in this process, in order
_LOCK = threading.Lock()
STOP_AT: list[int] = []  # measure() raises KeyboardInterrupt at this build's measure (an interruption)


def build(w, seed):
    """50 iaf_psc_exp neurons, recurrent (probability 0.1, 1 ms), random initial V: spikes recorded."""
    with _LOCK:
        BUILDS.append({"w": w, "seed": seed})
    net = nu.Network(seed=seed)
    P = net.add(
        nu.models.nest.iaf_psc_exp(n=50, I_e="380 pA"),
        name="P",
        initial={"V_m": nu.dist.Uniform("-70 mV", "-56 mV")},
    )
    net.connect(P, P, nu.conn.FixedProbability(0.1), weight=w, delay="1 ms")
    net.record(P, spikes=True)
    return net


def count(res):
    """Spike count (a number) and mean rate (Hz) of the network."""
    if STOP_AT and len(BUILDS) == STOP_AT[0]:
        raise KeyboardInterrupt
    return {"spikes": res["P"].spikes.indices.size, "rate": res["P"].rates.mean()}


def delta_parrots(rate, seed, n=20):
    """``n`` iaf_psc_delta neurons, each driven by its own Poisson train through a 20 mV synapse:
    with t_ref = 0 and V_reset = E_L every step in which at least one input spike arrives gives
    exactly one output spike."""
    net = nu.Network(seed=seed)
    P = net.add(nu.models.nest.iaf_psc_delta(n=n, t_ref="0 ms"), name="P")
    net.connect(nu.sources.Poisson(rate), P, weight="20 mV")
    net.record(P, spikes=True)
    return net


def count_stats(res):
    """Mean and variance (over the neurons) of the spike counts of one network."""
    counts = np.bincount(res["P"].spikes.indices, minlength=res["P"].n)
    return {"mean_count": counts.mean(), "var_count": counts.var(ddof=1)}


def shot_noise(rate, seed, n=20):
    """``n`` iaf_psc_exp neurons that never spike (V_th = +1 V), each driven by its own Poisson
    train through a 10 pA excitatory synapse; V_m recorded every millisecond."""
    net = nu.Network(seed=seed)
    P = net.add(nu.models.nest.iaf_psc_exp(n=n, V_th="1000 mV"), name="P")
    net.connect(nu.sources.Poisson(rate), P, weight="10 pA")
    net.record(P, "V_m", every="1 ms")
    return net


def v_stats(res, skip_ms=100.0):
    """Mean and variance (over neurons and samples after ``skip_ms``) of V_m."""
    keep = res["P"].t.m_as("ms") >= skip_ms
    v = res["P"]["V_m"][keep]
    return {"mean_V": v.mean(), "var_V": v.var()}
