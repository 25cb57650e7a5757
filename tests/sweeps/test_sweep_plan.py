"""A sweep checks and converts its run arguments once (one plan, derived per chunk with
RunPlan.with_model), and its checkpoints never unpickle."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_
from neurounits.simulation import arguments, counts, make_plan, plan, simulation
from neurounits.sweeps import chunks

pd = pytest.importorskip("pandas")

KW = dict(grid={"a": Q_([0.02, 0.05, 0.1], "1/ms"), "d": Q_([2.0, 8.0], "mV/ms")}, duration="100 ms",
          dt="0.1 ms", inputs={"I": "10 mV/ms"}, workers=1)


def time_checks(monkeypatch):
    """Count the calls of the checks that parse dt and duration, wherever they are called from."""
    calls = {"check_times": 0, "check_dt": 0, "check_duration": 0}
    reals = {name: getattr(arguments, name) for name in calls}
    for module in (arguments, plan, simulation):
        for name, real in reals.items():
            if hasattr(module, name):

                def counted(*a, _name=name, _real=real, **k):
                    calls[_name] += 1
                    return _real(*a, **k)

                monkeypatch.setattr(module, name, counted)
    return calls


def rates(res):
    return {"r": res.rates}


@pytest.mark.parametrize("measure", [("spike_count", "mean_V"), ("spike_count", rates)])
def test_dt_and_duration_are_parsed_once_per_sweep_whatever_the_chunks(monkeypatch, measure):
    per_chunking = []
    for chunk_size in (6, 1):
        calls = time_checks(monkeypatch)
        nu.sweep(nu.models.Izhikevich, measure=measure, chunk_size=chunk_size, **KW)
        per_chunking.append(dict(calls))
        monkeypatch.undo()
    one, six = per_chunking
    assert one["check_times"] == six["check_times"] == 1
    assert one["check_dt"] == six["check_dt"] == 2  # the sweep's checks, then its plan (a ms Quantity)
    if measure[1] == "mean_V":  # count-only chunks run a number of steps: no duration at all
        assert one["check_duration"] == six["check_duration"] == 1


def test_with_model_gives_the_plan_make_plan_gives():
    model = nu.models.IzhikevichRef(n=3, a=Q_([0.02, 0.05, 0.1], "1/ms"), tau_ref="2 ms")
    inputs = {"I": Q_([8.0, 10.0, 12.0], "mV/ms")}
    kw = dict(record=("V",), counts=("count", "first"), uniform=("b", "c"))
    direct, _, n_steps = make_plan(model, "0.1 ms", duration="100 ms", inputs=inputs, **kw)
    one, _, _ = make_plan(nu.models.IzhikevichRef(n=1, tau_ref="1 ms"), "0.1 ms", inputs={"I": "1 mV/ms"},
                          **kw)
    derived = one.with_model(model, inputs=inputs)
    assert derived.dt_ms == direct.dt_ms and derived.uniform == direct.uniform == ("b", "c")
    assert derived.choice.key() == direct.choice.key()
    for k in ("params", "init"):
        assert getattr(derived, k).keys() == getattr(direct, k).keys()
        for name, v in getattr(direct, k).items():
            np.testing.assert_array_equal(getattr(derived, k)[name], v)
    np.testing.assert_array_equal(derived.refsteps, direct.refsteps)
    a, b = counts.count_plan(direct, n_steps), counts.count_plan(derived, n_steps)
    np.testing.assert_array_equal(a["count"], b["count"])
    np.testing.assert_array_equal(a["sums"]["V"].magnitude, b["sums"]["V"].magnitude)
    with pytest.raises(nu.ParameterError, match="needs a model of class IzhikevichRef"):
        one.with_model(nu.models.LIF(n=2))
    with pytest.raises(nu.ParameterError, match="no input 'J'"):
        one.with_model(model, inputs={"J": "1 mV/ms"})
    with pytest.raises(nu.DimensionError, match="input 'I'"):
        one.with_model(model, inputs={"I": "1 mV"})


def test_a_checkpoint_never_unpickles(tmp_path, monkeypatch):
    from test_sweep import Growth

    kw = dict(grid={"k": Q_([0.01, 50.0, 0.02, 60.0], "1/ms")}, duration="100 ms", measure=("mean_V",),
              chunk_size=2, workers=1)
    plain = nu.sweep(Growth, **kw)  # compiles the kernel (numba's own cache may use pickle)

    def refuse(*a, **k):
        raise AssertionError("pickle used by a sweep checkpoint")

    for name in ("loads", "load", "dumps", "dump"):
        monkeypatch.setattr(pickle, name, refuse)
    a = nu.sweep(Growth, checkpoint=tmp_path, **kw)
    runs = []
    real = chunks.run_chunk
    monkeypatch.setattr(chunks, "run_chunk", lambda *args: runs.append(args) or real(*args))
    b = nu.sweep(Growth, checkpoint=tmp_path, **kw)
    assert runs == []  # every chunk, with its failed sets, came from the checkpoint
    pd.testing.assert_frame_equal(a.table, plain.table, check_exact=True)
    pd.testing.assert_frame_equal(b.table, plain.table, check_exact=True)
    for (sa, ea), (sb, eb) in zip(plain.failed, b.failed, strict=True):
        assert type(eb) is type(ea) is nu.SimulationError and str(eb) == str(ea)
        fields = ("neuron", "variable", "time", "problems")
        assert [getattr(eb, f) for f in fields] == [getattr(ea, f) for f in fields]
        assert sb == sa
