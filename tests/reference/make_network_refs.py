"""Generate NEST 3.10 reference traces of small networks (``net_*.npz``).

Run with the Python environment that has NEST (see README.md in this folder)::

    /work/nestenv/bin/python tests/reference/make_network_refs.py            # all cases (a few s)
    /work/nestenv/bin/python tests/reference/make_network_refs.py psc rate   # only some groups

Groups: ``psc`` (net_iaf_psc_exp_delays, net_iaf_psc_exp_delays_dt005), ``cond``
(net_iaf_cond_exp_recurrent), ``bw`` (net_iaf_bw_2001, net_iaf_bw_2001_exact), ``rate`` (net_rate_ipn).

Every file holds the complete set-up (parameters, connection arrays, delays, weights, dt, duration,
seeds) next to the recorded data, so that a test can rebuild the network from the file alone. All
connections are made with explicit arrays, ``nest.Connect(pre_ids, post_ids, "one_to_one", syn_spec)``.
Indices stored in the files are 0-based positions within their population, never NEST node ids.

Alignment (the same as in make_nest_refs.py): step k (k = 1..n_steps) advances the state from
(k-1)*dt to k*dt. A recorded trace ``X[i, m]`` (m = 0..n_steps-1) is the state of recorded neuron i
at the end of step m+1, i.e. at time ``t[m] = (m+1)*dt``; the initial state is stored separately
(``init_<name>``). A spike with ``spike_steps == k`` (time ``k*dt``) was emitted in step k (the
sample ``m = k-1`` shows the reset); it arrives at a target through a connection with delay d
(``d_steps = d/dt`` steps) in step ``k + d_steps`` and is applied at the end of that step.

The module imports NEST only inside ``main()`` so that it can be imported without NEST. It checks
its own output: the two iaf_psc_exp networks and the rate network are re-computed here with plain
numpy from the stored set-up (this also checks the alignment and delay conventions above), and the
conductance / gating jumps of the other networks are compared with the stored spikes and delays.
"""

import json
import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
EXTRA = 5.0  # ms simulated beyond the recorded duration (the multimeter hands the last slice over late)
KERNEL_KEYS = ("use_wfr", "wfr_tol", "wfr_max_iterations", "wfr_interpolation_order", "wfr_comm_interval")


# ---------------------------------------------------------------------------------------------
# generic helpers
# ---------------------------------------------------------------------------------------------


def _numeric_defaults(nest, model):
    out = {}
    for k, v in nest.GetDefaults(model).items():
        if isinstance(v, bool):
            out[k] = bool(v)
        elif isinstance(v, (int, float)):
            if isinstance(v, float) and not math.isfinite(v):
                continue
            out[k] = v
        elif hasattr(v, "item") and getattr(v, "shape", None) == ():
            out[k] = v.item()
    for k in ("global_id", "model_id", "thread", "thread_local_id", "vp", "elementsize"):
        out.pop(k, None)
    return out


def _reset(nest, dt, seed=1):
    nest.ResetKernel()
    nest.local_num_threads = 1
    nest.resolution = dt
    nest.rng_seed = seed


def _kernel(nest):
    ks = nest.GetKernelStatus()
    out = {k: ks[k] for k in KERNEL_KEYS}
    out.update(
        resolution=ks["resolution"],
        min_delay=ks["min_delay"],
        max_delay=ks["max_delay"],
        off_grid_spiking=bool(ks["off_grid_spiking"]),
        local_num_threads=ks["local_num_threads"],
        rng_seed=ks["rng_seed"],
    )
    return out


def _connect(nest, pre_nc, post_nc, pre, post, syn):
    """Connect pre_nc[pre[j]] -> post_nc[post[j]] for all j with one_to_one and array syn_spec."""
    pre_ids = np.asarray(pre_nc.tolist(), dtype=np.int64)[np.asarray(pre)]
    post_ids = np.asarray(post_nc.tolist(), dtype=np.int64)[np.asarray(post)]
    spec = {}
    for k, v in syn.items():
        spec[k] = np.asarray(v, dtype=float) if k in ("weight", "delay") else v
    if "receptor_type" in spec:
        spec["receptor_type"] = np.asarray(spec["receptor_type"], dtype=np.int64)
    nest.Connect(pre_ids, post_ids, "one_to_one", spec)


def _init(nodes, recordables):
    """Values before the first step: GetStatus where NEST exposes the name, else the documented 0."""
    out, from_status = {}, []
    st = nodes.get()
    st = st if isinstance(st, dict) else {}
    for r in recordables:
        if r in st:
            v = st[r]
            out[r] = np.array([float(x) for x in (v if isinstance(v, (list, tuple)) else [v])])
            from_status.append(r)
        else:
            out[r] = np.zeros(len(nodes))
    return out, from_status


def _traces(mm, nodes, recordables, dt, T):
    """Multimeter data -> {name: array (len(nodes), n_steps)}; checks the sample times."""
    ev = mm.events
    n = round(T / dt)
    times = np.asarray(ev["times"], dtype=float)
    senders = np.asarray(ev["senders"], dtype=np.int64)
    out = {r: np.zeros((len(nodes), n)) for r in recordables}
    for i, gid in enumerate(nodes.tolist()):
        sel = (senders == gid) & (times <= T + 0.25 * dt)
        k = np.rint(times[sel] / dt).astype(np.int64)
        if not np.array_equal(k, np.arange(1, n + 1)):
            raise RuntimeError(f"unexpected multimeter sample times for node {gid}")
        for r in recordables:
            out[r][i] = np.asarray(ev[r], dtype=float)[sel]
    return out


