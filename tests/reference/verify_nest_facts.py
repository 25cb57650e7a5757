"""Check the update-order facts stated in README.md against the stored NEST traces.

Needs only numpy (no NEST)::

    python tests/reference/verify_nest_facts.py

For every case it re-computes the trace with an independent plain-Python re-implementation of the
update order described in NEST_FACTS.md (exact propagators for iaf_psc_exp, Euler for izhikevich,
exponential Euler for the rate neurons, and a re-implementation of GSL 1.15's RKF45 stepper,
standard step-size controller and evolve loop for the conductance / HH / Brunel-Wang models), and
prints the largest deviation from NEST and whether all spike times agree. It also checks the timing
facts (first sample, first step with I_e, refractory samples). It is not a pytest module: it only
runs under ``if __name__ == "__main__":``.
"""

import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(name):
    import numpy as np

    d = dict(np.load(HERE / f"{name}.npz"))
    d["params"] = json.loads(str(d["params_json"]))
    d["inputs"] = json.loads(str(d["inputs_json"]))
    p = dict(d["params"]["defaults"])
    p.update(d["params"]["set"] if d["model"] != "sigmoid_rate_ipn" else {})
    d["p"] = p
    return d


def step_inputs(d, n, rule):
    """Per-step input sums. rule(weight, receptor) -> channel name. Index k: step ending at k*dt."""
    dt = float(d["dt"])
    chans = {}
    for inp in d["inputs"]["spikes"]:
        ch = rule(inp["weight"], inp["receptor"])
        arr = chans.setdefault(ch, [0.0] * (n + 1))
        for a in inp["arrival_times"]:
            k = round(a / dt)
            assert abs(k * dt - a) < 1e-9, "arrival time off grid"
            if k <= n:
                arr[k] += inp["weight"]
    return chans


def report(name, d, sim, spikes):
    import numpy as np

    worst = {}
    for key, arr in sim.items():
        ref = d[key]
        scale = max(1.0, float(np.max(np.abs(ref))))
        worst[key] = float(np.max(np.abs(np.asarray(arr) - ref))) / scale
    ref_sp = d["spike_times"]
    same = len(ref_sp) == len(spikes) and np.allclose(ref_sp, spikes, atol=1e-9)
    w = ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
    print(f"{name:38s} spikes {'==' if same else '!='} NEST ({len(ref_sp)}); max rel. deviation: {w}")
    return same, worst


# ------------------------------------------------------------------------------------------------
# GSL 1.15 RKF45 + standard control + evolve_apply, re-implemented
# ------------------------------------------------------------------------------------------------

_A = (0.0, 1 / 4, 3 / 8, 12 / 13, 1.0, 1 / 2)
_B = (
    (),
    (1 / 4,),
    (3 / 32, 9 / 32),
    (1932 / 2197, -7200 / 2197, 7296 / 2197),
    (8341 / 4104, -32832 / 4104, 29440 / 4104, -845 / 4104),
    (-6080 / 20520, 41040 / 20520, -28352 / 20520, 9295 / 20520, -5643 / 20520),
)
_C = (902880 / 7618050, 0.0, 3953664 / 7618050, 3855735 / 7618050, -1371249 / 7618050, 277020 / 7618050)
_E = (1 / 360, 0.0, -128 / 4275, -2197 / 75240, 1 / 50, 2 / 55)


