"""nu.sweep: tables equal to separate simulations, backends agree, failed sets, bad input, sampling."""

from __future__ import annotations

import math

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

pd = pytest.importorskip("pandas")

IZH_GRID = {"a": Q_([0.02, 0.1], "1/ms"), "d": Q_([2.0, 8.0], "mV/ms")}


class Growth(nu.Model):
    """dV/dt = k V: blows up (overflows) for large k."""

    k = nu.Parameter("0.01 1/ms")
    V = nu.State("mV", initial="1 mV")
    equations = "dV/dt = k*V"


def max_v(res):
    """A user measure: the largest V of each neuron."""
    return {"max_V": res["V"].max(axis=0)}


def test_table_equals_separate_simulations():
    sw = nu.sweep(nu.models.Izhikevich, grid=IZH_GRID, fixed={"c": "-55 mV"}, duration="300 ms",
                  inputs={"I": "10 mV/ms"}, chunk_size=3,
                  measure=("spike_count", "rate", "first_spike_time", "mean_V"))
    t = sw.table
    assert list(t.columns) == ["a", "d", "spike_count", "rate", "first_spike_time", "mean_V"]
    assert t.attrs["units"] == {"a": "1/ms", "d": "mV/ms", "spike_count": "", "rate": "Hz",
                                "first_spike_time": "ms", "mean_V": "mV"}
    assert list(t.index) == [0, 1, 2, 3] and not sw.failed
    # cartesian product, the last name varying fastest
    assert list(t["a"]) == [0.02, 0.02, 0.1, 0.1] and list(t["d"]) == [2.0, 8.0, 2.0, 8.0]
    for i in range(4):
        a, d = Q_(t["a"][i], "1/ms"), Q_(t["d"][i], "mV/ms")
        res = nu.simulate(nu.models.Izhikevich(a=a, d=d, c="-55 mV"), "300 ms", "0.1 ms",
                          inputs={"I": "10 mV/ms"}, record=("V",))
        assert t["spike_count"][i] == res.spike_counts[0] > 0
        assert t["rate"][i] == pytest.approx(res.rates[0].to("Hz").magnitude, rel=1e-12)
        assert t["first_spike_time"][i] == pytest.approx(res.spikes.times[0].to("ms").magnitude, rel=1e-12)
        assert t["mean_V"][i] == pytest.approx(res["V"][:, 0].to("mV").magnitude.mean(), rel=1e-9)
    assert sw["rate"].units == nu.ureg.Hz and sw["a"].units == nu.ureg.Unit("1/ms")
    assert t["rate"].nunique() == 4  # the parameters do reach their neurons


def test_threads_and_processes_give_identical_tables():
    kw = dict(grid=IZH_GRID, duration="200 ms", inputs={"I": "10 mV/ms"}, chunk_size=1, workers=2,
              measure=("spike_count", "rate", "mean_u"))
    a = nu.sweep(nu.models.Izhikevich, backend="threads", **kw)
    b = nu.sweep(nu.models.Izhikevich, backend="processes", **kw)
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    assert a.table.attrs == b.table.attrs


@pytest.mark.parametrize("chunk_size", [1, 2, 6])
def test_a_set_that_blows_up_lands_in_failed_and_the_others_complete(chunk_size):
    k = Q_([0.01, 50.0, 0.02, 60.0, 0.03, 0.04], "1/ms")
    sw = nu.sweep(Growth, grid={"k": k}, duration="100 ms", measure=("mean_V",), chunk_size=chunk_size)
    assert list(sw.table.index) == [0, 2, 4, 5]
    assert [float(s["k"].to("1/ms").magnitude) for s, _ in sw.failed] == [50.0, 60.0]
    for (_, err), i in zip(sw.failed, (1, 3)):
        assert isinstance(err, nu.SimulationError) and err.neuron == i
        assert f"parameter set {i}" in str(err)
    for i, row in sw.table.iterrows():
        res = nu.simulate(Growth(k=k[i]), "100 ms", "0.1 ms")
        assert row["mean_V"] == pytest.approx(res["V"].to("mV").magnitude.mean(), rel=1e-12)


def test_blow_up_with_processes():
    sw = nu.sweep(Growth, grid={"k": Q_([0.01, 50.0, 0.02], "1/ms")}, duration="100 ms",
                  measure=("mean_V",), backend="processes", workers=2, chunk_size=2)
    assert list(sw.table.index) == [0, 2] and len(sw.failed) == 1
    assert isinstance(sw.failed[0][1], nu.SimulationError)


def test_every_set_blowing_up_gives_an_empty_table():
    with pytest.warns(UserWarning, match=r"^sweep of 'Growth': 2 of 2 parameter sets failed"):
        sw = nu.sweep(Growth, grid={"k": Q_([50.0, 60.0], "1/ms")}, duration="100 ms")
    assert len(sw.table) == 0 and len(sw.failed) == 2


