"""nu.plot, Results.plot, Sweep.plot: rendered to PNG, axes labelled with units (#12)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_
from neurounits.network import NetworkResults
from neurounits.sweeps import Sweep

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def res():
    lif = nu.models.LIF(n=6, tau_m=Q_([10.0, 11.0, 12.0, 13.0, 14.0, 15.0], "ms"))
    return nu.simulate(lif, "30 ms", "0.1 ms", inputs={"I": "0.3 nA"}, record=("V",))


def png(ax, tmp_path, name="plot.png"):
    path = tmp_path / name
    np.ravel(ax)[0].figure.savefig(path, dpi=50)
    data = path.read_bytes()
    assert len(data) > 1000 and data.startswith(b"\x89PNG")
    return path


def test_results_plot_traces_and_raster(res, tmp_path):
    axes = res.plot()
    assert axes.shape == (2,)
    assert axes[0].get_ylabel() == "V (mV)" and axes[1].get_ylabel() == "neuron"
    assert axes[1].get_xlabel() == "time (ms)" and axes[0].get_xlabel() == ""
    assert len(axes[0].get_lines()) == 6
    png(axes, tmp_path)


def test_one_variable_of_some_neurons(res, tmp_path):
    ax = res.plot("V", neurons=[0, 5])
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["neuron 0", "neuron 5"]
    assert np.array_equal(lines[1].get_ydata(), res["V"].magnitude[:, 5])
    assert np.array_equal(lines[1].get_xdata(), res.t.magnitude)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (ms)", "V (mV)")
    png(ax, tmp_path)
    with pytest.raises(
        nu.ParameterError, match=r"neuron\(s\) \[9\] of LIF were not recorded; recorded: 0 to 5"
    ):
        res.plot("V", neurons=[9])
    with pytest.raises(KeyError, match="'W' was not recorded"):
        res.plot("W")


def test_raster(res, tmp_path):
    ax = nu.plot.raster(res)
    (line,) = ax.get_lines()
    assert np.array_equal(line.get_xdata(), res.spikes.times.magnitude)
    assert np.array_equal(line.get_ydata(), res.spikes.indices)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (ms)", "neuron")
    png(ax, tmp_path)


def test_network_raster(tmp_path):
    def pop(n, times, idx, recorded=True):
        return nu.Results(
            model="LIF",
            n=n,
            t=Q_(np.zeros(0), "ms"),
            duration=Q_(10.0, "ms"),
            dt=Q_(0.1, "ms"),
            method="exact",
            record_every=1,
            spikes=nu.Spikes(Q_(times, "ms"), np.array(idx)),
            spikes_recorded=recorded,
        )

    net = NetworkResults(
        {"E": pop(4, [1.0, 2.0], [0, 3]), "I": pop(2, [1.5], [1]), "X": pop(3, [], [], False)},
        Q_(10.0, "ms"),
        Q_(0.1, "ms"),
    )
    ax = net.plot()
    assert [list(line.get_ydata()) for line in ax.get_lines()] == [[0, 3], [5]]  # I above E
    assert [t.get_text() for t in ax.get_yticklabels()] == ["E", "I"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time (ms)", "population")
    png(ax, tmp_path)


@pytest.fixture(scope="module")
def grid_sweep():
    grid = {"I": Q_([0.2, 0.3, 0.4], "nA"), "tau_m": Q_([10.0, 20.0], "ms")}
    return nu.sweep(nu.models.LIF, grid=grid, duration="50 ms", measure=("rate",))


def test_sweep_heat_map(grid_sweep, tmp_path):
    ax = grid_sweep.plot("rate", x="I", y="tau_m")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("I (nA)", "tau_m (ms)")
    (mesh,) = ax.collections
    assert mesh.get_array().reshape(2, 3).tolist() == grid_sweep.to_xarray()["rate"].values.T.tolist()
    assert ax.figure.axes[1].get_ylabel() == "rate (Hz)"  # the colour bar
    png(ax, tmp_path)


def test_sweep_lines_and_fi_curve(grid_sweep, tmp_path):
    ax = grid_sweep.plot("rate")  # x: the grid's first dimension, one line per tau_m
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("I (nA)", "rate (Hz)")
    assert [line.get_label() for line in ax.get_lines()] == ["tau_m = 10 ms", "tau_m = 20 ms"]
    png(ax, tmp_path, "lines.png")
    fi = Sweep(
        model="LIF",
        columns={"I": np.array([100.0, 200.0]), "rate": np.array([0.0, 60.0])},
        units={"I": "pA", "rate": "Hz"},
        index=np.arange(2),
        dims=("I",),
        n_sets=2,
    )
    ax = nu.plot.fi_curve(fi)
    (line,) = ax.get_lines()
    assert list(line.get_ydata()) == [0.0, 60.0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("I (pA)", "rate (Hz)")
    png(ax, tmp_path, "fi.png")


def test_plots_without_matplotlib(monkeypatch, res):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(
        nu.MissingDependencyError,
        match=r"Results.plot\(\) needs matplotlib, which is not "
        r"installed: pip install 'neurounits\[plot\]'",
    ):
        res.plot("V")