class Evolver:
    """One gsl_odeiv_evolve_apply call per ``apply``; h persists between calls."""

    def __init__(self, rhs, h, eps_abs, eps_rel, a_y, a_dydt):
        self.rhs, self.h = rhs, h
        self.eps_abs, self.eps_rel, self.a_y, self.a_dydt = eps_abs, eps_rel, a_y, a_dydt

    def _stage(self, t, y, h, k1):
        n = len(y)
        ks = [k1]
        for i in range(1, 6):
            yt = [y[j] + h * sum(_B[i][m] * ks[m][j] for m in range(i)) for j in range(n)]
            ks.append(self.rhs(t + _A[i] * h, yt))
        yn = [y[j] + h * sum(_C[m] * ks[m][j] for m in range(6)) for j in range(n)]
        err = [h * sum(_E[m] * ks[m][j] for m in range(6)) for j in range(n)]
        return yn, err, self.rhs(t + h, yn)  # GSL 1.15 evaluates dydt_out at t+h

    def apply(self, t, t1, y):
        k1 = self.rhs(t, y)
        h0 = self.h
        while True:
            dt = t1 - t
            final = h0 >= dt
            if final:
                h0 = dt
            yn, err, yp = self._stage(t, y, h0, k1)
            tn = t1 if final else t + h0
            rmax = 2.2250738585072014e-308
            for i in range(len(y)):
                d0 = self.eps_rel * (self.a_y * abs(yn[i]) + self.a_dydt * h0 * abs(yp[i])) + self.eps_abs
                rmax = max(rmax, abs(err[i]) / abs(d0))
            if rmax > 1.1:
                hn = max(0.2 * h0, h0 * 0.9 / rmax ** (1 / 5))
                if hn < h0 and tn + hn != tn:
                    h0 = hn
                    continue  # reject and retry
                hn = h0
            elif rmax < 0.5:
                hn = min(5.0 * h0, h0 * max(1.0, 0.9 / rmax ** (1 / 6)))
            else:
                hn = h0
            self.h = hn
            return tn, yn


# ------------------------------------------------------------------------------------------------
# models
# ------------------------------------------------------------------------------------------------


def _p32(tau_s, tau_m, c, h):
    beta = tau_s * tau_m / (tau_m - tau_s) if tau_m != tau_s else math.inf
    inv_beta = (tau_m - tau_s) / (tau_s * tau_m)
    with_exp = (
        (beta / c) * math.exp(-h / tau_s) * math.expm1(h * inv_beta) if math.isfinite(beta) else math.nan
    )
    if (
        math.isfinite(with_exp)
        and with_exp != 0.0
        and with_exp > 0
        and abs(with_exp) >= 2.2250738585072014e-308
    ):
        return with_exp
    return h / c * math.exp(-h / tau_m)


def sim_iaf_psc_exp(d):
    p, dt, n = d["p"], float(d["dt"]), len(d["t"])
    ch = step_inputs(d, n, lambda w, r: "ex" if w > 0 else "in")
    ex, inh = ch.get("ex", [0.0] * (n + 1)), ch.get("in", [0.0] * (n + 1))
    p22 = math.exp(-dt / p["tau_m"])
    p11e, p11i = math.exp(-dt / p["tau_syn_ex"]), math.exp(-dt / p["tau_syn_in"])
    p21e = _p32(p["tau_syn_ex"], p["tau_m"], p["C_m"], dt)
    p21i = _p32(p["tau_syn_in"], p["tau_m"], p["C_m"], dt)
    p20 = p["tau_m"] / p["C_m"] * (1 - p22)
    ref_steps = round(p["t_ref"] / dt)
    v, ie, ii, r = float(d["init_V_m"]) - p["E_L"], 0.0, 0.0, 0
    theta, vreset = p["V_th"] - p["E_L"], p["V_reset"] - p["E_L"]
    out = {"V_m": [], "I_syn_ex": [], "I_syn_in": []}
    spikes = []
    for k in range(1, n + 1):
        if r == 0:
            v = v * p22 + ie * p21e + ii * p21i + p["I_e"] * p20
        else:
            r -= 1
        ie = ie * p11e + ex[k]
        ii = ii * p11i + inh[k]
        if v >= theta:
            r, v = ref_steps, vreset
            spikes.append(k * dt)
        out["V_m"].append(v + p["E_L"])
        out["I_syn_ex"].append(ie)
        out["I_syn_in"].append(ii)
    return out, spikes


def sim_izhikevich(d):
    p, dt, n = d["p"], float(d["dt"]), len(d["t"])
    sp = step_inputs(d, n, lambda w, r: "all").get("all", [0.0] * (n + 1))
    v, u = float(d["init_V_m"]), float(d["init_U_m"])
    a, b, c, dd, ie = p["a"], p["b"], p["c"], p["d"], p["I_e"]
    out = {"V_m": [], "U_m": []}
    spikes = []
    for k in range(1, n + 1):
        if p["consistent_integration"]:
            v, u = v + dt * (0.04 * v * v + 5.0 * v + 140.0 - u + ie) + sp[k], u + dt * a * (b * v - u)
        else:
            for _ in range(2):
                v += dt * 0.5 * (0.04 * v * v + 5.0 * v + 140.0 - u + ie + sp[k])
            u += dt * a * (b * v - u)
        v = max(v, p["V_min"])
        if v >= p["V_th"]:
            v, u = c, u + dd
            spikes.append(k * dt)
        out["V_m"].append(v)
        out["U_m"].append(u)
    return out, spikes


