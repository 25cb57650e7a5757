"""Parsing, dimension analysis and analysis of linearity of model equations."""

from .analysis import classify, linear_system
from .model import DT, TIME, Model, ModelSpec

__all__ = ["DT", "TIME", "Model", "ModelSpec", "classify", "linear_system"]
