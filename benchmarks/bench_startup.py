"""Start-up cost: from ``import neurounits`` to results, in fresh processes.

The run is 1,000 LIF neurons, 100 ms at dt = 0.1 ms, I = 0.2 nA, V recorded
(the README's first example).  Every figure comes from a new interpreter
(``subprocess.run([sys.executable, "-c", ...])``), so nothing is shared with
this process:

- warm cache: one run fills a temporary kernel cache (``NEUROUNITS_CACHE_DIR``)
  and numba cache (``NUMBA_CACHE_DIR``), then ``--warm`` fresh processes use
  them; the median is reported (target < 1.5 s);
- empty cache: each of ``--empty`` processes gets its own new, empty
  ``NEUROUNITS_CACHE_DIR`` *and* ``NUMBA_CACHE_DIR`` (the latter redirects all of
  numba's caching, including that of ``neurounits/codegen/runtime.py``, which
  would otherwise be cached in ``neurounits/codegen/__pycache__``); median
  reported (target < 5 s);
- references, measured in the same run: the wall time of a process that only
  runs ``pass``, ``import numba``, ``import neurounits``.

The time that is compared with the targets is measured inside the child, from
just before ``import neurounits`` to having the ``Results``; the whole
process's wall time (interpreter start-up and exit included) is printed next
to it.  Each child also reports its phases (import, model construction,
simulate) and, for information, a second ``simulate`` call in the same process
(the steady-state cost of the run itself).  Finally one more warm process runs
``simulate`` under cProfile and the functions that take the most time are
listed, so that one can see where the warm start-up goes.

    python benchmarks/bench_startup.py [--warm 5] [--empty 3] [--no-profile]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_WARM_S, TARGET_EMPTY_S = 1.5, 5.0

# The child: everything it measures is printed as one JSON line, last on stdout.
CHILD = r"""
import time
t0 = time.perf_counter()
import neurounits as nu
t1 = time.perf_counter()
import sys
numba_after_import = "numba" in sys.modules   # did `import neurounits` pull in numba?
t1b = time.perf_counter()
lif = nu.models.LIF(n=1000)
t2 = time.perf_counter()
res = nu.simulate(lif, "100 ms", "0.1 ms", inputs={"I": "0.2 nA"}, record=("V",))
t3 = time.perf_counter()
res2 = nu.simulate(lif, "100 ms", "0.1 ms", inputs={"I": "0.2 nA"}, record=("V",))
t4 = time.perf_counter()
import json
print(json.dumps({
    "import": t1 - t0, "construct": t2 - t1b, "simulate": t3 - t2, "total": (t3 - t0) - (t1b - t1),
    "simulate_again": t4 - t3, "spikes": int(res.spikes.indices.size),
    "v_shape": list(res["V"].shape), "numba_after_import": numba_after_import,
}))
"""

PROFILE_CHILD = r"""
import cProfile, io, pstats, time
import neurounits as nu
lif = nu.models.LIF(n=1000)
pr = cProfile.Profile()
t = time.perf_counter()
pr.enable()
res = nu.simulate(lif, "100 ms", "0.1 ms", inputs={"I": "0.2 nA"}, record=("V",))
pr.disable()
t = time.perf_counter() - t
s = io.StringIO()
pstats.Stats(pr, stream=s).sort_stats("cumulative").print_stats(TOP)
print(f"simulate under cProfile: {t:.3f} s (profiling adds overhead)")
print(s.getvalue())
"""


def _env(nu_cache: str, numba_cache: str) -> dict[str, str]:
    env = dict(os.environ)
    env["NEUROUNITS_CACHE_DIR"] = nu_cache
    env["NUMBA_CACHE_DIR"] = numba_cache
    # make sure the child imports this checkout
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _run(code: str, env: dict[str, str]) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; returns (wall seconds, stdout)."""
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        raise RuntimeError(f"child failed (rc {p.returncode}):\n{p.stderr[-4000:]}")
    return wall, p.stdout


def _child(env: dict[str, str]) -> dict:
    wall, out = _run(CHILD, env)
    d = json.loads(out.strip().splitlines()[-1])
    d["wall"] = wall
    return d


def _files(*dirs: str) -> set[str]:
    return {str(p) for d in dirs for p in Path(d).rglob("*") if p.is_file()}


