"""Sweeps: grid values kept exactly as given, tables saved to Parquet / NetCDF and loaded back (#12)."""

from __future__ import annotations

import importlib.util
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import neurounits as nu
from neurounits import Q_
from neurounits.sweeps import Sweep

pd = pytest.importorskip("pandas")
xr = pytest.importorskip("xarray")
pytest.importorskip("h5netcdf")
SUFFIXES = [".parquet", ".nc"] if importlib.util.find_spec("pyarrow") else [".nc"]

RUN = dict(duration="50 ms", dt="0.1 ms", measure=("rate",))


def test_grid_values_in_another_unit_come_back_exactly():
    """0.2 nA used to come back as 200.00000000000003 pA (the grid was converted to the model's pA),
    so that ds.sel(I=...) failed; the grid now keeps the user's unit and values."""
    fi = nu.fi_curve(nu.models.LIF, Q_([0.1, 0.2, 0.3], "nA"), duration="50 ms")
    assert list(fi.columns["I"]) == [0.1, 0.2, 0.3] and fi.units["I"] == "nA"
    assert list(fi.table["I"]) == [0.1, 0.2, 0.3]
    ds = fi.to_xarray()
    assert float(ds.sel(I=0.2)["rate"]) == 60.0 and ds["I"].attrs["units"] == "nA"
    # the same rates as the declared unit and as one simulation with these currents
    ref = nu.fi_curve(nu.models.LIF, Q_([100.0, 200.0, 300.0], "pA"), duration="50 ms")
    res = nu.simulate(nu.models.LIF(n=3), "50 ms", inputs={"I": Q_([0.1, 0.2, 0.3], "nA")}, record=())
    assert (
        list(fi.columns["rate"])
        == list(ref.columns["rate"])
        == list(res.rates.magnitude)
        == [0.0, 60.0, 100.0]
    )


def test_two_dimensional_grid_coordinates_are_exact():
    grid = {"I": Q_([200.0, 300.0], "pA"), "tau_m": Q_([0.01, 0.02], "s")}
    ds = nu.sweep(nu.models.LIF, grid=grid, **RUN).to_xarray()
    assert list(ds["I"].values) == [200.0, 300.0] and list(ds["tau_m"].values) == [0.01, 0.02]
    assert ds["tau_m"].attrs["units"] == "s"
    assert float(ds.sel(I=200, tau_m=0.01)["rate"]) == 60.0
    assert ds.attrs["model"] == "LIF" and ds.attrs["n_sets"] == 4


def test_a_grid_given_as_a_list_of_quantities():
    sw = nu.sweep(nu.models.LIF, grid={"I": [Q_(0.2, "nA"), Q_(0.3, "nA")]}, **RUN)
    assert list(sw.columns["I"]) == [0.2, 0.3] and sw.units["I"] == "nA"
    mixed = nu.sweep(nu.models.LIF, grid={"I": [Q_(200, "pA"), "0.3 nA"]}, **RUN)  # mixed: the model's unit
    assert mixed.units["I"] == "pA" and list(mixed.columns["I"]) == pytest.approx([200.0, 300.0], rel=1e-15)
    assert list(mixed.columns["rate"]) == list(sw.columns["rate"]) == [60.0, 100.0]


