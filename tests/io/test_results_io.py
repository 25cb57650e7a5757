"""Results <-> xarray, pandas and NetCDF files: identical round trips, layout, clear errors (#12)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurounits as nu
from neurounits import Q_, storage
from neurounits.network import NetworkResults

xr = pytest.importorskip("xarray")
pytest.importorskip("h5netcdf")
pd = pytest.importorskip("pandas")

UNITS = ["mV", "pA", "nS", "1/ms", "", "MOhm", "mV/ms", "uS", "mV**2", "Hz"]
NAMES = ["V", "w", "g_ex", "I_syn", "u", "x"]
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20)
FINITE = st.floats(-1e300, 1e300, allow_nan=False, width=64)


def assert_same_quantity(a, b):
    assert a.units == b.units, (a.units, b.units)
    ma, mb = np.asarray(a.magnitude), np.asarray(b.magnitude)
    assert ma.dtype == mb.dtype and ma.shape == mb.shape
    assert ma.tobytes() == mb.tobytes()  # bit for bit, NaN payloads and -0.0 included


def assert_same_results(a: nu.Results, b: nu.Results):
    for f in (
        "model",
        "n",
        "method",
        "method_reason",
        "record_every",
        "status",
        "message",
        "seed",
        "spikes_recorded",
    ):
        assert getattr(a, f) == getattr(b, f), f
    for f in ("t", "dt", "duration"):
        assert_same_quantity(getattr(a, f), getattr(b, f))
    assert list(a.traces) == list(b.traces)
    for k in a.traces:
        assert_same_quantity(a[k], b[k])
    assert_same_quantity(a.spikes.times, b.spikes.times)
    assert a.spikes.indices.dtype == b.spikes.indices.dtype == np.int64
    assert np.array_equal(a.spikes.indices, b.spikes.indices)
    assert (a.neurons is None) == (b.neurons is None)
    if a.neurons is not None:
        assert np.array_equal(a.neurons, b.neurons)
    assert list(a.parameters) == list(b.parameters)
    for k in a.parameters:
        assert_same_quantity(a.parameters[k], b.parameters[k])


@st.composite
def results(draw) -> nu.Results:
    n = draw(st.integers(1, 6))
    neurons = None
    if draw(st.booleans()):
        neurons = np.array(sorted(draw(st.sets(st.integers(0, n - 1), min_size=1))), np.int64)
    n_rec = n if neurons is None else neurons.size
    n_samples = draw(st.integers(0, 5))
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=3))
    elements = st.floats(width=64)  # NaN and infinities included
    traces = {
        k: Q_(
            draw(hnp.arrays(np.float64, (n_samples, n_rec), elements=elements)), draw(st.sampled_from(UNITS))
        )
        for k in names
    }
    n_spikes = draw(st.integers(0, 6))
    times = sorted(draw(st.lists(st.floats(0, 1e4), min_size=n_spikes, max_size=n_spikes)))
    indices = draw(st.lists(st.integers(0, n - 1), min_size=n_spikes, max_size=n_spikes))
    params = {}
    for k in draw(st.lists(st.sampled_from(["tau_m", "V_th", "R", "a"]), unique=True, max_size=3)):
        value = (
            draw(FINITE) if draw(st.booleans()) else np.array(draw(st.lists(FINITE, min_size=n, max_size=n)))
        )
        params[k] = Q_(value, draw(st.sampled_from(UNITS)))
    dt = draw(st.floats(1e-6, 10.0))
    return nu.Results(
        model=draw(st.sampled_from(["LIF", "AdEx", "iaf_psc_exp", "Mine"])),
        n=n,
        t=Q_(draw(hnp.arrays(np.float64, n_samples, elements=FINITE)), draw(st.sampled_from(["ms", "s"]))),
        duration=Q_(draw(st.floats(0.0, 1e6)), "ms"),
        dt=Q_(dt, draw(st.sampled_from(["ms", "us"]))),
        method=draw(st.sampled_from(["exact", "rk4", "rkf45"])),
        record_every=draw(st.integers(1, 100)),
        spikes=nu.Spikes(Q_(np.array(times, float), "ms"), np.array(indices, np.int64)),
        traces=traces,
        method_reason=draw(TEXT),
        status=draw(st.sampled_from([0, 1, 2])),
        message=draw(TEXT),
        seed=draw(st.none() | st.integers(0, 2**63 - 1)),
        neurons=neurons,
        spikes_recorded=draw(st.booleans()),
        parameters=params,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(results())
def test_save_and_load_give_identical_results(res):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.nc"
        assert res.save(path) == path
        back = nu.load(path)
        assert sorted(os.listdir(folder)) == ["run.nc"]  # no temporary file left behind
    assert type(back) is nu.Results
    assert_same_results(res, back)
    assert_same_results(res, nu.Results.from_xarray(res.to_xarray()))


@pytest.fixture(scope="module")
def lif_res():
    lif = nu.models.LIF(n=3, tau_m=Q_([10.0, 12.0, 14.0], "ms"))
    return nu.simulate(lif, "20 ms", "0.1 ms", inputs={"I": "0.3 nA"}, record=("V",), seed=7, record_every=2)


def test_dataset_layout_units_and_metadata(lif_res):
    ds = lif_res.to_xarray()
    assert dict(ds.sizes) == {"time": 101, "neuron": 3, "spike": lif_res.spikes.indices.size}
    assert lif_res.spikes.indices.size == 5
    assert list(ds.data_vars) == ["V", "spike_times", "spike_indices"]
    assert ds["V"].dims == ("time", "neuron") and ds["V"].attrs == {"units": "mV"}
    assert ds["time"].attrs == {"units": "ms"} and ds["spike_times"].attrs == {"units": "ms"}
    assert np.array_equal(ds["neuron"].values, [0, 1, 2])
    assert np.array_equal(ds["V"].values, lif_res["V"].magnitude)
    assert np.array_equal(ds["spike_times"].values, lif_res.spikes.times.magnitude)
    a = ds.attrs
    assert (a["model"], a["method"], a["dt"], a["duration"], a["seed"], a["record_every"]) == (
        "LIF",
        "exact",
        "0.1 ms",
        "20.0 ms",
        7,
        2,
    )
    assert a["neurounits_kind"] == "results" and a["neurounits_version"] == nu.__version__
    params = json.loads(a["parameters"])
    assert params["tau_m"] == {"value": [10.0, 12.0, 14.0], "units": "ms"}
    assert params["R"] == {"value": 100.0, "units": "MOhm"}
    assert ds.sel(neuron=1)["V"].values[0] == -65.0


def test_pint_xarray_quantifies_the_dataset(lif_res, monkeypatch):
    # pint_xarray wants force_ndarray_like in the application registry (neurounits' own, when
    # neurounits took its place) and sets it when imported: undone after this test
    monkeypatch.setattr(nu.ureg, "force_ndarray_like", True)
    pytest.importorskip("pint_xarray")
    q = lif_res.to_xarray().pint.quantify()
    assert q["V"].data.units == nu.ureg.mV and q["spike_times"].data.units == nu.ureg.ms
    assert q["time"].data.units == nu.ureg.ms
    assert q["V"].pint.to("V").data.magnitude[0, 0] == pytest.approx(-0.065, rel=1e-15)


def test_simulated_results_round_trip(lif_res, tmp_path):
    back = nu.load(lif_res.save(tmp_path / "lif.nc"))
    assert_same_results(lif_res, back)
    assert np.array_equal(back.spike_counts, lif_res.spike_counts)
    assert back.summary() == lif_res.summary()


def test_dataframes(lif_res):
    long = lif_res.to_dataframe()
    assert list(long.columns) == ["time", "neuron", "V"] and len(long) == 101 * 3
    assert np.array_equal(long["V"].to_numpy(), lif_res["V"].magnitude.reshape(-1))
    assert list(long["neuron"][:4]) == [0, 1, 2, 0] and list(long["time"][2:4]) == [0.0, 0.2]
    assert long.attrs["units"] == {"time": "ms", "V": "mV"}
    wide = lif_res.to_dataframe("wide")
    assert wide.shape == (101, 3) and wide.index.name == "time"
    assert np.array_equal(wide[("V", 2)].to_numpy(), lif_res["V"].magnitude[:, 2])
    spikes = lif_res.to_dataframe(form="spikes")
    assert list(spikes.columns) == ["time", "neuron"] and len(spikes) == 5
    assert np.array_equal(spikes["neuron"].to_numpy(), lif_res.spikes.indices)
    with pytest.raises(ValueError, match="form must be 'long', 'wide' or 'spikes', got 'tall'"):
        lif_res.to_dataframe("tall")


def test_dataframes_of_a_recorded_subset():
    res = nu.Results(
        model="M",
        n=10,
        t=Q_([0.0, 1.0], "ms"),
        duration=Q_(1.0, "ms"),
        dt=Q_(1.0, "ms"),
        method="rk4",
        record_every=1,
        spikes=nu.Spikes(Q_(np.zeros(0), "ms"), np.zeros(0, np.int64)),
        traces={"V": Q_([[1.0, 2.0], [3.0, 4.0]], "mV")},
        neurons=np.array([3, 7]),
    )
    long = res.to_dataframe()
    assert list(long["neuron"]) == [3, 7, 3, 7] and list(long["V"]) == [1.0, 2.0, 3.0, 4.0]
    assert list(res.to_dataframe("wide").columns) == [("V", 3), ("V", 7)]
    assert list(res.to_xarray()["neuron"].values) == [3, 7]


def _network_results() -> NetworkResults:
    ms = "ms"
    e = nu.Results(
        model="LIF",
        n=4,
        t=Q_([0.0, 0.5], ms),
        duration=Q_(0.5, ms),
        dt=Q_(0.1, ms),
        method="exact",
        record_every=5,
        spikes=nu.Spikes(Q_([0.2, 0.3], ms), np.array([1, 3])),
        traces={"V": Q_([[-65.0, -64.0], [-63.0, -60.5]], "mV")},
        seed=3,
        neurons=np.array([0, 2]),
        parameters={"tau_m": Q_(10.0, ms)},
    )
    i = nu.Results(
        model="LIF",
        n=2,
        t=Q_(np.zeros(0), ms),
        duration=Q_(0.5, ms),
        dt=Q_(0.1, ms),
        method="exact",
        record_every=1,
        spikes=nu.Spikes(Q_(np.zeros(0), ms), np.zeros(0, np.int64)),
        seed=3,
        spikes_recorded=False,
        parameters={"tau_m": Q_([5.0, 6.0], ms)},
    )
    return NetworkResults({"E": e, "I": i}, Q_(0.5, ms), Q_(0.1, ms), status=1, message="stopped: V is NaN")


def test_network_results_save_and_load(tmp_path):
    net = _network_results()
    datasets = net.to_xarray()
    assert list(datasets) == ["E", "I"] and dict(datasets["I"].sizes) == {"time": 0, "neuron": 2, "spike": 0}
    back = nu.load(net.save(tmp_path / "net.nc"))
    assert type(back) is NetworkResults and list(back) == ["E", "I"]
    for k in net:
        assert_same_results(net[k], back[k])
    assert (back.duration, back.dt, back.status, back.message) == (
        net.duration,
        net.dt,
        1,
        "stopped: V is NaN",
    )
    with xr.open_dataset(tmp_path / "net.nc", engine="h5netcdf", group="E") as ds:  # a group per population
        assert ds["V"].attrs["units"] == "mV"


# --------------------------------------------------------------------------------------------- errors
def test_missing_file_and_folder(tmp_path, lif_res):
    with pytest.raises(nu.MissingFileError, match=r"cannot load .*nothing\.nc: no such file") as info:
        nu.load(tmp_path / "nothing.nc")
    assert isinstance(info.value, FileNotFoundError)
    with pytest.raises(nu.MissingFileError, match=r"the folder .*no_folder does not exist"):
        lif_res.save(tmp_path / "no_folder" / "run.nc")


def test_files_that_are_not_neurounits_results(tmp_path):
    (tmp_path / "a.nc").write_text("V,t\n1,2\n")
    with pytest.raises(
        nu.FileFormatError, match=r"a\.nc is not a neurounits result: neither a NetCDF-4 nor a Parquet file"
    ) as info:
        nu.load(tmp_path / "a.nc")
    assert isinstance(info.value, ValueError)
    xr.Dataset({"V": ("t", np.arange(3.0))}).to_netcdf(tmp_path / "b.nc", engine="h5netcdf")
    with pytest.raises(nu.FileFormatError, match=r"b.nc is not a neurounits result \(no 'neurounits_kind'"):
        nu.load(tmp_path / "b.nc")
    (tmp_path / "c.nc").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 100)  # an HDF5 signature, then garbage
    with pytest.raises(
        nu.FileFormatError, match=r"c\.nc is not a neurounits result: it cannot be read as NetCDF-4"
    ):
        nu.load(tmp_path / "c.nc")
    with pytest.raises(nu.FileFormatError, match="it is a folder, not a file"):
        nu.load(tmp_path)


def test_a_newer_format_and_a_damaged_file(tmp_path, lif_res):
    ds = lif_res.to_xarray()
    ds.attrs["neurounits_format"] = storage.FORMAT + 1
    ds.to_netcdf(tmp_path / "new.nc", engine="h5netcdf")
    with pytest.raises(nu.FileFormatError, match=r"written in format 2 by neurounits .*upgrade neurounits"):
        nu.load(tmp_path / "new.nc")
    ds = lif_res.to_xarray()
    del ds.attrs["method"]
    ds.to_netcdf(tmp_path / "damaged.nc", engine="h5netcdf")
    with pytest.raises(
        nu.FileFormatError,
        match=r"damaged.nc: neurounits results with a missing or unreadable "
        r"field \(KeyError: 'method'\)",
    ):
        nu.load(tmp_path / "damaged.nc")


def test_a_recorded_variable_named_like_a_dataset_variable():
    res = nu.Results(
        model="M",
        n=1,
        t=Q_([0.0], "ms"),
        duration=Q_(0.0, "ms"),
        dt=Q_(1.0, "ms"),
        method="rk4",
        record_every=1,
        spikes=nu.Spikes(Q_(np.zeros(0), "ms"), np.zeros(0, np.int64)),
        traces={"time": Q_([[1.0]], "ms")},
    )
    with pytest.raises(
        nu.FileFormatError, match=r"recorded variable\(s\) \['time'\] have names that the Dataset"
    ):
        res.to_xarray()


def test_missing_optional_dependencies(monkeypatch, lif_res, tmp_path):
    monkeypatch.setitem(sys.modules, "h5netcdf", None)
    with pytest.raises(
        nu.MissingDependencyError,
        match=r"Results.save\(\) needs h5netcdf, which is not "
        r"installed: pip install 'neurounits\[io\]'",
    ) as info:
        lif_res.save(tmp_path / "x.nc")
    assert isinstance(info.value, ImportError) and not (tmp_path / "x.nc").exists()
    monkeypatch.setitem(sys.modules, "xarray", None)
    with pytest.raises(nu.MissingDependencyError, match=r"Results.to_xarray\(\) needs xarray"):
        lif_res.to_xarray()
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(nu.MissingDependencyError, match=r"Results.to_dataframe\(\) needs pandas"):
        lif_res.to_dataframe()


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(monkeypatch, lif_res, tmp_path):
    path = lif_res.save(tmp_path / "run.nc")
    before = path.read_bytes()

    def broken(ds, tmp, mode, group):
        Path(tmp).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(storage, "_to_netcdf", broken)
    with pytest.raises(OSError, match="disk full"):
        lif_res.save(path)
    assert path.read_bytes() == before and sorted(os.listdir(tmp_path)) == ["run.nc"]
