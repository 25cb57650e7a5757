"""Parsing, dimension analysis and analysis of linearity of model equations."""

from .analysis import classify, linear_system
from .model import DT, TIME, Model, ModelSpec

__all__ = ["Model", "ModelSpec", "classify", "linear_system", "TIME", "DT"]
