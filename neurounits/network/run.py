"""Running a network: its compiled loop, a runner that holds its whole state, and a simulation.

Each population's model is compiled once into a step module (cached on its own, shared by every
network of that model, method and recording), and the network into a loop that calls them
(:mod:`neurounits.codegen.network`); weights, delays, sizes, seeds and rates are data, so a new
value of any of them never recompiles.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_count
from ..codegen.network import NetworkKernelSpec
from ..codegen.plastic import PlasticProjectionCode
from ..errors import ParameterError, Problem, RunInterrupted, SimulationError, raise_problems
from ..simulation import Runner
from ..simulation.arguments import check_duration
from ..simulation.progress import advance_in_chunks, wants_progress
from ..simulation.runner import Outcome, kernel_arguments
from ..units import Q_, from_internal
from .build import BuiltNetwork
from .compiled import _population_code, network_loop, step_module
from .plastic import PlasticState
from .results import NetworkResults, assemble
from .team import Team
from .threads import Chooser, check_threads, team_compiled, team_size

__all__ = ["NetworkResults", "NetworkRunner", "NetworkSimulation"]

_MAX_RECORD_BYTES = 2 * 1024**3


class NetworkRunner:
    """The whole state of a network run (states, refractory counters, step sizes, the ring of
    spikes in flight, the Poisson sources' streams, the step count) and what it has recorded; see
    :meth:`advance`."""

    def __init__(self, built: BuiltNetwork, threads: int | None = 1) -> None:
        self.built = built
        self.threads = threads
        self.adaptive = True  # choose between the team and one thread by time (False: always the team)
        self.team: Team | None = None
        self.chooser: Chooser | None = None
        self.runners = [Runner(plan) for plan in built.plans]
        self.ring = np.zeros((built.max_delay + 1, built.n_columns))
        self.rate_history = np.zeros(built.rh_shape)
        from ..codegen import runtime  # (imports numba: not at import neurounits)

        # the Poisson streams' state (time rescaling): mean count left until the next event, events so far
        self.ps_rem = runtime.exp_starts(np.uint64(built.input_seed), built.ps_col.size)
        self.ps_nev = np.zeros(built.ps_col.size, np.int64)
        self.step = 0
        self.spike_steps: list[np.ndarray] = []
        self.spike_gids: list[np.ndarray] = []
        self.traces: list[list[np.ndarray]] = [[] for _ in built.plans]
        self.failed: tuple[int, Outcome] | None = None
        self.payload_traces = [(np.zeros(plan.n), np.zeros(plan.n, np.int64)) for plan in built.plans]
        self.plastic = [
            PlasticState(t, built.plans[t.source].n, built.plans[t.target].n,
                         *built.weight_records.get(t.projection, (np.zeros(0, np.int64), 0)))
            for t in built.plastic
        ]
        self._keys: list[tuple] = []
        self._load()

    def _load(self) -> None:
        """The step modules and the loop of the populations' current plans (again when a changed
        input changes a structure, e.g. a constant input becoming one value per neuron)."""
        plans = [r.plan for r in self.runners]
        keys = [plan.choice.key() for plan in plans]
        if keys == self._keys:
            return
        self.modules = [step_module(plan) for plan in plans]
        self.spec = NetworkKernelSpec(
            tuple(_population_code(plan, mod) for plan, mod in zip(plans, self.modules, strict=True)),
            tuple(PlasticProjectionCode(t.code, t.source, t.target) for t in self.built.plastic),
        )
        self.loop = network_loop(self.spec)
        self._keys = keys

    def samples(self, p: int, n_steps: int) -> int:
        every = self.built.record[p][2]
        if not every:
            return 0
        return (self.step + n_steps) // every - self.step // every + 1

    def record_bytes(self, n_steps: int) -> int:
        """Bytes of traces recorded so far plus what ``n_steps`` more would record."""
        total = 0
        for p, (vars_, idx, _) in enumerate(self.built.record):
            done = sum(t.shape[1] for t in self.traces[p])
            total += len(vars_) * len(idx) * (done + self.samples(p, n_steps)) * 8
        return total

    def _population_arguments(self, p: int, n_steps: int) -> dict[str, Any]:
        """The loop's arguments of population ``p`` for ``n_steps`` steps, each named ``<arg>__<p>``."""
        b, plan = self.built, self.runners[p].plan
        n = plan.n
        vars_, ridx, every = b.record[p]
        rec = np.zeros((len(vars_), max(self.samples(p, n_steps), 1), len(ridx)))
        values = self._step_arguments(p, n_steps, rec)
        pc = self.spec.populations[p]
        ptr, col, w, dly = b.csr[p]
        values.update(
            OFF=b.offsets[p],
            SPKOUT=np.empty(n, np.int64),
            PTR=ptr,
            COL=col,
            W=w,
            DLY=dly,
            SREC=p in b.spikes,
            GOFF=b.network.populations[p].offset,
            REC=rec,
            RIDX=ridx,
            RE=every,
        )
        if pc.payload:
            values.update(self._payload_arguments(p))
        assert set(values) >= {a for a in pc.args if not a.startswith("B_")}
        return {f"{k}__{p}": v for k, v in values.items()}

    def _step_arguments(self, p: int, n_steps: int, rec: np.ndarray) -> dict[str, Any]:
        """The arguments of population ``p``'s step module: its kernel's arguments (parameters
        shared between threads), its rate inputs and its tail (derived values and work arrays)."""
        b, runner, mod = self.built, self.runners[p], self.modules[p]
        plan = runner.plan
        n = plan.n
        seg = plan.segment(self.step, n_steps)
        d = kernel_arguments(runner, seg, n_steps, 0, n, 16, rec)
        derived = mod.TAIL[: len(mod.TAIL) - len(mod._work(1, 1))]
        tail = (
            list(mod._derived(n, plan.dt_ms, *[d[f"P_{k}"] for k in mod.DERIVED_PARAMS])) if derived else []
        )
        tail += list(mod._work(n, 16))
        values = {a: d[a] for a in mod.ARGS[2:] if not a.startswith("B_") and a != "RIN"}
        if "RIN" in mod.ARGS:
            values["RIN"] = np.zeros((len(plan.spec.rate_channels), n))
            rates = b.rate_csr[p]
            assert rates is not None  # a population with rate inputs has its rate table
            rptr, rcol, rw, rlag = rates
            values.update(RPTR=rptr, RCOL=rcol, RW=rw, RLAG=rlag)
        if b.rh_offsets[p] >= 0:
            values["RHOFF"] = b.rh_offsets[p]
        from ..codegen import runtime  # (imports numba: not at import neurounits)

        for a in values:
            if a.startswith("P_") or a == "REFSTEPS":
                values[a] = runtime.shared(values[a])
        for k, name in enumerate(mod.TAIL):
            values[name] = runtime.shared(tail[k]) if name in derived else tail[k]
        return values

    def _payload_arguments(self, p: int) -> dict[str, Any]:
        """The arguments of population ``p`` whose spikes carry a value: its payload table, the
        payload's traces and its coefficients and time constant."""
        plan = self.runners[p].plan
        n = plan.n
        pay = type(plan.model).spike_payload
        k0, k1 = (np.broadcast_to(np.asarray(k, float), (n,)).copy() for k in pay.coefficients(plan.params))
        table = self.built.payload_csr[p]
        assert table is not None  # a population whose spikes carry a value has its payload table
        pptr, pcol, pw, pdly = table
        pays, payt = self.payload_traces[p]
        return dict(
            PPTR=pptr,
            PCOL=pcol,
            PW=pw,
            PDLY=pdly,
            PAYS=pays,
            PAYT=payt,
            PK0=k0,
            PK1=k1,
            PTAU=np.asarray(plan.params[pay.tau], float),
        )

    def _arguments(self, n_steps: int) -> dict[str, Any]:
        b, j0 = self.built, self.step
        lam = [src.lam(j0, n_steps, b.dt_ms) for src, _, _ in b.poisson]
        ptr = np.array([0] + [last for _, _, last in b.poisson], np.int64)
        st, co, ww = b.events
        keep = (st >= j0) & (st < j0 + n_steps)
        n_spk = sum(int(np.sum(b.network.populations[p].n)) for p in b.spikes)
        cap = max(1024, min(n_spk * max(1, n_steps // 100), 1 << 22))
        kw: dict[str, Any] = {
            "n_steps": n_steps,
            "dt": b.dt_ms,
            "j0": j0,
            "RING": self.ring,
            "RH": self.rate_history,
            "SEEDP": np.uint64(b.input_seed),
            "PS_PTR": ptr,
            "PS_COL": b.ps_col,
            "PS_W": b.ps_w,
            "PS_LAM": np.array(lam) if lam else np.zeros((0, n_steps)),
            "PS_DLY": b.ps_dly,
            "PS_REM": self.ps_rem,
            "PS_NEV": self.ps_nev,
            "EV_STEP": st[keep] - j0,
            "EV_COL": co[keep],
            "EV_W": ww[keep],
            "spk_step": np.empty(cap, np.int64),
            "spk_gid": np.empty(cap, np.int64),
        }
        for p in range(len(b.plans)):
            kw.update(self._population_arguments(p, n_steps))
        for k, state in enumerate(self.plastic):
            kw.update(state.arguments(k, j0, n_steps))
        return kw

    def advance(self, n_steps: int, ahead: int = 0) -> tuple[int, Outcome]:
        """Advance every population by ``n_steps`` steps; (population, outcome) of the run (a
        failure is kept in ``failed``, and the runner cannot advance further).  ``ahead``: the
        steps of the same run that follow this call (``threads=None`` weighs the whole run)."""
        if self.failed is not None:
            raise RuntimeError("this run failed; it cannot be continued")
        need = self.record_bytes(n_steps)
        if need > _MAX_RECORD_BYTES:
            raise ParameterError(
                f"recording would need {need / 2**30:.2f} GiB for {n_steps} more steps (limit "
                f"{_MAX_RECORD_BYTES / 2**30:.0f} GiB); record fewer neurons or variables, a longer `every`, "
                "or run in shorter pieces and save each"
            )
        self._load()
        size = team_size(self.threads, self.spec.teamable, self.built.network.n) if n_steps else 1
        if size == 1 or not self.adaptive:
            return self._advance(n_steps, size)
        if self.chooser is None or self.chooser.size != size:
            ready = team_compiled(self.loop)
            self.chooser = Chooser(size, self.threads is not None, Chooser.AUTO_READY_S if ready else None)
        return self.chooser.advance(n_steps, self._advance, ahead)

    def _advance(self, n_steps: int, size: int) -> tuple[int, Outcome]:
        """``advance`` by one call of the one-thread loop (size 1) or of a team of ``size``."""
        self._load()
        kw = self._arguments(n_steps)
        if size == 1:
            out = self.loop.run(**kw)
        else:
            if self.team is None or self.team.size != size:
                self.team = Team(self, size)
            out = self.team.run(self, kw, n_steps)
        status, done, pop, bad_var, bad_n, nspk, spk_step, spk_gid = out
        j0 = self.step
        self.spike_steps.append(spk_step[:nspk].copy())
        self.spike_gids.append(spk_gid[:nspk].copy())
        for p in range(len(self.built.plans)):
            every = self.built.record[p][2]
            if every:
                rec = kw[f"REC__{p}"]
                keep = (j0 + done) // every - j0 // every + 1
                self.traces[p].append(rec[:, (0 if j0 == 0 else 1) : keep])
        for state in self.plastic:
            state.collect(j0, int(done))
        self.step = j0 + int(done)
        for r in self.runners:
            r.step = self.step
        outcome = Outcome(int(done), int(status), int(bad_var), int(bad_n), self.step * self.built.dt_ms)
        if status:
            self.failed = (int(pop), outcome)
        return int(pop), outcome


class NetworkSimulation:
    """A network run that can be continued (``nu.Simulation(net, dt)``): :meth:`run` advances it,
    :attr:`results` holds everything recorded over every run.  Two runs give the same bits as one.

    The network is built (connectivity, weights, delays, initial values drawn) and compiled here,
    before anything runs; every problem is reported then.

    ``threads``: the most threads the run may use (None, the default: the machine's cores for a
    network of 1,000 neurons or more whose run would take five seconds or more on one thread, or
    half a second once the team's loop is compiled, in memory or in numba's disk cache; else one).
    With two or more, each thread advances its share
    of every population's neurons for the shortest spike delay, then the threads exchange spikes
    (:mod:`neurounits.network.team`); the run times chunks of steps and uses the team only while it
    is faster than one thread (:mod:`neurounits.network.threads`), so a busy machine, a small network
    or one-step delays fall back to one thread.  Connectivity, initial values, Poisson trains,
    spikes and traces (and the weights of plastic projections) are the same bits whatever
    ``threads`` is (an example: :mod:`.threads`).  Networks with rate projections run on one thread.
    """

    def __init__(
        self, network: Any, dt: Any = "0.1 ms", *, raise_on_failure: bool = True, threads: int | None = None
    ) -> None:
        threads = check_threads(threads, "NetworkSimulation")
        self.network = network
        self.built = network.build(dt)
        self._runner = NetworkRunner(self.built, threads)
        self._raise = raise_on_failure
        self._duration_ms = 0.0
        self._message = ""
        self._results: NetworkResults | None = None

    @property
    def t(self) -> Any:
        return Q_(self._runner.step * self.built.dt_ms, "ms")

    def run(self, duration: Any, progress: bool | None = None) -> None:
        """Advance the network by ``duration`` (a whole number of steps of dt).

        ``progress``: show a progress bar (tqdm if installed, else a text line on stderr); None
        (the default) shows one for a long run (all populations' neurons times the steps: 50
        million or more) when stderr is a terminal, False never.  A run with a bar advances in
        chunks, with the same bits as one call; a keyboard interrupt then stops it at the end of a
        chunk with :class:`~neurounits.RunInterrupted`, and what ran stays in :attr:`results` (the
        run can be continued).
        """
        self._check_alive("NetworkSimulation.run")
        problems: list[Problem] = []
        _, n_steps = check_duration("NetworkSimulation.run", duration, self.built.dt_ms, problems)
        raise_problems("cannot run the network", problems)
        if not wants_progress(progress, self.built.network.n, n_steps):
            self._advance(n_steps)
            return

        def piece(steps: int, ahead: int) -> tuple[int, bool]:
            before = self._runner.step
            self._advance(steps, ahead)
            return self._runner.step - before, self._runner.failed is not None

        advance_in_chunks(n_steps, "simulate network", piece, lambda: RunInterrupted("network run", self.t))

    def advance(self, n_steps: int) -> None:
        """Advance by ``n_steps`` whole steps."""
        self._check_alive("NetworkSimulation.advance")
        problems: list[Problem] = []
        n = check_count("n_steps", n_steps, problems) or 0
        raise_problems("cannot run the network", problems)
        self._advance(n)

    def _check_alive(self, where: str) -> None:
        if self._runner.failed is not None:
            raise SimulationError(
                f"{where}: the simulation stopped at t = {self.t:~g} after a failure and "
                f"cannot be continued ({self._message}); start a new simulation"
            )

    def _advance(self, n_steps: int, ahead: int = 0) -> None:
        pop, outcome = self._runner.advance(n_steps, ahead)
        self._results = None
        self._duration_ms = self._runner.step * self.built.dt_ms
        if outcome.status:
            runner = self._runner.runners[pop]
            error = runner.error(outcome)
            name = self.network.populations[pop].name
            error.args = (f"population {name!r}: {error.args[0]}",)
            self._message = f"population {name!r}: {error.msg}"
            if self._raise:
                raise SimulationError(
                    self._message, neuron=outcome.neuron, variable=error.variable, time=error.time
                )

    def set_parameter(self, population: str, name: str, value: Any) -> None:
        """Set parameter ``name`` of population ``population`` for the next runs (validated as at
        construction; nothing is recompiled)."""
        runner = self._runner.runners[self.network.population(population).index]
        runner.plan = runner.plan.with_parameter(name, value)

    def set_input(self, population: str, name: str, value: Any) -> None:
        """Set input ``name`` of population ``population`` for the next runs (a constant, one value
        per neuron or a TimedArray, whose times count from t = 0), checked as at construction."""
        runner = self._runner.runners[self.network.population(population).index]
        runner.plan = runner.plan.with_input(name, value)

    @property
    def state(self) -> dict[str, dict[str, Any]]:
        """Population name -> state name -> Quantity of shape (n,) (copies)."""
        out = {}
        for p, r in zip(self.network.populations, self._runner.runners, strict=True):
            out[p.name] = {k: from_internal(v.copy(), r.plan.spec.states[k]) for k, v in r.states.items()}
        return out

    @property
    def results(self) -> NetworkResults:
        if self._results is None:
            self._results = assemble(self.network, self.built, self._runner, self._duration_ms,
                                     self._message)
        return self._results

    def __repr__(self) -> str:
        return f"<NetworkSimulation: {self.network!r}, t={self.t:~g}>"

