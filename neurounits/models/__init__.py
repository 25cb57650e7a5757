"""The model library: declarations only (a model never calls ``simulate``)."""

from .lif import LIF
from .rate import NONLINEARITIES, LeakyRate, Perceptron, RateNeuron

__all__ = ["LIF", "NONLINEARITIES", "LeakyRate", "Perceptron", "RateNeuron"]
