"""neurounits: unit-safe neuron models, checked when declared, compiled with Numba.

>>> import neurounits as nu
>>> lif = nu.models.LIF(n=10)
>>> res = nu.simulate(lif, "20 ms", "0.1 ms", inputs={"I": "0.3 nA"})
>>> res["V"].units
<Unit('millivolt')>

``import neurounits`` loads the units (pint), the errors and the declaration types only; the rest
(``Model`` and sympy, ``simulate``, ``Network``, ``sweep``, ``dist``, ``plot``, ``load``, ...) is
imported on first use (PEP 562), so a script pays only for what it uses.  numba is imported when
the first kernel is loaded.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from . import models
from .errors import (
    CacheWarning,
    EquationError,
    ExportError,
    FileFormatError,
    IntegratorError,
    MissingDependencyError,
    MissingFileError,
    NeurounitsError,
    NeurounitsWarning,
    ParameterError,
    RunInterrupted,
    SimulationError,
    StabilityWarning,
)
from .parameters import Input, Option, Parameter, PortGroup, Receptor, State
from .units import Q_, DimensionError, Quantity, ureg

if TYPE_CHECKING:  # what the names below resolve to, for type checkers and IDEs
    from . import dist, export, plot
    from .equations import Model
    from .equations.derived import Derived
    from .equations.userfunctions import function
    from .loading import load
    from .network import Network, sources, synapses
    from .network import connectivity as conn
    from .simulation import (
        Features,
        RateInput,
        Results,
        Simulation,
        SpikeInput,
        Spikes,
        TimedArray,
        check_dt,
        simulate,
    )
    from .sweeps import Sweep, fi_curve, sweep

__version__ = "0.1.0"

# name -> (module, attribute); attribute None: the module itself
_LAZY: dict[str, tuple[str, str | None]] = {
    "Model": (".equations", "Model"),
    "function": (".equations.userfunctions", "function"),
    "Derived": (".equations.derived", "Derived"),
    "Features": (".simulation", "Features"),
    "RateInput": (".simulation", "RateInput"),
    "Results": (".simulation", "Results"),
    "Simulation": (".simulation", "Simulation"),
    "SpikeInput": (".simulation", "SpikeInput"),
    "Spikes": (".simulation", "Spikes"),
    "TimedArray": (".simulation", "TimedArray"),
    "simulate": (".simulation", "simulate"),
    "check_dt": (".simulation", "check_dt"),
    "export": (".export", None),
    "Network": (".network", "Network"),
    "sources": (".network.sources", None),
    "conn": (".network.connectivity", None),
    "synapses": (".network.synapses", None),
    "Sweep": (".sweeps", "Sweep"),
    "fi_curve": (".sweeps", "fi_curve"),
    "sweep": (".sweeps", "sweep"),
    "load": (".loading", "load"),
    "dist": (".dist", None),
    "plot": (".plot", None),
}

__all__ = [
    "Q_",
    "CacheWarning",
    "Derived",
    "DimensionError",
    "EquationError",
    "ExportError",
    "Features",
    "FileFormatError",
    "Input",
    "IntegratorError",
    "MissingDependencyError",
    "MissingFileError",
    "Model",
    "Network",
    "NeurounitsError",
    "NeurounitsWarning",
    "Option",
    "Parameter",
    "ParameterError",
    "PortGroup",
    "Quantity",
    "RateInput",
    "Receptor",
    "Results",
    "RunInterrupted",
    "Simulation",
    "SimulationError",
    "SpikeInput",
    "Spikes",
    "StabilityWarning",
    "State",
    "Sweep",
    "TimedArray",
    "check_dt",
    "conn",
    "dist",
    "export",
    "fi_curve",
    "function",
    "load",
    "models",
    "plot",
    "simulate",
    "sources",
    "sweep",
    "synapses",
    "ureg",
]


def __getattr__(name: str) -> Any:
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'neurounits' has no attribute {name!r}")
    module = importlib.import_module(where[0], __name__)
    value = module if where[1] is None else getattr(module, where[1])
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