def _spikes(sr, nodes, dt, T, in_steps=False):
    """spike_recorder data -> steps (int), times (ms, steps * dt rounded to 1e-10 ms), 0-based senders (int),
    offsets (the spike's offset, 0 except for iaf_bw_2001); sorted by (step, sender)."""
    ev = sr.events
    gids = np.asarray(ev["senders"], dtype=np.int64)
    if in_steps:
        steps = np.asarray(ev["times"], dtype=np.int64)
        offsets = np.asarray(ev["offsets"], dtype=float)
        t = np.round(steps * dt, 10)
    else:
        t_nest = np.asarray(ev["times"], dtype=float)
        steps = np.rint(t_nest / dt).astype(np.int64)
        if np.abs(steps * dt - t_nest).max(initial=0.0) > 1e-9:
            raise RuntimeError("spike time off the dt grid")
        t = np.round(steps * dt, 10)
        offsets = np.zeros(len(t))
    first = nodes.tolist()[0]
    idx = gids - first
    if len(nodes.tolist()) != nodes.tolist()[-1] - first + 1:
        raise RuntimeError("population is not contiguous")
    keep = steps <= round(T / dt)
    steps, t, idx, offsets = steps[keep], t[keep], idx[keep], offsets[keep]
    order = np.lexsort((idx, steps))
    return steps[order], t[order], idx[order], offsets[order]


def _save(name, arrays, meta):
    path = HERE / f"{name}.npz"
    out = {}
    for k, v in arrays.items():
        a = np.asarray(v)
        if a.dtype.kind == "f":
            a = a.astype(np.float64)
        elif a.dtype.kind in "iub":
            a = a.astype(np.int64)
        out[k] = a
    out["params_json"] = np.str_(json.dumps(meta, sort_keys=True))
    np.savez_compressed(path, **out)
    with np.load(path, allow_pickle=False) as z:
        keys = sorted(z.files)
    print(f"{path.name}: {path.stat().st_size} bytes, keys: {', '.join(keys)}")
    return path


def _common(nest, dt, T, description):
    return {
        "dt": np.float64(dt),
        "duration": np.float64(T),
        "n_steps": np.int64(round(T / dt)),
        "t": np.arange(1, round(T / dt) + 1, dtype=float) * dt,
        "nest_version": np.str_(nest.__version__),
        "description": np.str_(description),
    }


# ---------------------------------------------------------------------------------------------
# 1. iaf_psc_exp feed-forward network with several delays
# ---------------------------------------------------------------------------------------------

PSC_SRC_I_E = [400.0, 500.0, 500.0, 700.0]  # pA; sources 1 and 2 are identical (same spike steps)
PSC_TGT_I_E = [0.0, 300.0, 200.0]  # pA; rheobase of the default iaf_psc_exp is 375 pA
# (pre source, post target, weight pA, delay ms); w > 0 -> I_syn_ex, w < 0 -> I_syn_in
PSC_CONN = [
    (0, 0, 500.0, 1.0),
    (1, 0, 400.0, 1.5),
    (2, 0, 400.0, 1.5),  # same step as source 1 through the same delay: two spikes in one step
    (3, 0, -300.0, 2.3),
    (1, 1, 600.0, 0.1),  # delay = one step
    (2, 1, 600.0, 0.1),
    (3, 1, 300.0, 1.0),
    (0, 1, -800.0, 1.5),
    (3, 2, 900.0, 2.3),
    (3, 2, -200.0, 1.0),  # second connection of the same pair (multapse), opposite sign
    (2, 2, -400.0, 0.1),
    (1, 2, 200.0, 1.0),
    (0, 2, 1000.0, 1.0),
]
PSC_GEN_TIMES = [5.0, 5.0, 12.3]  # ms, spike_generator; 5.0 twice
PSC_GEN_CONN = [(0, 700.0, 1.0)]  # (post target, weight pA, delay ms)


