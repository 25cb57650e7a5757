"""Start-up cost: from ``import neurounits`` to results, in fresh processes.

The run is 1,000 LIF neurons, 100 ms at dt = 0.1 ms, I = 0.2 nA, V recorded
(the README's first example).  Every figure comes from a new interpreter
running a script file (``subprocess.run([sys.executable, "script.py"])``, as
``time python my_script.py``), so nothing is shared with this process:

- warm cache: one run fills a temporary kernel cache (``NEUROUNITS_CACHE_DIR``)
  and numba cache (``NUMBA_CACHE_DIR``), then ``--warm`` fresh processes use
  them; the median is reported (target < 1.5 s);
- empty cache: each of ``--empty`` processes gets its own new, empty
  ``NEUROUNITS_CACHE_DIR`` *and* ``NUMBA_CACHE_DIR`` (the latter redirects all of
  numba's caching, including that of ``neurounits/codegen/runtime.py``, which
  would otherwise be cached in ``neurounits/codegen/__pycache__``); median
  reported (target < 5 s);
- references: processes that only run ``pass``, ``import numba``, ``import neurounits``, ...

Two figures are compared with the targets: the whole process (launch to the parent seeing
it end) and, inside the child, ``import neurounits`` to the ``Results``; ``import neurounits``
alone has a target too (< 0.4 s).  The CPU time of each process (``getrusage``) is printed beside
its wall time (which grows with the load), with its phases (interpreter start, import, model,
simulate, interpreter exit; a second ``simulate`` for scale).  Then one warm process runs the
first ``simulate`` under ``-X importtime`` and one under cProfile, and one empty-cache process
lists what numba compiles in it (numba's event API).

    python benchmarks/bench_startup.py [--warm 5] [--empty 5] [--refs 5] [--no-profile]
                                       [--python OTHER_INTERPRETER] [--baseline CHECKOUT [--only-compare]]

``--baseline /work/main`` adds a before/after comparison (warm processes of both checkouts
alternate: the same load for both).  ``--python`` runs the children with another interpreter, e.g.
a venv without dask (pint imports ``dask.base`` whenever dask is installed, ~0.2-0.4 s).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_WARM_S, TARGET_EMPTY_S, TARGET_IMPORT_S = 1.5, 5.0, 0.4
PYTHON = sys.executable  # the children's interpreter (--python)
RUN = 'nu.simulate(lif, "100 ms", "0.1 ms", inputs={"I": "0.2 nA"}, record=("V",))'

# The child prints what it measured as one JSON line, last on stdout.  time.time()
# stamps (one clock for parent and child) give the interpreter's start and exit.
CHILD = f"""
import time
w0 = time.time()
t0 = time.perf_counter()
import neurounits as nu
t1 = time.perf_counter()
import sys
numba_after_import = "numba" in sys.modules   # did `import neurounits` pull in numba?
t1b = time.perf_counter()
lif = nu.models.LIF(n=1000)
t2 = time.perf_counter()
res = {RUN}
t3 = time.perf_counter()
res2 = {RUN}
t4 = time.perf_counter()
import json
print(json.dumps({{
    "import": t1 - t0, "construct": t2 - t1b, "simulate": t3 - t2, "total": (t3 - t0) - (t1b - t1),
    "simulate_again": t4 - t3, "spikes": int(res.spikes.indices.size),
    "v_shape": list(res["V"].shape), "numba_after_import": numba_after_import,
    "sympy": "sympy" in sys.modules,
    "w_start": w0, "w_end": time.time(),
}}))
"""

# first simulate call of a warm process, under -X importtime (markers on stderr) ...
IMPORTTIME_CHILD = f"""
import sys, time
import neurounits as nu
lif = nu.models.LIF(n=1000)
print("@@begin", file=sys.stderr, flush=True)
t = time.perf_counter()
res = {RUN}
t = time.perf_counter() - t
print("@@end", file=sys.stderr, flush=True)
print(t)
"""

# ... and under cProfile (import machinery left out of the listing)
PROFILE_CHILD = f"""
import cProfile, io, pstats, time
import neurounits as nu
lif = nu.models.LIF(n=1000)
pr = cProfile.Profile()
t = time.perf_counter()
pr.enable()
res = {RUN}
pr.disable()
t = time.perf_counter() - t
s = io.StringIO()
st = pstats.Stats(pr, stream=s).sort_stats("cumulative")
st.print_stats(r"^(?!.*(<frozen |built-in method builtins\\.(exec|__import__)))", TOP)
print(f"simulate under cProfile: {{t:.3f}} s (profiling adds overhead)")
print(s.getvalue().strip())
"""

# which functions numba compiles in the first simulate call with an empty cache
# (numba's event API; times are inclusive: a callee's compile is inside its caller's)
COMPILE_CHILD = f"""
import json, time
import neurounits as nu
from numba.core import event
lif = nu.models.LIF(n=1000)
with event.install_recorder("numba:compile") as rec:
    t = time.perf_counter()
    res = {RUN}
    t = time.perf_counter() - t
