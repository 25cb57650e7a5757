"""The count-only kernel (sweeps whose measures are all names): the same numbers as simulate."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_, codegen, integrators, measures
from neurounits.simulation import count_run, counts, runner

pd = pytest.importorskip("pandas")

ALL = ("spike_count", "rate", "first_spike_time", "last_spike_time")


def izhikevich_population(n=40, seed=5):
    rng = np.random.default_rng(seed)
    return nu.models.Izhikevich(n=n, a=Q_(rng.uniform(0.02, 0.1, n), "1/ms"),
                                b=Q_(rng.uniform(0.2, 0.25, n), "1/ms"),
                                c=Q_(rng.uniform(-65, -50, n), "mV"), d=Q_(rng.uniform(2, 8, n), "mV/ms"))


def expected(res, measure):
    return measures.evaluate(measure, res)


@pytest.mark.parametrize("method, record_every", [("euler", 1), ("rk4", 3)])
def test_count_only_run_equals_simulate(method, record_every):
    model = izhikevich_population()
    inputs = {"I": Q_(np.linspace(0.0, 15.0, model.n), "mV/ms")}  # some neurons never fire
    res = nu.simulate(model, "300 ms", "0.1 ms", inputs=inputs, record=("V", "u"), method=method,
                      record_every=record_every, threads=1)
    acc = count_run(model, "300 ms", "0.1 ms", inputs=inputs, means=("V", "u"), method=method,
                           record_every=record_every)
    want = expected(res, (*ALL, "mean_V", "mean_u"))
    got = measures.evaluate_counts((*ALL, "mean_V", "mean_u"), acc)
    assert (want["spike_count"][0] == 0).any() and (want["spike_count"][0] > 3).any()
    for k in ALL:  # exact
        np.testing.assert_array_equal(got[k][0], want[k][0], err_msg=k)
        assert got[k][1] == want[k][1]
    for k in ("mean_V", "mean_u"):  # a running sum instead of numpy's pairwise mean
        np.testing.assert_allclose(got[k][0], want[k][0], rtol=1e-12, atol=0, err_msg=k)
        assert got[k][1] == want[k][1]
    assert acc["n_samples"] == res["V"].shape[0]


def test_count_only_run_with_refractoriness_and_several_blocks(monkeypatch):
    monkeypatch.setattr(runner, "COUNT_BLOCK", 7)  # 30 neurons in 5 blocks, one after the other
    n = 30
    model = nu.models.LIF(n=n, tau_m=Q_(np.linspace(5, 30, n), "ms"), t_ref=Q_(np.linspace(0, 5, n), "ms"))
    inputs = {"I": "0.4 nA"}
    res = nu.simulate(model, "200 ms", "0.1 ms", inputs=inputs, record=("V",), threads=1)
    acc = count_run(model, "200 ms", "0.1 ms", inputs=inputs, means=("V",), threads=1)
    want, got = expected(res, (*ALL, "mean_V")), measures.evaluate_counts((*ALL, "mean_V"), acc)
    assert want["spike_count"][0].min() > 0 and np.unique(want["spike_count"][0]).size > 5
    for k in ALL:
        np.testing.assert_array_equal(got[k][0], want[k][0], err_msg=k)
    np.testing.assert_allclose(got["mean_V"][0], want["mean_V"][0], rtol=1e-12, atol=0)


def test_count_only_run_raises_simulates_error():
    from test_sweep import Growth

    model = Growth(n=3, k=Q_([0.01, 50.0, 0.02], "1/ms"))
    with pytest.raises(nu.SimulationError) as a:
        nu.simulate(model, "100 ms", "0.1 ms")
    with pytest.raises(nu.SimulationError) as b:
        count_run(model, "100 ms", "0.1 ms", means=("V",))
    assert str(a.value) == str(b.value) and b.value.neuron == 1 and b.value.time == a.value.time


def test_the_count_flag_is_part_of_the_generated_source():
    spec = nu.models.Izhikevich(n=1).spec
    step = integrators.INTEGRATORS["euler"].step(spec)
    normal = codegen.generate(codegen.KernelSpec(spec, step, ("V",), (), "y"))
    counts = codegen.generate(codegen.KernelSpec(spec, step, ("V",), (), "y", counts=("count", "first")))
    # (compiled code writes an item a[i] = v as _rt.put(a, i, v), reads it as _rt.at(a, i))
    assert "_rt.put(spk_step, nspk, j)" in normal and "CNT" not in normal
    assert "_rt.put(spk_step, nspk, j)" not in counts and "CNT[i] += sp" in counts
    assert "_rt.put(FIRST, i," in counts
    assert "_rt.put(LAST, i," not in counts and "REC[0, 0, i] += X_V[i]" in counts
    assert counts.count("def run(") == 1 and "'CNT', 'FIRST', 'LAST', 'REC'" in counts
    hoisted = codegen.generate(codegen.KernelSpec(spec, step, (), (), "y", counts=("count",),
                                                  uniform=("V_th", "c")))
    run_src = hoisted[hoisted.index("def run("):hoisted.index("def run_uniform(")]
    # the entry point passes the named parameters' one value; the others go through _rt.shared (one
    # value when all neurons share it, else the array: the body reads it per neuron with _rt.at)
    assert "P_V_th[0]" in run_src and "P_c[0]" in run_src and "_rt.shared(P_V_th)" not in run_src
    assert "_rt.shared(P_a)" in run_src
    assert "_rt.at(P_a, i)" in hoisted[hoisted.index("def _body("):]


def test_count_only_run_with_parameters_read_once_equals_simulate():
    model = izhikevich_population()
    res = nu.simulate(model, "200 ms", "0.1 ms", inputs={"I": "10 mV/ms"}, record=(), method="euler")
    # V_th and d are uniform here (d is not: it is only named, and is read per neuron as usual)
    acc = count_run(model, "200 ms", "0.1 ms", inputs={"I": "10 mV/ms"}, method="euler",
                           uniform=("V_th", "d"))
    want, got = expected(res, ALL), measures.evaluate_counts(ALL, acc)
    for k in ALL:
        np.testing.assert_array_equal(got[k][0], want[k][0], err_msg=k)


def test_sweep_takes_the_count_only_path_only_when_the_measures_allow(monkeypatch):
    calls = []  # the plans of the count-only runs
    real = counts.count_plan
    monkeypatch.setattr(counts, "count_plan", lambda plan, *a: calls.append(plan) or real(plan, *a))
    kw = dict(grid={"a": Q_([0.02, 0.1], "1/ms"), "d": Q_([2.0, 5.0, 8.0], "mV/ms")}, duration="300 ms",
              inputs={"I": "10 mV/ms"}, chunk_size=4, workers=1)
    fast = nu.sweep(nu.models.Izhikevich, measure=(*ALL, "mean_V"), **kw)
    assert len(calls) == 2 and calls[0].record == ("V",) and calls[0].counts == ("count", "first", "last")

    def rates(res):  # a function needs the full Results: the old path
        return {"r": res.rates}

    slow = nu.sweep(nu.models.Izhikevich, measure=(*ALL, "mean_V", rates), **kw)
    assert len(calls) == 2
    a, b = fast.table, slow.table
    pd.testing.assert_frame_equal(a[list(ALL)], b[list(ALL)], check_exact=True)
    np.testing.assert_allclose(a["mean_V"], b["mean_V"], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(b["r"], b["rate"])


def test_a_count_only_threads_sweep_is_one_chunk_whose_blocks_run_on_the_workers(monkeypatch):
    # 24 sets: 6 blocks (a multiple of the threads) on 2 threads
    monkeypatch.setattr(runner, "COUNT_BLOCK", 5)
    calls = []
    real = counts.count_plan
    monkeypatch.setattr(counts, "count_plan", lambda plan, *a: calls.append(plan) or real(plan, *a))
    kw = dict(random={"a": ("0.02 1/ms", "0.1 1/ms"), "d": ("2 mV/ms", "8 mV/ms")}, samples=24, seed=4,
              duration="200 ms", inputs={"I": "10 mV/ms"})
    fast = nu.sweep(nu.models.Izhikevich, measure=ALL, workers=2, **kw)
    assert [(plan.n, plan.threads) for plan in calls] == [(24, 2)]
    slow = nu.sweep(nu.models.Izhikevich, measure=(*ALL, lambda res: {}), workers=2, chunk_size=5, **kw)
    assert len(calls) == 1 and fast.table["spike_count"].nunique() > 3
    pd.testing.assert_frame_equal(fast.table, slow.table, check_exact=True)


def test_count_only_run_of_an_adaptive_model_with_spikes_in_sub_steps():
    """aeif_cond_alpha (rkf45, threshold tested after every sub-step, refractory): the accumulators
    add the sub-step spikes (several per step at most) as simulate's spike list has them."""
    n = 6
    model = nu.models.nest.aeif_cond_alpha(n=n, b=Q_(np.linspace(0, 80, n), "pA"),
                                           t_ref=Q_([0, 0, 0, 2, 2, 2], "ms"))
    inputs = {"I": Q_(np.linspace(800, 2000, n), "pA")}
    res = nu.simulate(model, "100 ms", "0.1 ms", inputs=inputs, record=("V_m", "w"), threads=1)
    acc = count_run(model, "100 ms", "0.1 ms", inputs=inputs, means=("V_m", "w"))
    want = expected(res, (*ALL, "mean_V_m", "mean_w"))
    got = measures.evaluate_counts((*ALL, "mean_V_m", "mean_w"), acc)
    assert want["spike_count"][0].min() > 0 and np.unique(want["spike_count"][0]).size > 3
    for k in ALL:
        np.testing.assert_array_equal(got[k][0], want[k][0], err_msg=k)
    for k in ("mean_V_m", "mean_w"):
        np.testing.assert_allclose(got[k][0], want[k][0], rtol=1e-12, atol=0, err_msg=k)
