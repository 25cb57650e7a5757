"""The weights of plastic projections in saved network results: written with their units, read back
bit for bit, ``weights`` and ``final_weights`` working on the loaded result (#15)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import neurounits as nu
from neurounits import Q_

xr = pytest.importorskip("xarray")
pytest.importorskip("h5netcdf")


def _same(a, b):
    assert a.units == b.units, (a.units, b.units)
    ma, mb = np.asarray(a.magnitude), np.asarray(b.magnitude)
    assert ma.dtype == mb.dtype and ma.shape == mb.shape
    assert ma.tobytes() == mb.tobytes()


def _run():
    net = nu.Network(seed=1)
    E = net.add(nu.models.nest.iaf_cond_exp(n=6, I_e=Q_(np.linspace(400, 500, 6), "pA")), name="E")
    stdp = net.connect(
        E,
        E,
        nu.conn.FixedInDegree(3),
        weight=nu.dist.Uniform("1 nS", "3 nS"),
        receptor="ex",
        delay="1 ms",
        synapse=nu.synapses.STDP(lambda_=0.05, Wmax="5 nS"),
    )
    tso = net.connect(
        E, E, nu.conn.OneToOne(), weight="2 nS", receptor="ex", delay="1 ms", synapse=nu.synapses.Tsodyks2()
    )
    net.record_weights(stdp, [0, 4, 7], every="0.5 ms")
    net.record(E, spikes=True)
    return nu.simulate(net, "60 ms"), stdp, tso


def test_weights_of_plastic_projections_round_trip(tmp_path):
    res, stdp, tso = _run()
    t, w = res.weights(stdp)
    assert t.shape == (121,) and w.shape == (121, 3) and str(w.units) == "nanosiemens"
    assert np.ptp(w.m_as("nS")) > 0.05  # the weights moved
    back = nu.load(res.save(tmp_path / "net.nc"))
    for k in (stdp, tso, 0, 1):
        for a, b in zip(res.weights(k), back.weights(k), strict=True):
            _same(a, b)
        _same(res.final_weights(k), back.final_weights(k))
    assert back.weights(tso)[1].shape == (0, 0)  # a plastic projection whose weights were not recorded
    assert back.final_weights(tso).shape == (6,)
    with xr.open_dataset(tmp_path / "net.nc", engine="h5netcdf") as root:
        assert json.loads(root.attrs["plastic"]) == [0, 1]
        assert (
            root["proj0.weights"].attrs["units"] == "nS" and root["proj0.weight_times"].attrs["units"] == "ms"
        )
        assert root["proj0.weights"].dims == ("proj0.sample", "proj0.recorded")
    with pytest.raises(KeyError, match="projection 2 is not a plastic projection of this run"):
        back.final_weights(2)


def test_results_without_plastic_projections_and_damaged_weights(tmp_path):
    net = nu.Network(seed=1)
    E = net.add(nu.models.nest.iaf_psc_exp(n=2, I_e="400 pA"), name="E")
    net.record(E, spikes=True)
    res = nu.simulate(net, "10 ms")
    back = nu.load(res.save(tmp_path / "a.nc"))
    assert back.plastic == {}
    with pytest.raises(KeyError, match="plastic projections: none"):
        back.weights(0)
    res.plastic = {0: (Q_([0.0], "ms"), Q_([[1.0]], "pA"), Q_([1.0], "pA"))}
    res.save(tmp_path / "b.nc")
    with xr.open_dataset(tmp_path / "b.nc", engine="h5netcdf") as root:
        root = root.load()
    root.attrs["plastic"] = "[0, 3]"  # names a projection whose weights are not in the file
    xr.Dataset(root.data_vars, attrs=root.attrs).to_netcdf(tmp_path / "c.nc", engine="h5netcdf")
    for g in ("E",):
        with xr.open_dataset(tmp_path / "b.nc", engine="h5netcdf", group=g) as ds:
            ds.load().to_netcdf(tmp_path / "c.nc", mode="a", group=g, engine="h5netcdf")
    with pytest.raises(
        nu.FileFormatError,
        match=r"c\.nc: a neurounits network result whose plastic weights "
        r"cannot be read \(KeyError",
    ):
        nu.load(tmp_path / "c.nc")
