"""The ``neurounits`` command.

``neurounits demo``      simulate a small LIF population, print a summary with units,
                         and with ``--plot FILE`` write a PNG of traces and spike raster.
``neurounits models``    list the library models with their parameters.
``neurounits cache``     show (or ``--clear``) the kernel cache directory.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Sequence

import numpy as np

from . import Model, __version__, models, simulate
from .codegen import cache_dir
from .errors import NeurounitsError
from .units import Q_, as_quantity


def _demo(args: argparse.Namespace) -> int:
    n = args.n
    lo, hi = as_quantity(args.current_min), as_quantity(args.current_max)
    currents = Q_(np.linspace(lo.to("pA").magnitude, hi.to("pA").magnitude, n), "pA")
    lif = models.LIF(n=n, tau_m=args.tau_m)
    t0 = time.perf_counter()
    res = simulate(lif, args.duration, args.dt, inputs={"I": currents}, record=("V",))
    wall = time.perf_counter() - t0
    print(f"neurounits {__version__} demo: LIF population driven by {lo:~g} .. {hi:~g}")
    print(repr(lif))
    print(res.summary())
    print(f"simulated in {wall:.3f} s wall (compilation included on the first run)")
    rates = res.rates
    for i in np.linspace(0, n - 1, min(n, 5)).astype(int):
        print(f"  neuron {i:4d}: I = {currents[i]:~.4g}, rate = {rates[i]:~.4g}")
    if args.plot:
        _plot(res, currents, args.plot)
        print(f"wrote {args.plot}")
    return 0


def _plot(res, currents, path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise SystemExit("--plot needs matplotlib: pip install 'neurounits[plot]'") from exc
    t = res.t.to("ms").magnitude
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for i in np.linspace(0, res.n - 1, min(res.n, 4)).astype(int):
        ax1.plot(t, res["V"][:, i].to("mV").magnitude, lw=0.8, label=f"I = {currents[i]:~.3g}")
    ax1.set_ylabel("V (mV)")
    ax1.legend(loc="upper right", fontsize=8)
    ax2.plot(res.spikes.times.to("ms").magnitude, res.spikes.indices, "|k", ms=3)
    ax2.set_xlabel("t (ms)")
    ax2.set_ylabel("neuron")
    fig.suptitle(f"{res.model}: {res.n} neurons, method {res.method}")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _models(_: argparse.Namespace) -> int:
    for name in models.__all__:
        obj = getattr(models, name)
        if isinstance(obj, type) and issubclass(obj, Model):
            print(f"{name}: {(obj.__doc__ or '').strip().splitlines()[0]}")
            table = obj.parameter_table()
            if table:
                print("    " + table.replace("\n", "\n    "))
    return 0


def _cache(args: argparse.Namespace) -> int:
    folder = cache_dir()
    if args.clear and folder.exists():
        shutil.rmtree(folder)
        print(f"cleared {folder}")
    else:
        count = len(list(folder.glob("nu_kernel_*.py"))) if folder.exists() else 0
        print(f"{folder} ({count} kernels)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="neurounits", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"neurounits {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="simulate a small LIF population and summarise it")
    demo.add_argument("--n", type=int, default=100, help="number of neurons (default 100)")
    demo.add_argument("--duration", default="200 ms", help="simulated time (default '200 ms')")
    demo.add_argument("--dt", default="0.1 ms", help="time step (default '0.1 ms')")
    demo.add_argument("--tau-m", dest="tau_m", default="10 ms", help="membrane time constant")
    demo.add_argument("--current-min", default="0.1 nA", help="smallest input current")
    demo.add_argument("--current-max", default="0.4 nA", help="largest input current")
    demo.add_argument("--plot", metavar="FILE", help="write a PNG of traces and spike raster")
    demo.set_defaults(func=_demo)
    sub.add_parser("models", help="list the library models").set_defaults(func=_models)
    cache = sub.add_parser("cache", help="show or clear the kernel cache")
    cache.add_argument("--clear", action="store_true")
    cache.set_defaults(func=_cache)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except NeurounitsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