def run_psc(nest, dt):
    T = 100.0
    _reset(nest, dt)
    model = "iaf_psc_exp"
    src = nest.Create(model, len(PSC_SRC_I_E))
    src.set([{"I_e": v} for v in PSC_SRC_I_E])
    tgt = nest.Create(model, len(PSC_TGT_I_E))
    tgt.set([{"I_e": v} for v in PSC_TGT_I_E])
    gen = nest.Create("spike_generator", params={"spike_times": PSC_GEN_TIMES})
    pre, post, w, d = (np.array(c) for c in zip(*PSC_CONN))
    pre, post = pre.astype(np.int64), post.astype(np.int64)
    _connect(nest, src, tgt, pre, post, {"synapse_model": "static_synapse", "weight": w, "delay": d})
    g_post, g_w, g_d = (np.array(c) for c in zip(*PSC_GEN_CONN))
    g_post = g_post.astype(np.int64)
    _connect(nest, gen, tgt, np.zeros(len(g_post), np.int64), g_post, {"weight": g_w, "delay": g_d})
    rec = ["V_m", "I_syn_ex", "I_syn_in"]
    init, init_from_status = _init(tgt, rec)
    mm = nest.Create("multimeter", params={"interval": dt, "record_from": rec})
    nest.Connect(mm, tgt)
    sr_src = nest.Create("spike_recorder")
    sr_tgt = nest.Create("spike_recorder")
    nest.Connect(src, sr_src)
    nest.Connect(tgt, sr_tgt)
    nest.Simulate(T + EXTRA)
    data = _common(
        nest,
        dt,
        T,
        "4 iaf_psc_exp sources (constant I_e; sources 1 and 2 identical) and one spike_generator -> "
        "3 iaf_psc_exp targets, static_synapse, positive and negative weights, delays 0.1-2.3 ms.",
    )
    data.update(
        model=np.str_(model),
        src_I_e=np.array(PSC_SRC_I_E),
        tgt_I_e=np.array(PSC_TGT_I_E),
        conn_pre=pre,
        conn_post=post,
        conn_weight=w,
        conn_delay=d,
        conn_delay_steps=np.rint(d / dt).astype(np.int64),
        gen_spike_times=np.array(PSC_GEN_TIMES),
        gen_conn_post=g_post,
        gen_conn_weight=g_w,
        gen_conn_delay=g_d,
        gen_arrival_steps=np.rint((np.array(PSC_GEN_TIMES)[:, None] + g_d[None, :]) / dt).astype(np.int64).T,
        rec_idx=np.arange(len(PSC_TGT_I_E)),
    )
    for r in rec:
        data["init_" + r] = init[r]
    data.update(_traces(mm, tgt, rec, dt, T))
    for label, sr, nodes in (("src", sr_src, src), ("tgt", sr_tgt, tgt)):
        steps, times, idx, _ = _spikes(sr, nodes, dt, T)
        data[f"{label}_spike_steps"], data[f"{label}_spike_times"], data[f"{label}_spike_senders"] = (
            steps,
            times,
            idx,
        )
    meta = {
        "model": model,
        "defaults": _numeric_defaults(nest, model),
        "populations": {
            "src": {"n": len(PSC_SRC_I_E), "model": model, "set": {"I_e": PSC_SRC_I_E}},
            "tgt": {"n": len(PSC_TGT_I_E), "model": model, "set": {"I_e": PSC_TGT_I_E}},
            "gen": {"n": 1, "model": "spike_generator", "set": {"spike_times": PSC_GEN_TIMES}},
        },
        "synapse_model": "static_synapse",
        "kernel": _kernel(nest),
        "recordables": rec,
        "init_from_GetStatus": init_from_status,
    }
    return data, meta


def _psc_prop(p, h):
    tau_m, C = p["tau_m"], p["C_m"]
    P22 = math.exp(-h / tau_m)
    P20 = tau_m / C * (1.0 - P22)

    def p21(tau_s):
        beta = tau_s * tau_m / (tau_m - tau_s) if tau_m != tau_s else math.inf
        v = beta / C * math.exp(-h / tau_s) * math.expm1(h / beta)
        if not (math.isfinite(v) and v > 0 and abs(v) >= sys.float_info.min):
            v = h / C * math.exp(-h / tau_m)
        return v

    ts_ex, ts_in = p["tau_syn_ex"], p["tau_syn_in"]
    return P22, P20, p21(ts_ex), p21(ts_in), math.exp(-h / ts_ex), math.exp(-h / ts_in)


def check_psc(data, meta):
    """Re-compute sources and targets with the exact iaf_psc_exp propagators; return max deviations."""
    p = meta["defaults"]
    dt, n = float(data["dt"]), int(data["n_steps"])
    P22, P20, P21ex, P21in, P11ex, P11in = _psc_prop(p, dt)
    ref = round(p["t_ref"] / dt)
    th, vr, el = p["V_th"] - p["E_L"], p["V_reset"] - p["E_L"], p["E_L"]

    def run(I_e, ex_in, in_in):
        m = len(I_e)
        V, Iex, Iin, r = np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m, np.int64)
        Vt, Iext, Iint, spikes = np.zeros((m, n)), np.zeros((m, n)), np.zeros((m, n)), []
        for k in range(1, n + 1):
            free = r == 0
            V = np.where(free, P22 * V + P21ex * Iex + P21in * Iin + P20 * I_e, V)
            r = np.where(free, r, r - 1)
            Iex = P11ex * Iex + ex_in[:, k]
            Iin = P11in * Iin + in_in[:, k]
            fire = V >= th
            for i in np.flatnonzero(fire):
                spikes.append((k, i))
            r = np.where(fire, ref, r)
            V = np.where(fire, vr, V)
            Vt[:, k - 1], Iext[:, k - 1], Iint[:, k - 1] = V + el, Iex, Iin
        return Vt, Iext, Iint, spikes

    ns = len(data["src_I_e"])
    zero = np.zeros((ns, n + 1))
    _, _, _, src_sp = run(np.asarray(data["src_I_e"]), zero, zero)
    got_src = list(zip(data["src_spike_steps"].tolist(), data["src_spike_senders"].tolist()))
    assert src_sp == got_src, "source spikes differ"
    nt = len(data["tgt_I_e"])
    ex_in, in_in = np.zeros((nt, n + 1 + 100)), np.zeros((nt, n + 1 + 100))
    for pre, post, w, ds in zip(
        data["conn_pre"], data["conn_post"], data["conn_weight"], data["conn_delay_steps"]
    ):
        for k in data["src_spike_steps"][data["src_spike_senders"] == pre]:
            (ex_in if w > 0 else in_in)[post, k + ds] += w
    for j, (post, w) in enumerate(zip(data["gen_conn_post"], data["gen_conn_weight"])):
        for k in data["gen_arrival_steps"][j]:
            (ex_in if w > 0 else in_in)[post, k] += w
    Vt, Iext, Iint, tgt_sp = run(np.asarray(data["tgt_I_e"]), ex_in, in_in)
    got_tgt = list(zip(data["tgt_spike_steps"].tolist(), data["tgt_spike_senders"].tolist()))
    assert tgt_sp == got_tgt, f"target spikes differ: {tgt_sp} vs {got_tgt}"
    return {
        "V_m": float(np.abs(Vt - data["V_m"]).max()),
        "I_syn_ex": float(np.abs(Iext - data["I_syn_ex"]).max()),
        "I_syn_in": float(np.abs(Iint - data["I_syn_in"]).max()),
    }