def test_constraint_violating_sets_land_in_failed():
    grid = {"V_reset": Q_([-70, -40, -65, -50], "mV"), "tau_m": ["10 ms", "-1 ms"]}
    with pytest.warns(UserWarning) as caught:
        sw = nu.sweep(nu.models.LIF, grid=grid, duration="100 ms", inputs={"I": "0.3 nA"})
    (warning,) = caught
    assert warning.filename == __file__  # points at the call of sweep
    assert str(warning.message).startswith(
        "sweep of 'LIF': 6 of 8 parameter sets failed and are not in the table; see .failed for each set "
        "and its error (first: ParameterError: invalid values for model 'LIF'")
    # V_reset >= V_th (-50 mV) and tau_m <= 0 fail; the two other sets run
    assert list(sw.table.index) == [0, 4]
    assert len(sw.failed) == 6
    bad = {(float(s["V_reset"].magnitude), float(s["tau_m"].magnitude)) for s, _ in sw.failed}
    assert bad == {(-70, -1), (-40, 10), (-40, -1), (-65, -1), (-50, 10), (-50, -1)}
    msgs = [str(e) for _, e in sw.failed]
    assert all(isinstance(e, nu.ParameterError) for _, e in sw.failed)
    assert any("V_reset < V_th" in m for m in msgs) and any("must be > 0" in m for m in msgs)
    assert (sw.table["spike_count"] > 0).all()


def test_explicit_sets_with_units_converted():
    sw = nu.sweep(nu.models.Izhikevich, sets=[{"a": "20 1/s", "d": Q_(8, "mV/ms")},
                                              {"a": Q_(0.1, "1/ms"), "d": "2 mV/ms"}],
                  duration="100 ms", inputs={"I": "10 mV/ms"})
    assert list(sw.table["a"]) == pytest.approx([0.02, 0.1], rel=1e-12)
    assert sw.table.attrs["units"]["a"] == "1/ms"


def test_wrong_units_raise_dimension_error_before_anything_runs():
    with pytest.raises(nu.DimensionError, match=r"grid\['a'\]: expected a value in 1/ms") as info:
        nu.sweep(nu.models.Izhikevich, grid={"a": Q_([0.02, 0.1], "mV"), "d": ["2 mV/ms", "3 mV"]})
    assert len(info.value.problems) == 2 and "grid['d'][1]" in info.value.problems[1]
    with pytest.raises(nu.DimensionError, match="'d' of set 1"):
        nu.sweep(nu.models.Izhikevich, sets=[{"d": "8 mV/ms"}, {"d": "8 mV"}])
    with pytest.raises(nu.DimensionError, match="fixed 'c'"):
        nu.sweep(nu.models.Izhikevich, grid={"a": Q_([0.02], "1/ms")}, fixed={"c": "-55 ms"})
    with pytest.raises(nu.DimensionError, match=r"random\['a'\] high"):
        nu.sweep(nu.models.Izhikevich, random={"a": ("0.01 1/ms", "1 mV")}, samples=3)


def test_unknown_names_and_empty_grids_raise_parameter_error():
    with pytest.raises(nu.ParameterError, match=r"no parameter or input 'tau_n'\. Did you mean 'tau_m'"):
        nu.sweep(nu.models.LIF, grid={"tau_n": Q_([10], "ms")})
    with pytest.raises(nu.ParameterError, match="Did you mean 'V_th'"):
        nu.sweep(nu.models.LIF, grid={"tau_m": Q_([10], "ms")}, fixed={"V_thr": "-50 mV"})
    with pytest.raises(nu.ParameterError, match="the grid is empty"):
        nu.sweep(nu.models.LIF, grid={})
    with pytest.raises(nu.ParameterError, match="no values for 'tau_m'"):
        nu.sweep(nu.models.LIF, grid={"tau_m": Q_([], "ms")})
    with pytest.raises(nu.ParameterError, match="sets= is an empty list"):
        nu.sweep(nu.models.LIF, sets=[])
    with pytest.raises(nu.ParameterError, match="exactly one of grid=, sets= or random="):
        nu.sweep(nu.models.LIF)
    with pytest.raises(nu.ParameterError, match="option"):
        nu.sweep(nu.models.Izhikevich, grid={"spk_reset": ["hard", "soft"]})
    with pytest.raises(nu.ParameterError, match="unknown measure"):
        nu.sweep(nu.models.LIF, grid={"tau_m": Q_([10], "ms")}, measure=("mean_W",))
    with pytest.raises(nu.ParameterError, match="unknown backend"):
        nu.sweep(nu.models.LIF, grid={"tau_m": Q_([10], "ms")}, backend="mpi")
    with pytest.raises(nu.ParameterError, match="model class"):
        nu.sweep(nu.models.LIF(), grid={"tau_m": Q_([10], "ms")})
    with pytest.raises(nu.ParameterError, match="samples"):
        nu.sweep(nu.models.LIF, random={"tau_m": ("5 ms", "20 ms")}, samples=0)


