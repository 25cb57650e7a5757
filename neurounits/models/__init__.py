"""The model library: declarations only (a model never calls ``simulate``)."""

from . import nest
from .expif import AdEx, ExpIF
from .hodgkin_huxley import HodgkinHuxley
from .izhikevich import Izhikevich, IzhikevichRef
from .lif import LIF
from .quadratic import AdQuaIF, AdQuaIFRef, QuaIF
from .rate import NONLINEARITIES, LeakyRate, Perceptron, RateNeuron

__all__ = [
    "LIF",
    "NONLINEARITIES",
    "AdEx",
    "AdQuaIF",
    "AdQuaIFRef",
    "ExpIF",
    "HodgkinHuxley",
    "Izhikevich",
    "IzhikevichRef",
    "LeakyRate",
    "Perceptron",
    "QuaIF",
    "RateNeuron",
    "nest",
]
