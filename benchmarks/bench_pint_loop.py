"""The price of units without neurounits: a pint-Quantity numpy loop vs plain numpy vs neurounits.

One run, written three ways: 1,000 LIF neurons, 100 ms at dt = 0.1 ms,
I = 0.2 nA, V recorded at every step, the library LIF's defaults (tau_m 10 ms,
V_rest = V_reset = -65 mV, V_th -50 mV, R 100 MOhm, t_ref 2 ms), exact
integration (the exponential propagator V <- V_inf + (V - V_inf) exp(-dt/tau_m)),
threshold V >= V_th, reset, and ceil(t_ref/dt) refractory steps during which V
is held:

- ``pint loop``: a numpy loop over time steps in which every array and constant
  is a pint Quantity, so every operation checks and carries units (how one
  writes it "unit-safe" without neurounits);
- ``numpy loop``: the same loop, same operations, on plain float arrays;
- ``neurounits``: ``nu.simulate`` with a warm kernel (a first call, timed and
  printed but not compared, loads or compiles the kernel).  For scale it also
  prints neurounits without recording V, and the fixed cost of one call (one
  neuron, one step).

It checks that the three give the same spike count and the same V trace, and
prints the times (best of ``--repeat``; the pint loop best of
``--repeat-pint``) and the ratios pint loop / neurounits and numpy / neurounits.

    python benchmarks/bench_pint_loop.py [--repeat 5] [--repeat-pint 2]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

import neurounits as nu
from neurounits import Q_

N, T_MS, DT_MS, I_NA = 1000, 100.0, 0.1, 0.2


def pint_loop(n: int = N):
    """The unit-safe loop: Quantities everywhere, units checked by pint at every operation."""
    tau_m, v_rest, v_reset, v_th = Q_(10.0, "ms"), Q_(-65.0, "mV"), Q_(-65.0, "mV"), Q_(-50.0, "mV")
    r, t_ref = Q_(100.0, "Mohm"), Q_(2.0, "ms")
    i_in = Q_(np.full(n, I_NA), "nA")
    dt, duration = Q_(DT_MS, "ms"), Q_(T_MS, "ms")
    steps = round((duration / dt).m_as(""))
    ref_steps = math.ceil((t_ref / dt).m_as("") - 1e-9)
    decay = np.exp(-dt / tau_m)  # dimensionless Quantity: pint checks the exponent

    v = v_rest * np.ones(n)
    ref = np.zeros(n, np.int64)
    rec = Q_(np.empty((steps + 1, n)), "mV")
    rec[0] = v
    n_spikes = 0
    for k in range(steps):
        v_inf = v_rest + r * i_in  # mV + Mohm*nA: pint converts to mV
        refr = ref > 0
        ref = ref - refr
        v = np.where(refr, v, v_inf + (v - v_inf) * decay)
        spk = ~refr & (v >= v_th)
        v = np.where(spk, v_reset, v)
        ref = np.where(spk, ref_steps, ref)
        n_spikes += int(spk.sum())
        rec[k + 1] = v
    return n_spikes, rec


def numpy_loop(n: int = N):
    """The same loop on plain floats (mV, ms, Mohm, nA: the conversions done by hand)."""
    tau_m, v_rest, v_reset, v_th = 10.0, -65.0, -65.0, -50.0
    r, t_ref = 100.0, 2.0  # Mohm, ms
    i_in = np.full(n, I_NA)  # nA; Mohm * nA = mV
    dt = DT_MS
    steps = round(T_MS / dt)
    ref_steps = math.ceil(t_ref / dt - 1e-9)
    decay = np.exp(-dt / tau_m)

    v = np.full(n, v_rest)
    ref = np.zeros(n, np.int64)
    rec = np.empty((steps + 1, n))
    rec[0] = v
    n_spikes = 0
    for k in range(steps):
        v_inf = v_rest + r * i_in
        refr = ref > 0
        ref = ref - refr
        v = np.where(refr, v, v_inf + (v - v_inf) * decay)
        spk = ~refr & (v >= v_th)
        v = np.where(spk, v_reset, v)
        ref = np.where(spk, ref_steps, ref)
        n_spikes += int(spk.sum())
        rec[k + 1] = v
    return n_spikes, rec


def neurounits_run(lif, duration=f"{T_MS} ms", record=("V",)):
    res = nu.simulate(lif, duration, f"{DT_MS} ms", inputs={"I": f"{I_NA} nA"}, record=record)
    return int(res.spikes.indices.size), res["V"] if record else None


def best(f, repeat):
    ts, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return min(ts), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="repeats of numpy and neurounits (default 5)")
    ap.add_argument("--repeat-pint", type=int, default=2, help="repeats of the pint loop (default 2)")
    args = ap.parse_args()

    lif = nu.models.LIF(n=N)
    t = time.perf_counter()
    neurounits_run(lif)  # loads (or compiles) the kernel
    t_first = time.perf_counter() - t
    t_nu, (s_nu, v_nu) = best(lambda: neurounits_run(lif), args.repeat)
    t_np, (s_np, v_np) = best(numpy_loop, args.repeat)
    t_pint, (s_pint, v_pint) = best(pint_loop, args.repeat_pint)
    neurounits_run(lif, record=())
    t_norec, _ = best(lambda: neurounits_run(lif, record=()), args.repeat)
    one = nu.models.LIF(n=1)
    neurounits_run(one, f"{DT_MS} ms", ())
    t_fixed, _ = best(lambda: neurounits_run(one, f"{DT_MS} ms", ()), 4 * args.repeat)

    steps = round(T_MS / DT_MS)
    print(f"LIF, {N} neurons, {T_MS:g} ms at dt = {DT_MS} ms ({steps} steps), I = {I_NA} nA, V recorded")
    print(f"spike counts: pint loop {s_pint}, numpy loop {s_np}, neurounits {s_nu}"
          f"  -> {'same' if s_pint == s_np == s_nu else 'DIFFERENT'}")
    v_nu_mv = v_nu.m_as("mV")
    print(f"max |V difference| (mV): pint vs numpy {np.max(np.abs(v_pint.m_as('mV') - v_np)):.3g}, "
          f"numpy vs neurounits {np.max(np.abs(v_np - v_nu_mv)):.3g}")
    print(f"  pint loop       {t_pint * 1e3:9.1f} ms   (best of {args.repeat_pint})")
    print(f"  numpy loop      {t_np * 1e3:9.1f} ms   (best of {args.repeat})")
    print(f"  neurounits      {t_nu * 1e3:9.1f} ms   (best of {args.repeat}, warm; "
          f"first call in this process {t_first * 1e3:.1f} ms)")
    print(f"  (neurounits, same run without recording V: {t_norec * 1e3:.1f} ms; one step of one "
          f"neuron, i.e. the fixed cost of a simulate call: {t_fixed * 1e3:.2f} ms)")
    print(f"ratios: pint loop / neurounits {t_pint / t_nu:7.1f}x   numpy / neurounits {t_np / t_nu:5.1f}x   "
          f"pint loop / numpy {t_pint / t_np:5.1f}x")


if __name__ == "__main__":
    main()