starts, out = {{}}, []
for ts, e in rec.buffer:
    d = e.data["dispatcher"]
    key = (id(d), str(e.data["args"]))
    if e.is_start:
        starts[key] = ts
    else:
        out.append((ts - starts.pop(key), d.py_func.__module__ + "." + d.py_func.__qualname__))
print(json.dumps({{"simulate": t, "compiles": sorted(out, reverse=True)}}))
"""


def child_env(nu_cache: str, numba_cache: str, root: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ)
    env["NEUROUNITS_CACHE_DIR"] = nu_cache
    env["NUMBA_CACHE_DIR"] = numba_cache
    # make sure the child imports this checkout (or the baseline's)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), env.get("PYTHONPATH", "")) if p)
    return env


def _compare(tmp: str, baseline: Path, n: int) -> None:
    """Warm processes of this checkout and of ``baseline``, alternated (same load for both)."""
    sides = {"this checkout": ROOT, f"baseline {baseline}": baseline}
    envs = {k: child_env(os.path.join(tmp, f"cmp_nu{i}"), os.path.join(tmp, f"cmp_numba{i}"), root)
            for i, (k, root) in enumerate(sides.items())}
    for env in envs.values():
        _child(env)  # fill its caches
    rows: dict[str, list[dict]] = {k: [] for k in sides}
    for _ in range(n):
        for k, env in envs.items():
            rows[k].append(_child(env))
    print(f"\n(c) warm cache, before/after: {n} fresh processes of each side, alternated; "
          f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"  {'':34s} {'wall median [min]':>20s} {'CPU median [min]':>20s} {'exit':>7s}  sympy")
    for k, r in rows.items():
        wall, cpu = [x["wall"] for x in r], [x["cpu"] for x in r]
        print(f"  {k[:34]:34s} {statistics.median(wall):9.3f} [{min(wall):.3f}] s "
              f"{statistics.median(cpu):9.3f} [{min(cpu):.3f}] s {_med(r, 'exit'):6.3f}s  "
              f"{sorted({x.get('sympy', True) for x in r})}")
    a, b = (rows[k] for k in sides)

    def ratios(key: str) -> str:
        best = min(x[key] for x in a) / min(x[key] for x in b)
        return f"{_med(a, key) / _med(b, key):.2f} (best {best:.2f})"

    print(f"  ratio this/baseline: wall {ratios('wall')}, CPU {ratios('cpu')}")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


LAST_CPU = [0.0]  # CPU time (user + system) of the last child


SCRIPTS: dict[str, str] = {}  # code -> the script file that holds it


def _script(code: str) -> str:
    """``code`` as a script file (a user runs ``python my_script.py``)."""
    if code not in SCRIPTS:
        fd, path = tempfile.mkstemp(prefix="nu_bench_script_", suffix=".py")
        with os.fdopen(fd, "w") as fh:
            fh.write(code)
        SCRIPTS[code] = path
    return SCRIPTS[code]


def _run(code: str, env: dict[str, str], *flags: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """Run ``code`` as a script in a fresh interpreter; returns (launch stamp, end stamp, process)."""
    script = _script(code)
    c = _cpu()
    w = time.time()
    p = subprocess.run([PYTHON, *flags, script], env=env, cwd=ROOT,
                       capture_output=True, text=True)
    w_end = time.time()
    LAST_CPU[0] = _cpu() - c
    if p.returncode != 0:
        raise RuntimeError(f"child failed (rc {p.returncode}):\n{p.stderr[-4000:]}")
    return w, w_end, p


def _wall(code: str, env: dict[str, str]) -> float:
    w, w_end, _ = _run(code, env)
    return w_end - w


def _child(env: dict[str, str]) -> dict:
    w, w_end, p = _run(CHILD, env)
    d = json.loads(p.stdout.strip().splitlines()[-1])
    d["wall"] = w_end - w
    d["start"] = d["w_start"] - w
    d["exit"] = w_end - d["w_end"]
    d["cpu"] = LAST_CPU[0]
    return d


def _files(*dirs: str) -> set[str]:
    return {str(p) for d in dirs for p in Path(d).rglob("*") if p.is_file()}


def _med(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def _line(name: str, vals: list[float]) -> None:
    print(f"  {name:26s} {statistics.median(vals):7.3f} s   [{min(vals):.3f} - {max(vals):.3f}]")


def _report(label: str, rows: list[dict], target: float) -> None:
    print(f"\n{label}: {len(rows)} fresh processes, median [min - max]")
    for key, name in [
        ("start", "interpreter start"),
        ("import", "import neurounits"),
        ("construct", "LIF(n=1000)"),
        ("simulate", "simulate (1st call)"),
        ("total", "= import -> results"),
        ("exit", "interpreter exit"),
        ("wall", "process wall time"),
        ("cpu", "process CPU time"),
        ("simulate_again", "simulate (2nd call)"),
    ]:
        _line(name, [r[key] for r in rows])
    tot, wall = _med(rows, "total"), _med(rows, "wall")
    print(f"  target: whole process < {target} s: {wall:.3f} s  {'PASS' if wall < target else 'MISS'}")
    print(f"          import -> results < {target} s: {tot:.3f} s  {'PASS' if tot < target else 'MISS'}")


def _importtime(env: dict[str, str], top: int) -> None:
    """Modules imported inside the first simulate call of a warm process."""
    _, _, p = _run(IMPORTTIME_CHILD, env, "-X", "importtime")
    t_sim = float(p.stdout.split()[-1])
    err = p.stderr
    body = err[err.index("@@begin") : err.index("@@end")]
    outer = []  # (cumulative s, module) of the imports done directly by the call
    pat = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)")
    for m in pat.finditer(body):
        if len(m.group(3)) == 1:
            outer.append((int(m.group(2)) * 1e-6, m.group(4)))
    total = sum(c for c, _ in outer)
    print(f"\nimports inside the 1st simulate call of a warm process (-X importtime): "
          f"{total:.3f} s of {t_sim:.3f} s")
    for c, name in sorted(outer, reverse=True)[:top]:
        if c >= 0.005:
            print(f"  {c:7.3f} s  {name}")


def main() -> None:
    global PYTHON
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--warm", type=int, default=5, help="warm-cache processes (default 5)")
    ap.add_argument("--empty", type=int, default=5, help="empty-cache processes (default 5)")
    ap.add_argument("--refs", type=int, default=5, help="processes per reference import (default 5)")
    ap.add_argument("--no-profile", action="store_true", help="skip the profile listings")
    ap.add_argument("--top", type=int, default=15, help="entries listed by the profiles (default 15)")
    ap.add_argument("--python", default=sys.executable, help="the children's interpreter (default: this one)")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="another checkout (e.g. of main): its warm processes alternate with this one's")
    ap.add_argument("--only-compare", action="store_true", help="with --baseline: only the comparison")
    args = ap.parse_args()
    PYTHON = args.python

    probe = subprocess.run([PYTHON, "-c", "import sys, importlib.util as u; "
                            "print(sys.version.split()[0], u.find_spec('dask') is not None)"],
                           capture_output=True, text=True, check=True).stdout.split()
    print(f"python {probe[0]} ({PYTHON}), {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; dask installed (pint imports dask.base "
          f"when it is): {probe[1] == 'True'}")

    try:
        _measure(args)
    finally:
        for path in SCRIPTS.values():
            os.unlink(path)


def _references(tmp: str, n: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU times of processes that only import one thing (or nothing)."""
    ref_env = child_env(os.path.join(tmp, "ref_nu"), os.path.join(tmp, "ref_numba"))
    refs: dict[str, list[float]] = {}
    ref_cpu: dict[str, list[float]] = {}
    for name, code in [("python -c pass", "pass"), ("import numba", "import numba"),
                       ("import sympy", "import sympy"), ("import pint", "import pint"),
                       ("import neurounits", "import neurounits")]:
        refs[name], ref_cpu[name] = [], []
        for _ in range(n):
            refs[name].append(_wall(code, ref_env))
            ref_cpu[name].append(LAST_CPU[0])
    return refs, ref_cpu


