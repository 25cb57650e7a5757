"""The kernel's one argument list: :meth:`KernelSpec.argnames` is THE definition of its order.

Kernel arguments, in order::

    n_steps, dt, j0, rec_every, spk_cap,
    X_<state>...        (float64[n], updated in place)
    P_<parameter>...    (float64[n])
    U_<input>, IX_<input>...  (float64[rows, 1 or n], int64[<= n_steps]: row of each step; the last
                               entry holds for the steps after it)
    REF, REFSTEPS       (int64[n], only with a refractory period)
    EVS_<r>, EVN_<r>, EVW_<r>, B_<r>  (per receptor: spike steps, neurons (-1: all), weights, buffer)
    HSTEP, ATOL, RTOL, hmin, maxsub   (adaptive kernels only)
    SEED, GID; RS or RW, RV           (white noise; rate inputs)
    CNT, FIRST, LAST    (int32 or int64[n], only in count-only mode: spike count, step of first/last spike)
    REC                 (float64[n_record, n_samples, n]; count-only: [n_record, 1, n], sums)

The global step of local step j is j0 + j: time t = (j0 + j) * dt, noise draws are keyed by
j0 + j, and a sample is recorded after local step j when (j0 + j + 1) % rec_every == 0.  A kernel
returns ``(status, steps_done, n_spikes, spike_steps, spike_neurons, bad_variable, bad_neuron)``;
status 1: a state became NaN or infinite or diverged (its magnitude exceeded :data:`BOUND`),
2: adaptive step underflow, 3: too many sub-steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ..equations import ModelSpec
from ..integrators import Step

__all__ = ["BOUND", "DENSE", "KernelSpec", "all_derived_symbols", "derived_symbols", "noise_rate_args"]

# A state whose magnitude exceeds this (in internal units: mV, ms, pA, nS, ...) has diverged: the
# kernel stops as for NaN or inf (one comparison, |x| <= BOUND, is false for all three).
BOUND = 1e30


@dataclass(frozen=True)
class KernelSpec:
    """Everything structural about one kernel (the cache key is its generated source)."""

    spec: ModelSpec
    step: Step | None
    record: tuple[str, ...]
    per_neuron_inputs: tuple[str, ...]  # inputs that have a neuron axis
    control: str = "y"  # rkf45 error scale: "y" (|y|) or "yp" (h |dy/dt|), as GSL's controls
    # count-only mode (sweeps) when not empty: per-neuron accumulators CNT (spikes), REC[r, 0, i] (sum of
    # the recorded samples) and, if named here, FIRST/LAST ("first", "last": step of the first/last spike,
    # -1 if none), instead of a spike list and traces; e.g. ("count", "first")
    counts: tuple[str, ...] = ()
    uniform: tuple[str, ...] = ()  # parameters equal for every neuron (read once, P_<name>[0])
    # a network's step module: rate inputs arrive per neuron and step in RIN[channel, i] (the summed
    # weighted rates, or with nonlinear summation the sum of weight * phi(rate)), filled by the network
    network: bool = False

    @property
    def has_refractory(self) -> bool:
        return self.spec.refractory is not None

    @property
    def integ_step(self) -> Step:
        """The integrator's step, for code that only runs when the kernel integrates (not for a
        static model, whose ``step`` is None)."""
        if self.step is None:
            raise RuntimeError(f"internal error: the kernel of model {self.spec.name!r} has no integrator "
                               "step (a static model), but its code generation asked for one")
        return self.step

    @property
    def adaptive(self) -> bool:
        return self.step is not None and self.step.adaptive

    @property
    def has_threshold(self) -> bool:
        return self.spec.threshold is not None

    def argnames(self) -> list[str]:
        s = self.spec
        names = ["n_steps", "dt", "j0", "rec_every", "spk_cap"]
        names += [f"X_{k}" for k in s.states]
        names += [f"P_{k}" for k in s.parameters]
        for k in s.inputs:
            names += [f"U_{k}", f"IX_{k}"]
        if self.has_refractory:
            names += ["REF", "REFSTEPS"]
        for r in s.receptors:
            names += [f"EVS_{r}", f"EVN_{r}", f"EVW_{r}", f"B_{r}"]
        if self.adaptive:
            names += ["HSTEP", "ATOL", "RTOL", "hmin", "maxsub"]
        rate = noise_rate_args(s)
        if self.network and s.rate_channels:
            rate = [a for a in rate if a not in ("RS", "RW", "RV")] + ["RIN"]
        names += rate
        if self.counts:
            names += ["CNT", "FIRST", "LAST"]
        names.append("REC")
        return names

    def derived_names(self) -> list[str]:
        """The per-neuron constants of the integrator, D<symbol> (computed by the kernel's
        ``_derived`` and passed to its body after the arguments)."""
        return [f"D{sym.name}" for sym in derived_symbols(self)] if self.step is not None else []


#: the derived (n, k, k) stacks E and P of exact's dense form (D_DENSE_E, D_DENSE_P)
DENSE = (sympy.Symbol("_DENSE_E", real=True), sympy.Symbol("_DENSE_P", real=True))


def derived_symbols(ks: KernelSpec) -> list:
    """Per-neuron constants of the integrator that the step uses (derived entries, and the entries
    of exact's E and P that are not zero by structure); the system matrix M of exact is only an
    input of ``_derived`` (a model of k linear states would otherwise pass 3 k^2 arrays)."""
    step = ks.integ_step
    if step.dense is not None:  # M only enters _derived; the body gets E and P as (n, k, k) stacks
        in_m = set(step.dense[0].values())
        return [sym for sym, _ in step.derived if sym not in in_m] + list(DENSE)
    if step.expm is None:
        return [sym for sym, _ in step.derived]
    M, E, P = step.expm
    in_m = {sym for row in M for sym in row}
    used: set = set()
    for e in [e for _, e in step.statements] + list(step.new.values()):
        used |= e.free_symbols
    return ([sym for sym, _ in step.derived if sym not in in_m]
            + [sym for row in E + P for sym in row if sym in used])


def all_derived_symbols(ks: KernelSpec) -> list:
    """Every per-neuron constant ``_derived`` computes (M of exact included), in its order."""
    step = ks.integ_step
    out = [sym for sym, _ in step.derived]
    if step.expm is not None:
        _, E, P = step.expm
        out += [sym for row in E + P for sym in row]
    return out


def noise_rate_args(s: ModelSpec) -> list[str]:
    """Kernel arguments of white noise (seed, the index that keys each neuron's numbers) and of rate
    inputs (linear summation: RS[channel, step] = the summed weighted input; else RW[channel, input,
    step] the weights (0 where the input has not arrived yet) and RV[input, step] the rates)."""
    names = ["SEED", "GID"] if s.seeded else []
    if s.rate_channels:
        names += ["RS"] if s.rate_linear else ["RW", "RV"]
    return names
