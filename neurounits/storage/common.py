"""What every file of :mod:`neurounits.storage` shares: the format's number and header, units and
Quantities as text and JSON that read back exactly, the check of a file's kind and format, and the
import of the optional packages with a message that says what to install."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from ..errors import FileFormatError, MissingDependencyError
from ..units import Q_, fmt_unit, parse_quantity, parse_unit  # noqa: F401 (parse_quantity: a doctest)

FORMAT = 1
KIND = "neurounits_kind"
#: names of a results Dataset that are not recorded variables
RESERVED = ("time", "neuron", "spike", "spike_times", "spike_indices")
_PIP = {
    "io": "pip install 'neurounits[io]'",
    "parquet": "pip install 'neurounits[parquet]'",
    "plot": "pip install 'neurounits[plot]'",
}


# ------------------------------------------------------------------------------------------- helpers
def require(module: str, feature: str, extra: str = "io") -> Any:
    """Import the optional ``module`` that ``feature`` needs, or raise a MissingDependencyError that
    says what to install.

    >>> require("no_such_module_xyz", "Results.save()")
    Traceback (most recent call last):
    ...
    neurounits.errors.MissingDependencyError: Results.save() needs no_such_module_xyz, which is not \
installed: pip install 'neurounits[io]'
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f"{feature} needs {module.split('.')[0]}, which is not installed: {_PIP[extra]}"
        ) from exc


def unit_text(unit: Any) -> str:
    """A unit as text that parses back to the same unit: short ("mV", "1/ms") where that round-trips,
    pint's long name otherwise; ``""`` for dimensionless.

    >>> unit_text(Q_(1, "mV/ms").units), unit_text(Q_(1, "").units), unit_text(Q_(1, "mV**2").units)
    ('mV/ms', '', 'mV**2')
    """
    if isinstance(unit, str):
        unit = parse_unit(unit)
    text = fmt_unit(unit)
    if text == "1":
        return ""
    try:
        if parse_unit(text) == unit:
            return text
    except Exception:  # pint's parse errors come in many types
        pass
    return str(unit)


def quantity_text(q: Any) -> str:
    """A scalar Quantity as text that reads back exactly: ``"0.1 ms"``.

    >>> quantity_text(Q_(0.1, "ms")), bool(parse_quantity(quantity_text(Q_(0.1, "ms"))) == Q_(0.1, "ms"))
    ('0.1 ms', True)
    """
    return f"{float(q.magnitude)!r} {unit_text(q.units)}".strip()


def _quantity_json(q: Any) -> dict[str, Any]:
    return {"value": np.asarray(q.magnitude).tolist(), "units": unit_text(q.units)}


def _quantity_from_json(d: dict[str, Any]) -> Any:
    v = d["value"]
    return Q_(np.asarray(v) if isinstance(v, list) else v, d["units"] or "")


def _xarray(feature: str) -> Any:
    """xarray.  pint-xarray (for ``ds.pint.quantify()``) is not imported here: importing it turns on
    ``force_ndarray_like`` in the application registry (neurounits' own, when neurounits took its
    place), after which every scalar Quantity holds a 0-d array; a user who imports it opts in."""
    return require("xarray", feature)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("neurounits")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


def _header(kind: str) -> dict[str, Any]:
    return {KIND: kind, "neurounits_format": FORMAT, "neurounits_version": _version()}


def _var(dims: tuple[str, ...], values: Any, unit: Any = None) -> tuple:
    attrs = {} if unit is None else {"units": unit_text(unit)}
    return dims, np.asarray(values), attrs


def _quantity(da: Any) -> Any:
    return Q_(da.values, da.attrs.get("units", "") or "")


def _check_kind(attrs: Any, kind: str, where: str) -> None:
    got = attrs.get(KIND)
    if got is None:
        raise FileFormatError(f"{where} is not a neurounits result (no '{KIND}' attribute)")
    if got != kind:
        raise FileFormatError(f"{where} holds neurounits {got!r}, not {kind!r}")
    fmt = int(attrs.get("neurounits_format", 0))
    if fmt > FORMAT:
        raise FileFormatError(
            f"{where} was written in format {fmt} by neurounits "
            f"{attrs.get('neurounits_version')}; this version reads format {FORMAT} "
            "and older: upgrade neurounits"
        )
