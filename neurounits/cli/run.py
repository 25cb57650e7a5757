"""``neurounits run MODEL``: simulate a library model or a model of your own and summarise it."""

from __future__ import annotations

import argparse
import time

from .. import simulate
from .common import CliError, check_writable, parse_assignments, quantity, resolve_model
from .demo import positive_int
from .figure import save_figure

__all__ = ["add_parser"]

EPILOG = """examples:
  neurounits run LIF --input I=0.3nA --duration 200ms
  neurounits run nest.iaf_psc_exp --set tau_m=12ms --input I=400pA --n 10 --plot run.png
  neurounits run my_models.py:AdEx --set a=2nS --record V,w --duration 1s
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="simulate a model and print a summary of the results",
        description="Simulate MODEL (a library model such as LIF or nest.iaf_psc_exp, or "
        "FILE.py:CLASS) and print a summary of the results with units.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", metavar="MODEL", help="LIF, nest.iaf_psc_exp, ... or path/to/file.py:ClassName")
    p.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        dest="params",
        help="a parameter value, e.g. --set tau_m=12ms (repeatable)",
    )
    p.add_argument(
        "--input",
        action="append",
        metavar="NAME=VALUE",
        dest="inputs",
        help="a constant input, e.g. --input I=0.3nA (repeatable)",
    )
    p.add_argument("--duration", default="100 ms", help="simulated time (default '100 ms')")
    p.add_argument("--dt", default="0.1 ms", help="time step (default '0.1 ms')")
    p.add_argument(
        "--record",
        action="append",
        metavar="NAME[,NAME...]",
        help="what to record (default: every state); --record none records only spikes",
    )
    p.add_argument("--n", type=positive_int, default=1, help="number of neurons (default 1)")
    p.add_argument("--method", help="integration method (default: chosen for the model)")
    p.add_argument("--seed", type=int, help="seed of a stochastic model's noise")
    p.add_argument("--plot", metavar="FILE", help="write a figure of traces and spike raster (PNG, SVG, PDF)")
    p.add_argument("--save", metavar="FILE", help="save the results with their units (e.g. out.nc)")
    p.add_argument(
        "--no-progress",
        dest="progress",
        action="store_const",
        const=False,
        default=None,
        help="never show a progress bar (by default one shows for long runs on a terminal)",
    )
    p.set_defaults(func=run_model)


def run_model(args: argparse.Namespace) -> int:
    params = parse_assignments("--set", args.params)
    inputs = parse_assignments("--input", args.inputs)
    quantity("--duration", args.duration, "ms")
    quantity("--dt", args.dt, "ms")
    record = _record(args.record)
    check_writable("--plot", args.plot)
    check_writable("--save", args.save)
    cls = resolve_model(args.model)
    model = cls(n=args.n, **params)
    t0 = time.perf_counter()
    res = simulate(
        model,
        args.duration,
        args.dt,
        inputs=inputs,
        record=record,
        method=args.method,
        seed=args.seed,
        progress=args.progress,
    )
    wall = time.perf_counter() - t0
    print(repr(model))
    print(res.summary())
    print(f"simulated in {wall:.3f} s wall (compilation included on the first run)")
    if args.plot:
        save_figure(res, args.plot)
        print(f"wrote {args.plot}")
    if args.save:
        try:
            res.save(args.save)
        except ImportError as exc:  # the io extra is missing: the message says what to install
            raise CliError(f"--save: {exc}") from None
        except OSError as exc:
            raise CliError(f"--save: cannot write {args.save}: {exc.strerror or exc}") from None
        print(f"wrote {args.save}")
    return 0


def _record(items: list[str] | None) -> tuple[str, ...] | None:
    """``--record V,w --record I_syn`` -> ("V", "w", "I_syn"); ``--record none`` -> (); none given -> None."""
    if not items:
        return None
    names = tuple(n.strip() for item in items for n in item.split(",") if n.strip())
    return () if names == ("none",) else names
