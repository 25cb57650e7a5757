"""nu.sweep(backend="dask"): the same table as threads, and no row lost when a worker dies."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

pd = pytest.importorskip("pandas")
distributed = pytest.importorskip("distributed")

KW = dict(grid={"a": Q_([0.02, 0.1], "1/ms"), "d": Q_([2.0, 4.0, 8.0], "mV/ms")},
          fixed={"c": "-55 mV"}, duration="200 ms", inputs={"I": "10 mV/ms"}, chunk_size=2,
          measure=("spike_count", "rate", "first_spike_time", "mean_V"))


def slow_rate(res):
    """A measure that takes a while, so that a worker can be killed in the middle of a sweep."""
    time.sleep(0.4)
    return {"slow_rate": res.rates}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cl, distributed.Client(cl) as client:
        yield client


def test_default_local_cluster_gives_the_threads_table():
    a = nu.sweep(nu.models.Izhikevich, backend="threads", workers=2, **KW)
    b = nu.sweep(nu.models.Izhikevich, backend="dask", **KW)  # its own LocalCluster, closed at the end
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    assert a.table.attrs == b.table.attrs and len(b.table) == 6


def test_given_client_failed_sets_and_random_samples(cluster):
    from test_sweep import Growth

    sw = nu.sweep(Growth, grid={"k": Q_([0.01, 50.0, 0.02], "1/ms")}, duration="100 ms",
                  measure=("mean_V",), backend="dask", client=cluster, chunk_size=2)
    assert list(sw.table.index) == [0, 2] and len(sw.failed) == 1
    assert isinstance(sw.failed[0][1], nu.SimulationError)
    kw = dict(random={"a": ("0.02 1/ms", "0.1 1/ms")}, samples=7, seed=3, duration="100 ms",
              inputs={"I": "10 mV/ms"}, chunk_size=3)
    pd.testing.assert_frame_equal(nu.sweep(nu.models.Izhikevich, backend="dask", client=cluster, **kw).table,
                                  nu.sweep(nu.models.Izhikevich, **kw).table, check_exact=True)
    assert cluster.status == "running"  # a given client is left open
    with pytest.raises(nu.ParameterError, match="client= is for backend='dask'"):
        nu.sweep(Growth, grid={"k": Q_([0.01], "1/ms")}, client=cluster)


def test_a_worker_killed_mid_sweep_loses_no_rows(cluster):
    kw = dict(grid={"d": Q_(np.linspace(2.0, 8.0, 16), "mV/ms")}, duration="100 ms",
              inputs={"I": "10 mV/ms"}, chunk_size=1, measure=("spike_count", slow_rate))
    killed = []

    def kill_a_busy_worker():  # once chunks have been running for a second (0.4 s each), kill a busy worker
        deadline, started = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            busy = [w for w, keys in cluster.processing().items() if keys]
            if busy and started is None:
                started = time.monotonic()
            if busy and time.monotonic() - started > 1.0:
                pid = cluster.run(os.getpid, workers=busy[:1])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    sw = nu.sweep(nu.models.Izhikevich, backend="dask", client=cluster, **kw)
    killer.join()
    assert killed, "no worker was killed"
    ref = nu.sweep(nu.models.Izhikevich, backend="threads", workers=2, **kw)
    assert list(sw.table.index) == list(range(16)) and not sw.failed
    pd.testing.assert_frame_equal(sw.table, ref.table, check_exact=True)
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarts the worker


def test_dask_writes_the_checkpoint_that_threads_resume_from(cluster, tmp_path, monkeypatch):
    from neurounits.sweeps import chunks

    kw = {**KW, "chunk_size": 3}
    a = nu.sweep(nu.models.Izhikevich, backend="dask", client=cluster, checkpoint=tmp_path, **kw)
    runs = []
    monkeypatch.setattr(chunks, "run_chunk", lambda *args: runs.append(args) or 1 / 0)
    b = nu.sweep(nu.models.Izhikevich, backend="threads", checkpoint=tmp_path, **kw)
    assert runs == []  # the definition hash does not depend on the backend
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)


def _forbid_code_generation():
    """On a worker: make generating kernel code an error (workers must use the shipped source)."""
    from neurounits import codegen

    def refuse(*args, **kwargs):
        raise AssertionError("a Dask worker generated kernel code instead of using the shipped source")

    codegen.generate = refuse
    return True


def _kernels_loaded():
    from neurounits.codegen import cache

    return cache.loaded()


def rate_in_hz(res):
    return {"r": res.rates}


def test_a_model_class_made_in_the_test_runs_on_dask_from_the_shipped_source():
    leaky = nu.Model.from_equations(  # not importable by the workers
        "dV/dt = (E_L - V)/tau + I/C : mV",
        parameters={"E_L": "-70 mV", "tau": "10 ms", "C": "200 pF", "V_th": "-55 mV", "V_r": "-70 mV"},
        inputs={"I": "pA"}, initial={"V": "E_L"}, threshold="V >= V_th", reset="V = V_r", name="LeakyInTest")
    kw = dict(grid={"tau": Q_([8.0, 12.0, 20.0], "ms"), "I": Q_([400.0, 800.0], "pA")}, duration="200 ms",
              chunk_size=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cl, distributed.Client(cl) as client:
        assert all(client.run(_forbid_code_generation).values())
        for measure in (("spike_count", "first_spike_time", "mean_V"), ("spike_count", rate_in_hz)):
            a = nu.sweep(leaky, backend="dask", client=client, measure=measure, **kw)
            b = nu.sweep(leaky, backend="threads", workers=2, measure=measure, **kw)
            pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
            assert len(a.table) == 6 and a.table["spike_count"].nunique() > 2
        loaded = client.run(_kernels_loaded)
    # each worker imported each of the two kernels (count-only and normal) at most once
    assert all(len(v) <= 2 for v in loaded.values()) and sum(len(v) for v in loaded.values()) >= 2
