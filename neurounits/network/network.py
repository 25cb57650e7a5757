"""``Network``: populations, views of them, projections between them, sources and what to record.

Declaring a network checks each call at once (names, receptors, units of weights, views in range)
and draws nothing: connectivity, weights, delays and initial values are drawn when the network is
built (:meth:`Network.build`, by :func:`neurounits.simulate` or :meth:`Network.summary`), as pure
functions of the network's seed, one random stream per projection and per population.

:class:`View` and :class:`Population` live in ``views`` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..checks import is_integer
from ..equations import Model
from ..errors import ParameterError, Problem, did_you_mean, raise_problems
from ..parameters import check_value
from ..units import as_quantity, to_internal
from .sources import Source
from .views import Population, View, as_view
from .views import _select as _select

__all__ = ["Network", "Population", "Projection", "RecordRequest", "View"]


@dataclass(frozen=True)
class Projection:
    """One :meth:`Network.connect` call, as given (checked; drawn when the network is built)."""

    index: int
    source: View | Source
    target: View
    rule: Any
    weight: Any
    receptor: Any
    delay: Any
    receptors: Mapping[int, tuple[str, ...]]  # target population -> receptor name(s) (2: by sign)
    kind: str = "spike"  # or "rate": a rate projection between rate models
    synapse: Any = None  # a plastic projection's synapse (nu.synapses), as given
    plastic: Any = None  # ... resolved: (PlasticCode, parameter values, initial values)

    def describe(self) -> str:
        src = self.source.describe()
        rule = "" if isinstance(self.source, Source) else f" ({type(self.rule).__name__})"
        return f"projection {self.index} ({src} -> {self.target.describe()}{rule})"


@dataclass(frozen=True)
class RecordRequest:
    """What :meth:`Network.record` asked for one population."""

    population: int
    variables: tuple[str, ...]
    neurons: np.ndarray
    every: Any


@dataclass
class _PopulationOptions:
    initial: Mapping[str, Any] = field(default_factory=dict)
    inputs: Mapping[str, Any] = field(default_factory=dict)
    method: str | None = None
    method_options: Mapping[str, Any] | None = None


class Network:
    """Populations of neurons coupled by projections with delays, driven by sources.

    ``seed`` makes the network a pure function of it: connectivity, weights, delays and initial
    values come from one random stream per projection and per population (structure), Poisson
    trains and noise from others (input); the same seed gives the same network and the same
    spikes.

    Examples
    --------
    >>> import neurounits as nu
    >>> net = nu.Network(seed=1)
    >>> P = net.add(nu.models.nest.iaf_psc_exp(n=20, I_e="380 pA"), name="P")
    >>> net.connect(P[:16], P, nu.conn.FixedInDegree(4), weight="20 pA", delay="1 ms")
    >>> net.connect(P[16:], P, nu.conn.FixedInDegree(1), weight="-80 pA", delay="1 ms")
    >>> net.record(P, spikes=True)
    >>> res = nu.simulate(net, "100 ms", dt="0.1 ms")
    >>> res["P"].spikes.indices.size > 0
    True
    """

    def __init__(self, seed: int = 0) -> None:
        if not is_integer(seed) or not 0 <= int(seed) < 2**63:
            raise ParameterError(f"Network(seed=...) must be an integer in [0, 2**63), got {seed!r}")
        self.seed = int(seed)
        self.populations: list[Population] = []
        self.projections: list[Projection] = []
        self.records: list[RecordRequest] = []
        self.spike_records: set[int] = set()
        self.weight_records: dict[int, tuple[Any, Any]] = {}  # plastic projection -> (synapses, every)
        self._options: list[_PopulationOptions] = []
        self._built: Any = None

    # -- declaring ------------------------------------------------------------------------------
    def offsets(self) -> np.ndarray:
        return np.array([p.offset for p in self.populations], np.int64)

    @property
    def n(self) -> int:
        return sum(p.n for p in self.populations)

    def add(
        self,
        model: Any,
        name: str | None = None,
        *,
        initial: Mapping[str, Any] | None = None,
        inputs: Mapping[str, Any] | None = None,
        method: str | None = None,
        method_options: Mapping[str, Any] | None = None,
    ) -> Population:
        """Add a population of ``model`` (a model instance: its ``n`` neurons and parameters).

        ``initial`` maps a state to a value, one value per neuron, or a distribution
        (``nu.dist.Uniform("-60 mV", "-50 mV")``), drawn when the network is built; ``inputs``
        are the model's inputs as in :func:`neurounits.simulate` (constant, per neuron, TimedArray);
        ``method`` and ``method_options`` as there.
        """
        if isinstance(model, type) and issubclass(model, Model):
            raise ParameterError(
                f"Network.add needs a model instance, got the class {model.__name__}; "
                f"construct it first, e.g. {model.__name__}(n=100)"
            )
        if not isinstance(model, Model):
            raise ParameterError(f"Network.add needs a neurounits Model instance, got {type(model).__name__}")
        name = name if name is not None else f"{model.name}_{len(self.populations)}"
        problems: list[Problem] = []
        if not isinstance(name, str) or not name:
            problems.append(Problem(f"a population's name must be a non-empty string, got {name!r}"))
        elif name in {p.name for p in self.populations}:
            problems.append(Problem(f"there is already a population named {name!r}; choose another name"))
        for k in initial or {}:
            if k not in model.spec.states:
                problems.append(
                    Problem(
                        f"model '{model.name}' has no state {k!r} to set an initial value for."
                        f"{did_you_mean(k, list(model.spec.states))} "
                        f"States: {', '.join(model.spec.states)}"
                    )
                )
        raise_problems(f"cannot add a population of model '{model.name}'", problems)
        pop = Population(self, len(self.populations), str(name), model, self.n)
        self.populations.append(pop)
        self._options.append(
            _PopulationOptions(dict(initial or {}), dict(inputs or {}), method, method_options)
        )
        self._built = None
        return pop

    def population(self, name: str) -> Population:
        for p in self.populations:
            if p.name == name:
                return p
        names = [p.name for p in self.populations]
        raise KeyError(
            f"no population named {name!r}.{did_you_mean(name, names)} "
            f"Populations: {', '.join(names) or 'none'}"
        )

    def __getitem__(self, name: str) -> Population:
        return self.population(name)

    def connect(
        self,
        source: View | Source,
        target: View,
        rule: Any = None,
        *,
        weight: Any,
        receptor: str | int | None = None,
        delay: Any = None,
        synapse: Any = None,
    ) -> Projection | None:
        """Connect ``source`` (a view, or a source from ``nu.sources``) to ``target`` (a view).

        ``rule`` (from ``nu.conn``; default all-to-all, as NEST) draws the synapses; ``weight``
        is a Quantity, one value per synapse, or a distribution (``nu.dist``) in the unit of the
        receptor's weight; ``receptor`` a name, a NEST number, or None (by the sign of the weight,
        where the model routes by sign, or the model's only receptor).  ``delay``: a duration that
        is a whole number of steps >= dt, one per synapse, or a distribution (rounded to the
        nearest step, at least one step); default one step.  A spike emitted in the step ending at
        t arrives at the end of the step ending at t + delay (NEST's timing).

        Between rate models (a source with a rate output, e.g. ``sigmoid_rate_ipn``, and a target
        with rate inputs) the projection is a rate connection, as NEST's: ``weight`` dimensionless,
        ``delay`` None (instantaneous: the source's rate at the start of the step) or a whole
        number of steps (the rate that many steps earlier; nothing before), each target's input
        summed (or, without ``linear_summation``, the sum of weight times phi of each rate).

        ``synapse`` (from ``nu.synapses``, e.g. ``nu.synapses.STDP(Wmax="10 nS")``) makes the
        projection plastic: each synapse keeps its own weight, changed by the spikes as the synapse
        type says (:mod:`neurounits.network.synapses`); such a projection runs from one population
        to one population, through one named receptor, with one delay (all of it dendritic).

        Every problem of one call is reported together, and nothing is added when there is one.
        A plastic projection's call returns its :class:`Projection` (to record its weights or read
        them after a run; ``net.projections[k]`` is the k-th projection); a static one's returns None.
        """
        from . import build

        source, target = as_view(source), as_view(target)
        where = f"projection {len(self.projections)}"
        if isinstance(source, View | Source) and isinstance(target, View):
            where += f" ({source.describe()} -> {target.describe()})"
        problems: list[Problem] = []
        kind = "rate" if build.is_rate_projection(source, target) else "spike"
        if kind == "rate":
            proj_rule = build.check_rate_connect(
                self, source, target, rule, weight, delay, receptor, where, problems
            )
            receptors: dict[int, tuple[str, ...]] = {p.index: ("rate",) for p, _ in target.parts}
        else:
            proj_rule = build.check_connect(self, source, target, rule, weight, delay, where, problems)
            receptors = build.check_receptors(source, target, receptor, weight, where, problems)
        plastic = None
        if synapse is not None and not problems:
            from .plastic import check_plastic

            plastic = check_plastic(self, source, target, synapse, delay, receptors, kind, where, problems)
        raise_problems("cannot connect", problems)
        proj = Projection(
            len(self.projections), source, target, proj_rule, weight, receptor, delay, receptors, kind,
            synapse, plastic
        )
        self.projections.append(proj)
        self._built = None
        return proj if plastic is not None else None

    def record(self, view: View, *variables: str, every: Any = None, spikes: bool = False) -> None:
        """Record ``variables`` of the view's neurons every ``every`` (a duration that is a whole
        number of steps; default every step), and/or (``spikes=True``) the spikes of the view's
        populations (all their neurons).  ``view`` may be a list of views (joined), and the
        variables names or lists of names: ``net.record(P, "V_m", "g_ex")`` is
        ``net.record(P, ["V_m", "g_ex"])``."""
        view = as_view(view)
        if not isinstance(view, View):
            raise ParameterError(
                f"Network.record needs a view of a population (e.g. P or P[:10]) or a list of views, got "
                f"{type(view).__name__}"
            )
        variables = tuple(v for x in variables for v in (x if isinstance(x, list | tuple) else (x,)))
        bad = [v for v in variables if not isinstance(v, str)]
        if bad:
            raise ParameterError(
                f"Network.record: variables are names (strings) or lists of names, got {bad[0]!r}"
            )
        problems: list[Problem] = []
        self._check_view(view, "Network.record", problems)
        for p, _ in view.parts:
            for v in variables:
                known = list(p.model.spec.states) + list(p.model.spec.expressions) + ["refractory"]
                if v not in known:
                    problems.append(
                        Problem(
                            f"Network.record: model '{p.model.name}' of population {p.name!r} "
                            f"has no variable {v!r}.{did_you_mean(v, known)} "
                            f"Variables: {', '.join(known)}"
                        )
                    )
            if variables and any(r.population == p.index and r.every != every for r in self.records):
                problems.append(
                    Problem(
                        f"Network.record: population {p.name!r} is already recorded with "
                        "another `every`; record all its variables with one interval"
                    )
                )
        if not variables and not spikes:
            problems.append(Problem("Network.record: name the variables to record, or pass spikes=True"))
        raise_problems("cannot record", problems)
        for p, idx in view.parts:
            if variables:
                self.records.append(RecordRequest(p.index, tuple(variables), idx, every))
            if spikes:
                self.spike_records.add(p.index)
        self._built = None

    def record_weights(
        self, projection: Projection | int, synapses: Any = None, *, every: Any = None
    ) -> None:
        """Record the weights of plastic ``projection``'s ``synapses`` (positions in the order the
        synapses were drawn, as in ``BuiltNetwork.synapses``; default all) every ``every`` (a whole
        number of steps; default every step); read them with ``res.weights(projection)``."""
        k = projection.index if isinstance(projection, Projection) else projection
        if not is_integer(k) or not 0 <= int(k) < len(self.projections):
            raise ParameterError(f"Network.record_weights: no projection {projection!r} in this network "
                                 f"({len(self.projections)} projection(s))")
        proj = self.projections[int(k)]
        if proj.plastic is None:
            raise ParameterError(f"Network.record_weights: {proj.describe()} is not plastic (its weights do "
                                 "not change); connect it with synapse=nu.synapses...")
        self.weight_records[int(k)] = (synapses, every)
        self._built = None

    def _check_view(self, view: View, where: str, problems: list[Problem]) -> None:
        if view.n == 0:
            problems.append(Problem(f"{where}: the view is empty"))
        for p, _ in view.parts:
            if p.network is not self:
                problems.append(Problem(f"{where}: population {p.name!r} belongs to another network"))

    # -- building and describing ------------------------------------------------------------------
    def build(self, dt: Any = "0.1 ms") -> Any:
        """Draw the connectivity, weights, delays and initial values for time step ``dt``
        (done once and kept until the network changes); returns the built network."""
        from . import build

        dt_q = as_quantity(dt)
        if self._built is None or self._built.dt_q != dt_q:
            self._built = build.build(self, dt_q)
        return self._built

    def memory(self, dt: Any = "0.1 ms", duration: Any = None, *, threads: int | None = None) -> Any:
        """The memory the network will hold when built for ``dt`` (and run for ``duration``, for the
        recorded traces) on at most ``threads`` threads (as ``nu.simulate``'s ``threads``: with a
        team of threads, its buffers too), predicted before anything is drawn: a
        :class:`~neurounits.network.memory.MemoryEstimate` (bytes; ``str()`` in MiB).

        Examples
        --------
        >>> import neurounits as nu
        >>> net = nu.Network(seed=1)
        >>> P = net.add(nu.models.nest.iaf_psc_delta(n=2000), name="P")
        >>> net.connect(P, P, nu.conn.FixedInDegree(100), weight="0.1 mV", delay="1.5 ms")
        >>> net.memory(threads=1).team, net.memory(threads=2).team  # two threads: slices of 15 steps
        (0, 1074688)
        >>> print(net.memory(threads=2))
        3.8 MiB: synapses 2.5, sources 0.0, spike ring 0.2, states 0.0, traces 0.0, team of threads 1.0 MiB
        """
        from . import memory
        from .build import _MS
        from .threads import check_threads

        threads = check_threads(threads, "Network.memory")
        chk = check_value("dt", dt, _MS, 1, positive=True)
        raise_problems("cannot estimate the network's memory", chk.problems)
        dt_ms = float(to_internal(chk.quantity))
        n_steps = None
        if duration is not None:
            dur = check_value("duration", duration, _MS, 1, nonnegative=True)
            raise_problems("cannot estimate the network's memory", dur.problems)
            n_steps = round(float(to_internal(dur.quantity)) / dt_ms)
        return memory.estimate(self, dt_ms, n_steps, threads)

    def summary(self, dt: Any = "0.1 ms") -> str:
        """Neurons, synapses, memory of connectivity and recording, and the longest delay (the
        network is built for ``dt`` to count them)."""
        return self.build(dt).summary()

    def simulation(self, dt: Any = "0.1 ms", **options: Any) -> Any:
        """A :class:`~neurounits.network.NetworkSimulation` of this network (``nu.Simulation(net, dt)``)."""
        from .run import NetworkSimulation

        return NetworkSimulation(self, dt, **options)

    def to_nest(self, dt: Any = "0.1 ms", *, connectivity: str = "explicit", threads: int = 1) -> Any:
        """Build this network in NEST in this process (``import nest`` must work; NEST's kernel is
        reset) on ``threads`` NEST threads: a :class:`~neurounits.export.NestNetwork`, whose
        ``run(duration)`` simulates it.  The same code as :func:`neurounits.export.nest` writes to a
        script; see there."""
        from ..export.pynest import to_nest  # the one call upwards: a convenience (pyproject)

        return to_nest(self, dt, connectivity=connectivity, threads=threads)

    def __repr__(self) -> str:
        return (
            f"<Network: {len(self.populations)} population(s), {self.n} neurons, "
            f"{len(self.projections)} projection(s)>"
        )