@pytest.mark.parametrize("sampling", ["uniform", "lhs"])
def test_random_samples_reproducible_and_in_range(sampling):
    kw = dict(random={"a": (Q_(0.02, "1/ms"), Q_(0.1, "1/ms")), "d": ("2 mV/ms", "8000 uV/ms")}, samples=20,
              sampling=sampling, duration="50 ms", inputs={"I": "10 mV/ms"}, measure=("spike_count",))
    a = nu.sweep(nu.models.Izhikevich, seed=1, **kw).table
    b = nu.sweep(nu.models.Izhikevich, seed=1, **kw).table
    c = nu.sweep(nu.models.Izhikevich, seed=2, **kw).table
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not np.array_equal(a["a"], c["a"])
    assert len(a) == 20 and a["a"].between(0.02, 0.1).all() and a["d"].between(2, 8).all()
    if sampling == "lhs":  # one sample in each of the 20 strata of every parameter
        for k, lo, hi in (("a", 0.02, 0.1), ("d", 2, 8)):
            strata = np.floor((a[k].to_numpy() - lo) / (hi - lo) * 20).astype(int)
            assert sorted(strata) == list(range(20))


def test_fi_curve_matches_the_analytic_lif_rate():
    currents = Q_(np.linspace(100.0, 600.0, 11), "pA")
    dt = 0.01
    fi = nu.fi_curve(nu.models.LIF, currents, duration="2 s", dt=f"{dt} ms", fixed={"t_ref": "2 ms"})
    assert fi.units == {"I": "pA", "rate": "Hz"}
    rates = fi["rate"].to("Hz").magnitude
    for k, i_pA in enumerate(fi["I"].to("pA").magnitude):
        drive = 100.0 * i_pA * 1e-3  # R*I in mV; V_th - V_rest = 15 mV
        f = 0.0 if drive <= 15 else 1e3 / (2.0 + 10.0 * math.log(drive / (drive - 15.0)))
        assert abs(rates[k] - f) <= 0.5 + f * (dt * f * 1e-3)
    assert rates[0] == 0 and rates[-1] > 100


def test_user_measure_function_and_progress_bar():
    sw = nu.sweep(nu.models.LIF, grid={"V_th": Q_([-50, -55], "mV")}, duration="50 ms",
                  inputs={"I": "0.1 nA"}, measure=("spike_count", max_v), record=("V",), progress=True)
    assert sw.units["max_V"] == "mV"
    # 10 mV of drive, no spike: V(50 ms) = -65 mV + 10 mV (1 - exp(-50/10))
    assert list(sw.table["max_V"]) == pytest.approx([-65 + 10 * (1 - math.exp(-5))] * 2, rel=1e-9)
    assert list(sw.table["spike_count"]) == [0, 0]


def test_to_xarray_or_a_clear_import_error():
    sw = nu.sweep(nu.models.LIF, grid={"tau_m": Q_([10, 20], "ms")}, duration="20 ms")
    try:
        import xarray  # noqa: F401
    except ImportError:
        with pytest.raises(nu.MissingDependencyError, match=r"pip install 'neurounits\[io\]'"):
            sw.to_xarray()
    else:
        ds = sw.to_xarray()
        assert ds["rate"].attrs["units"] == "Hz" and ds.sizes["tau_m"] == 2


def test_fixed_inputs_mixed_unit_lists_and_conflicts():
    sw = nu.sweep(nu.models.LIF, grid={"tau_m": ["10 ms", "0.02 s"]}, fixed={"I": "0.3 nA"},
                  duration="100 ms")
    assert list(sw.table["tau_m"]) == [10.0, 20.0]
    res = nu.simulate(nu.models.LIF(n=2, tau_m=Q_([10, 20], "ms")), "100 ms", inputs={"I": "0.3 nA"})
    assert list(sw.table["spike_count"]) == list(res.spike_counts)
    with pytest.raises(nu.ParameterError, match="swept and also given"):
        nu.sweep(nu.models.LIF, grid={"I": Q_([0.1, 0.2], "nA")}, inputs={"I": "0.3 nA"})


def test_run_settings_are_checked_together_before_anything_compiles(monkeypatch):
    from neurounits.simulation import kernels

    monkeypatch.setattr(kernels, "get", lambda *a, **k: pytest.fail("a kernel was requested"))
    grid = {"tau_m": Q_([10.0, 20.0], "ms")}
    with pytest.raises(nu.DimensionError) as info:
        nu.sweep(nu.models.LIF, grid=grid, duration="1 mV", dt="0.1 ms", inputs={"I": "2 mV", "J": "1 nA"},
                 measure=("rate", "mean_W"), record=("Vm",), record_every=0, method="rk5")
    p = info.value.problems
    assert len(p) == 7, p
    assert "duration" in p[0] and "expected a value in ms" in p[0]
    assert "record_every must be a positive integer, got 0" in p[1]
    assert any("input 'I' (shared by every set" in m and "expected a value in pA" in m for m in p)
    assert any("no input 'J'" in m for m in p)
    assert any("unknown measure(s) ['mean_W']" in m for m in p)
    assert any("nothing called 'Vm' to record. Did you mean 'V'" in m for m in p)
    assert any("unknown integration method 'rk5'" in m for m in p)
    with pytest.raises(nu.ParameterError, match=r"duration 1\.05 ms is not a whole number of steps"):
        nu.sweep(nu.models.LIF, grid=grid, duration="1.05 ms", dt="0.1 ms")