def sim_iaf_cond_exp(d):
    p, dt, n = d["p"], float(d["dt"]), len(d["t"])
    ch = step_inputs(d, n, lambda w, r: "ex" if w > 0 else "in")
    ex, inh = ch.get("ex", [0.0] * (n + 1)), ch.get("in", [0.0] * (n + 1))
    st = {"r": 0}

    def rhs(t, y):
        refr = st["r"] > 0
        v = p["V_reset"] if refr else min(y[0], p["V_th"])
        i_ex, i_in, i_l = y[1] * (v - p["E_ex"]), y[2] * (v - p["E_in"]), p["g_L"] * (v - p["E_L"])
        dv = 0.0 if refr else (-i_l + p["I_e"] - i_ex - i_in) / p["C_m"]
        return [dv, -y[1] / p["tau_syn_ex"], -y[2] / p["tau_syn_in"]]

    ev = Evolver(rhs, dt, 1e-3, 0.0, 1.0, 0.0)
    y = [float(d["init_V_m"]), float(d["init_g_ex"]), float(d["init_g_in"])]
    ref_steps = round(p["t_ref"] / dt)
    out = {"V_m": [], "g_ex": [], "g_in": []}
    spikes = []
    for k in range(1, n + 1):
        t = 0.0
        while t < dt:
            t, y = ev.apply(t, dt, y)
        y[1] += ex[k]
        y[2] += -inh[k]
        if st["r"]:
            st["r"] -= 1
            y[0] = p["V_reset"]
        elif y[0] >= p["V_th"]:
            st["r"], y[0] = ref_steps, p["V_reset"]
            spikes.append(k * dt)
        for key, i in (("V_m", 0), ("g_ex", 1), ("g_in", 2)):
            out[key].append(y[i])
    return out, spikes


def sim_aeif_cond_alpha(d):
    p, dt, n = d["p"], float(d["dt"]), len(d["t"])
    ch = step_inputs(d, n, lambda w, r: "ex" if w > 0 else "in")
    ex, inh = ch.get("ex", [0.0] * (n + 1)), ch.get("in", [0.0] * (n + 1))
    st = {"r": 0}

    def rhs(t, y):
        refr = st["r"] > 0
        v = p["V_reset"] if refr else min(y[0], p["V_peak"])
        dge, ge, dgi, gi, w = y[1], y[2], y[3], y[4], y[5]
        i_spike = p["g_L"] * p["Delta_T"] * math.exp((v - p["V_th"]) / p["Delta_T"]) if p["Delta_T"] else 0.0
        dv = (
            0.0
            if refr
            else (
                -p["g_L"] * (v - p["E_L"])
                + i_spike
                - ge * (v - p["E_ex"])
                - gi * (v - p["E_in"])
                - w
                + p["I_e"]
            )
            / p["C_m"]
        )
        return [
            dv,
            -dge / p["tau_syn_ex"],
            dge - ge / p["tau_syn_ex"],
            -dgi / p["tau_syn_in"],
            dgi - gi / p["tau_syn_in"],
            (p["a"] * (v - p["E_L"]) - w) / p["tau_w"],
        ]

    tol = p["gsl_error_tol"]
    ev = Evolver(rhs, dt, tol, tol, 0.0, 1.0)
    y = [float(d["init_V_m"]), 0.0, float(d["init_g_ex"]), 0.0, float(d["init_g_in"]), float(d["init_w"])]
    ref_steps = round(p["t_ref"] / dt)
    v_peak = p["V_peak"] if p["Delta_T"] > 0 else p["V_th"]
    out = {"V_m": [], "g_ex": [], "g_in": [], "w": []}
    spikes = []
    for k in range(1, n + 1):
        t = 0.0
        while t < dt:
            t, y = ev.apply(t, dt, y)
            if st["r"] > 0:
                y[0] = p["V_reset"]
            elif y[0] >= v_peak:
                y[0] = p["V_reset"]
                y[5] += p["b"]
                st["r"] = ref_steps + 1 if ref_steps > 0 else 0
                spikes.append(k * dt)
        if st["r"] > 0:
            st["r"] -= 1
        y[1] += ex[k] * math.e / p["tau_syn_ex"]
        y[3] += -inh[k] * math.e / p["tau_syn_in"]
        for key, i in (("V_m", 0), ("g_ex", 2), ("g_in", 4), ("w", 5)):
            out[key].append(y[i])
    return out, spikes


