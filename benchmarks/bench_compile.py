"""First-use cost of every library model: a fresh process with empty caches, ``import`` to results.

For every model class of ``nu.models`` and ``nu.models.nest`` (``iaf_bw_2001_exact`` driven
through two NMDA ports), a new interpreter with a new, empty ``NEUROUNITS_CACHE_DIR`` and
``NUMBA_CACHE_DIR`` (temporary directories) imports neurounits, constructs the model (10
neurons, default parameters), runs a 10 ms ``simulate`` and reports the wall time from just
before ``import neurounits`` to the ``Results``: the kernel is generated, written, and compiled
by numba from nothing.  The median of ``--repeat`` (3) processes per model is reported, with
the child's phases (import, construction, first ``simulate``), the CPU time it used over the
same span (user + system: on a machine shared with other work, wall time grows with the load,
CPU time much less) and the method used.

Targets (from the engine issue): <= 5 s for a fixed-step model, <= 10 s for an rkf45 one.

Large models (``--large``, model-language issue: 20 states and 40 rate functions must compile in
under 60 s): NESTML's big models as transcribed in ``tests/models/published/large_models.py``
(``published.<name>``) and the synthetic Hodgkin-Huxley-like ``synthetic.<gates>`` (gates + 1
states, 2 x gates rate functions), all with rkf45; their target is 60 s.  With ``--ab`` every
model runs alternately with right-hand sides always inlined (``NEUROUNITS_RHS_CALL_OPS`` huge: the
code generation before large right-hand sides were compiled once and called) and as generated now.

    python benchmarks/bench_compile.py [--repeat 3] [--models LIF,nest.aeif_cond_alpha,...]
    python benchmarks/bench_compile.py --chain 50 --repeat 2   # exact, dense vs entry-wise form
    python benchmarks/bench_compile.py --large [--ab] [--models published.hill_tononi,synthetic.39]
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_startup import child_env  # noqa: E402  (the same child environment)

TARGET_FIXED_S, TARGET_ADAPTIVE_S, TARGET_LARGE_S = 5.0, 10.0, 60.0
LARGE = ("published.wb_cond_exp", "published.terub_gpe", "published.terub_stn",
         "published.traub_cond_multisyn", "published.hh_moto_5ht", "published.hill_tononi", "synthetic.9",
         "synthetic.19", "synthetic.39")
INLINE_ALL = {"NEUROUNITS_RHS_CALL_OPS": "1000000000"}  # --ab: right-hand sides always inlined

# the child: MODEL is "LIF" or "nest.iaf_psc_exp"; one JSON line, last on stdout
CHILD = """
import resource, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
c0 = cpu()
t0 = time.perf_counter()
import neurounits as nu
t1 = time.perf_counter()
name = MODEL
kw = {}
if name.startswith("chain:"):  # "chain:K:dense" / "chain:K:entrywise": K linear states, method exact
    _, k, form = name.split(":")
    k = int(k)
    if form == "entrywise":
        import neurounits.integrators.exact as _exact
        _exact.DENSE_STATES = 10**9
    eqs = "\\n".join(["dx0/dt = (u - x0)/tau : mV"]
                    + [f"dx{j}/dt = (x{j - 1} - x{j})/tau : mV" for j in range(1, k)])
    cls = nu.Model.from_equations(eqs, parameters={"tau": "5 ms"}, inputs={"u": "mV"}, name=f"Chain{k}")
    kw = {"inputs": {"u": "10 mV"}, "record": ("x0",)}
elif name.startswith(("published.", "synthetic.")):  # large models (tests/models/published)
    import sys
    sys.path.insert(0, "tests/models/published")
    import large_models
    kind, what = name.split(".")
    cls = large_models.LARGE_MODELS[what] if kind == "published" else large_models.synthetic(int(what))
    kw["method"] = "rkf45"
else:
    where = nu.models.nest if name.startswith("nest.") else nu.models
    cls = getattr(where, name.split(".")[-1])
model = cls(n=10)
if name == "nest.iaf_bw_2001_exact":  # two NMDA ports (each input on NMDA opens one)
    kw["spike_inputs"] = [nu.SpikeInput(times=nu.Q_([2.0, 6.0], "ms"), weight="1 nS", receptor="NMDA"),
                          nu.SpikeInput(times="4 ms", weight="0.5 nS", receptor="NMDA")]
t2 = time.perf_counter()
res = nu.simulate(model, "10 ms", "0.1 ms", seed=0, **kw)
t3 = time.perf_counter()
c3 = cpu()
import json
print(json.dumps({"import": t1 - t0, "construct": t2 - t1, "simulate": t3 - t2, "total": t3 - t0,
                  "cpu": c3 - c0, "method": res.method}))