# ---------------------------------------------------------------------------------------------
# 2. recurrent iaf_cond_exp network
# ---------------------------------------------------------------------------------------------

COND_N, COND_N_EX, COND_SEED, COND_P = 40, 32, 1, 0.1  # seed 1: every neuron spikes
COND_W_EX, COND_W_IN = 2.0, -8.0  # nS; negative weight -> g_in += |w|
COND_DELAYS = [0.1, 0.5, 1.0, 1.7]  # ms
COND_REC = [0, 1, 2, 3, 4]


def cond_setup():
    rng = np.random.default_rng(COND_SEED)
    I_e = rng.uniform(300.0, 500.0, COND_N)
    mask = rng.random((COND_N, COND_N)) < COND_P  # mask[pre, post]
    np.fill_diagonal(mask, False)
    pre, post = np.nonzero(mask)  # row-major: sorted by pre, then post
    w = np.where(pre < COND_N_EX, COND_W_EX, COND_W_IN)
    d = rng.choice(np.array(COND_DELAYS), size=len(pre))
    return I_e, pre.astype(np.int64), post.astype(np.int64), w, d


def run_cond(nest):
    dt, T = 0.1, 200.0
    _reset(nest, dt)
    model = "iaf_cond_exp"
    I_e, pre, post, w, d = cond_setup()
    pop = nest.Create(model, COND_N)
    pop.set([{"I_e": float(v)} for v in I_e])
    _connect(nest, pop, pop, pre, post, {"synapse_model": "static_synapse", "weight": w, "delay": d})
    rec = ["V_m", "g_ex", "g_in"]
    rec_nodes = pop[COND_REC[0] : COND_REC[-1] + 1]
    init, init_from_status = _init(rec_nodes, rec)
    mm = nest.Create("multimeter", params={"interval": dt, "record_from": rec})
    nest.Connect(mm, rec_nodes)
    sr = nest.Create("spike_recorder")
    nest.Connect(pop, sr)
    nest.Simulate(T + EXTRA)
    data = _common(
        nest,
        dt,
        T,
        f"{COND_N} iaf_cond_exp, I_e ~ U(300, 500) pA, random recurrent connections p = {COND_P} without "
        f"autapses, +{COND_W_EX} nS from sources 0..{COND_N_EX - 1}, {COND_W_IN} nS (-> g_in += 8) from "
        f"sources {COND_N_EX}..{COND_N - 1}, delays from {COND_DELAYS} ms.",
    )
    data.update(
        model=np.str_(model),
        seed=np.int64(COND_SEED),
        p_conn=np.float64(COND_P),
        n_neurons=np.int64(COND_N),
        n_exc=np.int64(COND_N_EX),
        delay_choices=np.array(COND_DELAYS),
        I_e=I_e,
        conn_pre=pre,
        conn_post=post,
        conn_weight=w,
        conn_delay=d,
        conn_delay_steps=np.rint(d / dt).astype(np.int64),
        rec_idx=np.array(COND_REC),
    )
    for r in rec:
        data["init_" + r] = init[r]
    data.update(_traces(mm, rec_nodes, rec, dt, T))
    steps, times, idx, _ = _spikes(sr, pop, dt, T)
    data.update(spike_steps=steps, spike_times=times, spike_senders=idx)
    meta = {
        "model": model,
        "defaults": _numeric_defaults(nest, model),
        "populations": {"pop": {"n": COND_N, "model": model, "set": {"I_e": "array I_e"}}},
        "synapse_model": "static_synapse",
        "kernel": _kernel(nest),
        "recordables": rec,
        "init_from_GetStatus": init_from_status,
        "rng": "numpy.random.default_rng(seed): I_e = uniform(300, 500, n); mask = random((n, n)) < p "
        "(mask[pre, post]), diagonal cleared, (pre, post) = nonzero(mask); delay = choice(delay_choices, "
        "n_conn); connections are created in this (pre-major) order",
        "integrator": "GSL rkf45, control_y_new(eps_abs=1e-3, eps_rel=0), see NEST_FACTS.md",
    }
    return data, meta


