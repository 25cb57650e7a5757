"""Generate NEST 3.10 references for synaptic plasticity (``plasticity_*.npz``).

Run with the Python environment that has NEST (see README.md in this folder)::

    /work/nestenv/bin/python tests/reference/make_plasticity_refs.py

``plasticity_stdp.npz``: a pre and a post spike train (``spike_generator`` -> ``parrot_neuron``
each), the pre parrot connected to the post parrot through ``stdp_synapse`` onto the post parrot's
receptor 1 (where a parrot ignores spikes), delay 1 ms (all of it dendritic, as NEST's
``stdp_synapse`` has it).  Cases ``add`` (mu_plus = mu_minus = 0), ``mult`` (mu = 1) and
``clip`` (additive, large lambda: the weight hits W_max and 0).  Stored per case: the parrots'
spike times and the weight sent with every pre spike (``weight_recorder``: the weight after the
update at that spike) and the final weight (``GetConnections``).

``plasticity_tsodyks2.npz``: a spike train through a parrot onto ``iaf_psc_exp`` through
``tsodyks2_synapse`` (delay 1 ms), cases ``dep`` (depression only, tau_fac = 0) and ``fac``
(facilitation and depression): the amplitude sent with every spike (``weight_recorder``: x u w)
and the target's membrane potential every step.

Times in the files are in ms; spike trains lie on the 0.1 ms grid.  The module imports NEST only
inside ``main()``.  It checks its own output: the weights are recomputed here with plain Python
from NEST's documented rule (pairs of post spikes t_post and pre spikes t_pre with t_post + d
< t_pre depress, t_post + d > t_pre_previous facilitate, in time order), which must agree to 1e-12.
"""

import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DT = 0.1
DELAY = 1.0


def _trains():
    rng = np.random.default_rng(20261203)
    pre = np.unique(np.round(np.cumsum(rng.exponential(40.0, 40)) + 2.0, 1))
    post = np.unique(np.round(np.cumsum(rng.exponential(35.0, 45)) + 2.0, 1))
    # coincidences on purpose: post spikes reaching the synapse at a pre spike's time, and 1 step around it
    extra = [pre[5] - DELAY, pre[9] - DELAY - DT, pre[13] - DELAY + DT, pre[20] - DELAY]
    post = np.unique(np.round(np.concatenate([post, extra]), 1))
    return pre[pre < 1500], post[post < 1500]


CASES = {
    "add": dict(mu_plus=0.0, mu_minus=0.0, lambda_=0.01, alpha=1.1, Wmax=100.0, w0=50.0),
    "mult": dict(mu_plus=1.0, mu_minus=1.0, lambda_=0.05, alpha=0.9, Wmax=80.0, w0=30.0),
    "clip": dict(mu_plus=0.0, mu_minus=0.0, lambda_=0.5, alpha=0.55, Wmax=55.0, w0=54.0),
}
TAU_PLUS, TAU_MINUS = 16.8, 33.7
TSO = {
    "dep": dict(U=0.5, u=0.5, x=1.0, tau_rec=200.0, tau_fac=0.0, weight=250.0),
    "fac": dict(U=0.15, u=0.3, x=0.9, tau_rec=120.0, tau_fac=400.0, weight=300.0),
}


def _stdp(nest, pre, post, c):
    nest.ResetKernel()
    nest.set(resolution=DT, print_time=False)
    g_pre = nest.Create("spike_generator", params={"spike_times": pre - DT})
    g_post = nest.Create("spike_generator", params={"spike_times": post - DT})
    p_pre = nest.Create("parrot_neuron")
    p_post = nest.Create("parrot_neuron", params={"tau_minus": TAU_MINUS})
    nest.Connect(g_pre, p_pre, syn_spec={"delay": DT})
    nest.Connect(g_post, p_post, syn_spec={"delay": DT})
    wr = nest.Create("weight_recorder")
    nest.CopyModel("stdp_synapse", "stdp_rec", {"weight_recorder": wr})
    syn = {
        "synapse_model": "stdp_rec",
        "weight": c["w0"],
        "delay": DELAY,
        "receptor_type": 1,
        "tau_plus": TAU_PLUS,
        "lambda": c["lambda_"],
        "alpha": c["alpha"],
        "mu_plus": c["mu_plus"],
        "mu_minus": c["mu_minus"],
        "Wmax": c["Wmax"],
    }
    nest.Connect(p_pre, p_post, syn_spec=syn)
    sr = nest.Create("spike_recorder")
    nest.Connect(p_pre + p_post, sr)
    nest.Simulate(1600.0)
    ev = sr.get("events")
    t_pre = np.sort(ev["times"][ev["senders"] == p_pre.global_id])
    t_post = np.sort(ev["times"][ev["senders"] == p_post.global_id])
    wev = wr.get("events")
    final = nest.GetConnections(p_pre, p_post).get("weight")
    return t_pre, t_post, np.asarray(wev["times"]), np.asarray(wev["weights"]), float(final)