def _measure(args: argparse.Namespace) -> None:
    if args.only_compare and args.baseline:
        with tempfile.TemporaryDirectory(prefix="nu_bench_") as tmp:
            _compare(tmp, args.baseline.resolve(), args.warm)
        return
    with tempfile.TemporaryDirectory(prefix="nu_bench_") as tmp:
        refs, ref_cpu = _references(tmp, args.refs)

        # (a) warm cache: fill once, then time fresh processes
        warm_nu, warm_numba = os.path.join(tmp, "warm_nu"), os.path.join(tmp, "warm_numba")
        env = child_env(warm_nu, warm_numba)
        fill = _child(env)
        before = _files(warm_nu, warm_numba)
        warm = [_child(env) for _ in range(args.warm)]
        new_files = sorted(_files(warm_nu, warm_numba) - before)

        # (b) empty cache: a new kernel cache and a new numba cache every time
        empty = []
        for i in range(args.empty):
            e = child_env(os.path.join(tmp, f"empty_nu{i}"), os.path.join(tmp, f"empty_numba{i}"))
            empty.append(_child(e))

        print(f"\nreferences: process wall time, median of {args.refs} [min - max]; CPU time (median)")
        for name, vals in refs.items():
            print(f"  {name:26s} {statistics.median(vals):7.3f} s   [{min(vals):.3f} - {max(vals):.3f}]   "
                  f"CPU {statistics.median(ref_cpu[name]):.3f} s")
        imp = statistics.median(refs["import neurounits"])
        print(f"  target: python -c 'import neurounits' < {TARGET_IMPORT_S} s: {imp:.3f} s  "
              f"{'PASS' if imp < TARGET_IMPORT_S else 'MISS'}")

        print(f"\ncache-filling run: import -> results {fill['total']:.3f} s "
              f"(process {fill['wall']:.3f} s); {fill['spikes']} spikes, V {tuple(fill['v_shape'])}; "
              f"numba imported by `import neurounits`: {fill['numba_after_import']}")
        _report("(a) warm cache", warm, TARGET_WARM_S)
        if new_files:
            print("  WARNING: the warm runs wrote new cache files (a kernel was regenerated or "
                  "recompiled: was the library edited during the run, or is code generation "
                  "not deterministic?):")
            for f in new_files[:10]:
                print("   ", f)
        _report("(b) empty cache", empty, TARGET_EMPTY_S)

        spikes = sorted({r["spikes"] for r in [fill, *warm, *empty]})
        print(f"\nspike counts (all runs): {spikes}")
        print(f"sympy imported: cache-filling run {fill['sympy']}, warm runs "
              f"{sorted({r['sympy'] for r in warm})}, empty-cache runs {sorted({r['sympy'] for r in empty})}")

        numba_ref = statistics.median(refs["import numba"]) - statistics.median(refs["python -c pass"])
        _phases(warm, numba_ref)
        if args.baseline:
            _compare(tmp, args.baseline.resolve(), args.warm)
        if not args.no_profile:
            _profiles(tmp, env, args.top)


