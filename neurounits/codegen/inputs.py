"""Inputs of a step: input rows, rate inputs (their nonlinearity) and white-noise draws."""

from __future__ import annotations

from .abi import KernelSpec
from .emit import Lines, load_pairs, names, phi_code

__all__ = ["input_rows", "noise_draws", "noise_rate_setup", "rate_prepass", "rate_used", "rate_work"]


def input_rows(ks: KernelSpec, ind: int, L: Lines, step: str) -> None:
    """The inputs' values of step ``step`` (a row of U_<input> each, and the summed rate inputs)."""
    if ks.spec.rate_channels and ks.spec.rate_linear and not ks.network:
        for c in range(len(ks.spec.rate_channels)):
            L.add(ind, f"rs_{c} = RS[{c}, {step}]")
    for k in ks.spec.inputs:  # IX_<input> may stop early: its last row holds from there on
        row = f"IX_{k}[min({step}, IX_{k}.shape[0] - 1)]"
        if k in ks.per_neuron_inputs:
            L.add(ind, f"UR_{k} = U_{k}[{row}]")
        else:
            L.add(ind, f"us_{k} = U_{k}[{row}, 0]")


def noise_rate_setup(ks: KernelSpec, L: Lines) -> None:
    s = ks.spec
    if s.noise:
        L.add(1, "isdt_ = 1.0 / math.sqrt(dt)  # xi = N / sqrt(dt) during a step")


def rate_work(ks: KernelSpec) -> list[tuple[str, str]]:
    """Work arrays of rate inputs without linear summation: ACC_c, per channel."""
    s = ks.spec
    if not s.rate_channels or s.rate_linear or ks.network:
        return []
    return [(f"ACC_{c}", "np.zeros(n)") for c in range(len(s.rate_channels))]


def noise_draws(ks: KernelSpec, used: set[str], ind: int, L: Lines) -> None:
    """One standard normal per neuron, step and noise: a pure function of (seed, global neuron
    index, step, noise index), so results do not depend on the blocks or threads."""
    for k, name in enumerate(ks.spec.noise):
        if f"_n_{name}" in used:
            L.add(ind, f"_n_{name} = _rt.normal(SEED, GID[i], j0 + j, {k}) * isdt_")


def rate_used(ks: KernelSpec, used: set[str]) -> set[str]:
    """The parameters that the rate nonlinearity needs when a rate channel is used."""
    s = ks.spec
    if s.rate_linear and any(f"u_{k}" in used for k in s.rate_channels):
        return names([s.rate_phi])
    return set()


def rate_prepass(ks: KernelSpec, ind: int, L: Lines) -> None:
    """Without linear summation: ACC_c[i] = sum over inputs of weight * phi_i(rate), per neuron."""
    s = ks.spec
    if not s.rate_channels or s.rate_linear or ks.network:
        return
    nc = len(s.rate_channels)
    L.add(ind, "for i in range(n):")
    for c in range(nc):
        L.add(ind + 1, f"ACC_{c}[i] = 0.0")
    L.add(ind, "for q_ in range(RV.shape[0]):")
    L.add(ind + 1, "rv_ = RV[q_, j]")
    for c in range(nc):
        L.add(ind + 1, f"rw_{c} = RW[{c}, q_, j]")
    L.add(ind + 1, "for i in range(n):")
    for name, src, _ in load_pairs(ks, {n for n in names([s.rate_phi]) if n.startswith("p_")}, states=False):
        L.add(ind + 2, f"{name} = {src}")
    L.add(ind + 2, f"ph_ = {phi_code(ks, 'rv_')}")
    for c in range(nc):
        L.add(ind + 2, f"ACC_{c}[i] += rw_{c} * ph_")
