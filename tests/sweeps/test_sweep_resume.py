"""nu.sweep(checkpoint=...): finished chunks are written; a rerun computes only the missing ones."""

from __future__ import annotations

import json

import pytest

import neurounits as nu
from neurounits import Q_
from neurounits.sweeps import checkpoint, chunks

pd = pytest.importorskip("pandas")

KW = dict(grid={"a": Q_([0.02, 0.05, 0.1], "1/ms"), "d": Q_([2.0, 4.0, 6.0, 8.0], "mV/ms")},
          duration="100 ms", inputs={"I": "10 mV/ms"}, chunk_size=2, workers=1,
          measure=("spike_count", "rate", "mean_V"))


def counting(monkeypatch, stop_at=None):
    """Count the chunk runs; raise KeyboardInterrupt at run number ``stop_at``."""
    runs = []
    real = chunks.run_chunk

    def run_chunk(run, columns, ids):
        runs.append([int(i) for i in ids])
        if len(runs) == stop_at:
            raise KeyboardInterrupt
        return real(run, columns, ids)

    monkeypatch.setattr(chunks, "run_chunk", run_chunk)
    return runs


def test_resume_after_an_interruption_runs_only_the_missing_chunks(tmp_path, monkeypatch):
    full = nu.sweep(nu.models.Izhikevich, **KW)
    runs = counting(monkeypatch, stop_at=4)
    with pytest.raises(KeyboardInterrupt):
        nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **KW)
    (folder,) = tmp_path.iterdir()
    assert len(list(folder.glob("chunk-*.npz"))) == 3
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["model"].endswith("Izhikevich") and manifest["n_sets"] == 12

    runs = counting(monkeypatch)
    again = nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **KW)
    assert runs == [[6, 7], [8, 9], [10, 11]]  # chunks 0-2 came from the checkpoint
    pd.testing.assert_frame_equal(again.table, full.table, check_exact=True)
    assert again.table.attrs == full.table.attrs

    runs = counting(monkeypatch)  # everything is on disk now
    third = nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, progress=True, **KW)
    assert runs == []
    pd.testing.assert_frame_equal(third.table, full.table, check_exact=True)


def test_another_definition_reuses_nothing(tmp_path, monkeypatch):
    nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **KW)
    runs = counting(monkeypatch)
    other = {**KW, "inputs": {"I": "12 mV/ms"}}
    changed = nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **other)
    assert len(runs) == 6 and len(list(tmp_path.iterdir())) == 2
    monkeypatch.undo()
    pd.testing.assert_frame_equal(changed.table, nu.sweep(nu.models.Izhikevich, **other).table,
                                  check_exact=True)
    for kw in ({"duration": "50 ms"}, {"measure": ("rate",)}, {"fixed": {"c": "-55 mV"}}):
        nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **{**KW, **kw})
    assert len(list(tmp_path.iterdir())) == 5


def test_failed_sets_are_checkpointed_too(tmp_path):
    from test_sweep import Growth

    kw = dict(grid={"k": Q_([0.01, 50.0, 0.02, 60.0], "1/ms")}, duration="100 ms", measure=("mean_V",),
              chunk_size=2, workers=1)
    a = nu.sweep(Growth, checkpoint=tmp_path, **kw)
    b = nu.sweep(Growth, checkpoint=tmp_path, **kw)
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    assert [str(e) for _, e in a.failed] == [str(e) for _, e in b.failed]
    assert all(isinstance(e, nu.SimulationError) for _, e in b.failed)
    assert [s["k"] for s, _ in a.failed] == [s["k"] for s, _ in b.failed]


def test_threads_with_several_workers_checkpoint(tmp_path, monkeypatch):
    kw = {**KW, "workers": 2}
    a = nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **kw)
    runs = counting(monkeypatch)
    b = nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **kw)
    assert runs == []
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)


def test_a_rerun_with_another_chunk_size_reuses_the_finished_sets(tmp_path, monkeypatch):
    full = nu.sweep(nu.models.Izhikevich, **KW)
    counting(monkeypatch, stop_at=4)  # chunks of 2: sets 0-5 finish, then the run stops
    with pytest.raises(KeyboardInterrupt):
        nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **KW)
    runs = counting(monkeypatch)
    again = nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **{**KW, "chunk_size": 5})
    assert runs == [[6, 7, 8, 9, 10], [11]]  # only the sets no saved chunk covers
    pd.testing.assert_frame_equal(again.table, full.table, check_exact=True)

    runs = counting(monkeypatch)  # chunks of 2 and of 5 on disk; a third size, two workers
    third = nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **{**KW, "chunk_size": 4, "workers": 2})
    assert runs == []
    pd.testing.assert_frame_equal(third.table, full.table, check_exact=True)


def test_overlapping_saved_chunks_give_each_set_once(tmp_path, monkeypatch):
    nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **{**KW, "chunk_size": 3})
    nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **{**KW, "chunk_size": 3})
    (folder,) = tmp_path.iterdir()
    # files of another chunking of the same sets, as two runs writing at the same time would leave
    store_runs = counting(monkeypatch)
    monkeypatch.setattr(checkpoint.Checkpoint, "load_all", lambda self, wanted: ([], wanted[:0]))
    nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **{**KW, "chunk_size": 5})
    assert len(store_runs) == 3 and len(list(folder.glob("chunk-*.npz"))) == 4 + 3
    monkeypatch.undo()
    runs = counting(monkeypatch)
    again = nu.sweep(nu.models.Izhikevich, checkpoint=tmp_path, **KW)
    assert runs == [] and list(again.table.index) == list(range(12))
    pd.testing.assert_frame_equal(again.table, nu.sweep(nu.models.Izhikevich, **KW).table, check_exact=True)