def _med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def _report(label: str, rows: list[dict], target: float) -> None:
    print(f"\n{label}: {len(rows)} fresh processes (median, [min - max])")
    for key, name in [
        ("import", "import neurounits"),
        ("construct", "LIF(n=1000)"),
        ("simulate", "simulate (1st call)"),
        ("total", "import -> results"),
        ("wall", "process wall time"),
        ("simulate_again", "simulate (2nd call)"),
    ]:
        vals = [r[key] for r in rows]
        print(f"  {name:22s} {statistics.median(vals):7.3f} s   [{min(vals):.3f} - {max(vals):.3f}]")
    tot = _med(rows, "total")
    verdict = "PASS" if tot < target else "MISS"
    print(f"  target import -> results < {target} s: {tot:.3f} s  {verdict}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warm", type=int, default=5, help="warm-cache processes (default 5)")
    ap.add_argument("--empty", type=int, default=3, help="empty-cache processes (default 3)")
    ap.add_argument("--refs", type=int, default=5, help="processes per reference import (default 5)")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile of a warm simulate")
    ap.add_argument("--top", type=int, default=20, help="functions listed by the profile (default 20)")
    args = ap.parse_args()

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    with tempfile.TemporaryDirectory(prefix="nu_bench_") as tmp:
        # references: bare interpreter, numba alone, neurounits alone (process wall time)
        ref_env = _env(os.path.join(tmp, "ref_nu"), os.path.join(tmp, "ref_numba"))
        refs = {}
        for name, code in [("python -c pass", "pass"), ("import numba", "import numba"),
                           ("import neurounits", "import neurounits")]:
            refs[name] = [_run(code, ref_env)[0] for _ in range(args.refs)]

        # (a) warm cache: fill once, then time fresh processes
        warm_nu, warm_numba = os.path.join(tmp, "warm_nu"), os.path.join(tmp, "warm_numba")
        env = _env(warm_nu, warm_numba)
        fill = _child(env)
        before = _files(warm_nu, warm_numba)
        warm = [_child(env) for _ in range(args.warm)]
        new_files = sorted(_files(warm_nu, warm_numba) - before)

        # (b) empty cache: new kernel cache and new numba cache every time
        empty = []
        for i in range(args.empty):
            empty.append(_child(_env(os.path.join(tmp, f"empty_nu{i}"), os.path.join(tmp, f"empty_numba{i}"))))

        print("\nreferences: process wall time, median of", args.refs, "[min - max]")
        for name, vals in refs.items():
            print(f"  {name:22s} {statistics.median(vals):7.3f} s   [{min(vals):.3f} - {max(vals):.3f}]")

        print(f"\ncache-filling run: import -> results {fill['total']:.3f} s "
              f"(process {fill['wall']:.3f} s); {fill['spikes']} spikes, V {tuple(fill['v_shape'])}")
        print(f"numba imported by `import neurounits`: {fill['numba_after_import']}")
        _report("(a) warm cache", warm, TARGET_WARM_S)
        if new_files:
            print("  WARNING: the warm runs wrote new cache files (a kernel was regenerated or "
                  "recompiled; was the library edited during the run, or is code generation "
                  "not deterministic?):")
            for f in new_files[:10]:
                print("   ", f)
        _report("(b) empty cache", empty, TARGET_EMPTY_S)

        spikes = {r["spikes"] for r in [fill, *warm, *empty]}
        print(f"\nspike counts (all runs): {sorted(spikes)}")

        # where the warm simulate call goes: derived and measured phases
        w_sim, w_again = _med(warm, "simulate"), _med(warm, "simulate_again")
        print("\nwarm start-up, phases (medians):")
        print(f"  import neurounits       {_med(warm, 'import'):.3f} s")
        print(f"  LIF(n=1000)             {_med(warm, 'construct'):.3f} s")
        print(f"  simulate, 1st call      {w_sim:.3f} s")
        print(f"    of which one-off (1st - 2nd call): {w_sim - w_again:.3f} s "
              f"(import numba alone, as a process, minus bare python: "
              f"{statistics.median(refs['import numba']) - statistics.median(refs['python -c pass']):.3f} s)")
        print(f"    the run itself (2nd call):         {w_again:.3f} s")

        if not args.no_profile:
            print(f"\ncProfile of the 1st simulate call in one more warm process (top {args.top}, "
                  "cumulative):")
            _, out = _run(PROFILE_CHILD.replace("TOP", str(args.top)), env)
            print(out.rstrip())


if __name__ == "__main__":
    main()
