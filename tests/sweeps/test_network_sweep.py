"""nu.sweep over whole networks: ensembles over parameters and seeds."""

from __future__ import annotations

import numpy as np
import pytest

import neurounits as nu
from neurounits.codegen import cache


def build(w, seed):
    net = nu.Network(seed=seed)
    P = net.add(
        nu.models.nest.iaf_psc_exp(n=60, I_e="380 pA"),
        name="P",
        initial={"V_m": nu.dist.Uniform("-70 mV", "-56 mV")},
    )
    net.connect(P, P, nu.conn.FixedProbability(0.1), weight=w, delay="1 ms")
    net.record(P, spikes=True)
    return net


def count(res):
    return {"spikes": res["P"].spikes.indices.size, "rate": res["P"].rates.mean()}


def test_ensemble_over_weights_and_seeds_threads_equal_serial_and_single_runs():
    grid = {"w": nu.Q_([-200.0, 0.0, 200.0], "pA"), "seed": [1, 2]}
    nu.simulate(build(nu.Q_(1.0, "pA"), 9), "5 ms")  # compile first
    before = cache.loaded()
    sw = nu.sweep(build, grid, duration="150 ms", measure=count)
    assert cache.loaded() == before  # new weights and seeds compile nothing
    serial = nu.sweep(build, grid, duration="150 ms", measure=count, backend="serial")
    np.testing.assert_array_equal(sw.columns["spikes"], serial.columns["spikes"])
    assert sw.units == {"w": "pA", "seed": "", "spikes": "", "rate": "Hz"}
    np.testing.assert_array_equal(sw.columns["seed"], [1, 2, 1, 2, 1, 2])
    one = nu.simulate(build(nu.Q_(200.0, "pA"), 2), "150 ms")["P"].spikes.indices.size
    assert sw.columns["spikes"][5] == one
    s = sw.columns["spikes"]
    assert s[0] < s[2] < s[4] and s[1] < s[3] < s[5]  # inhibition lowers, excitation raises the rate
    assert s[4] != s[5]  # two seeds, two networks


def test_a_failing_set_does_not_stop_the_others():
    grid = {"w": [nu.Q_(100.0, "pA"), nu.Q_(1.0, "nS")], "seed": [1]}
    sw = nu.sweep(build, grid, duration="20 ms", measure=count)
    assert list(sw.index) == [0] and len(sw.failed) == 1
    values, err = sw.failed[0]
    assert isinstance(err, nu.DimensionError) and "expected a value in pA" in str(err)
    assert values["w"] == nu.Q_(1.0, "nS")


def test_network_sweep_arguments():
    one = {"w": nu.Q_([1.0], "pA"), "seed": [1]}
    with pytest.raises(nu.ParameterError, match="chunk_size, method apply to sweeps of one model"):
        nu.sweep(build, one, chunk_size=2, method="euler")
    with pytest.raises(nu.ParameterError, match="measure must be a function of the network's results"):
        nu.sweep(build, one, measure=("rate",))
    with pytest.raises(nu.ParameterError, match=r"grid\['seed'\] must hold at least one value, got \[\]"):
        nu.sweep(build, {"w": nu.Q_([1.0], "pA"), "seed": []})
    with pytest.raises(
        nu.ParameterError,
        match=r"unknown backend 'gpu'; use one of \['threads', 'processes', "
        r"'dask', 'serial'\]",
    ):
        nu.sweep(build, one, backend="gpu")
    with pytest.raises(nu.ParameterError, match="client= is for backend='dask', not backend='threads'"):
        nu.sweep(build, one, client=object())
    with pytest.raises(nu.ParameterError, match="workers must be a positive integer"):
        nu.sweep(build, one, workers=0)
    with pytest.raises(
        nu.ParameterError,
        match=r"build\(w, seed\) cannot take the grid's names \['weight', "
        r"'seed'\] as keywords .* name the grid's entries after the function's parameters",
    ):
        nu.sweep(build, {"weight": nu.Q_([1.0], "pA"), "seed": [1]})
    with pytest.raises(nu.ParameterError, match=r"duration 10\.05 ms is not a whole number of steps"):
        nu.sweep(build, one, duration="10.05 ms")


def test_processes_need_importable_functions():
    one = {"w": nu.Q_([1.0], "pA"), "seed": [1]}
    with pytest.raises(
        nu.ParameterError,
        match=r"backend='processes' sends 'test_processes_need_importable_"
        r"functions.<locals>.<lambda>' to spawned worker processes by name, and it is a lambda or "
        r"a local function .* or use backend='threads' or backend='dask'",
    ):
        nu.sweep(build, one, duration="10 ms", backend="processes", measure=lambda res: {})


def test_measure_must_give_one_value_per_network():
    one = {"w": nu.Q_([1.0], "pA"), "seed": [1]}
    with pytest.raises(
        nu.ParameterError,
        match=r"measure\['rates'\] must be one number or Quantity per "
        r"network, got an array of shape \(60,\) for set 0; reduce it",
    ):
        nu.sweep(build, one, duration="10 ms", measure=lambda res: {"rates": res["P"].rates})
    with pytest.raises(nu.ParameterError, match="measure must return a dict of named values, got list"):
        nu.sweep(build, one, duration="10 ms", measure=lambda res: [1.0])
    with pytest.raises(nu.ParameterError, match="the measure 'w' has the name of a grid entry"):
        nu.sweep(build, one, duration="10 ms", measure=lambda res: {"w": 1.0})


def test_one_value_is_an_axis_of_one_as_in_nu_sweep():
    one = nu.sweep(build, {"w": "100 pA", "seed": 3}, duration="20 ms", measure=count, backend="serial")
    lst = nu.sweep(
        build, {"w": nu.Q_([100.0], "pA"), "seed": [3]}, duration="20 ms", measure=count, backend="serial"
    )
    assert list(one.index) == [0] and one.units == lst.units
    np.testing.assert_array_equal(one.columns["spikes"], lst.columns["spikes"])
    np.testing.assert_array_equal(one.columns["seed"], [3])