def check_cond(data, meta):
    """g_ex / g_in jumps at the arrival steps equal the summed |weights| (up to the RKF45 decay error)."""
    p = meta["defaults"]
    dt, n = float(data["dt"]), int(data["n_steps"])
    worst = 0.0
    for i, node in enumerate(data["rec_idx"]):
        jump_ex, jump_in = np.zeros(n + 200), np.zeros(n + 200)
        sel = data["conn_post"] == node
        for pre, w, ds in zip(data["conn_pre"][sel], data["conn_weight"][sel], data["conn_delay_steps"][sel]):
            for k in data["spike_steps"][data["spike_senders"] == pre]:
                (jump_ex if w > 0 else jump_in)[k + ds] += abs(w)
        for name, tau, jump in (("g_ex", p["tau_syn_ex"], jump_ex), ("g_in", p["tau_syn_in"], jump_in)):
            g = np.concatenate([[data["init_" + name][i]], data[name][i]])
            pred = g[:-1] * math.exp(-dt / tau) + jump[1 : n + 1]
            worst = max(worst, float(np.abs(pred - g[1:]).max()))
    return {"g_jump_model_max_dev": worst}


# ---------------------------------------------------------------------------------------------
# 3. two coupled iaf_bw_2001 / iaf_bw_2001_exact neurons
# ---------------------------------------------------------------------------------------------

BW_DC = [450.0, 420.0]  # pA, one dc_generator per neuron
BW_DC_DELAY = 1.0  # ms
# (pre, post, receptor name, weight nS, delay ms)
BW_CONN = [
    (0, 1, "AMPA", 3.0, 0.5),
    (0, 1, "NMDA", 15.0, 1.0),
    (0, 1, "GABA", 1.0, 2.0),
    (1, 0, "AMPA", 2.0, 1.5),
    (1, 0, "GABA", 4.0, 0.7),
    (1, 0, "NMDA", 10.0, 0.5),
]


def _lower_gamma(a, x):
    """Lower incomplete gamma function by its power series (x small here)."""
    term = total = 1.0 / a
    n = 0
    while abs(term) > 1e-18 * abs(total):
        n += 1
        term *= x / (a + n)
        total += term
    return x**a * math.exp(-x) * total


def bw_k(p):
    """k_0, k_1 of iaf_bw_2001's presynaptic NMDA jump (NEST docs)."""
    a_tau = p["alpha"] * p["tau_rise_NMDA"]
    r = p["tau_rise_NMDA"] / p["tau_decay_NMDA"]
    return a_tau**r * _lower_gamma(1.0 - r, a_tau), math.expm1(-a_tau)


def run_bw(nest, model):
    dt, T = 0.1, 200.0
    _reset(nest, dt)
    rtypes = dict(nest.GetDefaults(model)["receptor_types"])
    pop = nest.Create(model, 2)
    dc = nest.Create("dc_generator", 2, params={"start": 0.0, "stop": 1.0e9})
    dc.set([{"amplitude": a} for a in BW_DC])
    _connect(nest, dc, pop, [0, 1], [0, 1], {"weight": [1.0, 1.0], "delay": [BW_DC_DELAY] * 2})
    pre, post, rname, w, d = zip(*BW_CONN)
    pre, post = np.array(pre, np.int64), np.array(post, np.int64)
    w, d = np.array(w), np.array(d)
    receptor = np.array([rtypes[r] for r in rname], np.int64)
    # one Connect call per receptor type (receptor_type as an array is fine too, but keep it explicit)
    for rid in sorted(set(receptor.tolist())):
        s = receptor == rid
        _connect(
            nest,
            pop,
            pop,
            pre[s],
            post[s],
            {"synapse_model": "static_synapse", "weight": w[s], "delay": d[s], "receptor_type": int(rid)},
        )
    rec = ["V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_NMDA"]
    init, init_from_status = _init(pop, rec)
    mm = nest.Create("multimeter", params={"interval": dt, "record_from": rec})
    nest.Connect(mm, pop)
    in_steps = model == "iaf_bw_2001"  # spikes carry the NMDA jump as offset: record in steps
    sr = nest.Create("spike_recorder", params={"time_in_steps": True} if in_steps else {})
    nest.Connect(pop, sr)
    nest.Simulate(T + EXTRA)
    data = _common(
        nest,
        dt,
        T,
        f"two {model} neurons, dc drive {BW_DC} pA, AMPA, GABA and NMDA connections in both directions.",
    )
    data.update(
        model=np.str_(model),
        receptor_names=np.array(list(rtypes.keys())),
        receptor_ids=np.array(list(rtypes.values()), np.int64),
        dc_amplitude=np.array(BW_DC),
        dc_start=np.float64(0.0),
        dc_stop=np.float64(1.0e9),
        dc_weight=np.array([1.0, 1.0]),
        dc_delay=np.float64(BW_DC_DELAY),
        conn_pre=pre,
        conn_post=post,
        conn_receptor=receptor,
        conn_receptor_name=np.array(rname),
        conn_weight=w,
        conn_delay=d,
        conn_delay_steps=np.rint(d / dt).astype(np.int64),
        rec_idx=np.array([0, 1]),
    )
    for r in rec:
        data["init_" + r] = init[r]
    data.update(_traces(mm, pop, rec, dt, T))
    steps, times, idx, offsets = _spikes(sr, pop, dt, T, in_steps=in_steps)
    data.update(spike_steps=steps, spike_times=times, spike_senders=idx)
    defaults = _numeric_defaults(nest, model)
    if model == "iaf_bw_2001":
        k0, k1 = bw_k(defaults)
        data.update(spike_offsets=offsets, k0=np.float64(k0), k1=np.float64(k1))
    meta = {
        "model": model,
        "defaults": defaults,
        "receptor_types": rtypes,
        "populations": {"pop": {"n": 2, "model": model, "set": {}}},
        "dc_generator": {
            "amplitude": BW_DC,
            "start": 0.0,
            "stop": 1.0e9,
            "weight": 1.0,
            "delay": BW_DC_DELAY,
        },
        "synapse_model": "static_synapse",
        "kernel": _kernel(nest),
        "recordables": rec,
        "init_from_GetStatus": init_from_status,
        "spike_recorder_time_in_steps": in_steps,
        "integrator": "GSL rkf45, control_y_new(eps_abs=gsl_error_tol, eps_rel=0)",
    }
    return data, meta