"""


def all_models() -> list[str]:
    """Every model class of nu.models and nu.models.nest (asked of a child: this process stays
    free of neurounits, so nothing it imports can warm anything)."""
    code = ("import inspect, json, neurounits as nu\n"
            "top = [k for k in nu.models.__all__ if inspect.isclass(getattr(nu.models, k, None))]\n"
            "nest = ['nest.' + k for k in nu.models.nest.__all__\n"
            "        if inspect.isclass(getattr(nu.models.nest, k))]\n"
            "print(json.dumps(top + nest))")
    with tempfile.TemporaryDirectory(prefix="nu_bench_list_") as tmp:
        p = subprocess.run([sys.executable, "-c", code], env=child_env(tmp, tmp), cwd=ROOT,
                           capture_output=True, text=True, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


def one_run(model: str, extra_env: dict[str, str] | None = None) -> dict:
    """One fresh process with empty caches; its measurements plus the process wall time."""
    with tempfile.TemporaryDirectory(prefix="nu_bench_compile_") as tmp:
        env = child_env(os.path.join(tmp, "nu"), os.path.join(tmp, "numba"))
        env.pop("NEUROUNITS_RHS_CALL_OPS", None)
        env.update(extra_env or {})
        w = time.perf_counter()
        code = CHILD.replace("name = MODEL", f"name = {model!r}")
        p = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - w
    if p.returncode != 0:
        raise RuntimeError(f"{model}: child failed (rc {p.returncode}):\n{p.stderr[-3000:]}")
    d = json.loads(p.stdout.strip().splitlines()[-1])
    d["wall"] = wall
    return d


def chain(k: int, repeat: int) -> None:
    """A chain of k linear states, first use in fresh processes: exact's dense form (the default
    above DENSE_STATES) and its entry-wise form, alternating; best and median CPU and wall time."""
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {_load()}")
    print(f"chain of {k} states, method exact, {repeat} fresh processes per form (alternating), "
          "empty caches")
    runs: dict[str, list[dict]] = {"dense": [], "entrywise": []}
    for _ in range(repeat):
        for form in runs:
            runs[form].append(one_run(f"chain:{k}:{form}"))
            r = runs[form][-1]
            print(f"  {form:10s} total {r['total']:7.2f} s  cpu {r['cpu']:7.2f} s  (load {_load()})",
                  flush=True)
    for form, rs in runs.items():
        cpu = [r["cpu"] for r in rs]
        tot = [r["total"] for r in rs]
        print(f"{form:10s} cpu best {min(cpu):7.2f} s median {statistics.median(cpu):7.2f} s; "
              f"wall best {min(tot):7.2f} s median {statistics.median(tot):7.2f} s")
    best = {f: min(r["cpu"] for r in rs) for f, rs in runs.items()}
    print(f"entry-wise / dense (best cpu): {best['entrywise'] / best['dense']:.1f}x; "
          f"load average at the end: {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _target(model: str, method: str) -> float:
    if model.startswith(("published.", "synthetic.")):
        return TARGET_LARGE_S
    return TARGET_ADAPTIVE_S if method == "rkf45" else TARGET_FIXED_S


def _row(label: str, runs: list[dict]) -> float:
    tot = [r["total"] for r in runs]
    med = statistics.median(tot)
    method = runs[0]["method"]
    target = _target(label.split(" ")[0], method)
    ok = "ok" if med <= target else "MISS"
    print(f"{label:28s} {method:18s} {statistics.median(r['import'] for r in runs):7.2f} "
          f"{statistics.median(r['simulate'] for r in runs):9.2f} {med:7.2f} "
          f"{statistics.median(r.get('cpu', float('nan')) for r in runs):6.2f}   "
          f"[{min(tot):.2f} - {max(tot):.2f}]  <= {target:g} {ok}", flush=True)
    return med


def _ab(models: list[str], repeat: int) -> None:
    """Each model alternately with right-hand sides always inlined and as generated now."""
    for m in models:
        before: list[dict] = []
        after: list[dict] = []
        for _ in range(repeat):
            before.append(one_run(m, INLINE_ALL))
            after.append(one_run(m))
        b = _row(f"{m} inlined", before)
        a = _row(f"{m} now", after)
        cpu_b = statistics.median(r["cpu"] for r in before)
        cpu_a = statistics.median(r["cpu"] for r in after)
        print(f"{'':28s} now / inlined: wall {a / b:.2f}, cpu {cpu_a / cpu_b:.2f} (load {_load()})",
              flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="fresh processes per model (default 3)")
    ap.add_argument("--models", default="", help="comma-separated, e.g. LIF,nest.aeif_cond_alpha "
                                                 "(default: every library model)")
    ap.add_argument("--chain", type=int, default=0, help="instead: a chain of K linear states (method exact) "
                    "in exact's dense form and in its entry-wise form, alternating")
    ap.add_argument("--large", action="store_true", help="the large models (published.*, synthetic.*)")
    ap.add_argument("--ab", action="store_true", help="each model with right-hand sides always inlined, "
                                                      "then as generated now, alternately")
    args = ap.parse_args()
    if args.chain:
        chain(args.chain, args.repeat)
        return
    models = [m.strip() for m in args.models.split(",") if m.strip()] or (
        list(LARGE) if args.large else all_models())

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {_load()}")
    print(f"{len(models)} models, {args.repeat} fresh processes each with empty caches; "
          "median [min - max] of import -> results (s)\n")
    print(f"{'model':28s} {'method':18s} {'import':>7s} {'simulate':>9s} {'total':>7s} {'cpu':>6s}   "
          "range          target")
    if args.ab:
        _ab(models, args.repeat)
        print(f"\nload average at the end: {_load()}")
        return
    rows = []
    for m in models:
        runs = [one_run(m) for _ in range(args.repeat)]
        rows.append((m, runs[0]["method"], _row(m, runs)))
    print(f"\nload average at the end: {_load()}")
    misses = [m for m, meth, med in rows if med > _target(m, meth)]
    print("all targets met" if not misses else f"targets missed: {', '.join(misses)}")


if __name__ == "__main__":
    main()