def assert_same_sweep(a: Sweep, b: Sweep):
    assert (a.model, a.units, a.dims, a.n_sets, a.noise_seed) == (
        b.model,
        b.units,
        b.dims,
        b.n_sets,
        b.noise_seed,
    )
    assert list(a.columns) == list(b.columns)
    for k in a.columns:
        assert a.columns[k].dtype == b.columns[k].dtype and a.columns[k].tobytes() == b.columns[k].tobytes()
    assert b.index.dtype == np.int64 and np.array_equal(a.index, b.index)
    assert len(a.failed) == len(b.failed)
    for (va, ea), (vb, eb) in zip(a.failed, b.failed):
        assert list(va) == list(vb) and all(va[k] == vb[k] and va[k].units == vb[k].units for k in va)
        assert type(ea) is type(eb) and str(ea) == str(eb)


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_sweep_with_failed_sets_saves_and_loads(tmp_path, suffix):
    with pytest.warns(UserWarning, match="2 of 4 parameter sets failed"):
        sw = nu.sweep(
            nu.models.LIF,
            grid={"V_th": Q_([-50.0, -70.0], "mV"), "I": Q_([0.2, 0.3], "nA")},
            duration="50 ms",
            measure=("spike_count", "rate"),
        )
    assert len(sw.failed) == 2 and isinstance(sw.failed[0][1], nu.ParameterError)
    back = nu.load(sw.save(tmp_path / f"sweep{suffix}"))
    assert type(back) is Sweep
    assert_same_sweep(sw, back)
    pd.testing.assert_frame_equal(back.table, sw.table, check_exact=True)
    assert back.table.attrs["units"] == {"V_th": "mV", "I": "nA", "spike_count": "", "rate": "Hz"}


def test_parquet_columns_carry_their_units(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")

    sw = nu.fi_curve(nu.models.LIF, Q_([0.2, 0.3], "nA"), duration="50 ms")
    schema = pq.read_schema(sw.save(tmp_path / "fi.pq"))
    assert schema.names == ["set", "I", "rate"]
    assert schema.field("I").metadata == {b"units": b"nA"} and schema.field("rate").metadata == {
        b"units": b"Hz"
    }


@st.composite
def sweeps(draw) -> Sweep:
    n = draw(st.integers(0, 5))
    names = draw(st.lists(st.sampled_from(["a", "d", "I", "rate", "spike_count"]), unique=True, min_size=1))
    columns, units = {}, {}
    for k in names:
        if k == "spike_count":
            columns[k] = np.array(draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n)), np.int64)
        else:
            columns[k] = np.array(draw(st.lists(st.floats(width=64), min_size=n, max_size=n)), float)
        units[k] = draw(st.sampled_from(["", "Hz", "1/ms", "pA", "mV/ms"]))
    index = np.array(sorted(draw(st.sets(st.integers(0, 50), min_size=n, max_size=n))), np.int64)
    errors = [
        nu.ParameterError("V_reset < V_th is false"),
        nu.SimulationError("V became NaN"),
        nu.DimensionError("wrong unit"),
        ValueError("plain"),
    ]
    failed = [
        ({"a": Q_(draw(st.floats(-1e3, 1e3)), "1/ms")}, draw(st.sampled_from(errors)))
        for _ in range(draw(st.integers(0, 2)))
    ]
    return Sweep(
        model="Izhikevich",
        columns=columns,
        units=units,
        index=index,
        failed=failed,
        dims=tuple(draw(st.lists(st.sampled_from(names), unique=True, max_size=2))),
        n_sets=n + len(failed),
        noise_seed=draw(st.none() | st.integers(0, 2**63 - 1)),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sweeps(), st.sampled_from(SUFFIXES))
def test_any_sweep_table_round_trips(sw, suffix):
    with tempfile.TemporaryDirectory() as folder:
        back = nu.load(sw.save(Path(folder) / f"s{suffix}"))
    assert_same_sweep(sw, back)


def test_save_needs_a_known_suffix_and_parquet_needs_metadata(tmp_path):
    pytest.importorskip("pyarrow")
    sw = Sweep(model="M", columns={"a": np.zeros(1)}, units={"a": ""}, index=np.zeros(1, np.int64), n_sets=1)
    with pytest.raises(nu.ParameterError, match=r"Sweep.save\('.*s.csv'\): name the file .parquet"):
        sw.save(tmp_path / "s.csv")
    pd.DataFrame({"a": [1.0]}).to_parquet(tmp_path / "plain.parquet")
    with pytest.raises(nu.FileFormatError, match="a Parquet file without 'neurounits' metadata"):
        nu.load(tmp_path / "plain.parquet")