def check_bw(data, meta):
    p = meta["defaults"]
    dt, n = float(data["dt"]), int(data["n_steps"])
    model = str(data["model"])
    out = {}
    if model == "iaf_bw_2001":
        k0, k1 = float(data["k0"]), float(data["k1"])
        worst_off = 0.0
        for i in range(2):
            sel = data["spike_senders"] == i
            s_pre, last = 0.0, -1.0  # NEST's "no spike yet" time is -1 ms
            for t, off in zip(data["spike_times"][sel], data["spike_offsets"][sel]):
                s_pre *= math.exp(-(t - last) / p["tau_decay_NMDA"])
                delta = k0 + k1 * s_pre
                s_pre += delta
                last = t
                worst_off = max(worst_off, abs(delta - off))
        out["offset_max_dev"] = worst_off
    # jumps of s_AMPA, s_GABA (and s_NMDA for the approximate model) at the arrival steps
    tau = {"s_AMPA": p["tau_AMPA"], "s_GABA": p["tau_GABA"], "s_NMDA": p["tau_decay_NMDA"]}
    names = ["s_AMPA", "s_GABA"] + (["s_NMDA"] if model == "iaf_bw_2001" else [])
    rid = dict(zip(data["receptor_names"].tolist(), data["receptor_ids"].tolist()))
    worst = 0.0
    for i in range(2):
        for name in names:
            jump = np.zeros(n + 200)
            sel = (data["conn_post"] == i) & (data["conn_receptor"] == rid[name[2:]])
            for pre, w, ds in zip(
                data["conn_pre"][sel], data["conn_weight"][sel], data["conn_delay_steps"][sel]
            ):
                ss = data["spike_senders"] == pre
                for k, off in zip(data["spike_steps"][ss], data.get("spike_offsets", np.ones(len(ss)))[ss]):
                    jump[k + ds] += w * (off if name == "s_NMDA" else 1.0)
            s = np.concatenate([[data["init_" + name][i]], data[name][i]])
            pred = s[:-1] * math.exp(-dt / tau[name]) + jump[1 : n + 1]
            worst = max(worst, float(np.abs(pred - s[1:]).max()))
    out["s_jump_model_max_dev"] = worst
    return out


def nest_errors(nest):
    """Exact texts of the connection / run errors NEST raises for the iaf_bw_2001 models."""

    def err(f):
        try:
            f()
        except Exception as e:  # we want the text of whatever NEST raises
            return f"{type(e).__name__}: {e}"
        return None

    out = {}
    _reset(nest, 0.1)
    bw = nest.Create("iaf_bw_2001")
    ex = nest.Create("iaf_bw_2001_exact")
    sg = nest.Create("spike_generator")
    psc = nest.Create("iaf_psc_exp")
    out["kernel_off_grid_spiking_after_creating_iaf_bw_2001"] = str(nest.GetKernelStatus("off_grid_spiking"))
    out["spike_generator->iaf_bw_2001 receptor NMDA (3)"] = err(
        lambda: nest.Connect(sg, bw, syn_spec={"receptor_type": 3})
    )
    out["iaf_psc_exp->iaf_bw_2001 receptor NMDA (3)"] = err(
        lambda: nest.Connect(psc, bw, syn_spec={"receptor_type": 3})
    )
    out["iaf_bw_2001_exact->iaf_bw_2001 receptor NMDA (3)"] = err(
        lambda: nest.Connect(ex, bw, syn_spec={"receptor_type": 3})
    )
    out["spike_generator->iaf_bw_2001 receptor 0"] = err(
        lambda: nest.Connect(sg, bw, syn_spec={"receptor_type": 0})
    )
    out["spike_generator->iaf_bw_2001 receptor 4"] = err(
        lambda: nest.Connect(sg, bw, syn_spec={"receptor_type": 4})
    )
    out["spike_generator->iaf_bw_2001_exact receptor 0"] = err(
        lambda: nest.Connect(sg, ex, syn_spec={"receptor_type": 0})
    )
    out["spike_generator->iaf_bw_2001_exact receptor NMDA (3)"] = err(
        lambda: nest.Connect(sg, ex, syn_spec={"receptor_type": 3})
    )
    out["iaf_bw_2001->iaf_bw_2001_exact receptor NMDA (3)"] = err(
        lambda: nest.Connect(bw, ex, syn_spec={"receptor_type": 3})
    )
    out["iaf_bw_2001->iaf_psc_exp receptor 0"] = err(lambda: nest.Connect(bw, psc))
    out["dc_generator->iaf_bw_2001 receptor 1"] = err(
        lambda: nest.Connect(nest.Create("dc_generator"), bw, syn_spec={"receptor_type": 1})
    )
    nest.Simulate(1.0)
    out["spike_generator->iaf_bw_2001_exact receptor NMDA (3) after Simulate"] = err(
        lambda: nest.Connect(sg, ex, syn_spec={"receptor_type": 3})
    )
    out["spike_generator->iaf_bw_2001_exact receptor AMPA (1) after Simulate"] = err(
        lambda: nest.Connect(sg, ex, syn_spec={"receptor_type": 1})
    )
    _reset(nest, 0.1)
    ex = nest.Create("iaf_bw_2001_exact")
    sg = nest.Create("spike_generator", params={"spike_times": [1.0, 3.0]})
    nest.Connect(sg, ex, syn_spec={"receptor_type": 3, "weight": 1.0})
    nest.Simulate(2.5)
    nest.GetConnections(sg, ex).set(weight=2.0)
    out["iaf_bw_2001_exact NMDA weight changed between two spikes, next Simulate"] = err(
        lambda: nest.Simulate(5.0)
    )
    return out


