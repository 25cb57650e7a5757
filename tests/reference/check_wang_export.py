"""Deterministic check of examples/network_wang_decision.py against NEST 3.10 (no Poisson noise).

Builds the example's network with every Poisson source replaced, neuron by neuron, by a
``SpikeTimes`` source holding one Poisson train drawn here with numpy (the same per-step means as
the Poisson source, multiple spikes per step allowed), simulates it with neurounits, exports it with
``nu.export.nest`` (explicit connectivity), runs the script in NEST and compares the spikes.  It also
builds the reference script's network (tests/reference/make_wang_refs.py) in NEST and compares its
connections (count, weight, delay per receptor and pair of groups) with the exported ones.

    PYTHONPATH=. /work/nestenv/bin/python tests/reference/check_wang_export.py [--ne 400] [--ms 1500]
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import neurounits as nu

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class FrozenNetwork(nu.Network):
    """A Network whose Poisson sources become one SpikeTimes source per target neuron."""

    dt_ms = 0.1
    n_steps = 0
    rng = np.random.default_rng(12345)

    def connect(self, source, target, rule=None, **kw):
        if not isinstance(source, nu.sources.Poisson):
            return super().connect(source, target, rule, **kw)
        lam = source.lam(0, self.n_steps, self.dt_ms)
        for i in range(target.n if hasattr(target, "n") else len(target)):
            counts = self.rng.poisson(lam)
            steps = np.repeat(np.arange(self.n_steps), counts)
            if steps.size:
                times = nu.Q_(np.round((steps + 1) * self.dt_ms, 10), "ms")
                super().connect(nu.sources.SpikeTimes(times), target[i : i + 1], rule, **kw)
        return None


def _frozen_wang(wd, coherence: float, seed: int, ne: int, ms: float) -> nu.Network:
    """The example's network with its Poisson sources frozen (FrozenNetwork)."""
    FrozenNetwork.n_steps = round(ms / FrozenNetwork.dt_ms)
    FrozenNetwork.rng = np.random.default_rng([seed, 12345])  # the frozen trains of this seed
    real = wd.nu.Network
    wd.nu.Network = FrozenNetwork
    try:
        return wd.wang(coherence, seed=seed, ne=ne, duration=ms)
    finally:
        wd.nu.Network = real


def _connections(nest, groups: dict[str, tuple[int, int]]) -> dict:
    """Per (source group, target group, receptor) of the neurons' incoming connections: count,
    distinct weights, distinct delays and autapses ("gen": any device)."""
    d = nest.GetConnections().get(["source", "target", "weight", "delay", "receptor"])
    src, tgt = np.array(d["source"]), np.array(d["target"])
    w, dl, rc = np.array(d["weight"]), np.array(d["delay"]), np.array(d["receptor"])

    def group(ids):
        out = np.full(ids.size, "gen", dtype=object)
        for name, (lo, hi) in groups.items():
            out[(ids >= lo) & (ids <= hi)] = name
        return out

    gs, gt = group(src), group(tgt)
    out = {}
    for key in sorted(set(zip(gs[gt != "gen"], gt[gt != "gen"], rc[gt != "gen"], strict=True))):
        sel = (gs == key[0]) & (gt == key[1]) & (rc == key[2])
        out[key] = (
            int(sel.sum()),
            np.round(np.unique(w[sel]), 9).tolist(),
            np.unique(dl[sel]).tolist(),
            int(np.sum(sel & (src == tgt))),
        )
    return out


