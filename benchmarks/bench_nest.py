"""neurounits' NEST-compatible models against NEST 3.10 itself, same run of this script.

For each model in ``neurounits.models.nest``: 1,000 neurons, 1 s at dt = 0.1 ms, DC drive
(a per-neuron ``I_e``, linearly spaced from the base value to 1.25 times it, the same in
both), spikes recorded, no traces.

- neurounits: in this process, ``nu.simulate(..., record=())`` with ``threads=1`` and with the
  default (all cores once the run is large enough); a warm-up call first (compilation
  excluded), then best of ``--repeat`` (3).
- NEST: in a subprocess per model, run by ``$NEST_PYTHON`` (default ``/work/nestenv/bin/python``)
  on this same file (``--nest-child``), ``local_num_threads=1``, a ``spike_recorder`` attached.
  A short warm-up ``Simulate`` on a throw-away network, then per repetition ``ResetKernel``,
  the network built afresh and only ``nest.Simulate(1000.0)`` timed; best of ``--repeat``.
  Every repetition starts from the initial state, so its spikes are comparable with
  neurounits'.  Without NEST the script says so and times neurounits only.

It prints both spike counts and how many (neuron, step) spikes differ, the times, the ratio
NEST / neurounits, the cost per neuron-step, and the target: faster than NEST for every model
(1-thread figure), at least 5x faster for the RKF45 models (which use NEST's tolerances).

    python benchmarks/bench_nest.py            # [--repeat 3] [--n 1000] [--models iaf_psc_exp,...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

N, T_MS, DT_MS = 1_000, 1000.0, 0.1
WARMUP_MS = 20.0  # NEST warm-up Simulate (throw-away network)
NEST_PYTHON = os.environ.get("NEST_PYTHON", "/work/nestenv/bin/python")

# model -> base I_e (pA); per neuron I_e = linspace(base, 1.25 base, n)
MODELS = {
    "iaf_psc_exp": 400.0,
    "izhikevich": 10.0,
    "iaf_cond_exp": 500.0,
    "aeif_cond_alpha": 800.0,
    "hh_psc_alpha": 700.0,
}
RKF45 = ("iaf_cond_exp", "aeif_cond_alpha", "hh_psc_alpha")
# initial states where neurounits' defaults differ from NEST's (so both start alike)
INITIAL = {"izhikevich": {"U_m": "-13 mV/ms"}}  # NEST: U_m = -13, neurounits' default: 0


def drive(base: float, n: int) -> np.ndarray:
    return np.linspace(base, 1.25 * base, n)


# ------------------------------------------------------------------------------ NEST child
def quiet_nest():
    """``import nest`` with its messages limited to errors."""
    import nest

    try:
        nest.verbosity = nest.VerbosityLevel.ERROR
    except AttributeError:  # older NEST
        nest.set_verbosity("M_ERROR")
    return nest


def time_nest_spikes(nest, build, repeat: int, out: str, t_ms: float = T_MS, dt_ms: float = DT_MS) -> None:
    """A warm-up ``Simulate`` on a throw-away network, then per repetition a network built afresh
    (``build()`` -> population, spike recorder) with only ``Simulate(t_ms)`` timed. Writes the
    spikes, (senders, steps), to ``out`` (.npz), checked equal across repetitions; prints JSON last."""
    build()
    nest.Simulate(WARMUP_MS)
    times, senders, first = [], None, None
    for _ in range(repeat):
        pop, rec = build()
        t0 = time.perf_counter()
        nest.Simulate(t_ms)
        times.append(time.perf_counter() - t0)
        ev = rec.get("events")
        s = np.asarray(ev["senders"], np.int64) - min(pop.tolist())
        st = np.rint(np.asarray(ev["times"]) / dt_ms).astype(np.int64)
        if senders is None:
            senders, first = s, st
        elif not (np.array_equal(s, senders) and np.array_equal(st, first)):
            raise SystemExit("NEST gave different spikes in two repetitions")
    np.savez(out, senders=senders, steps=first)
    print(json.dumps({"times": times, "nest": nest.__version__, "threads": nest.local_num_threads}))


def nest_child(model: str, n: int, repeat: int, out: str) -> None:
    """Runs under NEST's interpreter; writes spikes to ``out`` (.npz), prints JSON last."""
    nest = quiet_nest()
    i_e = drive(MODELS[model], n)

    def build():
        nest.ResetKernel()
        nest.set(resolution=DT_MS, local_num_threads=1, print_time=False)
        pop = nest.Create(model, n, params={"I_e": i_e})
        rec = nest.Create("spike_recorder")
        nest.Connect(pop, rec)
        return pop, rec

    time_nest_spikes(nest, build, repeat, out)