# ---------------------------------------------------------------------------------------------
# 4. rate network (sigmoid_rate_ipn)
# ---------------------------------------------------------------------------------------------

RATE_MODEL = "sigmoid_rate_ipn"
RATE_NEURONS = [  # sigma = 0 everywhere (deterministic)
    {"mu": 1.0, "tau": 5.0, "rate": 0.0},
    {
        "mu": -0.8,
        "tau": 10.0,
        "rate": 0.2,
        "beta": 2.0,
        "theta": 0.5,
        "rectify_output": True,
        "rectify_rate": 0.1,
    },
    {"mu": 0.2, "tau": 8.0, "rate": -0.3, "linear_summation": False, "g": 1.5},
    {"mu": 0.0, "tau": 4.0, "rate": 0.5, "lambda": 0.5, "beta": 3.0, "theta": -0.2},
]
# (pre, post, synapse model, weight, delay ms or None)
RATE_CONN = [
    (0, 1, "rate_connection_instantaneous", 1.5, None),
    (1, 2, "rate_connection_instantaneous", -0.8, None),
    (0, 2, "rate_connection_delayed", 1.2, 1.0),
    (2, 3, "rate_connection_delayed", 2.0, 1.0),
    (3, 0, "rate_connection_delayed", -1.0, 1.0),
    (3, 1, "rate_connection_delayed", 0.7, 1.0),
    (2, 3, "rate_connection_instantaneous", 0.5, None),
    (3, 1, "rate_connection_instantaneous", -0.6, None),  # closes the instantaneous loop 1 -> 2 -> 3 -> 1
]
RATE_TIGHT = {"wfr_tol": 1e-14, "wfr_max_iterations": 100}


def run_rate_once(nest, kernel_extra):
    dt, T = 0.1, 100.0
    _reset(nest, dt)
    if kernel_extra:
        nest.SetKernelStatus(kernel_extra)
    pop = nest.Create(RATE_MODEL, len(RATE_NEURONS))
    full = []
    for i, p in enumerate(RATE_NEURONS):
        q = dict(p, sigma=0.0)
        pop[i].set(q)
        full.append(q)
    init = np.array([float(v) for v in pop.get("rate")])
    for syn in ("rate_connection_instantaneous", "rate_connection_delayed"):
        cs = [c for c in RATE_CONN if c[2] == syn]
        pre = np.array([c[0] for c in cs], np.int64)
        post = np.array([c[1] for c in cs], np.int64)
        spec = {"synapse_model": syn, "weight": np.array([c[3] for c in cs])}
        if syn == "rate_connection_delayed":
            spec["delay"] = np.array([c[4] for c in cs])
        _connect(nest, pop, pop, pre, post, spec)
    mm = nest.Create("multimeter", params={"interval": dt, "record_from": ["rate"]})
    nest.Connect(mm, pop)
    nest.Simulate(T + EXTRA)
    return pop, init, _traces(mm, pop, ["rate"], dt, T)["rate"], _kernel(nest), full


def run_rate(nest):
    dt, T = 0.1, 100.0
    _, init, rate, kern, full = run_rate_once(nest, {})
    _, _, rate_tight, kern_tight, _ = run_rate_once(nest, RATE_TIGHT)
    defaults = _numeric_defaults(nest, RATE_MODEL)
    data = _common(
        nest,
        dt,
        T,
        "4 sigmoid_rate_ipn (sigma = 0), instantaneous connections 0->1, 1->2, 2->3, 3->1 (a loop) and "
        "delayed ones (delay 1 ms) 0->2, 2->3, 3->0, 3->1; neuron 1 rectify_output (clamped at "
        "rectify_rate = 0.1 in samples 16..75), neuron 2 linear_summation = False.",
    )
    par = {}
    for k in ("tau", "lambda", "mu", "sigma", "g", "beta", "theta", "rectify_rate"):
        par[k] = np.array([float(q.get(k, defaults[k])) for q in full])
    for k in ("rectify_output", "linear_summation", "mult_coupling"):
        par[k] = np.array([int(bool(q.get(k, defaults[k]))) for q in full], np.int64)
    pre, post, syn, w, d = zip(*RATE_CONN)
    inst = np.array([s == "rate_connection_instantaneous" for s in syn], np.int64)
    delay = np.array([0.0 if x is None else x for x in d])
    data.update(
        model=np.str_(RATE_MODEL),
        **{"param_" + k: v for k, v in par.items()},
        init_rate=init,
        conn_pre=np.array(pre, np.int64),
        conn_post=np.array(post, np.int64),
        conn_synapse_model=np.array(syn),
        conn_instantaneous=inst,
        conn_weight=np.array(w),
        conn_delay=delay,
        conn_delay_steps=np.rint(delay / dt).astype(np.int64),
        rec_idx=np.arange(len(RATE_NEURONS)),
        rate=rate,
        rate_wfr_tight=rate_tight,
        use_wfr=np.int64(kern["use_wfr"]),
        wfr_tol=np.float64(kern["wfr_tol"]),
        wfr_max_iterations=np.int64(kern["wfr_max_iterations"]),
        wfr_interpolation_order=np.int64(kern["wfr_interpolation_order"]),
        wfr_comm_interval=np.float64(kern["wfr_comm_interval"]),
        min_delay=np.float64(kern["min_delay"]),
        tight_wfr_tol=np.float64(kern_tight["wfr_tol"]),
        tight_wfr_max_iterations=np.int64(kern_tight["wfr_max_iterations"]),
    )
    meta = {
        "model": RATE_MODEL,
        "defaults": defaults,
        "neurons_set": full,
        "connections": [
            dict(pre=a, post=b, synapse_model=s, weight=x, delay=y) for a, b, s, x, y in RATE_CONN
        ],
        "kernel": kern,
        "kernel_tight": kern_tight,
        "note": "'rate' = NEST with default waveform-relaxation settings; 'rate_wfr_tight' = same network "
        "with wfr_tol = 1e-14, wfr_max_iterations = 100 (converged iteration)",
    }
    return data, meta