def _stdp_python(t_pre, t_post, c):
    """NEST's rule, in time order of the synapse (a post spike counts at t_post + d, before a pre
    spike at the same time; a pre and a post spike at the same time do not pair)."""
    w, wm = c["w0"], c["Wmax"]
    kp, t_last, out = 0.0, 0.0, []
    for tp in t_pre:
        for tq in t_post:
            if t_last - DELAY < tq <= tp - DELAY:
                x = w / wm + c["lambda_"] * (1 - w / wm) ** c["mu_plus"] * kp * math.exp(
                    (t_last - tq - DELAY) / TAU_PLUS
                )
                w = x * wm if x < 1 else wm
        km = sum(math.exp((tq - (tp - DELAY)) / TAU_MINUS) for tq in t_post if tq < tp - DELAY - 1e-9)
        x = w / wm - c["alpha"] * c["lambda_"] * (w / wm) ** c["mu_minus"] * km
        w = x * wm if x > 0 else 0.0
        out.append(w)
        kp = kp * math.exp((t_last - tp) / TAU_PLUS) + 1
        t_last = tp
    return np.array(out)


def _tsodyks(nest, pre, c):
    nest.ResetKernel()
    nest.set(resolution=DT, print_time=False)
    g = nest.Create("spike_generator", params={"spike_times": pre - DT})
    par = nest.Create("parrot_neuron")
    nest.Connect(g, par, syn_spec={"delay": DT})
    tgt = nest.Create("iaf_psc_exp")
    wr = nest.Create("weight_recorder")
    nest.CopyModel("tsodyks2_synapse", "tso_rec", {"weight_recorder": wr})
    syn = {"synapse_model": "tso_rec", "delay": DELAY, **c}
    nest.Connect(par, tgt, syn_spec=syn)
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
    nest.Connect(mm, tgt)
    sr = nest.Create("spike_recorder")
    nest.Connect(par, sr)
    dur = 600.0
    nest.Simulate(dur + 5.0)
    ev = mm.get("events")
    keep = ev["times"] <= dur + 1e-9
    wev = wr.get("events")
    return (
        np.sort(sr.get("events")["times"]),
        np.asarray(wev["times"]),
        np.asarray(wev["weights"]),
        ev["V_m"][keep],
    )


def _tsodyks_python(t, c):
    x, u, last, out = c["x"], c["u"], None, []
    for tk in t:
        if last is not None:
            h = tk - last
            x = 1 + (x - x * u - 1) * math.exp(-h / c["tau_rec"])
            u = c["U"] + u * (1 - c["U"]) * (0.0 if c["tau_fac"] == 0 else math.exp(-h / c["tau_fac"]))
        out.append(x * u * c["weight"])
        last = tk
    return np.array(out)


def main():
    import nest

    nest.set_verbosity("M_ERROR")
    pre, post = _trains()
    data = {"dt": DT, "delay": DELAY, "tau_plus": TAU_PLUS, "tau_minus": TAU_MINUS}
    for name, c in CASES.items():
        t_pre, t_post, wt, ww, final = _stdp(nest, pre, post, c)
        assert np.allclose(t_pre, pre) and np.allclose(t_post, post), "parrots repeat the trains"
        assert np.allclose(wt, t_pre), "one weight per pre spike, stamped with its time"
        check = _stdp_python(t_pre, t_post, c)
        assert np.max(np.abs(check - ww)) < 1e-12, (name, np.max(np.abs(check - ww)))
        data.update({f"{name}_{k}": v for k, v in c.items()})
        data.update({f"{name}_weights": ww, f"{name}_final": final})
        print(f"stdp {name}: {len(ww)} pre spikes, weight {ww.min():.4f}..{ww.max():.4f}, final {final:.6f}")
    data.update(t_pre=t_pre, t_post=t_post)
    np.savez_compressed(HERE / "plasticity_stdp.npz", **data)
    tso = {"dt": DT, "delay": DELAY}
    rng = np.random.default_rng(7)
    train = np.unique(np.round(np.cumsum(rng.exponential(25.0, 22)) + 5.0, 1))
    for name, c in TSO.items():
        t, wt, amp, vm = _tsodyks(nest, train, c)
        assert np.allclose(t, train) and np.allclose(wt, t)
        check = _tsodyks_python(t, c)
        assert np.max(np.abs(check - amp)) < 1e-12 * np.max(np.abs(amp)), name
        tso.update({f"{name}_{k}": v for k, v in c.items()})
        tso.update({f"{name}_amplitudes": amp, f"{name}_V_m": vm})
        print(f"tsodyks2 {name}: {len(amp)} spikes, amplitudes {amp.min():.3f}..{amp.max():.3f} pA")
    tso["t_spikes"] = train
    np.savez_compressed(HERE / "plasticity_tsodyks2.npz", **tso)


if __name__ == "__main__":
    main()