def hh_rates(v):
    alpha_n = 0.01 * (v + 55.0) / (1.0 - math.exp(-(v + 55.0) / 10.0))
    beta_n = 0.125 * math.exp(-(v + 65.0) / 80.0)
    alpha_m = 0.1 * (v + 40.0) / (1.0 - math.exp(-(v + 40.0) / 10.0))
    beta_m = 4.0 * math.exp(-(v + 65.0) / 18.0)
    alpha_h = 0.07 * math.exp(-(v + 65.0) / 20.0)
    beta_h = 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))
    return alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n


def sim_hh_psc_alpha(d):
    p, dt, n = d["p"], float(d["dt"]), len(d["t"])
    ch = step_inputs(d, n, lambda w, r: "ex" if w > 0 else "in")
    ex, inh = ch.get("ex", [0.0] * (n + 1)), ch.get("in", [0.0] * (n + 1))

    def rhs(t, y):
        v, m, h, nn, die, ie, dii, ii = y
        am, bm, ah, bh, an, bn = hh_rates(v)
        i_na = p["g_Na"] * m * m * m * h * (v - p["E_Na"])
        i_k = p["g_K"] * nn * nn * nn * nn * (v - p["E_K"])
        i_l = p["g_L"] * (v - p["E_L"])
        return [
            (-(i_na + i_k + i_l) + p["I_e"] + ie + ii) / p["C_m"],
            am * (1 - m) - bm * m,
            ah * (1 - h) - bh * h,
            an * (1 - nn) - bn * nn,
            -die / p["tau_syn_ex"],
            die - ie / p["tau_syn_ex"],
            -dii / p["tau_syn_in"],
            dii - ii / p["tau_syn_in"],
        ]

    ev = Evolver(rhs, dt, 1e-3, 0.0, 1.0, 0.0)
    y = [
        float(d["init_V_m"]),
        float(d["init_Act_m"]),
        float(d["init_Inact_h"]),
        float(d["init_Act_n"]),
        0.0,
        float(d["init_I_syn_ex"]),
        0.0,
        float(d["init_I_syn_in"]),
    ]
    ref_steps = round(p["t_ref"] / dt)
    r = 0
    names = (("V_m", 0), ("Act_m", 1), ("Inact_h", 2), ("Act_n", 3), ("I_syn_ex", 5), ("I_syn_in", 7))
    out = {k: [] for k, _ in names}
    spikes = []
    for k in range(1, n + 1):
        v_old = y[0]
        t = 0.0
        while t < dt:
            t, y = ev.apply(t, dt, y)
        y[4] += ex[k] * math.e / p["tau_syn_ex"]
        y[6] += inh[k] * math.e / p["tau_syn_in"]
        if r > 0:
            r -= 1
        elif y[0] >= 0.0 and v_old > y[0]:
            r = ref_steps
            spikes.append(k * dt)
        for key, i in names:
            out[key].append(y[i])
    return out, spikes


