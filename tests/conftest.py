"""Shared lists to parametrise over: the integrators and the library models.

The lists are built from the public registries (``neurounits.integrators.INTEGRATORS``,
``nu.models.__all__``, ``nu.models.nest.__all__``), so a new integrator or library model is
covered by every test that uses them; tests/test_conftest.py checks that each one has what the
parametrised tests need (a drive for a model, a measured order for an integrator).

Import the constants with ``from conftest import ...`` (pytest puts this folder on
``sys.path``), or request the parametrised fixtures ``fixed_step_method``,
``stochastic_method``, ``adaptive_method``, ``tableau_method`` and ``library_model``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pytest

import neurounits as nu
from neurounits.integrators import INTEGRATORS

# --------------------------------------------------------------------------- integrators
#: deterministic methods that advance by whole steps of dt (``update`` is the model's own step)
FIXED_STEP_METHODS: tuple[str, ...] = tuple(
    name for name, integ in INTEGRATORS.items()
    if not integ.stochastic and not integ.adaptive and name != "update")
#: methods for white noise (``xi``)
STOCHASTIC_METHODS: tuple[str, ...] = tuple(name for name, integ in INTEGRATORS.items() if integ.stochastic)
#: error-controlled sub-steps inside each dt
ADAPTIVE_METHODS: tuple[str, ...] = tuple(name for name, integ in INTEGRATORS.items() if integ.adaptive)
RKF45 = "rkf45"
#: every deterministic method a user can name (the ones that refuse noisy models)
DETERMINISTIC_METHODS: tuple[str, ...] = FIXED_STEP_METHODS + ADAPTIVE_METHODS
#: methods given by a Butcher tableau (``c``, ``A``, ``b``; ``b_embedded`` for an error estimate)
TABLEAU_METHODS: tuple[str, ...] = tuple(
    name for name, integ in INTEGRATORS.items() if all(hasattr(integ, a) for a in ("c", "A", "b")))


@pytest.fixture(params=FIXED_STEP_METHODS)
def fixed_step_method(request) -> str:
    return request.param


@pytest.fixture(params=STOCHASTIC_METHODS)
def stochastic_method(request) -> str:
    return request.param


@pytest.fixture(params=ADAPTIVE_METHODS)
def adaptive_method(request) -> str:
    return request.param


@pytest.fixture(params=TABLEAU_METHODS)
def tableau_method(request) -> str:
    return request.param


# --------------------------------------------------------------------------- library models
@dataclass(frozen=True)
class LibraryModel:
    """A library model with a way to construct it and to drive it.

    ``kwargs`` are constructor values that set up the drive (NEST's ``I_e``, a rate model's
    ``mu``), ``inputs`` what ``simulate`` gets; driven this way for ``duration`` at ``dt`` a
    spiking model fires at least twice, and a rate model's ``observe`` moves away from its
    undriven value.
    """

    name: str  # as in nu.models (NEST models: "nest.<name>")
    cls: type
    kind: str  # "spiking" or "rate"
    observe: str  # a recordable name that shows the response
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    dt: str = "0.1 ms"
    duration: str = "100 ms"

    def make(self, n: int = 1, driven: bool = True, **values: Any) -> nu.Model:
        """The model with ``n`` neurons (driven: with ``kwargs``), ``values`` overriding."""
        return self.cls(n=n, **{**(self.kwargs if driven else {}), **values})

    def drive(self, n: int = 1, driven: bool = True, **simulate_kw: Any) -> nu.Results:
        """Simulate the model driven (or not) for ``duration``."""
        kw: dict[str, Any] = {"inputs": dict(self.inputs) if driven else {}, "seed": 0, **simulate_kw}
        return nu.simulate(self.make(n, driven), self.duration, self.dt, **kw)


def _spiking(name: str, cls: type, observe: str = "V", **kw: Any) -> LibraryModel:
    return LibraryModel(name, cls, "spiking", observe, **kw)


def _library() -> dict[str, LibraryModel]:
    M, N = nu.models, nu.models.nest
    out = [
        _spiking("LIF", M.LIF, inputs={"I": "300 pA"}),
        _spiking("Izhikevich", M.Izhikevich, inputs={"I": "10 mV/ms"}),
        _spiking("IzhikevichRef", M.IzhikevichRef, inputs={"I": "10 mV/ms"}),
        _spiking("QuaIF", M.QuaIF, inputs={"I": "20 mA"}, dt="0.05 ms"),
        _spiking("AdQuaIF", M.AdQuaIF, inputs={"I": "30 mA"}, dt="0.05 ms"),
        _spiking("AdQuaIFRef", M.AdQuaIFRef, inputs={"I": "30 mA"}, dt="0.05 ms"),
        _spiking("ExpIF", M.ExpIF, inputs={"I": "1 nA"}, dt="0.05 ms"),
        _spiking("AdEx", M.AdEx, inputs={"I": "1 nA"}, dt="0.05 ms"),
        _spiking("HodgkinHuxley", M.HodgkinHuxley, inputs={"I": "10 uA/cm**2"}, dt="0.01 ms"),
        _spiking("CobaLIF", M.CobaLIF, inputs={"I": "300 pA"}),
        _spiking("CubaLIF", M.CubaLIF, inputs={"I": "15 mV"}),
        LibraryModel("Perceptron", M.Perceptron, "rate", "y", inputs={"x": 0.5}, kwargs={"b": -0.1},
                     duration="1 ms"),
        LibraryModel("RateNeuron", M.RateNeuron, "rate", "r", inputs={"x": 0.5}, duration="1 ms"),
        LibraryModel("LeakyRate", M.LeakyRate, "rate", "r", inputs={"I": 1.0}, duration="50 ms"),
        _spiking("nest.iaf_psc_exp", N.iaf_psc_exp, "V_m", kwargs={"I_e": "500 pA"}),
        _spiking("nest.iaf_psc_delta", N.iaf_psc_delta, "V_m", kwargs={"I_e": "500 pA"}),
        _spiking("nest.iaf_cond_exp", N.iaf_cond_exp, "V_m", kwargs={"I_e": "500 pA"}),
        _spiking("nest.aeif_cond_alpha", N.aeif_cond_alpha, "V_m", kwargs={"I_e": "800 pA"}),
        _spiking("nest.hh_psc_alpha", N.hh_psc_alpha, "V_m", kwargs={"I_e": "700 pA"}),
        _spiking("nest.izhikevich", N.izhikevich, "V_m", kwargs={"I_e": "10 pA"}),
        _spiking("nest.iaf_bw_2001", N.iaf_bw_2001, "V_m", kwargs={"I_e": "500 pA"}),
        _spiking("nest.iaf_bw_2001_exact", N.iaf_bw_2001_exact, "V_m", kwargs={"I_e": "500 pA"}),
    ]
    for rate in ("lin_rate_ipn", "sigmoid_rate_ipn", "tanh_rate_ipn", "threshold_lin_rate_ipn"):
        out.append(LibraryModel(f"nest.{rate}", getattr(N, rate), "rate", "rate",
                                kwargs={"mu": 0.5, "sigma": 0.0}, duration="50 ms"))
    return {m.name: m for m in out}


#: every library model (nu.models and nu.models.nest), by name
LIBRARY: dict[str, LibraryModel] = _library()
SPIKING_MODELS = tuple(k for k, m in LIBRARY.items() if m.kind == "spiking")
RATE_MODELS = tuple(k for k, m in LIBRARY.items() if m.kind == "rate")


@pytest.fixture(params=list(LIBRARY))
def library_model(request) -> LibraryModel:
    return LIBRARY[request.param]


def library_classes() -> dict[str, type]:
    """Every model class that ``nu.models`` and ``nu.models.nest`` export, by name."""
    out: dict[str, type] = {}
    for prefix, module in (("", nu.models), ("nest.", nu.models.nest)):
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, type) and issubclass(obj, nu.Model):
                out[prefix + name] = obj
    return out


# --------------------------------------------------------------------------- model structure
_CHOICES = re.compile(r"option '(\w+)': expected one of (\[.*?\]), got")


def option_choices(cls: type) -> dict[str, list]:
    """A model class's options and their allowed values, from public behaviour only: the names
    and defaults from ``cls().options``, the choices from the error an unknown choice raises."""
    defaults = cls().options
    if not defaults:
        return {}
    with pytest.raises(nu.ParameterError) as info:
        cls(**{k: "<no such choice>" for k in defaults})
    found = {m[0]: ast.literal_eval(m[1]) for m in _CHOICES.findall(str(info.value))}
    assert set(found) == set(defaults), (found, defaults)
    return found


def parameter_units(cls: type) -> dict[str, Any]:
    """Parameter name -> declared unit, for the default options."""
    return {k: p.unit for k, p in cls().spec.parameters.items()}


# --------------------------------------------------------------------------- progress bars
class FakeBar:
    """A progress bar that keeps what it is told (``made``: every bar made; clear it first), for
    ``monkeypatch.setattr("<module>.make_bar", FakeBar)``."""

    made: ClassVar[list[FakeBar]] = []

    def __init__(self, total, desc):
        self.total, self.desc, self.updates, self.closed = total, desc, [], False
        FakeBar.made.append(self)

    def update(self, n):
        self.updates.append(n)

    def close(self):
        self.closed = True


# --------------------------------------------------------------------------- network runs
def assert_same_network_runs(a: Any, b: Any) -> None:
    """Every spike, trace and state of two network simulations (``nu.Simulation(net, ...)``): the
    same bits."""
    ra, rb = a.results, b.results
    for name in ra:
        sa, sb = ra[name].spikes, rb[name].spikes
        np.testing.assert_array_equal(sa.times.magnitude, sb.times.magnitude)
        np.testing.assert_array_equal(sa.indices, sb.indices)
        assert sorted(ra[name].traces) == sorted(rb[name].traces)
        for k in ra[name].traces:
            np.testing.assert_array_equal(ra[name][k].magnitude, rb[name][k].magnitude, err_msg=f"{name}.{k}")
    for name, states in a.state.items():
        for k, v in states.items():
            np.testing.assert_array_equal(v.magnitude, b.state[name][k].magnitude, err_msg=f"{name}.{k}")
