"""``neurounits models [NAME]``: the library models with their parameters, units and defaults."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from ..units import fmt_unit
from .common import model_names, resolve_model

__all__ = ["add_parser"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "models",
        help="list the library models (NEST's included) and their parameters",
        description="List every library model with its parameters (unit, default, "
        "meaning); with NAME, show one model in detail.",
    )
    p.add_argument(
        "name", nargs="?", metavar="NAME", help="one model: LIF, nest.iaf_psc_exp, ... or FILE.py:CLASS"
    )
    p.add_argument("--names", action="store_true", help="print only the names, one per line")
    p.set_defaults(func=run_models)


def run_models(args: argparse.Namespace) -> int:
    if args.name:
        print(detail(args.name, resolve_model(args.name)))
        return 0
    for name in model_names():
        if args.names:
            print(name)
            continue
        cls = resolve_model(name)
        print(f"{name}: {_first_line(cls)}")
        table = cls.parameter_table()
        if table:
            print(textwrap.indent(table, "    "))
    return 0


def _first_line(cls: type) -> str:
    lines = (cls.__doc__ or "").strip().splitlines()
    return lines[0] if lines else ""


def detail(name: str, cls: Any) -> str:
    """One model: its description, parameters, states, inputs and equations."""
    model = cls()
    out = [f"{name}: {_first_line(cls)}", ""]
    doc = textwrap.dedent("\n".join((cls.__doc__ or "").strip().splitlines()[1:])).strip()
    if doc:
        out += [doc, ""]
    out += ["parameters (name, unit, default, meaning):", textwrap.indent(cls.parameter_table() or "-", "  ")]
    out.append("states: " + (", ".join(f"{k} [{fmt_unit(u)}]" for k, u in model.states.items()) or "-"))
    out.append("inputs: " + (", ".join(f"{k} [{fmt_unit(u)}]" for k, u in model.inputs.items()) or "-"))
    for attr in ("equations", "threshold", "reset", "refractory"):
        text = getattr(cls, attr, None)
        if text:
            out.append(
                f"{attr}:"
                + (
                    "\n" + textwrap.indent(textwrap.dedent(text).strip(), "  ")
                    if "\n" in str(text).strip()
                    else f" {text}"
                )
            )
    return "\n".join(out)
