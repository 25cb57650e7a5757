"""Random-number sites of resets and ``after_step`` statements in the kernel (see
:mod:`neurounits.equations.randomness`): one draw per neuron, step and site, a pure function of
(seed, site, the neuron's global index, step) like the white noise's, so runs do not depend on the
blocks or threads."""

from __future__ import annotations

from ..equations.randomness import SITE_KEY, random_symbol
from .abi import KernelSpec
from .emit import Lines, names
from .printer import to_code

__all__ = ["random_draws", "random_used"]


def random_used(ks: KernelSpec, used: set[str]) -> set[str]:
    """The names the means of the Poisson sites in ``used`` need."""
    lams = [lam for s, (kind, lam) in enumerate(ks.spec.random)
            if kind == "poisson" and random_symbol(s).name in used]
    return names(lams) if lams else set()


def random_draws(ks: KernelSpec, used: set[str], ind: int, L: Lines) -> None:
    """``_rnd<s> = ...`` for every site s in ``used``, for neuron i in step j0 + j."""
    for s, (kind, lam) in enumerate(ks.spec.random):
        name = random_symbol(s).name
        if name not in used:
            continue
        k = SITE_KEY + s
        if kind == "rand":
            L.add(ind, f"{name} = _rt.uniform(SEED, GID[i], j0 + j, {k})")
        elif kind == "randn":
            L.add(ind, f"{name} = _rt.normal(SEED, GID[i], j0 + j, {k})")
        else:
            L.add(ind, f"lam{name} = _rt.max2({to_code(lam)}, 0.0)")
            L.add(ind, f"{name} = float(_rt.poisson(lam{name}, math.exp(-_rt.min2(lam{name}, 16.0)), "
                       f"SEED ^ np.uint64({k}), GID[i], j0 + j))")