def sim_iaf_bw_2001_exact(d, dc_first_step):
    p, dt, n = d["p"], float(d["dt"]), len(d["t"])
    amp = d["inputs"]["dc_generator"]["amplitude"]
    nmda = [inp for inp in d["inputs"]["spikes"] if inp["receptor"] == 3]
    ch = step_inputs(d, n, lambda w, r: {1: "ampa", 2: "gaba"}.get(r, "nmda"))
    ampa, gaba = ch.get("ampa", [0.0] * (n + 1)), ch.get("gaba", [0.0] * (n + 1))
    nm_steps = []
    for inp in nmda:
        arr = [0.0] * (n + 1)
        for a in inp["arrival_times"]:
            k = round(a / dt)
            if k <= n:
                arr[k] += 1.0  # x_j jumps by the multiplicity; the weight scales s_j in the sum
        nm_steps.append(arr)
    wts = [inp["weight"] for inp in nmda]
    st = {"I": 0.0, "last": (0.0, 0.0, 0.0, 0.0)}

    def rhs(t, y):
        v = y[0]
        i_ampa = (v - p["E_ex"]) * y[1]
        i_gaba = (v - p["E_in"]) * y[2]
        s_sum = sum(y[4 + 2 * j] * wts[j] for j in range(len(wts)))
        i_nmda = (v - p["E_ex"]) / (1 + p["conc_Mg2"] * math.exp(-0.062 * v) / 3.57) * s_sum
        st["last"] = (s_sum, i_ampa, i_gaba, i_nmda)
        f = [
            (-p["g_L"] * (v - p["E_L"]) - (i_ampa + i_gaba + i_nmda) + st["I"]) / p["C_m"],
            -y[1] / p["tau_AMPA"],
            -y[2] / p["tau_GABA"],
        ]
        for j in range(len(wts)):
            x, s = y[3 + 2 * j], y[4 + 2 * j]
            f += [-x / p["tau_rise_NMDA"], -s / p["tau_decay_NMDA"] + p["alpha"] * x * (1 - s)]
        return f

    tol = p["gsl_error_tol"]
    ev = Evolver(rhs, dt, tol, 0.0, 1.0, 0.0)
    y = [float(d["init_V_m"]), float(d["init_s_AMPA"]), float(d["init_s_GABA"])] + [0.0] * (2 * len(wts))
    ref_steps = round(p["t_ref"] / dt)
    r = 0
    names = ("V_m", "s_AMPA", "s_GABA", "s_NMDA", "I_AMPA", "I_GABA", "I_NMDA")
    out = {k: [] for k in names}
    spikes = []
    for k in range(1, n + 1):
        st["I"] = amp if k >= dc_first_step else 0.0
        t = 0.0
        while t < dt:
            t, y = ev.apply(t, dt, y)
        y[1] += ampa[k]
        y[2] += gaba[k]
        for j in range(len(wts)):
            y[3 + 2 * j] += nm_steps[j][k]
        if r:
            r -= 1
            y[0] = p["V_reset"]
        elif y[0] >= p["V_th"]:
            r, y[0] = ref_steps, p["V_reset"]
            spikes.append(k * dt)
        s_sum, i_a, i_g, i_n = st["last"]
        for key, val in zip(names, (y[0], y[1], y[2], s_sum, i_a, i_g, i_n)):
            out[key].append(val)
    return out, spikes


def sim_rate(d):
    pr = d["params"]
    dflt, dt, n = pr["defaults"], float(d["dt"]), len(d["t"])
    neurons = {lab: dict(dflt, **q) for lab, q in pr["set"].items()}
    conns = d["inputs"]["rate_connections"]

    def phi(q, x):
        return q["g"] / (1.0 + math.exp(-q["beta"] * (x - q["theta"])))

    def props(q):
        lam = q["lambda"]
        if lam > 0:
            return math.exp(-lam * dt / q["tau"]), -1.0 / lam * math.expm1(-lam * dt / q["tau"])
        return 1.0, dt / q["tau"]

    hist = {lab: [q["rate"]] for lab, q in neurons.items()}  # hist[lab][k] = rate at t = k*dt
    order = [lab for lab in ("source", "target") if lab in neurons]
    for k in range(1, n + 1):
        for lab in order:
            q = neurons[lab]
            p1, p2 = props(q)
            x_old = hist[lab][k - 1]
            terms = []
            for c in conns:
                if c["post"] != lab:
                    continue
                lag = round(c.get("delay", 0.0) / dt) if c["synapse_model"].endswith("delayed") else 0
                if k - 1 - lag >= 0:  # before the first delayed value arrives the buffer is empty
                    terms.append((c["weight"], hist[c["pre"]][k - 1 - lag]))
            x = p1 * x_old + p2 * q["mu"]
            if q["linear_summation"]:
                x += p2 * phi(q, sum(w * s for w, s in terms))
            else:
                x += p2 * sum(w * phi(q, s) for w, s in terms)
            if q["rectify_output"] and x < q["rectify_rate"]:
                x = q["rectify_rate"]
            hist[lab].append(x)
    out = {"rate": hist["target"][1:]}
    if "source" in neurons:
        out["source_rate"] = hist["source"][1:]
    return out, []