def compare_with_reference_script(wd, ne: int) -> bool:
    """The reference script's network in NEST against the example's (exported, built in-process):
    recurrent connections and the neurons' status (parameters and initial state)."""
    import nest

    sys.path.insert(0, str(HERE))
    import make_wang_refs as mw

    ns, ni = round(0.15 * ne), ne // 4
    mw.run(nest, 1, 51.2, ne, t_end=0.1)
    ref = _connections(
        nest, {"A": (1, ns), "B": (ns + 1, 2 * ns), "NS": (2 * ns + 1, ne), "I": (ne + 1, ne + ni)}
    )
    ref_st = {
        "E": nest.GetStatus(nest.NodeCollection([1]))[0],
        "I": nest.GetStatus(nest.NodeCollection([ne + 1]))[0],
    }
    nn = _frozen_wang(wd, 51.2, 1, ne, 10.0).to_nest("0.1 ms")
    e0, i0 = nn.populations["E"][0].global_id, nn.populations["I"][0].global_id
    ours = _connections(
        nest,
        {
            "A": (e0, e0 + ns - 1),
            "B": (e0 + ns, e0 + 2 * ns - 1),
            "NS": (e0 + 2 * ns, e0 + ne - 1),
            "I": (i0, i0 + ni - 1),
        },
    )
    ok = True
    for key in sorted(k for k in set(ref) | set(ours) if k[0] != "gen"):
        same = key in ref and key in ours and ref[key] == ours[key]
        ok &= same
        flag = "" if same else "  DIFF"
        print(
            f"  {key[0]:>2} -> {key[1]:<2} receptor {key[2]}: ref {ref.get(key)}, ex. {ours.get(key)}{flag}"
        )
    for p in ("E", "I"):
        st = nest.GetStatus(nn.populations[p][:1])[0]
        for k, v in sorted(ref_st[p].items()):
            if k not in ("global_id", "local_id", "vp", "thread", "t_spike") and str(v) != str(st.get(k)):
                if not (isinstance(v, float) and v == st.get(k)):  # -0.0 == 0.0
                    ok = False
                    print(f"  {p}.{k}: ref {v}, example {st.get(k)}  DIFF")
    print(f"connections and neuron status {'identical' if ok else 'DIFFERENT'}")
    return ok


def _sorted(t, i) -> tuple[np.ndarray, np.ndarray]:
    t, i = np.round(np.asarray(t, float), 6), np.asarray(i)
    o = np.lexsort((i, t))
    return t[o], i[o]


class _Res:
    """NEST's saved spikes in the shape group_rates reads (res[P].spikes.times/.indices)."""

    def __init__(self, out: dict) -> None:
        self.out = out

    def __getitem__(self, name: str):
        from types import SimpleNamespace

        t = nu.Q_(self.out[f"{name}.spikes.times"], "ms")
        return SimpleNamespace(spikes=SimpleNamespace(times=t, indices=self.out[f"{name}.spikes.indices"]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ne", type=int, default=400)
    ap.add_argument("--ms", type=float, default=1500.0)
    ap.add_argument("--coherence", type=float, default=51.2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    wd = _load(ROOT / "examples" / "network_wang_decision.py", "wd")
    ok = compare_with_reference_script(wd, args.ne)
    net = _frozen_wang(wd, args.coherence, args.seed, args.ne, args.ms)
    dur = f"{args.ms} ms"
    res = nu.simulate(net, dur, dt="0.1 ms")
    with tempfile.TemporaryDirectory() as tmp:
        script = nu.export.nest(net, Path(tmp) / "run_wang.py", duration=dur, dt="0.1 ms")
        p = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
        if p.returncode:
            print(p.stderr[-3000:])
            return 1
        with np.load(script.with_name("run_wang_results.npz")) as z:
            nest_out = dict(z)
    for name in ("E", "I"):
        t, i = _sorted(res[name].spikes.times.m_as("ms"), res[name].spikes.indices)
        tn, jn = _sorted(nest_out[f"{name}.spikes.times"], nest_out[f"{name}.spikes.indices"])
        same = t.shape == tn.shape and np.array_equal(t, tn) and np.array_equal(i, jn)
        print(f"{name}: spikes neurounits {t.size}, NEST {tn.size}, identical {same}")
        if not same:
            ok = False
            m = min(t.size, tn.size)
            d = np.nonzero((t[:m] != tn[:m]) | (i[:m] != jn[:m]))[0]
            k = int(d[0]) if d.size else m
            print(f"  first difference at spike {k}: neurounits {t[k : k + 3]} {i[k : k + 3]}")
            print(f"  NEST {tn[k : k + 3]} {jn[k : k + 3]}")
    rates = [wd.group_rates(r, args.ne, {"base": (300.0, 500.0)}) for r in (res, _Res(nest_out))]
    print(
        "baseline rates (Hz), neurounits / NEST:",
        {k: (round(rates[0][k], 4), round(rates[1][k], 4)) for k in rates[0]},
    )
    print("IDENTICAL" if ok else "DIFFERENT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
