"""``Simulation``: a run that can be continued, and ``simulate``, the one-shot wrapper."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..checks import check_count
from ..errors import ParameterError, RunInterrupted, SimulationError, raise_problems
from ..parameters import Problem
from ..units import Q_, from_internal
from .arguments import check_duration
from .inputs import RateInput, SpikeInput
from .plan import RunPlan, make_plan
from .progress import advance_in_chunks, wants_progress
from .results import Results, Spikes
from .runner import Outcome, Runner
from .stability import check_plan

__all__ = ["Simulation", "simulate"]


class Simulation:
    """A simulation that can be run, changed and run again, as in Brian2 and NEST.

    Takes the arguments of :func:`simulate` except ``duration``; every argument is checked here,
    before anything compiles.  :meth:`run` advances it; between runs :meth:`set_input` and
    :meth:`set_parameter` change an input or a parameter (checked as at construction; no
    recompilation).  Two runs of 500 ms give the same bits as one run of 1 s: states, refractory
    counters, rkf45 step sizes, delayed inputs, noise draws and recorded samples all continue.
    Times of TimedArrays and spike inputs count from the start of the simulation (t = 0).

    Examples
    --------
    >>> import neurounits as nu
    >>> sim = nu.Simulation(nu.models.LIF(n=2), dt="0.1 ms", inputs={"I": "0.3 nA"}, record=("V",))
    >>> sim.run("20 ms")
    >>> sim.set_input("I", "0.5 nA")
    >>> sim.set_parameter("tau_m", "12 ms")
    >>> sim.run("30 ms")
    >>> sim.t
    <Quantity(50.0, 'millisecond')>
    >>> res = sim.results
    >>> res["V"].shape
    (501, 2)
    >>> sim.state["V"].units
    <Unit('millivolt')>
    """

    def __new__(cls, model: Any = None, *args: Any, **kwargs: Any) -> Any:
        if _is_network(model):  # nu.Simulation(net, dt): the network's own simulation
            unknown = set(kwargs) - {"raise_on_failure", "threads"}
            if unknown or len(args) > 1:
                what = ", ".join(sorted(unknown)) or "extra arguments"
                raise ParameterError(f"Simulation(network): {what} "
                                     "belong to the network (net.add, net.record, nu.Network(seed=)); pass "
                                     "only dt, raise_on_failure and threads")
            return model.simulation(*args, **kwargs)
        return super().__new__(cls)

    def __init__(self, model: Any, dt: Any = "0.1 ms", *, inputs: Mapping[str, Any] | None = None,
                 record: Sequence[str] | str | None = None, method: str | None = None,
                 seed: int | None = None, initial: Mapping[str, Any] | None = None, record_every: int = 1,
                 spike_inputs: Sequence[SpikeInput] | SpikeInput | None = None,
                 rate_inputs: Sequence[RateInput] | RateInput | None = None, raise_on_failure: bool = True,
                 threads: int | None = None, method_options: Mapping[str, float] | None = None) -> None:
        plan, _, _ = make_plan(model, dt, inputs=inputs, record=record, method=method, seed=seed,
                               initial=initial, record_every=record_every, spike_inputs=spike_inputs,
                               rate_inputs=rate_inputs, threads=threads, method_options=method_options,
                               where="Simulation")
        check_plan(plan)  # dt too large for an explicit method: warn before compiling
        self._start(plan, raise_on_failure)

    @classmethod
    def from_plan(cls, plan: RunPlan, raise_on_failure: bool = True) -> Simulation:
        """A simulation of an already checked plan."""
        sim = cls.__new__(cls)
        sim._start(plan, raise_on_failure)
        return sim

    def _start(self, plan: RunPlan, raise_on_failure: bool) -> None:
        self._runner = Runner(plan)
        self._raise = raise_on_failure
        self._duration_ms = 0.0
        self._results: Results | None = None
        self._message = ""

    # -- driving ------------------------------------------------------------------------------
    def run(self, duration: Any, progress: bool | None = None) -> None:
        """Advance the simulation by ``duration`` (a whole number of steps of dt).

        ``progress``: show a progress bar (tqdm if installed); None (default) shows one for a long
        run when stderr is a terminal, False never.

        A numerical failure raises :class:`~neurounits.SimulationError` (or, with
        ``raise_on_failure=False``, ends the simulation with ``results.status != 0``); what was
        recorded up to it is kept in :attr:`results`, and the simulation cannot be run further.
        """
        where = f"Simulation(model '{self.plan.model.name}').run"
        self._check_alive(where)
        problems: list[Problem] = []
        dur_ms, n_steps = check_duration(where, duration, self.plan.dt_ms, problems)
        raise_problems(f"cannot run model '{self.plan.model.name}'", problems)
        self._advance(n_steps, dur_ms, progress)

    def advance(self, n_steps: int) -> None:
        """Advance by ``n_steps`` whole steps of dt (as :meth:`run`, for callers that count steps)."""
        self._check_alive(f"Simulation(model '{self.plan.model.name}').advance")
        problems: list[Problem] = []
        n_steps = check_count("n_steps", n_steps, problems) or 0
        raise_problems(f"cannot run model '{self.plan.model.name}'", problems)
        self._advance(n_steps, n_steps * self.plan.dt_ms)

    def _check_alive(self, where: str) -> None:
        if self._runner.failed is not None:
            raise SimulationError(f"{where}: the simulation stopped at t = {self.t:~g} after a failure "
                                  f"and cannot be continued ({self._message}); start a new Simulation")

    def _advance(self, n_steps: int, dur_ms: float, progress: bool | None = False) -> None:
        runner = self._runner
        if wants_progress(progress, self.plan.n, n_steps):
            outcome = self._advance_chunks(n_steps)
        else:
            outcome = runner.advance(n_steps)
        self._results = None
        if outcome.status:
            self._duration_ms = runner.step * self.plan.dt_ms
            self._fail(outcome)
        else:
            self._duration_ms += dur_ms

    def _advance_chunks(self, n_steps: int) -> Outcome:
        """Advance in chunks of steps, updating a progress bar (the same bits as one call)."""
        start, last = self._runner.step, [Outcome(0)]

        def piece(steps: int, ahead: int) -> tuple[int, bool]:
            last[0] = self._runner.advance(steps)
            return last[0].steps, bool(last[0].status)

        def interrupted() -> RunInterrupted:
            self._results = None
            self._duration_ms = self._runner.step * self.plan.dt_ms
            return RunInterrupted(f"run of model '{self.plan.model.name}'", self.t)

        advance_in_chunks(n_steps, f"simulate {self.plan.model.name}", piece, interrupted)
        o = last[0]
        return Outcome(self._runner.step - start, o.status, o.variable, o.neuron, o.t_ms)

    def _fail(self, outcome: Outcome) -> None:
        error = self._runner.error(outcome)
        self._message = error.msg
        if self._raise:
            raise error

    def set_input(self, name: str, value: Any) -> None:
        """Set input ``name`` for the next runs: a constant, a per-neuron array or a TimedArray
        (whose times count from t = 0 of the simulation).  Checked as at construction."""
        self._runner.plan = self.plan.with_input(name, value)

    def set_parameter(self, name: str, value: Any) -> None:
        """Set parameter ``name`` for the next runs, validated as at construction (unit, sign,
        the model's constraints); the kernel is not recompiled."""
        self._runner.plan = self.plan.with_parameter(name, value)

    # -- reading ------------------------------------------------------------------------------
    @property
    def plan(self) -> RunPlan:
        """The checked plan of the next run (model, method, values in internal units)."""
        return self._runner.plan

    @property
    def model(self) -> Any:
        return self.plan.model

    @property
    def t(self) -> Any:
        """Time simulated so far."""
        return Q_(self._runner.step * self.plan.dt_ms, "ms")

    @property
    def state(self) -> dict[str, Any]:
        """The current state of every neuron, name -> Quantity of shape (n,) (a copy)."""
        return {k: from_internal(self.plan.spec.typed(k, v.copy()), self.plan.spec.states[k])
                for k, v in self._runner.states.items()}

    @property
    def results(self) -> Results:
        """Everything recorded so far, over every run, as one :class:`~neurounits.Results`."""
        if self._results is None:
            self._results = self._assemble()
        return self._results

    def _assemble(self) -> Results:
        r, p = self._runner, self.plan
        n_rec, dt_ms = len(p.record), p.dt_ms
        steps = np.concatenate(r.spike_steps) if r.spike_steps else np.zeros(0, np.int64)
        idx = np.concatenate(r.spike_neurons) if r.spike_neurons else np.zeros(0, np.int64)
        order = np.lexsort((idx, steps))
        spikes = Spikes(Q_((steps[order] + 1) * dt_ms, "ms"), idx[order].astype(np.int64))
        rec = np.concatenate(r.traces, axis=1) if r.traces else np.zeros((n_rec, 0, p.n))
        t = Q_(np.arange(rec.shape[1]) * p.record_every * dt_ms, "ms")
        recorded = p.spec.recordable()
        traces = {k: from_internal(p.spec.typed(k, rec[i]), recorded[k]) for i, k in enumerate(p.record)}
        failed = r.failed
        return Results(model=p.model.name, n=p.n, t=t, duration=Q_(self._duration_ms, "ms"),
                       dt=Q_(dt_ms, "ms"), method=p.method, record_every=p.record_every, spikes=spikes,
                       traces=traces, method_reason=p.method_reason,
                       status=0 if failed is None else (1 if failed.status == 1 else 2),
                       message=self._message, seed=p.seed, parameters=p.model.parameters)

    def __repr__(self) -> str:
        return (f"<Simulation {self.plan.model.name}: n={self.plan.n}, t={self.t:~g}, "
                f"dt={Q_(self.plan.dt_ms, 'ms'):~g}, method {self.plan.method!r}>")


def _is_network(model: Any) -> bool:
    """A network (an object with a ``simulation(dt, ...)`` method; the simulation layer does not
    import the network layer above it)."""
    return not isinstance(model, type) and callable(getattr(model, "simulation", None)) \
        and hasattr(model, "populations")


def simulate(
    model: Any,
    duration: Any,
    dt: Any = "0.1 ms",
    *,
    inputs: Mapping[str, Any] | None = None,
    record: Sequence[str] | str | None = None,
    method: str | None = None,
    seed: int | None = None,
    initial: Mapping[str, Any] | None = None,
    record_every: int = 1,
    spike_inputs: Sequence[SpikeInput] | SpikeInput | None = None,
    rate_inputs: Sequence[RateInput] | RateInput | None = None,
    raise_on_failure: bool = True,
    threads: int | None = None,
    method_options: Mapping[str, float] | None = None,
    noise_ids: np.ndarray | None = None,
    progress: bool | None = None,
) -> Results:
    """Simulate a model and return its results with units (a one-shot :class:`Simulation`).

    Parameters
    ----------
    model : Model
        A constructed model, e.g. ``nu.models.LIF(n=100)``.
    duration, dt : str or Quantity
        Simulated time and time step (``duration`` a whole number of steps).
    inputs : dict, optional
        Input name -> a constant (``"2 nA"``), a per-neuron array, or a
        :class:`~neurounits.TimedArray`.  Inputs not given are zero.
    record : sequence of str, optional
        States, named expressions and ``"refractory"`` to record; all states
        by default, ``()`` for none (spikes are always recorded).
    method : str, optional
        ``"euler"``, ``"rk2"``, ``"rk4"``, ``"exponential_euler"``, ``"exact"``, ``"rkf45"``;
        None chooses (exact > exponential Euler > rk4) and logs the choice.  Models with white
        noise (``xi``): ``"euler_maruyama"`` or ``"stochastic_exponential_euler"``.
    seed : int, optional
        Seed of the white noise of stochastic models (an integer in [0, 2**64)); None draws one
        from the OS.  It is kept in ``Results.seed``: the same seed gives the same traces,
        whatever the number of threads.
    initial : dict, optional
        State name -> initial value, overriding the model's (scalar or per neuron).
    record_every : int
        Record every this many steps.
    spike_inputs : SpikeInput or sequence of SpikeInput, optional
        Spikes delivered to the model's receptors; one arriving at time t is
        applied at the end of the step that ends at t (spikes arriving
        together add up).  Arrivals after ``duration`` are ignored.
    rate_inputs : RateInput or sequence of RateInput, optional
        Rate inputs of rate models (see :class:`~neurounits.RateInput`).
    raise_on_failure : bool
        If False, a numerical failure returns the results so far with
        ``status != 0`` and ``message`` instead of raising SimulationError.
    threads : int, optional
        A positive integer: the number of blocks of neurons run in parallel; by default all cores
        when the run is large enough.  For a network: the most threads it may use (see
        :class:`~neurounits.network.NetworkSimulation`; the same bits whatever the number).
    method_options : dict, optional
        For ``method="rkf45"``: ``atol`` and ``rtol`` (numbers, or names of
        parameters for per-neuron values; they apply to each state in internal
        units: mV, pA, nS, ms; defaults 1e-6 and 1e-6 or the model's own),
        ``h_min`` (smallest sub-step, default 0: only a step that no longer
        advances time stops the run), ``max_substeps`` (per dt, default
        100,000), ``h0`` (first sub-step, default dt) and ``control``: ``"y"`` scales the tolerance
        by ``|y|``, ``"yp"`` by ``h |dy/dt|``, as GSL's controls.
    noise_ids : int array, optional
        The index that keys each neuron's random numbers (default: its own index); a sweep gives
        each parameter set its set number.
    progress : bool, optional
        Show a progress bar (tqdm if installed, else a text line on stderr); None (default) shows
        one for a long run when stderr is a terminal; False never.  Only a run with a bar is split
        into chunks of steps (with the same results).  For a network, see
        :meth:`~neurounits.network.NetworkSimulation.run` (a keyboard interrupt keeps what ran).

    Examples
    --------
    >>> import neurounits as nu
    >>> lif = nu.models.LIF(n=2, tau_m="10 ms")
    >>> res = nu.simulate(lif, "50 ms", "0.1 ms", inputs={"I": "0.3 nA"})
    >>> res["V"].shape, res.method
    ((501, 2), 'exact')
    """
    if _is_network(model):
        extra = {k: v for k, v in (("inputs", inputs), ("record", record), ("method", method), ("seed", seed),
                                   ("initial", initial), ("spike_inputs", spike_inputs),
                                   ("rate_inputs", rate_inputs), ("method_options", method_options),
                                   ("noise_ids", noise_ids)) if v is not None}
        if extra or record_every != 1:
            raise ParameterError(f"simulate(network): {', '.join(sorted(extra)) or 'record_every'} belong to "
                                 "the network (net.add(..., inputs=, initial=, method=), net.record(...), "
                                 "nu.Network(seed=)); pass only duration, dt, raise_on_failure, threads "
                                 "and progress")
        net_sim = model.simulation(dt, raise_on_failure=raise_on_failure, threads=threads)
        with _results_on_interrupt(net_sim):
            net_sim.run(duration, progress)
        return net_sim.results
    plan, dur_ms, n_steps = make_plan(
        model, dt, duration=duration, inputs=inputs, record=record, method=method, seed=seed, initial=initial,
        record_every=record_every, spike_inputs=spike_inputs, rate_inputs=rate_inputs, threads=threads,
        method_options=method_options, noise_ids=noise_ids)
    check_plan(plan)  # dt too large for an explicit method: warn before compiling
    sim = Simulation.from_plan(plan, raise_on_failure)
    with _results_on_interrupt(sim):
        sim._advance(n_steps, dur_ms, progress)
    return sim.results


@contextlib.contextmanager
def _results_on_interrupt(sim: Any) -> Iterator[None]:
    """What ``sim`` ran goes with a :class:`~neurounits.RunInterrupted` raised in the block."""
    try:
        yield
    except RunInterrupted as exc:
        exc.results = sim.results
        raise
