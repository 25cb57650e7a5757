"""The shared lists of tests/conftest.py: complete, and each entry usable as described."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import (
    ADAPTIVE_METHODS,
    DETERMINISTIC_METHODS,
    FIXED_STEP_METHODS,
    LIBRARY,
    RKF45,
    STOCHASTIC_METHODS,
    TABLEAU_METHODS,
    library_classes,
    option_choices,
)

import neurounits as nu
from neurounits.integrators import INTEGRATORS


@pytest.mark.no_jit
def test_method_lists_partition_the_registry():
    named = set(FIXED_STEP_METHODS) | set(STOCHASTIC_METHODS) | set(ADAPTIVE_METHODS) | {"update"}
    assert named == set(INTEGRATORS)
    assert len(named) == len(FIXED_STEP_METHODS) + len(STOCHASTIC_METHODS) + len(ADAPTIVE_METHODS) + 1
    assert {"euler", "rk2", "rk4", "exponential_euler", "exact"} <= set(FIXED_STEP_METHODS)
    assert set(STOCHASTIC_METHODS) == {"euler_maruyama", "stochastic_exponential_euler"}
    assert ADAPTIVE_METHODS == (RKF45,)
    assert set(DETERMINISTIC_METHODS) == set(FIXED_STEP_METHODS) | {RKF45}
    assert {"euler", "rk2", "rk4", "rkf45", "euler_maruyama"} <= set(TABLEAU_METHODS)


@pytest.mark.no_jit
def test_library_lists_every_exported_model():
    assert set(LIBRARY) == set(library_classes())
    for name, entry in LIBRARY.items():
        assert entry.cls is library_classes()[name]
        assert entry.observe in entry.make().spec.recordable(), name


@pytest.mark.no_jit
def test_option_choices_from_public_behaviour():
    assert option_choices(nu.models.LIF) == {}
    assert option_choices(nu.models.Izhikevich) == {"spk_reset": ["hard", "soft"]}
    assert option_choices(nu.models.RateNeuron) == {"nonlinearity": list(nu.models.NONLINEARITIES)}


@pytest.mark.parametrize("name", list(LIBRARY))
def test_each_library_model_responds_to_its_drive(name):
    entry = LIBRARY[name]
    driven = entry.drive(n=1, record=(entry.observe,))
    quiet = entry.drive(n=1, driven=False, record=(entry.observe,))
    x = driven[entry.observe].magnitude
    assert np.isfinite(x).all()
    if entry.kind == "spiking":
        assert driven.spike_counts[0] >= 2, driven.spike_counts
        assert quiet.spike_counts[0] == 0, quiet.spike_counts
    else:
        assert not np.allclose(x[-1], quiet[entry.observe].magnitude[-1])