# ------------------------------------------------------------------------------------------------


def timing_facts():
    import numpy as np

    d = load("iaf_psc_exp_dc")
    p, dt = d["p"], float(d["dt"])
    print(
        f"first sample time: {d['t'][0]} ms (= dt); V_m(dt) - E_L = {d['V_m'][0] - p['E_L']:.6f} mV "
        f"(nonzero: I_e acts in the first step)"
    )
    # refractory samples: number of consecutive samples at V_reset starting at each spike sample
    counts = []
    for ts in d["spike_times"]:
        k = round(ts / dt) - 1
        c = 0
        while k + c < len(d["V_m"]) and d["V_m"][k + c] == p["V_reset"]:
            c += 1
        counts.append(c)
    print(
        f"iaf_psc_exp t_ref = {p['t_ref']} ms: samples with V_m == V_reset from the spike sample on: "
        f"{sorted(set(counts))} (spike sample + t_ref/dt samples)"
    )
    isi = np.diff(d["spike_times"])
    print(f"iaf_psc_exp_dc ISIs: {sorted(set(np.round(isi, 6)))} ms")
    s = load("iaf_psc_exp_spikes")
    a = s["inputs"]["spikes"][0]["arrival_times"][0]
    k = round(a / dt) - 1
    print(
        f"input arriving at {a} ms: I_syn_ex at samples {s['t'][k - 1]:.1f}, {s['t'][k]:.1f}: "
        f"{s['I_syn_ex'][k - 1]:.3f}, {s['I_syn_ex'][k]:.3f}"
    )


def main():
    timing_facts()
    ok = True
    jobs = [
        (name, sim_iaf_psc_exp)
        for name in (
            "iaf_psc_exp_dc",
            "iaf_psc_exp_spikes",
            "iaf_psc_exp_singular",
            "iaf_psc_exp_spikes_dt005",
        )
    ]
    jobs += [
        (name, sim_izhikevich)
        for name in (
            "izhikevich_consistent",
            "izhikevich_published",
            "izhikevich_spikes",
            "izhikevich_spikes_published",
        )
    ]
    jobs += [
        ("iaf_cond_exp", sim_iaf_cond_exp),
        ("aeif_cond_alpha", sim_aeif_cond_alpha),
        ("aeif_cond_alpha_tref2", sim_aeif_cond_alpha),
        ("hh_psc_alpha", sim_hh_psc_alpha),
        ("hh_psc_alpha_ie500", sim_hh_psc_alpha),
    ]
    jobs += [
        (name, sim_rate)
        for name in (
            "sigmoid_rate_ipn_isolated",
            "sigmoid_rate_ipn_lambda0",
            "sigmoid_rate_ipn_rectified",
            "sigmoid_rate_ipn_instantaneous",
            "sigmoid_rate_ipn_delayed",
            "sigmoid_rate_ipn_delayed_nonlinsum",
        )
    ]
    for name, fn in jobs:
        d = load(name)
        out, spikes = fn(d)
        same, worst = report(name, d, out, spikes)
        ok = ok and same and max(worst.values()) < 1e-8
    d = load("iaf_bw_2001_exact")
    dc, dt = d["inputs"]["dc_generator"], float(d["dt"])
    # the dc_generator first emits in the step ending at start + dt; that current arrives after
    # the delay and, like every CurrentEvent, acts from the step after its arrival step
    first = round((dc["start"] + dt + dc["delay"]) / dt) + 1
    out, spikes = sim_iaf_bw_2001_exact(d, first)
    same, worst = report("iaf_bw_2001_exact", d, out, spikes)
    ok = ok and same and max(worst.values()) < 1e-8
    print(
        f"iaf_bw_2001_exact: dc current (start {dc['start']} ms, delay {dc['delay']} ms) acts from the step "
        f"ending at {first * dt:.1f} ms; V_m samples at {d['t'][first - 2]:.1f} / "
        f"{d['t'][first - 1]:.1f} ms: "
        f"{d['V_m'][first - 2]:.6f} / {d['V_m'][first - 1]:.6f}"
    )
    print("ALL MATCH" if ok else "SOME CASES DIFFER")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
