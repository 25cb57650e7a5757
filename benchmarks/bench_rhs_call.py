"""Run speed of rkf45 kernels with the right-hand sides inlined and called (``RHS_CALL_OPS``).

For one model (``published.<name>`` from ``tests/models/published/large_models.py``, or
``synthetic.<gates>``), both kernels are built in this process (right-hand sides always inlined,
and always compiled once and called: ``neurounits.codegen.adaptive.RHS_CALL_OPS`` huge and 0), then
run alternately, ``--n`` neurons for ``--duration`` ms at dt 0.1 ms on one thread, best of
``--repeat``; prints both times, their ratio, the largest difference of the final V_m and the load.

    python benchmarks/bench_rhs_call.py [--model synthetic.19] [--n 200] [--duration 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "models" / "published"))

import large_models as LM  # noqa: E402

import neurounits as nu  # noqa: E402
from neurounits.codegen import adaptive  # noqa: E402
from neurounits.simulation import kernels  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="synthetic.19")
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--duration", type=float, default=100.0)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    kind, what = a.model.split(".")
    cls = LM.LARGE_MODELS[what] if kind == "published" else LM.synthetic(int(what))
    model = cls(n=a.n)
    loaded = {}
    for mode, threshold in (("inlined", 10**9), ("called", 0)):
        adaptive.RHS_CALL_OPS = threshold
        kernels._KERNELS = {}  # loaded kernels are keyed by structure, not by the generated code
        nu.simulate(model, "1 ms", "0.1 ms", method="rkf45")
        loaded[mode] = kernels._KERNELS
    best = dict.fromkeys(loaded, float("inf"))
    v_end = {}
    for _ in range(a.repeat):
        for mode in loaded:
            kernels._KERNELS = loaded[mode]
            t = time.perf_counter()
            r = nu.simulate(model, f"{a.duration} ms", "0.1 ms", method="rkf45", threads=1)
            best[mode] = min(best[mode], time.perf_counter() - t)
            v_end[mode] = r["V_m"].m_as("mV")[-1]
    dv = float(np.max(np.abs(v_end["called"] - v_end["inlined"])))
    print(
        f"{a.model}: {a.n} neurons x {a.duration:g} ms, best of {a.repeat} alternated: inlined "
        f"{best['inlined'] * 1e3:.1f} ms, called {best['called'] * 1e3:.1f} ms, called / inlined "
        f"{best['called'] / best['inlined']:.2f}; max |dV_end| {dv:.3g} "
        f"mV; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
