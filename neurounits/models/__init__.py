"""The model library: declarations only (a model never calls ``simulate``).

Models are imported (and so declared and checked) on first use, e.g.
``nu.models.LIF``, which keeps ``import neurounits`` fast.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "LIF": "lif",
    "Perceptron": "rate", "RateNeuron": "rate", "LeakyRate": "rate", "NONLINEARITIES": "rate",
    "Izhikevich": "izhikevich", "IzhikevichRef": "izhikevich",
    "QuaIF": "quadratic", "AdQuaIF": "quadratic", "AdQuaIFRef": "quadratic",
    "ExpIF": "expif", "AdEx": "expif",
    "HodgkinHuxley": "hodgkin_huxley",
    "CobaLIF": "benchmark", "CubaLIF": "benchmark",
}

__all__ = [
    "LIF",
    "NONLINEARITIES",
    "AdEx",
    "AdQuaIF",
    "AdQuaIFRef",
    "CobaLIF",
    "CubaLIF",
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


def __getattr__(name: str) -> Any:
    if name == "nest":
        return importlib.import_module(".nest", __name__)
    if name in _WHERE:
        model = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = model
        return model
    raise AttributeError(f"module 'neurounits.models' has no model {name!r}; available: {', '.join(__all__)}")


def __dir__() -> list[str]:
    return sorted(__all__)
