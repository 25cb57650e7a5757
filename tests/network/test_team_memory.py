"""A team of threads: its buffers predicted before the build (``Network.memory(threads=...)``) against
what ``Team`` allocates; the table helpers it compiles in a fresh process (sorting each source's
synapses by column, runs of a member's synapses) against plain references; the spike list that grows
without a ``try`` in the team's loop."""

from __future__ import annotations

import contextlib
import itertools

import numpy as np
import pytest

import neurounits as nu
from neurounits.codegen.csr import member_runs, sort_by_column, sorted_runs
from neurounits.network.team import Team


def _brunel(n: int = 2000) -> nu.Network:
    """Brunel (2000) model A scaled down (D = 1.5 ms: slices of 15 steps), traces recorded."""
    net = nu.Network(seed=3)
    P = net.add(
        nu.models.nest.iaf_psc_delta(n=n), name="P", initial={"V_m": nu.dist.Uniform("0 mV", "20 mV")}
    )
    ne = n * 4 // 5
    net.connect(P[:ne], P, nu.conn.FixedInDegree(ne // 10), weight="0.1 mV", delay="1.5 ms")
    net.connect(P[ne:], P, nu.conn.FixedInDegree(ne // 40), weight="-0.5 mV", delay="1.5 ms")
    net.connect(nu.sources.Poisson("20 kHz"), P, weight="0.1 mV", delay="1.5 ms")
    net.record(P, spikes=True)
    net.record(P[::4], "V_m", every="0.2 ms")
    return net


def _payload() -> nu.Network:
    """iaf_bw_2001 (spikes carrying a value: two more spike buffers, a second table) and a plain LIF."""
    net = nu.Network(seed=9)
    B = net.add(nu.models.nest.iaf_bw_2001(n=300), name="B")
    L = net.add(nu.models.nest.iaf_psc_exp(n=200), name="L")
    for receptor in ("AMPA", "NMDA"):
        net.connect(B, B, nu.conn.FixedProbability(0.1), weight="0.5 nS", receptor=receptor, delay="0.5 ms")
    net.connect(L, B, nu.conn.FixedInDegree(10), weight="0.4 nS", receptor="AMPA", delay="0.3 ms")
    net.connect(B, L, nu.conn.FixedOutDegree(3), weight="10 pA", delay="1 ms")
    net.connect(nu.sources.Poisson("3 kHz"), B, weight="2 nS", receptor="AMPA", delay="0.4 ms")
    net.record(B, "V_m", "s_NMDA")
    return net


def _plastic() -> nu.Network:
    """STDP on the excitatory synapses (delay 1 ms, all dendritic), 500 of them recorded: each
    member's synapses by source, the other member's copy of the traces and of the post spikes in flight."""
    net = nu.Network(seed=5)
    P = net.add(nu.models.nest.iaf_psc_exp(n=1500, I_e="370 pA"), name="P")
    stdp = nu.synapses.STDP(mu_plus=0.0, mu_minus=0.0, Wmax="100 pA")
    pr = net.connect(P[:1200], P, nu.conn.FixedInDegree(40), weight="30 pA", receptor="ex", delay="1 ms",
                     synapse=stdp)
    net.connect(P[1200:], P, nu.conn.FixedInDegree(10), weight="-60 pA", delay="1 ms")
    net.connect(nu.sources.Poisson("400 Hz"), P, weight="40 pA", receptor="ex", delay="1 ms")
    net.record(P[::10], "V_m")
    net.record_weights(pr, np.arange(0, 60000, 120))
    return net


def _allocated(monkeypatch) -> dict[str, int]:
    """Bytes of the arrays the team allocates (its tables and one run's buffers, not the one-thread
    run's arrays it takes parts of), captured when the run merges."""
    got: dict[str, int] = {}
    run, merge = Team.run, Team._merge

    def ids(arrays) -> set[int]:
        out = set()
        for a in arrays:
            while isinstance(a, np.ndarray):
                out.add(id(a))
                a = a.base
        return out

    def spy_run(self, runner, kw, n_steps):
        got["kw"] = ids(v for v in kw.values() if isinstance(v, np.ndarray))  # type: ignore[assignment]
        got["keep"] = list(kw.values())  # type: ignore[assignment]  # (alive: ids stay unique)
        return run(self, runner, kw, n_steps)

    def spy_merge(self, runner, kw, members, outs, fail, n_steps):
        seen: dict[int, np.ndarray] = {}
        tables = [
            self.owner,
            *[
                a
                for t in range(self.size)
                for r in self.runs[t] + self.pruns[t] + [self.ps_runs[t]]
                if r is not None
                for a in r
            ],
        ]
        for a in [*tables, *(v for m in members for v in m.values())]:
            if isinstance(a, np.ndarray) and not ids([a]) & got["kw"]:  # type: ignore[operator]
                seen[id(a)] = a
        got["bytes"] = sum(a.nbytes for a in seen.values()) + self.sync.nbytes
        return merge(self, runner, kw, members, outs, fail, n_steps)

    monkeypatch.setattr(Team, "run", spy_run)
    monkeypatch.setattr(Team, "_merge", spy_merge)
    return got


@pytest.mark.parametrize("make", [_brunel, _payload, _plastic])
def test_team_buffers_predicted_within_ten_percent(monkeypatch, make):
    got = _allocated(monkeypatch)
    est = make().memory("0.1 ms", duration="20 ms", threads=2)
    sim = nu.Simulation(make(), "0.1 ms", threads=2)
    sim._runner.adaptive = False  # the team for the whole run
    sim.run("20 ms")
    assert sim._runner.team is not None
    actual = got["bytes"]
    assert est.team == pytest.approx(actual, rel=0.10), (est.team, actual)
    assert est.team > est.traces > 0  # the members' copies of the traces, and more
    one = make().memory("0.1 ms", duration="20 ms", threads=1)
    assert one.team == 0 and est.total == one.total + est.team
    assert "team of threads" in str(est) and "team" not in str(one)


def test_team_buffers_counted_only_where_a_team_may_run():
    big = _brunel()
    assert (
        big.memory(threads=2).team > 2 * 2 * 2 * 15 * 1001 * 8
    )  # SB_I, SB_C: 2 members, 2 slices of 15 steps
    small = nu.Network(seed=1)
    P = small.add(nu.models.nest.iaf_psc_delta(n=40), name="P")
    small.connect(P, P, nu.conn.FixedInDegree(4), weight="0.5 mV", delay="1 ms")
    assert small.memory(threads=None).team == 0  # automatic: fewer than 1,000 neurons run on one thread
    assert small.memory(threads=2).team > 0
    rate = nu.Network(seed=1)
    r = rate.add(nu.models.nest.sigmoid_rate_ipn(n=3000, sigma=0.0), name="r")
    rate.connect(r, r, nu.conn.FixedInDegree(2), weight=0.1, delay="1 ms")
    assert rate.memory(threads=4).team == 0  # rate projections: one thread
    with pytest.raises(nu.ParameterError, match=r"Network.memory: threads must be a positive integer"):
        big.memory(threads=0)


def test_sort_by_column_and_runs_against_references():
    rng = np.random.default_rng(0)
    deg = rng.integers(0, 200, 300)
    deg[:3] = (0, 1, 2)
    ptr = np.zeros(301, np.int64)
    np.cumsum(deg, out=ptr[1:])
    col = rng.integers(0, 40, ptr[-1]).astype(np.int32)
    w, d = rng.random(ptr[-1]), rng.integers(1, 9, ptr[-1]).astype(np.uint8)
    c0, w0, d0 = col.copy(), w.copy(), d.copy()
    sort_by_column(ptr, col, w, d)
    for a, b in itertools.pairwise(ptr):  # stable: equal columns keep their order
        o = np.argsort(c0[a:b], kind="stable")
        np.testing.assert_array_equal(col[a:b], c0[a:b][o])
        np.testing.assert_array_equal(w[a:b], w0[a:b][o])
        np.testing.assert_array_equal(d[a:b], d0[a:b][o])
    spans = np.array([[3, 10], [20, 21], [39, 40]])
    rptr, ra, rb = sorted_runs(ptr, col, spans)
    owner = np.ones(40, np.int32)
    for lo, hi in spans:
        owner[lo:hi] = 0
    for p, q, r in ((rptr, ra, rb), member_runs(ptr, col, owner, 0)):
        for i, (a, b) in enumerate(itertools.pairwise(ptr)):
            runs = [(s, e) for s, e in zip(q[p[i] : p[i + 1]], r[p[i] : p[i + 1]], strict=True)]
            mine = [s for s in range(a, b) if owner[col[s]] == 0]
            assert [s for s, e in runs for s in range(s, e)] == mine  # exactly the member's synapses
            assert all(e > s for s, e in runs)
            assert all(e1 <= s2 for (_, e1), (s2, _) in itertools.pairwise(runs))
    got = member_runs(np.array([0, 3, 3, 6]), np.array([0, 1, 1, 1, 1, 0]), np.array([0, 1]), 1)
    assert [x.tolist() for x in got] == [[0, 1, 1, 2], [1, 3], [3, 5]]  # runs stop at a source's end


def test_team_spike_list_grows_or_reports_no_memory():
    sim = nu.Simulation(_brunel(1000), "0.1 ms", threads=2)
    grow = sim._runner.loop._grow_or_empty
    a = np.arange(5, dtype=np.int64)
    b = grow(a, 7)
    assert b.shape == (26,) and (b[:5] == a).all()  # max(2 len, need) + 16
    assert grow(a, 1 << 62).shape == (0,)  # the allocation fails: the member reports status 4


def test_team_loop_compiled_once_for_new_weights_seeds_sizes_and_team_sizes():
    """A new seed, weight, network size or number of threads is data: the team's loop and the step
    function keep the one compiled version (the step function the one the one-thread loop uses)."""

    def net(n: int, seed: int, w: str) -> nu.Network:
        net = nu.Network(seed=seed)
        P = net.add(nu.models.nest.iaf_psc_delta(n=n), name="P")
        net.connect(P, P, nu.conn.FixedInDegree(5), weight=w, delay="1 ms")
        net.connect(nu.sources.Poisson("15 kHz"), P, weight="0.2 mV")
        net.record(P, spikes=True)
        net.record(P[:3], "V_m")
        return net

    from numba.core import event

    compiled: list[str] = []

    class Log(event.Listener):
        def on_start(self, ev):
            compiled.append(ev.data["dispatcher"].py_func.__qualname__)

        def on_end(self, ev):
            pass

    sims = []
    runs = ((60, 1, "0.5 mV", 1), (60, 1, "0.5 mV", 2), (90, 7, "0.3 mV", 3))
    for k, (n, seed, w, threads) in enumerate(runs):
        sim = nu.Simulation(net(n, seed, w), "0.1 ms", threads=threads)
        sim._runner.adaptive = False
        with event.install_listener("numba:compile", Log()) if k == 2 else contextlib.nullcontext():
            sim.run("5 ms")
        sims.append(sim)
    assert compiled == []  # a new size, seed, weight and team size: nothing compiled
    assert len({id(s._runner.loop) for s in sims}) == 1  # one network module for the structure
    loop, step = sims[0]._runner.loop, sims[0]._runner.modules[0]
    assert len(loop._team.signatures) == 1 and len(loop._loop.signatures) == 1
    assert len(step.step.signatures) <= 1 and len(step.record.signatures) <= 1  # (0: loaded with the loops)
    assert sims[2]._runner.team is not None and sims[2]._runner.team.size == 3
    np.testing.assert_array_equal(sims[0].results["P"].spikes.indices, sims[1].results["P"].spikes.indices)
