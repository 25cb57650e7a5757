"""``nu.models.nest.sigmoid_rate_ipn`` against NEST 3.10's ``sigmoid_rate_ipn``, same run of this script.

10,000 neurons with input noise (NEST's defaults: sigma = 1, lambda = 1, tau = 10 ms, mu = 0),
1 s at dt = 0.1 ms (10^8 neuron-steps), no inputs, nothing recorded during the run.

- neurounits: in this process, ``nu.simulate(..., record_every=n_steps)`` (only the initial and the
  final rate kept) with ``threads=1`` and with the default (all cores); a warm-up call first
  (compilation excluded), then best of ``--repeat`` (3).
- NEST: in a subprocess run by ``$NEST_PYTHON`` (default ``/work/nestenv/bin/python``) on this same
  file (``--nest-child``), ``local_num_threads=1``; a short warm-up ``Simulate`` on a throw-away
  network, then per repetition ``ResetKernel``, the population created afresh and only
  ``nest.Simulate(1000.0)`` timed; best of ``--nest-repeat`` (2).  The final rates are read back.

The random numbers differ (NEST's generator against neurounits' counter-based one), so the check
is statistical: the mean and variance of the final rates over the 10,000 neurons must agree with
the stationary values (mean mu + phi(0) = 0.5, variance sigma^2 / (2 lambda) = 0.5, exact for this
discretisation) within 5 standard errors, for both.  It prints the times, the cost per
neuron-step, and the ratio NEST / neurounits (target: > 1, faster than NEST on one thread).

    python benchmarks/bench_rate_ipn.py      # [--repeat 3] [--nest-repeat 2] [--n 10000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

N, T_MS, DT_MS = 10_000, 1000.0, 0.1
NEST_PYTHON = os.environ.get("NEST_PYTHON", "/work/nestenv/bin/python")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_nest import quiet_nest  # noqa: E402


def nest_child(n: int, repeat: int) -> None:
    nest = quiet_nest()

    def build(size):
        nest.ResetKernel()
        nest.set(resolution=DT_MS, local_num_threads=1, print_time=False, rng_seed=12345)
        return nest.Create("sigmoid_rate_ipn", size)

    build(100)
    nest.Simulate(20.0)
    times, rates = [], None
    for _ in range(repeat):
        pop = build(n)
        t0 = time.perf_counter()
        nest.Simulate(T_MS)
        times.append(time.perf_counter() - t0)
        rates = np.asarray(pop.get("rate"), float)
    print(json.dumps({"times": times, "nest": nest.__version__, "mean": float(rates.mean()),
                      "var": float(rates.var(ddof=1)), "n": int(rates.size)}))


def run_nest(n: int, repeat: int) -> dict | str:
    if not Path(NEST_PYTHON).exists():
        return f"{NEST_PYTHON} does not exist"
    cmd = [NEST_PYTHON, __file__, "--nest-child", "--n", str(n), "--nest-repeat", str(repeat)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        return f"NEST child failed (rc {p.returncode}): {p.stderr.strip()[-500:]}"
    return json.loads(p.stdout.strip().splitlines()[-1])


def check(label: str, mean: float, var: float, n: int) -> bool:
    """Stationary moments (mean 0.5, variance 0.5) within 5 standard errors."""
    ok_m = abs(mean - 0.5) < 5 * math.sqrt(0.5 / n)
    ok_v = abs(var - 0.5) < 5 * 0.5 * math.sqrt(2 / (n - 1))
    print(f"  {label:<24} final rates: mean {mean:.4f}, variance {var:.4f} "
          f"(stationary 0.5, 0.5): {'ok' if ok_m and ok_v else 'OFF'}")
    return ok_m and ok_v


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=N)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--nest-repeat", type=int, default=2)
    ap.add_argument("--nest-child", action="store_true")
    args = ap.parse_args()
    if args.nest_child:
        nest_child(args.n, args.nest_repeat)
        return 0

    import neurounits as nu

    n_steps = round(T_MS / DT_MS)
    model = nu.models.nest.sigmoid_rate_ipn(n=args.n)
    nu.simulate(model, "2 ms", f"{DT_MS} ms", record=("rate",), seed=0, threads=1)  # compile (warm-up)
    nu.simulate(model, "2 ms", f"{DT_MS} ms", record=("rate",), seed=0, threads=2)
    res_nu = {}
    for label, threads in (("1 thread", 1), ("default threads", None)):
        best, res = math.inf, None
        for r in range(args.repeat):
            t0 = time.perf_counter()
            res = nu.simulate(model, f"{T_MS} ms", f"{DT_MS} ms", record=("rate",), record_every=n_steps,
                              seed=r, threads=threads)
            best = min(best, time.perf_counter() - t0)
        res_nu[label] = (best, res["rate"].magnitude[-1])
    nest = run_nest(args.n, args.nest_repeat)
    steps = args.n * n_steps
    print(f"sigmoid_rate_ipn, {args.n} neurons, sigma = 1, {T_MS:g} ms at dt = {DT_MS} ms "
          f"({steps:.0e} neuron-steps)")
    ok = True
    for label, (t, final) in res_nu.items():
        print(f"  neurounits ({label}): {t:8.3f} s  ({t / steps * 1e9:6.1f} ns per neuron-step)")
        ok &= check(f"neurounits ({label})", float(final.mean()), float(final.var(ddof=1)), final.size)
    if isinstance(nest, str):
        print(f"  NEST not run: {nest}")
        return 0 if ok else 1
    tn = min(nest["times"])
    print(f"  NEST {nest['nest']} (1 thread): {tn:8.3f} s  ({tn / steps * 1e9:6.1f} ns per neuron-step)")
    ok &= check("NEST", nest["mean"], nest["var"], nest["n"])
    ratio, ratio_mt = tn / res_nu["1 thread"][0], tn / res_nu["default threads"][0]
    print(f"  ratio NEST / neurounits (1 thread): {ratio:.1f}x  (target > 1: "
          f"{'met' if ratio > 1 else 'NOT met'}); with default threads: {ratio_mt:.1f}x")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
