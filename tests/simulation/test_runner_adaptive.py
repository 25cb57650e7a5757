"""The runner's list of adaptive methods (read without importing the integrators) is the registry's."""

from neurounits.integrators import INTEGRATORS
from neurounits.simulation.kernels import ADAPTIVE_METHODS


def test_adaptive_methods_are_the_registrys():
    assert set(ADAPTIVE_METHODS) == {name for name, integ in INTEGRATORS.items() if integ.adaptive}
