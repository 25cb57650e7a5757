"""Every parameter of every library model refuses wrong dimensions, NaN and inf; every constraint holds.

The models are the shared list of tests/conftest.py (everything ``nu.models`` and
``nu.models.nest`` export); every ``nu.Model`` subclass defined in a module of the
``neurounits.models`` package (including subpackages such as ``neurounits.models.nest``) is
discovered too and must be on that list, so models added later are covered automatically.
Only public names are used.  Nothing here compiles a kernel.
"""

from __future__ import annotations

import importlib
import inspect
import itertools
import pkgutil
import re

import numpy as np
import pytest
import sympy
from conftest import LIBRARY, option_choices, parameter_units

import neurounits as nu
from neurounits import Q_
from neurounits.units import to_internal

pytestmark = pytest.mark.no_jit

_VOLT = nu.ureg.mV.dimensionality


def _is_concrete(cls: type) -> bool:
    """A declared model (not a base class without equations) that is meant to be public."""
    return (not cls.__name__.startswith("_") and cls is not nu.Model
            and bool(cls.equations or cls.threshold or cls.update))


def discover_models() -> dict[str, type]:
    """Every concrete model class defined in a module of the ``neurounits.models`` package."""
    found: dict[str, type] = {}
    for info in pkgutil.walk_packages(nu.models.__path__, nu.models.__name__ + "."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (inspect.isclass(obj) and issubclass(obj, nu.Model) and _is_concrete(obj)
                    and obj.__module__.startswith(nu.models.__name__)):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return dict(sorted(found.items()))


MODELS = {k: m.cls for k, m in sorted(LIBRARY.items())}
UNITS = {k: parameter_units(cls) for k, cls in MODELS.items()}
PARAMS = [(key, p) for key, units in UNITS.items() for p in units]
CONSTRAINTS = [(key, text) for key, cls in MODELS.items() for text, _ in cls().spec.constraints]


def _unit(cls: type, name: str):
    return parameter_units(cls)[name]


def _wrong_dimension(unit) -> object:
    """A value of another dimension: mV, or ms for voltages (a dimensionless one gets mV)."""
    return Q_(1.0, "ms") if unit.dimensionality == _VOLT else Q_(1.0, "mV")


def test_discovery_finds_the_library():
    names = {cls.__name__ for cls in MODELS.values()}
    assert {"LIF", "Izhikevich", "IzhikevichRef", "QuaIF", "AdQuaIF", "AdQuaIFRef", "ExpIF", "AdEx",
            "HodgkinHuxley", "Perceptron", "RateNeuron", "LeakyRate"} <= names
    assert len(PARAMS) > 50
    # every model class defined in the package is on the shared list (so it is exported)
    missing = {k for k, cls in discover_models().items() if cls not in MODELS.values()}
    assert not missing, missing


@pytest.mark.parametrize("key", list(MODELS))
def test_every_option_combination_constructs_with_the_defaults(key):
    cls = MODELS[key]
    options = option_choices(cls)
    declared = set(UNITS[key])
    for combo in itertools.product(*options.values()):
        chosen = dict(zip(options, combo))
        model = cls(n=2, **chosen)
        assert model.options == chosen
        assert set(model.parameters) == declared
        for k, q in model.parameters.items():
            assert q.units == _unit(cls, k), k  # values come back in the declared unit
            assert np.isfinite(np.asarray(q.magnitude)).all(), k


@pytest.mark.parametrize("key, name", PARAMS, ids=[f"{k}.{p}" for k, p in PARAMS])
def test_wrong_dimension_raises_dimension_error_naming_the_parameter(key, name):
    cls = MODELS[key]
    bad = _wrong_dimension(_unit(cls, name))
    with pytest.raises(nu.DimensionError, match=f"parameter '{name}'") as info:
        cls(**{name: bad})
    assert isinstance(info.value, nu.NeurounitsError)
    # per-neuron arrays are checked the same way
    with pytest.raises(nu.DimensionError, match=f"parameter '{name}'"):
        cls(n=3, **{name: Q_(np.ones(3), bad.units)})


@pytest.mark.parametrize("key, name", PARAMS, ids=[f"{k}.{p}" for k, p in PARAMS])
@pytest.mark.parametrize("value, says", [(np.nan, "NaN"), (np.inf, "infinite"), (-np.inf, "infinite")])
def test_nan_and_inf_raise_parameter_error_naming_the_parameter(key, name, value, says):
    cls = MODELS[key]
    unit = _unit(cls, name)
    with pytest.raises(nu.ParameterError, match=f"parameter '{name}'") as info:
        cls(**{name: Q_(value, unit)})
    assert says in str(info.value)
    assert not isinstance(info.value, nu.DimensionError)
    # in one neuron of three: the message says which
    default = cls(n=1).parameters[name].magnitude
    values = Q_(np.array([default, value, default], dtype=float), unit)
    with pytest.raises(nu.ParameterError, match=f"parameter '{name}'.*neuron 1"):
        cls(n=3, **{name: values})


# ------------------------------------------------------------------------------ constraints
def _candidates(model, name: str, rel_names: list[str]) -> list:
    """Values for parameter `name` that may violate a constraint: the other parameters of the
    constraint in the same dimension (equality breaks a strict inequality), values around them,
    and values far from the current one on both sides."""
    unit = model.parameters[name].units
    here = float(np.asarray(model.parameters[name].magnitude))
    out = []
    for other in rel_names:
        q = model.parameters[other]
        if other != name and q.dimensionality == unit.dimensionality:
            v = float(np.asarray(q.to(unit).magnitude))
            out += [v, v - 1.0, v + 1.0, v - 10.0, v + 10.0, v * 0.5, v * 2.0]
    scale = max(abs(here), 1.0)
    out += [here + s * scale * f for f in (0.5, 2.0, 10.0, 100.0, 1e4) for s in (-1.0, 1.0)]
    out += [0.0, -here]
    return [Q_(v, unit) for v in dict.fromkeys(out)]


def _holds(model, rel, name: str | None = None, value=None) -> bool:
    """Whether the constraint holds for the model's values with `name` set to `value`."""
    values = {k: float(np.asarray(to_internal(q))) for k, q in model.parameters.items()}
    if name is not None:
        values[name] = float(np.asarray(to_internal(value.to(model.parameters[name].units))))
    syms = sorted(rel.free_symbols, key=lambda s: s.name)
    return bool(sympy.lambdify(syms, rel, modules="numpy")(*[values[s.name[2:]] for s in syms]))


@pytest.mark.parametrize("key, text", CONSTRAINTS, ids=[f"{k}: {t}" for k, t in CONSTRAINTS])
def test_each_constraint_is_enforced(key, text):
    cls = MODELS[key]
    model = cls()
    rel = dict(model.spec.constraints)[text]
    assert _holds(model, rel)  # the defaults satisfy it
    names = sorted(s.name[2:] for s in rel.free_symbols)
    tried = 0
    for name in names:
        for value in _candidates(model, name, names):
            if _holds(model, rel, name, value):
                continue
            tried += 1
            try:
                cls(**{name: value})
            except nu.ParameterError as exc:
                msg = str(exc)
                if f"constraint '{text}'" not in msg:
                    assert "must be" in msg  # the value broke a sign check first; try another
                    continue
                assert f"{name} = " in msg  # the message shows the values involved
                assert not isinstance(exc, nu.DimensionError)
                # per neuron: the neuron that violates it is named
                base = model.parameters[name].magnitude
                arr = Q_(np.array([base, value.magnitude, base], dtype=float), value.units)
                where = re.escape(f"constraint '{text}' is violated (neuron 1)")
                with pytest.raises(nu.ParameterError, match=where):
                    cls(n=3, **{name: arr})
                return
            pytest.fail(f"{key}: {name} = {value} violates '{text}' but was accepted")
    pytest.fail(f"{key}: found no value that violates '{text}' ({tried} tried)")
