"""nu.sweep over networks on every backend, with checkpoints: the same table everywhere, resumed
runs that compute only the missing sets, failed sets kept, nothing recompiled."""

from __future__ import annotations

import json

import network_builds as nb
import numpy as np
import pytest
from network_builds import build, count

import neurounits as nu
from neurounits.codegen import cache

pd = pytest.importorskip("pandas")
distributed = pytest.importorskip("distributed")

GRID = {"w": nu.Q_([-150.0, 0.0, 150.0], "pA"), "seed": [1, 2]}
KW = dict(duration="100 ms", measure=count)


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cl,
        distributed.Client(cl) as c,
    ):
        yield c


@pytest.fixture(autouse=True)
def fresh_counts():
    nb.BUILDS.clear()
    nb.STOP_AT.clear()
    yield
    nb.STOP_AT.clear()


def test_every_backend_gives_the_same_table_and_failures_and_nothing_recompiles(client):
    # four weights, the last in the wrong unit (its two sets fail), two seeds
    grid = {"w": [*nu.Q_([-150.0, 0.0, 150.0], "pA"), nu.Q_(1.0, "nS")], "seed": [1, 2]}
    with pytest.warns(UserWarning, match=r"2 of 8 parameter sets failed .* DimensionError: cannot connect"):
        ref = nu.sweep(build, grid, backend="serial", **KW)
    before = cache.loaded()
    sweeps = {}
    for b in ("threads", "dask", "processes"):
        with pytest.warns(UserWarning, match="2 of 8 parameter sets failed"):
            sweeps[b] = nu.sweep(
                build, grid, backend=b, workers=2, client=client if b == "dask" else None, **KW
            )
        if b == "dask":  # new weights and seeds compile nothing (here and in the in-process Dask workers)
            assert cache.loaded() == before
    # serial, threads and dask here (and the network whose code dask ships); processes in its workers
    assert len(nb.BUILDS) == 3 * 8 + 1
    for b, sw in sweeps.items():
        pd.testing.assert_frame_equal(sw.table, ref.table, check_exact=True, obj=b)
        assert sw.units == {"w": "pA", "seed": "", "spikes": "", "rate": "Hz"}
        assert [s for s, _ in sw.failed] == [{"w": nu.Q_(1.0, "nS"), "seed": k} for k in (1, 2)]
        for _, err in sw.failed:
            assert isinstance(err, nu.DimensionError), b
            assert "expected a value in pA (current), got 1 nS" in str(err)
    s = ref.columns["spikes"]
    assert list(ref.index) == list(range(6))
    assert s[0] < s[2] < s[4] and s[1] < s[3] < s[5] and s[4] != s[5]  # weights and seeds reach the nets
    one = nu.simulate(build(nu.Q_(150.0, "pA"), 2), "100 ms")["P"].spikes.indices.size
    assert s[5] == one


def test_resume_after_an_interruption_builds_only_the_missing_sets(tmp_path, capsys):
    full = nu.sweep(build, GRID, backend="serial", **KW)
    nb.BUILDS.clear()
    nb.STOP_AT.append(4)  # the 4th set's measure is interrupted (Ctrl-C)
    with pytest.raises(KeyboardInterrupt):
        nu.sweep(build, GRID, backend="serial", checkpoint=tmp_path, **KW)
    (folder,) = tmp_path.iterdir()
    assert len(list(folder.glob("chunk-*.npz"))) == 3  # sets 0-2 finished
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"] == "network" and manifest["n_sets"] == 6
    assert manifest["build"] == "network_builds.build" and manifest["columns"] == ["w", "seed"]

    nb.BUILDS.clear()
    nb.STOP_AT.clear()
    again = nu.sweep(build, GRID, backend="threads", workers=2, checkpoint=tmp_path, progress=True, **KW)
    assert sorted((float(b["w"].m_as("pA")), b["seed"]) for b in nb.BUILDS) == [
        (0.0, 2),
        (150.0, 1),
        (150.0, 2),
    ]
    assert "6/6" in capsys.readouterr().err  # the bar counts the sets loaded from the checkpoint too
    pd.testing.assert_frame_equal(again.table, full.table, check_exact=True)

    nb.BUILDS.clear()
    third = nu.sweep(build, GRID, checkpoint=tmp_path, **KW)
    assert nb.BUILDS == []
    pd.testing.assert_frame_equal(third.table, full.table, check_exact=True)
    nu.sweep(build, GRID, checkpoint=tmp_path, **{**KW, "duration": "50 ms"})  # another definition
    assert len(nb.BUILDS) == 6 and len(list(tmp_path.iterdir())) == 2


