"""Parsing, dimension analysis and analysis of linearity of model equations.

One concept per module: :mod:`.text` (lexing of equation blocks and
statements), :mod:`.parse` (one expression -> sympy, dimension-checked term by
term), :mod:`.functions`, :mod:`.spec` (:class:`ModelSpec`), :mod:`.builder`
(declarations -> ModelSpec), :mod:`.ports` (PortGroup expansion),
:mod:`.analysis` (linearity), :mod:`.model` (:class:`Model`) and :mod:`.speccache`
(checked structures kept on disk, so that a warm process needs no sympy).

Everything but :class:`Model` is imported on first use (sympy with it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .model import Model

if TYPE_CHECKING:
    from .analysis import classify, linear_system
    from .spec import DT, TIME, ModelSpec

__all__ = ["DT", "TIME", "Model", "ModelSpec", "classify", "linear_system"]

_LAZY = {"DT": ".spec", "TIME": ".spec", "ModelSpec": ".spec", "classify": ".analysis",
         "linear_system": ".analysis"}


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(where, __name__), name)
    globals()[name] = value
    return value
