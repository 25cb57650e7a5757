"""``neurounits demo``: simulate a small LIF population and summarise it, with units."""

from __future__ import annotations

import argparse
import time

import numpy as np

from .. import __version__, models, simulate
from ..units import Q_
from .common import check_writable, quantity
from .figure import save_figure

__all__ = ["add_parser", "positive_int"]


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {value}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    demo = sub.add_parser(
        "demo",
        help="simulate a small LIF population and summarise it",
        description="Simulate a population of LIF neurons driven by currents from "
        "--current-min to --current-max and print a summary with units.",
    )
    demo.add_argument("--n", type=positive_int, default=100, help="number of neurons (default 100)")
    demo.add_argument("--duration", default="200 ms", help="simulated time (default '200 ms')")
    demo.add_argument("--dt", default="0.1 ms", help="time step (default '0.1 ms')")
    demo.add_argument("--tau-m", dest="tau_m", default="10 ms", help="membrane time constant")
    demo.add_argument("--current-min", default="0.1 nA", help="smallest input current (default '0.1 nA')")
    demo.add_argument("--current-max", default="0.4 nA", help="largest input current (default '0.4 nA')")
    demo.add_argument("--plot", metavar="FILE", help="write a PNG of traces and spike raster")
    demo.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    n = args.n
    lo = quantity("--current-min", args.current_min, "nA")
    hi = quantity("--current-max", args.current_max, "nA")
    check_writable("--plot", args.plot)
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
        save_figure(res, args.plot, labels=[f"I = {c:~.3g}" for c in currents])
        print(f"wrote {args.plot}")
    return 0
