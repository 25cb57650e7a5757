"""A network of NEST-compatible models as a standalone PyNEST script, or built in NEST in-process.

:func:`nest` writes ``run_net.py`` (NEST's model names, parameters in NEST's units, receptor
numbers, generators, recorders) and ``run_net_data.npz`` beside it (the realised synapses, per-neuron
values); the script saves what ``net.record`` asked for to ``run_net_results.npz``.  By default every
projection is connected with explicit arrays, the synapses neurounits drew, so that NEST and
neurounits simulate the same network; ``connectivity="rules"`` hands the rules that map onto NEST's
to NEST instead (NEST then draws its own synapses).  :func:`to_nest` runs the same generated code in
this process, with ``import nest``.

What is exported exactly (NEST 3.10): the models of ``nu.models.nest`` with their parameters, the
initial values NEST lets one set, constant inputs ``I`` (added to ``I_e``), spike and rate
projections with their weights, delays and receptors, ``SpikeTimes`` (``spike_generator``, same
timing) and ``Poisson`` sources (``poisson_generator``: independent trains per target, as here, from
NEST's random streams, so the same law but not the same spikes), plastic projections of
``nu.synapses.STDP`` and ``nu.synapses.Tsodyks2`` (NEST's ``stdp_synapse`` and ``tsodyks2_synapse``,
a copy per projection; ``tau_minus`` on the postsynaptic neurons; ``weight_recorder`` and the weights
after the run, see :mod:`.nest_plastic`).  Everything else is refused with
:class:`~neurounits.ExportError` before anything is written.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ExportError, MissingDependencyError, Problem, raise_problems
from ..network import Network
from ..units import as_quantity, ureg
from .nest_connections import _projection
from .nest_models import _HINTS, NEST_VERSION, _facts, _Plan, _population, _recorders, exportable_models
from .nest_script import _script

__all__ = ["NEST_VERSION", "NestNetwork", "exportable_models", "nest", "to_nest"]

# The checks and the translation live in .nest_models (models, populations, recorders),
# .nest_connections (projections) and .nest_script (the script's text); NEST_VERSION and
# exportable_models are theirs, importable from here as before.


def _plan(net: Any, dt: Any, connectivity: str) -> _Plan:
    """Check that ``net`` exports, build it for ``dt``, and translate it (every problem at once)."""
    if not isinstance(net, Network):
        raise ExportError(f"nu.export.nest exports a nu.Network, got {type(net).__name__}")
    if connectivity not in ("explicit", "rules"):
        raise ExportError(f"connectivity must be 'explicit' or 'rules', got {connectivity!r}")
    refused = [
        f"population {p.name!r} is a {p.model.name}" + _HINTS.get(type(p.model).__name__, "")
        for p in net.populations
        if _facts(p.model) is None
    ]
    if refused:
        raise ExportError(
            f"cannot export the network to NEST: {'; '.join(refused)}, which NEST does not have. NEST's "
            f"models that export: {', '.join(exportable_models())} (nu.models.nest.*). A model of your "
            "own runs in NEST through NESTML",
            problems=tuple(refused),
        )
    built = net.build(dt)
    plan = _Plan(dt=built.dt_ms, seed=net.seed % (2**31 - 2) + 1)
    problems: list[Problem] = []
    for pi in range(len(net.populations)):
        _population(plan, net, built, pi, problems)
    plan.lines.append(
        "    ids = np.concatenate([np.asarray(p.tolist(), np.int64) for p in pops.values()])"
        "  # network position -> node id"
    )
    for k in range(len(net.projections)):
        _projection(plan, net, built, k, connectivity, problems)
    _recorders(plan, net, built, problems)
    plan.lines += plan.late  # the weight recorders and final weights of plastic projections
    raise_problems("cannot export the network to NEST", problems, error=ExportError)
    return plan


def _duration_ms(duration: Any, dt_ms: float) -> float:
    q = as_quantity(duration)
    if q.dimensionality != ureg.ms.dimensionality or not np.ndim(q.magnitude) == 0 or q.magnitude <= 0:
        raise ExportError(f"duration must be a positive duration (e.g. '300 ms'), got {duration!r}")
    ms = float(q.to("ms").magnitude)
    if abs(round(ms / dt_ms) * dt_ms - ms) > 1e-9 * ms:
        raise ExportError(f"duration {ms:g} ms is not a whole number of steps of dt = {dt_ms:g} ms")
    return ms


def nest(
    net: Any, path: str | os.PathLike, duration: Any, dt: Any = "0.1 ms", *, connectivity: str = "explicit"
) -> Path:
    """Write ``net`` as a standalone PyNEST script ``path`` and its data beside it; return the path.

    ``path`` (``run_net.py``) gets ``run_net_data.npz`` beside it (synapses as network positions,
    weights in NEST's units, delays in ms; per-neuron parameters and initial values); running the
    script writes ``run_net_results.npz``: per population ``<P>.spikes.times`` (ms) and
    ``<P>.spikes.indices``, and for traces ``<P>.t``, ``<P>.neurons``, ``<P>.<variable>``; per
    plastic projection k ``proj<k>.final.pre``/``.post``/``.weights`` (each synapse's weight after
    the run: NEST's is the weight at its last presynaptic spike) and, for recorded weights,
    ``proj<k>.weights.times``/``.pre``/``.post``/``.values`` (NEST's weight_recorder).

    ``connectivity="explicit"`` (default) connects the synapses neurounits draws for ``dt`` (the
    same network in both); ``"rules"`` gives NEST the rules that map exactly (``one_to_one``,
    ``all_to_all``, ``pairwise_bernoulli``, ``fixed_indegree``, ``fixed_outdegree``,
    ``fixed_total_number``, for a uniform weight and delay between whole populations or contiguous
    slices of them) and NEST draws its own synapses; the others stay explicit.

    Raises :class:`~neurounits.ExportError`, listing every problem and writing nothing, for a model
    NEST lacks or a feature with no exact NEST counterpart.

    Examples
    --------
    >>> import neurounits as nu, tempfile, pathlib
    >>> net = nu.Network(seed=1)
    >>> P = net.add(nu.models.nest.iaf_psc_exp(n=20, I_e="380 pA"), name="P")
    >>> net.connect(P, P, nu.conn.FixedInDegree(4), weight="20 pA", delay="1 ms")
    >>> net.record(P, spikes=True)
    >>> out = nu.export.nest(net, pathlib.Path(tempfile.mkdtemp()) / "run_net.py", duration="100 ms")
    >>> sorted(p.name for p in out.parent.iterdir())
    ['run_net.py', 'run_net_data.npz']
    """
    path = Path(path)
    plan = _plan(net, dt, connectivity)
    ms = _duration_ms(duration, plan.dt)
    data_name, results_name = f"{path.stem}_data.npz", f"{path.stem}_results.npz"
    text = _script(plan, net, ms, data_name, results_name).replace("{script}", path.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = plan.arrays
    np.savez_compressed(path.with_name(data_name), **arrays)
    path.write_text(text)
    return path


@dataclass
class NestNetwork:
    """A network built in NEST in this process (:func:`to_nest`): ``populations`` (name ->
    NodeCollection), ``recorders`` (``"<P>.spikes"``, ``"<P>.traces"`` -> device), ``nest`` (the
    module).  :meth:`run` simulates and returns the recordings as the exported script saves them."""

    nest: Any
    populations: dict[str, Any]
    recorders: dict[str, Any]
    _namespace: dict[str, Any]

    def run(self, duration: Any) -> dict[str, np.ndarray]:
        """Simulate ``duration`` (from the start) and return this process's recordings."""
        ns = self._namespace
        ns["DURATION"] = _duration_ms(duration, ns["DT"])
        return dict(ns["finish"]([ns["simulate"](self.nest, self.populations, self.recorders)]))


def to_nest(net: Any, dt: Any = "0.1 ms", *, connectivity: str = "explicit", threads: int = 1) -> NestNetwork:
    """Build ``net`` in NEST in this process (NEST's kernel is reset), with the code that
    :func:`nest` writes, on ``threads`` NEST threads; needs ``import nest`` to work."""
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ExportError(f"threads must be a positive integer (NEST's local_num_threads), got {threads!r}")
    plan = _plan(net, dt, connectivity)
    try:
        nest_module = importlib.import_module("nest")
    except ImportError as exc:
        raise MissingDependencyError(
            f"net.to_nest() needs NEST {NEST_VERSION} in this Python environment (import nest failed: "
            f"{exc}); install it with `pip install nest-simulator` or `conda install -c conda-forge "
            "nest-simulator`, or write a script to run where NEST is: nu.export.nest(net, 'run_net.py', "
            "duration=...)"
        ) from exc
    ns: dict[str, Any] = {"__name__": "neurounits_nest_export", "__file__": "<in-process>"}
    exec(compile(_script(plan, net, None, "data.npz", "results.npz"), "<nu.export.nest>", "exec"), ns)
    ns["THREADS"] = threads
    pops, rec = ns["build"](nest_module, plan.arrays)
    return NestNetwork(nest_module, pops, rec, ns)
