"""What the subcommands share: the user-mistake error, quantity options, finding a model by name."""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path
from typing import Any

from .. import models
from ..equations import Model
from ..errors import did_you_mean
from ..units import fmt_unit, parse_quantity, parse_unit, unit_hint

__all__ = [
    "RUN_NAME",
    "CliError",
    "check_writable",
    "load_file",
    "model_names",
    "parse_assignments",
    "quantity",
    "resolve_model",
]

RUN_NAME = "__neurounits__"  # the __name__ a file loaded by the command runs under (not "__main__")


class CliError(Exception):
    """A mistake in the command line: printed as one line on stderr, exit status 2."""


def quantity(option: str, text: str, unit: str) -> Any:
    """The value of ``option`` (e.g. ``"0.3 nA"``), checked to have the dimension of ``unit``."""
    try:
        q = parse_quantity(text)
    except Exception as exc:  # pint's parse errors come in many types
        raise CliError(
            f"{option}: cannot read {text!r} as a quantity ({exc}); "
            f"write a number and a unit, e.g. '1 {unit}'"
        ) from None
    expected = parse_unit(unit)
    if q.dimensionality != expected.dimensionality:
        raise CliError(
            f"{option}: expected a value in {unit}, got {text!r} ({fmt_unit(q.units)}); "
            f"{unit_hint(expected, q.units)}"
        )
    return q


def parse_assignments(option: str, items: list[str] | None) -> dict[str, str]:
    """``["tau_m=12ms", "I=0.3 nA"]`` -> ``{"tau_m": "12ms", "I": "0.3 nA"}``."""
    out: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise CliError(f"{option}: expected NAME=VALUE (e.g. {option} tau_m=12ms), got {item!r}")
        out[name.strip()] = value.strip()
    return out


def model_names() -> list[str]:
    """The names of the library models without importing any (the packages' ``__all__``)."""
    names = [n for n in models.__all__ if n not in ("nest", "NONLINEARITIES")]
    return names + [f"nest.{n}" for n in models.nest.__all__]


def resolve_model(name: str) -> type[Model]:
    """A library model (``LIF``, ``nest.iaf_psc_exp`` or just ``iaf_psc_exp``) or a class in a
    file (``path/to/file.py:ClassName``)."""
    if ":" in name:
        path, _, cls_name = name.rpartition(":")
        return _model_in_file(path, cls_name)
    names = model_names()
    if name in names or f"nest.{name}" in names:
        full = name if name in names else f"nest.{name}"
        package = models.nest if full.startswith("nest.") else models
        return getattr(package, full.removeprefix("nest."))
    raise CliError(
        f"unknown model '{name}'.{did_you_mean(name, names)} "
        "'neurounits models' lists the library models; a model of your own is FILE.py:CLASS"
    )


def load_file(path: str) -> dict[str, Any]:
    """Execute the Python file ``path`` (not as ``__main__``) and return its namespace."""
    file = Path(path)
    if not file.is_file():
        what = "is a folder, not a file" if file.is_dir() else "does not exist"
        raise CliError(f"{path} {what}")
    folder = str(file.resolve().parent)
    sys.path.insert(0, folder)  # so the file can import its neighbours
    argv, sys.argv = sys.argv, [str(file)]  # as `python FILE` would see it: no arguments
    try:
        return runpy.run_path(str(file), run_name=RUN_NAME)
    finally:
        sys.argv = argv
        if folder in sys.path:
            sys.path.remove(folder)


def _model_in_file(path: str, cls_name: str) -> type[Model]:
    namespace = load_file(path)
    found = {
        k: v for k, v in namespace.items() if isinstance(v, type) and issubclass(v, Model) and v is not Model
    }
    if cls_name not in found:
        tip = did_you_mean(cls_name, found) or (
            f" Models in it: {', '.join(found)}." if found else " It declares no nu.Model subclass."
        )
        raise CliError(f"{path} has no model class '{cls_name}'.{tip}")
    return found[cls_name]


def check_writable(option: str, path: str | None) -> None:
    """Refuse, before any work, an output path whose folder does not exist or cannot be written."""
    if path is None:
        return
    folder = Path(path).expanduser().parent
    if not folder.is_dir():
        raise CliError(f"{option}: cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or Path(path).is_dir():
        reason = "is a folder" if Path(path).is_dir() else f"the folder {folder} is not writable"
        raise CliError(f"{option}: cannot write {path}: {reason}")