def rate_recursion(data):
    """Direct recursion: instantaneous input r_src(t), delayed r_src(t - d) (0 before t = d)."""
    n, N = int(data["n_steps"]), len(data["init_rate"])
    dt = float(data["dt"])
    lam, tau = data["param_lambda"], data["param_tau"]
    P1 = np.where(lam > 0, np.exp(-lam * dt / tau), 1.0)
    P2 = np.where(lam > 0, -np.expm1(-lam * dt / tau) / np.where(lam > 0, lam, 1.0), dt / tau)
    g, beta, theta = data["param_g"], data["param_beta"], data["param_theta"]

    def phi(i, h):
        return g[i] / (1.0 + math.exp(-beta[i] * (h - theta[i])))

    X = np.zeros((N, n + 1))  # X[:, s] = rate at time s*dt
    X[:, 0] = data["init_rate"]
    for s in range(n):  # step from s*dt to (s+1)*dt
        for i in range(N):
            tot = 0.0
            for pre, post, inst, w, ds in zip(
                data["conn_pre"],
                data["conn_post"],
                data["conn_instantaneous"],
                data["conn_weight"],
                data["conn_delay_steps"],
            ):
                if post != i:
                    continue
                if inst:
                    r = X[pre, s]
                elif s - ds >= 0:
                    r = X[pre, s - ds]
                else:
                    continue
                tot += w * (r if data["param_linear_summation"][i] else phi(i, r))
            x = P1[i] * X[i, s] + P2[i] * data["param_mu"][i]
            x += P2[i] * (phi(i, tot) if data["param_linear_summation"][i] else tot)
            if data["param_rectify_output"][i] and x < data["param_rectify_rate"][i]:
                x = data["param_rectify_rate"][i]
            X[i, s + 1] = x
    return X[:, 1:]


def check_rate(data, meta):
    X = rate_recursion(data)
    return {
        "tight_vs_recursion": float(np.abs(X - data["rate_wfr_tight"]).max()),
        "default_vs_recursion": float(np.abs(X - data["rate"]).max()),
    }


# ---------------------------------------------------------------------------------------------


def _report(check, tol):
    """Print a check's deviations and stop if one exceeds its tolerance."""
    print("  check:", {k: float(v) for k, v in check.items()})
    bad = {k: v for k, v in check.items() if v > tol.get(k, 0.0)}
    if bad:
        raise RuntimeError(f"self-check failed: {bad}")


def main(argv=None):
    import nest

    try:
        nest.verbosity = nest.VerbosityLevel.ERROR
    except AttributeError:  # older NEST
        nest.set_verbosity("M_ERROR")
    groups = set(argv if argv is not None else sys.argv[1:]) or {"psc", "cond", "bw", "rate"}
    if "psc" in groups:
        for dt, name in ((0.1, "net_iaf_psc_exp_delays"), (0.05, "net_iaf_psc_exp_delays_dt005")):
            data, meta = run_psc(nest, dt)
            _report(check_psc(data, meta), {"V_m": 1e-10, "I_syn_ex": 1e-10, "I_syn_in": 1e-10})
            _save(name, data, meta)
    if "cond" in groups:
        data, meta = run_cond(nest)
        _report(check_cond(data, meta), {"g_jump_model_max_dev": 1e-3})
        _save("net_iaf_cond_exp_recurrent", data, meta)
    if "bw" in groups:
        errors = nest_errors(nest)
        for model in ("iaf_bw_2001", "iaf_bw_2001_exact"):
            data, meta = run_bw(nest, model)
            meta["nest_errors"] = errors
            _report(check_bw(data, meta), {"offset_max_dev": 1e-12, "s_jump_model_max_dev": 1e-6})
            _save("net_" + model, data, meta)
        for k, v in errors.items():
            print(f"  {k}: {v!r}")
    if "rate" in groups:
        data, meta = run_rate(nest)
        _report(check_rate(data, meta), {"tight_vs_recursion": 1e-12, "default_vs_recursion": 1e-6})
        _save("net_rate_ipn", data, meta)


if __name__ == "__main__":
    main()
