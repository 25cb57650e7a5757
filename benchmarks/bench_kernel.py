"""Kernel cost: neurounits vs a hand-written Numba loop of the same equations, same run.

10,000 neurons, 1 s at dt = 0.1 ms, constant drive, spikes recorded, no traces.
Prints the time of each and the ratio (target: <= 1.2).  Both run on one
thread (threads=1) so that the comparison is of the generated code; the
two-core figure of neurounits is printed as well.

    python benchmarks/bench_kernel.py
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

import neurounits as nu

N, T_MS, DT_MS = 10_000, 1000.0, 0.1
STEPS = round(T_MS / DT_MS)


@njit(cache=True, nogil=True)
def lif_hand(n_steps, dt, v, ref, tau_m, v_rest, v_reset, v_th, r, i_in, ref_steps):
    """Exact LIF step with refractory period: the loop one writes by hand."""
    n = v.shape[0]
    e = math.exp(-dt / tau_m)
    spk_t = np.empty(1 << 20, np.int64)
    spk_i = np.empty(1 << 20, np.int64)
    k = 0
    v_inf = v_rest + r * i_in
    for j in range(n_steps):
        for i in range(n):
            if ref[i] > 0:
                ref[i] -= 1
                continue
            vi = v_inf + (v[i] - v_inf) * e
            if vi >= v_th:
                vi = v_reset
                ref[i] = ref_steps
                spk_t[k] = j
                spk_i[k] = i
                k += 1
            v[i] = vi
    return k, spk_t[:k], spk_i[:k]


@njit(cache=True, nogil=True)
def izh_hand(n_steps, dt, v, u, a, b, c, d, v_th, i_in):
    """Forward-Euler Izhikevich (0.04 V^2 + 5 V + 140 - u + I), the classic loop."""
    n = v.shape[0]
    spk_t = np.empty(1 << 22, np.int64)
    spk_i = np.empty(1 << 22, np.int64)
    k = 0
    for j in range(n_steps):
        for i in range(n):
            vi, ui = v[i], u[i]
            dv = 0.04 * vi * vi + 5.0 * vi + 140.0 - ui + i_in
            du = a * (b * vi - ui)
            vi += dt * dv
            ui += dt * du
            if vi >= v_th:
                vi = c
                ui += d
                spk_t[k] = j
                spk_i[k] = i
                k += 1
            v[i], u[i] = vi, ui
    return k, spk_t[:k], spk_i[:k]


@njit(cache=True, nogil=True)
def psc_exp_hand(n_steps, dt, v, i_ex, i_in, buf_ex, buf_in, ref, i_e, tau_m, c_m, tau_syn, e_l, v_th,
                 v_reset, ref_steps):
    """NEST's iaf_psc_exp as one writes it by hand: exact propagators (uniform, hoisted), the two
    synaptic currents and their spike buffers (empty here), a per-neuron I_e, refractory hold,
    spikes recorded."""
    n = v.shape[0]
    p22 = math.exp(-dt / tau_m)
    p11 = math.exp(-dt / tau_syn)
    p20 = tau_m / c_m * (1.0 - p22)
    p21 = tau_m * tau_syn / (c_m * (tau_syn - tau_m)) * (p11 - p22)
    spk_t = np.empty(1 << 22, np.int64)
    spk_i = np.empty(1 << 22, np.int64)
    k = 0
    for j in range(n_steps):
        for i in range(n):
            ex, inh = i_ex[i], i_in[i]
            i_ex[i] = ex * p11 + buf_ex[i]
            i_in[i] = inh * p11 + buf_in[i]
            if ref[i] > 0:
                ref[i] -= 1
                continue
            vi = (v[i] - e_l) * p22 + (ex + inh) * p21 + i_e[i] * p20 + e_l
            if vi >= v_th:
                vi = v_reset
                ref[i] = ref_steps
                spk_t[k] = j
                spk_i[k] = i
                k += 1
            v[i] = vi
    return k, spk_t[:k], spk_i[:k]


@njit(cache=True, nogil=True)
def nest_izh_hand(n_steps, dt, v, u, i_e, a, b, c, d, v_th):
    """NEST's izhikevich (consistent_integration: forward Euler, old values on the right), a
    per-neuron I_e, spikes recorded."""
    n = v.shape[0]
    spk_t = np.empty(1 << 22, np.int64)
    spk_i = np.empty(1 << 22, np.int64)
    k = 0
    for j in range(n_steps):
        for i in range(n):
            vo, uo = v[i], u[i]
            vi = vo + dt * (0.04 * vo * vo + 5.0 * vo + 140.0 - uo + i_e[i])
            ui = uo + dt * a * (b * vo - uo)
            if vi >= v_th:
                vi = c
                ui += d
                spk_t[k] = j
                spk_i[k] = i
                k += 1
            v[i], u[i] = vi, ui
    return k, spk_t[:k], spk_i[:k]


@njit(cache=True, nogil=True)
def lif_count_hand(n_steps, dt, v, ref, i_in, tau_m, v_rest, v_reset, v_th, r, ref_steps):
    """The exact LIF step with a per-neuron drive that only counts spikes (no spike list): the
    cheapest loop that still knows how often each neuron fired."""
    n = v.shape[0]
    e = math.exp(-dt / tau_m)
    cnt = np.zeros(n, np.int64)
    for _ in range(n_steps):
        for i in range(n):
            v_inf = v_rest + r * i_in[i]
            vi = v_inf + (v[i] - v_inf) * e
            fire = (vi >= v_th) & (ref[i] <= 0)
            vi = v_reset if fire else (v[i] if ref[i] > 0 else vi)
            ref[i] = ref_steps if fire else max(ref[i] - 1, 0)
            cnt[i] += fire
            v[i] = vi
    return cnt


class IzhikevichQ(nu.Model):
    """Izhikevich-type quadratic model, the same equations as izh_hand."""

    a = nu.Parameter("0.02 1/ms")
    b = nu.Parameter("0.2 1/ms")
    c = nu.Parameter("-65 mV")
    d = nu.Parameter("8 mV/ms")
    V_th = nu.Parameter("30 mV")
    V = nu.State("mV", initial="c")
    u = nu.State("mV/ms", initial="b*c")
    I = nu.Input("mV/ms")
    equations = """
        dV/dt = 0.04/mV/ms*V**2 + 5/ms*V + 140*mV/ms - u + I
        du/dt = a*(b*V - u)
    """
    threshold = "V >= V_th"
    reset = "V = c; u += d"


def best_pair(f, g, repeat=7):
    """Best-of-``repeat`` times of f and g, measured alternately so that both see the same load."""
    tf, tg = [], []
    for _ in range(repeat):
        for fn, ts in ((f, tf), (g, tg)):
            t = time.perf_counter()
            out = fn()
            ts.append(time.perf_counter() - t)
            if fn is f:
                out_f = out
            else:
                out_g = out
    return min(tf), out_f, min(tg), out_g


def main() -> None:
    lif = nu.models.LIF(n=N)
    i_lif = 0.2e3  # pA
    kw = dict(duration=f"{T_MS} ms", dt=f"{DT_MS} ms", inputs={"I": f"{i_lif} pA"}, record=())
    def hand():
        v = np.full(N, -65.0)
        ref = np.zeros(N, np.int64)
        return lif_hand(STEPS, DT_MS, v, ref, 10.0, -65.0, -65.0, -50.0, 0.1, i_lif, 20)

    hand()
    nu.simulate(lif, threads=1, **kw)
    t_nu, res, t_hand, out = best_pair(lambda: nu.simulate(lif, threads=1, **kw), hand)
    t_nu2, _, _, _ = best_pair(lambda: nu.simulate(lif, threads=2, **kw), hand, repeat=3)
    assert out[0] == res.spikes.indices.size, (out[0], res.spikes.indices.size)
    print(f"LIF (exact)       neurounits {t_nu*1e3:7.1f} ms   hand-written {t_hand*1e3:7.1f} ms   "
          f"ratio {t_nu/t_hand:5.2f}   (2 threads: {t_nu2*1e3:.1f} ms, {t_hand/t_nu2:.2f}x hand)")

    izh = IzhikevichQ(n=N)
    kw = dict(duration=f"{T_MS} ms", dt=f"{DT_MS} ms", inputs={"I": "10 mV/ms"}, record=(), method="euler")
    def hand2():
        v = np.full(N, -65.0)
        u = np.full(N, -13.0)
        return izh_hand(STEPS, DT_MS, v, u, 0.02, 0.2, -65.0, 8.0, 30.0, 10.0)

    hand2()
    nu.simulate(izh, threads=1, **kw)
    t_nu, res, t_hand, out = best_pair(lambda: nu.simulate(izh, threads=1, **kw), hand2)
    t_nu2, _, _, _ = best_pair(lambda: nu.simulate(izh, threads=2, **kw), hand2, repeat=3)
    assert out[0] == res.spikes.indices.size, (out[0], res.spikes.indices.size)
    print(f"Izhikevich (euler) neurounits {t_nu*1e3:7.1f} ms   hand-written {t_hand*1e3:7.1f} ms   "
          f"ratio {t_nu/t_hand:5.2f}   (2 threads: {t_nu2*1e3:.1f} ms, {t_hand/t_nu2:.2f}x hand)")


def nest_models(n: int = N) -> None:
    """The NEST-compatible models as bench_nest drives them (per-neuron I_e: the realistic,
    heterogeneous case), against hand loops of the same update with the same spikes."""
    steps = STEPS
    for name, base, hand in (("iaf_psc_exp", 400.0, "psc"), ("izhikevich", 10.0, "izh")):
        i_e = np.linspace(base, 1.25 * base, n)
        model = getattr(nu.models.nest, name)(n=n, I_e=nu.Q_(i_e, "pA"))
        init = {"U_m": "-13 mV/ms"} if name == "izhikevich" else None
        kw = dict(duration=f"{T_MS} ms", dt=f"{DT_MS} ms", record=(), initial=init, threads=1)

        def run_hand(hand=hand, i_e=i_e):
            if hand == "psc":
                z = np.zeros(n)
                return psc_exp_hand(steps, DT_MS, np.full(n, -70.0), z.copy(), z.copy(), z, z,
                                    np.zeros(n, np.int64), i_e, 10.0, 250.0, 2.0, -70.0, -55.0, -70.0, 20)
            return nest_izh_hand(steps, DT_MS, np.full(n, -65.0), np.full(n, -13.0), i_e, 0.02, 0.2,
                                 -65.0, 8.0, 30.0)

        run_hand()
        nu.simulate(model, **kw)
        t_nu, res, t_hand, out = best_pair(lambda model=model, kw=kw: nu.simulate(model, **kw), run_hand)
        assert out[0] == res.spikes.indices.size, (name, out[0], res.spikes.indices.size)
        per = 1e9 / (n * steps)
        print(f"nest.{name:12s} neurounits {t_nu * per:5.2f} ns   hand-written {t_hand * per:5.2f} ns "
              f"per neuron-step   ratio {t_nu / t_hand:5.2f}   ({out[0]} spikes, per-neuron I_e)")


def recording(n: int = N) -> None:
    """Recording every spike against only counting them: LIF, per-neuron drive (irregular firing
    across the population), the same kernel arithmetic; count_run is the count-only kernel."""
    from neurounits.simulation import count_run

    cur = np.linspace(0.1, 0.4, n)  # nA: some silent, most firing at different rates
    lif = nu.models.LIF(n=n, t_ref="2 ms")
    kw = dict(duration=f"{T_MS} ms", dt=f"{DT_MS} ms", inputs={"I": nu.Q_(cur, "nA")}, threads=1)

    def hand():
        return lif_count_hand(STEPS, DT_MS, np.full(n, -65.0), np.zeros(n, np.int64), cur * 1e3, 10.0,
                              -65.0, -65.0, -50.0, 0.1, 20)

    hand()
    nu.simulate(lif, record=(), **kw)
    count_run(lif, **kw)
    t_rec, res, t_cnt, acc = best_pair(lambda: nu.simulate(lif, record=(), **kw),
                                       lambda: count_run(lif, **kw))
    t_hand, cnt, _, _ = best_pair(hand, lambda: count_run(lif, **kw), repeat=3)
    assert np.array_equal(res.spike_counts, acc["count"]) and np.array_equal(cnt, acc["count"])
    print(f"LIF spikes, {res.spikes.indices.size} in all: recorded {t_rec * 1e3:6.1f} ms   "
          f"count-only kernel {t_cnt * 1e3:6.1f} ms   hand counting loop {t_hand * 1e3:6.1f} ms   "
          f"recorded / counted {t_rec / t_cnt:4.2f} (target <= 1.5)")


if __name__ == "__main__":
    print(f"load average {' '.join(f'{x:.2f}' for x in __import__('os').getloadavg())}")
    main()
    nest_models()
    recording()
