"""Parsing, dimension analysis and analysis of linearity of model equations.

One concept per module: :mod:`.text` (lexing of equation blocks and
statements), :mod:`.parse` (one expression -> sympy, dimension-checked term by
term), :mod:`.functions`, :mod:`.spec` (:class:`ModelSpec`), :mod:`.builder`
(declarations -> ModelSpec), :mod:`.ports` (PortGroup expansion),
:mod:`.analysis` (linearity) and :mod:`.model` (:class:`Model`).
"""

from .analysis import classify, linear_system
from .model import Model
from .spec import DT, TIME, ModelSpec

__all__ = ["DT", "TIME", "Model", "ModelSpec", "classify", "linear_system"]
