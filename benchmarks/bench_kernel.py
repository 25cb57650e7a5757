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


if __name__ == "__main__":
    main()