def _phases(warm: list[dict], numba_ref: float) -> None:
    w_sim, w_again = _med(warm, "simulate"), _med(warm, "simulate_again")
    print("\nwarm start-up, phases (medians):")
    print(f"  import neurounits          {_med(warm, 'import'):.3f} s")
    print(f"  LIF(n=1000)                {_med(warm, 'construct'):.3f} s")
    print(f"  simulate, 1st call         {w_sim:.3f} s")
    print(f"    one-off part (1st - 2nd call)   {w_sim - w_again:.3f} s   "
          f"(for scale: a process that imports numba, less bare python: {numba_ref:.3f} s)")
    print(f"    the run itself (2nd call)       {w_again:.3f} s")
    print(f"  interpreter exit           {_med(warm, 'exit'):.3f} s   (in the whole-process figure only)")
    print(f"  whole process              {_med(warm, 'wall'):.3f} s   (CPU {_med(warm, 'cpu'):.3f} s)")


def _profiles(tmp: str, env: dict[str, str], top: int) -> None:
    _importtime(env, top)
    print(f"\ncProfile of the 1st simulate call of a warm process (top {top} by cumulative "
          "time, import machinery left out):")
    _, _, p = _run(PROFILE_CHILD.replace("TOP", str(top)), env)
    print(p.stdout.rstrip())
    e = child_env(os.path.join(tmp, "prof_nu"), os.path.join(tmp, "prof_numba"))
    _, _, p = _run(COMPILE_CHILD, e)
    d = json.loads(p.stdout.strip().splitlines()[-1])
    print(f"\nnumba compilations in the 1st simulate call with an empty cache: {len(d['compiles'])} "
          f"functions, simulate {d['simulate']:.3f} s; the longest (inclusive of callees):")
    for secs, name in d["compiles"][:top]:
        print(f"  {secs:7.3f} s  {name}")


if __name__ == "__main__":
    main()