def test_failed_sets_are_checkpointed_as_json_and_come_back_with_their_error(tmp_path):
    grid = {"w": [nu.Q_(100.0, "pA"), nu.Q_(1.0, "nS")], "seed": [1, 2]}
    kw = dict(duration="20 ms", measure=count, backend="serial", checkpoint=tmp_path)
    with pytest.warns(UserWarning, match="2 of 4 parameter sets failed"):
        a = nu.sweep(build, grid, **kw)
    (folder,) = tmp_path.iterdir()
    records = []
    for f in folder.glob("chunk-*.npz"):
        with np.load(f, allow_pickle=False) as z:  # nothing pickled
            records += json.loads(str(z["failures"]))
    assert sorted(i for i, _ in records) == [2, 3]
    assert {r["type"] for _, r in records} == {"DimensionError"}
    nb.BUILDS.clear()
    with pytest.warns(UserWarning, match="2 of 4 parameter sets failed"):
        b = nu.sweep(build, grid, **kw)
    assert nb.BUILDS == []  # failures are not run again either
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    assert [(v, type(e), str(e)) for v, e in a.failed] == [(v, type(e), str(e)) for v, e in b.failed]
    assert b.failed[0][0] == {"w": nu.Q_(1.0, "nS"), "seed": 1}


def test_dask_writes_the_checkpoint_that_threads_resume_from(client, tmp_path):
    a = nu.sweep(build, GRID, backend="dask", client=client, checkpoint=tmp_path, **KW)
    nb.BUILDS.clear()
    b = nu.sweep(build, GRID, backend="threads", checkpoint=tmp_path, **KW)
    assert nb.BUILDS == []  # the definition does not depend on the backend
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    assert client.status == "running"  # a given client is left open


def test_saved_ensemble_keeps_units_and_failures(tmp_path):
    pytest.importorskip("pyarrow")
    grid = {"w": [nu.Q_(100.0, "pA"), nu.Q_(1.0, "nS"), nu.Q_(0.2, "nA")], "seed": [1]}
    with pytest.warns(UserWarning, match="1 of 3"):
        sw = nu.sweep(build, grid, duration="50 ms", measure=count)
    assert list(sw.columns["w"]) == [100.0, pytest.approx(200.0, rel=1e-15)]  # the first set's unit
    back = nu.load(sw.save(tmp_path / "ensemble.parquet"))
    pd.testing.assert_frame_equal(back.table, sw.table, check_exact=True)
    assert back.units == {"w": "pA", "seed": "", "spikes": "", "rate": "Hz"}
    assert back["rate"].units == nu.ureg.Hz
    assert back.model == "network" and back.n_sets == 3 and back.dims == ("w", "seed")
    assert len(back.failed) == 1 and "expected a value in pA" in str(back.failed[0][1])


def _forbid_code_generation():
    """On a worker: make generating kernel code an error (workers must use the shipped source)."""
    from neurounits import codegen
    from neurounits.network import compiled

    def refuse(*args, **kwargs):
        raise AssertionError("a Dask worker generated network code instead of using the shipped source")

    codegen.generate = compiled.generate_step = compiled.generate_network = refuse
    return True


def _kernels_loaded():
    return cache.loaded()


@pytest.mark.slow
def test_dask_worker_processes_use_the_shipped_code_and_load_each_kernel_once():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cl,
        distributed.Client(cl) as client,
    ):
        assert all(client.run(_forbid_code_generation).values())
        sw = nu.sweep(build, GRID, backend="dask", client=client, **KW)
        loaded = client.run(_kernels_loaded)
    pd.testing.assert_frame_equal(
        sw.table, nu.sweep(build, GRID, backend="serial", **KW).table, check_exact=True
    )
    # six networks of one structure: each worker loaded the step module and the loop at most once
    assert all(len(v) <= 2 for v in loaded.values()) and sum(len(v) for v in loaded.values()) >= 2