def run_nest(model: str, n: int, repeat: int, tmp: Path):
    out = tmp / f"{model}.npz"
    cmd = [NEST_PYTHON, __file__, "--nest-child", model, "--n", str(n), "--repeat", str(repeat),
           "--out", str(out)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise RuntimeError(f"NEST child for {model} failed (rc {p.returncode}):\n{p.stderr[-2000:]}")
    info = json.loads(p.stdout.strip().splitlines()[-1])
    d = np.load(out)
    return info, d["senders"], d["steps"]


def nest_available() -> str | None:
    """None if NEST runs, else the reason."""
    if not Path(NEST_PYTHON).exists():
        return f"{NEST_PYTHON} does not exist"
    p = subprocess.run([NEST_PYTHON, "-c", "import nest, numpy"], capture_output=True, text=True, check=False)
    if p.returncode != 0:
        return f"'{NEST_PYTHON} -c \"import nest\"' failed: {p.stderr.strip().splitlines()[-1:]}"
    return None


# ------------------------------------------------------------------------------ neurounits
def best(f, repeat: int):
    ts, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        ts.append(time.perf_counter() - t)
    return min(ts), out


def run_nu(model: str, n: int, repeat: int):
    import neurounits as nu

    cls = getattr(nu.models.nest, model)
    m = cls(n=n, I_e=nu.Q_(drive(MODELS[model], n), "pA"))
    kw = dict(duration=f"{T_MS} ms", dt=f"{DT_MS} ms", record=(), initial=INITIAL.get(model))
    nu.simulate(m, threads=1, **kw)  # warm-up: kernel generation / compilation / load
    t1, res = best(lambda: nu.simulate(m, threads=1, **kw), repeat)
    nu.simulate(m, **kw)
    t2, res2 = best(lambda: nu.simulate(m, **kw), repeat)
    idx, steps = spikes_of(res)
    idx2, steps2 = spikes_of(res2)
    assert spike_diff(idx, steps, idx2, steps2) == 0, "threads=1 and the default gave different spikes"
    opts = getattr(cls, "integrator_options", None) if res.method == "rkf45" else None
    return t1, t2, idx, steps, res.method, opts


def spikes_of(res):
    """(neuron index, step number) of every spike of a neurounits Results."""
    idx = np.asarray(res.spikes.indices, np.int64)
    return idx, np.rint(res.spikes.times.to("ms").magnitude / DT_MS).astype(np.int64)


def spike_diff(a_i, a_s, b_i, b_s) -> int:
    """Number of (neuron, step) spikes in one set but not the other (with multiplicity)."""
    ka, kb = np.sort(a_i * 10**9 + a_s), np.sort(b_i * 10**9 + b_s)
    ua, ca = np.unique(ka, return_counts=True)
    ub, cb = np.unique(kb, return_counts=True)
    keys = np.union1d(ua, ub)
    na = np.zeros(keys.size, np.int64)
    nb = np.zeros(keys.size, np.int64)
    na[np.searchsorted(keys, ua)] = ca
    nb[np.searchsorted(keys, ub)] = cb
    return int(np.abs(na - nb).sum())


def provenance() -> str:
    """Commit, whether neurounits/ has uncommitted edits, and the kernel-source hash."""
    import neurounits
    from neurounits.simulation import kernels as nu_kernels

    root = Path(neurounits.__file__).resolve().parent.parent  # the checkout actually imported

    def git(*args):
        p = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return p.stdout.strip() if p.returncode == 0 else "?"

    dirty = "with uncommitted edits" if git("status", "--porcelain", "--", "neurounits") else "clean"
    version = getattr(neurounits, "__version__", "?")
    return (f"neurounits {version} from {root}, commit {git('rev-parse', '--short', 'HEAD')} "
            f"(neurounits/ {dirty}), kernel-source hash {getattr(nu_kernels, 'SOURCE_HASH', '?')}")


def load() -> str:
    la = os.getloadavg()
    return f"load average {la[0]:.2f}, {la[1]:.2f}, {la[2]:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n", type=int, default=N)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--nest-child", metavar="MODEL", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.nest_child:
        nest_child(a.nest_child, a.n, a.repeat, a.out)
        return
    models = [m.strip() for m in a.models.split(",") if m.strip()]
    steps = round(T_MS / DT_MS)
    work = a.n * steps
    print(f"NEST comparison: {a.n:,} neurons, {T_MS:g} ms at dt = {DT_MS:g} ms ({steps:,} steps), "
          f"DC drive I_e = linspace(I0, 1.25 I0), spikes recorded, no traces; best of {a.repeat}")
    print(f"cores: {os.cpu_count()}; start: {load()}")
    print(provenance())
    why = nest_available()
    if why:
        print(f"NEST NOT AVAILABLE ({why}); set NEST_PYTHON to an interpreter with NEST 3.10. "
              "Timing neurounits only.")
    t_start = time.perf_counter()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            t_nest = None
            if not why:
                info, n_i, n_s = run_nest(model, a.n, a.repeat, Path(tmp))
                t_nest = min(info["times"])
            t1, t2, u_i, u_s, method, opts = run_nu(model, a.n, a.repeat)
            line = (f"\n{model} ({method}{', ' + str(opts) if opts else ''}), "
                    f"I_e {MODELS[model]:g}..{1.25 * MODELS[model]:g} pA")
            print(line)
            nu_fired = np.unique(u_i).size
            if t_nest is not None:
                diff = spike_diff(n_i, n_s, u_i, u_s)
                print(f"  spikes: NEST {n_i.size:,}   neurounits {u_i.size:,}   differing (neuron, step) "
                      f"spikes {diff}   neurons that fired {nu_fired}/{a.n}   "
                      f"[NEST {info['nest']}, local_num_threads={info['threads']}]")
                print(f"  NEST            {t_nest * 1e3:9.1f} ms   {t_nest / work * 1e9:7.1f} ns/neuron-step")
            else:
                diff = None
                print(f"  spikes: neurounits {u_i.size:,}   neurons that fired {nu_fired}/{a.n}")
            for label, t in (("threads=1", t1), ("default", t2)):
                r = f"   NEST/neurounits {t_nest / t:6.2f}" if t_nest else ""
                print(f"  nu {label:<12} {t * 1e3:9.1f} ms   {t / work * 1e9:7.1f} ns/neuron-step{r}")
            target = 5.0 if model in RKF45 else 1.0
            if t_nest:
                ok = t_nest / t1 >= target
                verdict = "MET" if ok else f"MISSED (needs {t_nest / target * 1e3:.1f} ms or less, " \
                          f"{t1 / (t_nest / target):.2f}x too slow)"
                print(f"  target: NEST/neurounits (1 thread) >= {target:g}: {verdict}")
            rows.append((model, t_nest, t1, t2, n_i.size if t_nest else None, u_i.size, diff, target))
    print(f"\nend: {load()}; script total {time.perf_counter() - t_start:.0f} s")
    print("\n| model | spikes NEST / nu (differing) | NEST 1 thread | nu threads=1 | nu default "
          "| NEST/nu (1 thread, default) | ns/neuron-step NEST, nu 1t, nu default | target |")
    print("|---|---|---|---|---|---|---|---|")
    for model, tn, t1, t2, sn, su, diff, target in rows:
        ns = lambda t: f"{t / work * 1e9:.1f}" if t else "-"  # noqa: E731
        ms = lambda t: f"{t * 1e3:.1f} ms" if t else "-"  # noqa: E731
        if tn:
            ratio = f"{tn / t1:.2f}x, {tn / t2:.2f}x"
            verdict = f">= {target:g}x: " + ("met" if tn / t1 >= target else "**MISSED**")
            sp = f"{sn:,} / {su:,} ({diff})"
        else:
            ratio, verdict, sp = "-", f">= {target:g}x: no NEST", f"- / {su:,}"
        print(f"| {model} | {sp} | {ms(tn)} | {ms(t1)} | {ms(t2)} | {ratio} | "
              f"{ns(tn)}, {ns(t1)}, {ns(t2)} | {verdict} |")


if __name__ == "__main__":
    main()
